"""Charts as PNG or SVG with matplotlib's Agg backend (headless: no display, no Qt).

Figures are built on a ``Figure`` object directly, never through pyplot's global state, so charts can be
drawn from worker threads and nothing leaks between calls. Each chart is a ``draw_*`` function that fills a
given figure, so the desktop app draws the very same chart on its own canvas (in its theme) that the
``*_chart`` exporters save.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrobbler.exports.atomic import atomic_path
from scrobbler.stats.top import TopEntry
from scrobbler.stats.trends import WEEKDAYS, DayTrend, ListeningClock

CHART_FORMATS = ("png", "svg")


@dataclass(frozen=True, slots=True)
class ChartTheme:
    """The colours a chart is drawn in; :data:`LIGHT` for files, a dark one for a dark window."""

    background: str = "white"
    ink: str = "#1f2933"  # titles, labels, value texts
    muted: str = "#9aa5b1"  # axis lines
    grid: str = "#e4e7eb"
    accent: str = "#3b6ea8"
    second: str = "#c2410c"  # a second series beside the accent
    heatmap: str = "Blues"  # a matplotlib colour map, light cells for few plays
    cell_gap: str = "white"  # the lines between heatmap cells


LIGHT = ChartTheme()
DARK = ChartTheme(
    background="#1e2128",
    ink="#e6e8ec",
    muted="#6b7280",
    grid="#343a45",
    accent="#6fa3e0",
    second="#f59e5b",
    heatmap="Blues_r",
    cell_gap="#1e2128",
)
ACCENT, MUTED, INK = LIGHT.accent, LIGHT.muted, LIGHT.ink


def new_figure(
    width: float,
    height: float,
    theme: ChartTheme = LIGHT,
    *,
    dpi: float = 150,
    margins: dict[str, float] | None = None,
) -> Any:
    """A ``Figure`` on the headless Agg canvas with the theme's background.

    Without ``margins`` matplotlib's constrained layout places everything (what files use); with them
    (``left``, ``right``, ``top``, ``bottom`` as figure fractions) the axes go there directly, which draws in
    about half the time: what a screen redrawing on every switch wants."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained" if margins is None else None)
    if margins is not None:
        figure.subplots_adjust(**margins)
    FigureCanvasAgg(figure)  # the headless Agg canvas, whatever matplotlib's default backend is
    figure.patch.set_facecolor(theme.background)
    return figure


def style_axes(axes: Any, theme: ChartTheme = LIGHT) -> None:
    """Open axes (no top/right spines) in the theme's colours."""
    axes.set_facecolor(theme.background)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.spines["left"].set_color(theme.muted)
    axes.spines["bottom"].set_color(theme.muted)
    axes.tick_params(colors=theme.ink, labelsize=8)


def set_title(axes: Any, title: str, theme: ChartTheme = LIGHT) -> None:
    # y given: matplotlib then skips placing the title above top-side tick labels (none here), which
    # measured every tick label's extent on each draw (~25 ms of a ~130 ms screen chart); same pixels.
    axes.set_title(title, loc="left", fontsize=12, fontweight="bold", color=theme.ink, y=1.0)


def empty_note(axes: Any, text: str, theme: ChartTheme = LIGHT) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, color=theme.ink)


def save_figure(figure: Any, path: Path | str, fmt: str) -> Path:
    """Write ``figure`` as PNG or SVG, atomically, on its own background colour."""
    if fmt not in CHART_FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}; use png or svg")
    target = Path(path)
    with atomic_path(target) as temp:
        figure.savefig(
            temp,
            format=fmt,
            facecolor=figure.get_facecolor(),
            metadata={"Creator": "Tonearm"} if fmt != "svg" else None,
        )
    return target


def _hours_minutes(secs: float) -> str:
    hours, rest = divmod(int(secs), 3600)
    return f"{hours}h {rest // 60:02d}m" if hours else f"{rest // 60}m"


def top_chart_height(count: int) -> float:
    """Inches a top list of ``count`` bars needs to keep its labels readable."""
    return max(2.2, 0.32 * count + 1.2)


def draw_top(
    figure: Any, entries: Sequence[TopEntry], title: str, by: str = "plays", theme: ChartTheme = LIGHT
) -> None:
    """Horizontal bars, biggest on top, with the value printed at the end of each bar."""
    axes = figure.add_subplot()
    labels = [f"{e.artist} – {e.name}" if e.artist else e.name for e in entries]
    labels = [label if len(label) <= 48 else label[:47] + "…" for label in labels]
    values = [e.listening_secs / 3600 if by == "time" else e.plays for e in entries]
    positions = list(range(len(entries)))[::-1]
    axes.barh(positions, values, color=theme.accent, height=0.7)
    axes.set_yticks(positions, labels)
    for y, entry, value in zip(positions, entries, values, strict=True):
        text = _hours_minutes(entry.listening_secs) if by == "time" else f"{entry.plays:,}"
        axes.text(value, y, f"  {text}", va="center", fontsize=7.5, color=theme.ink)
    axes.set_xlabel("hours listened" if by == "time" else "plays", fontsize=9, color=theme.ink)
    axes.set_xlim(0, (max(values) if values else 1) * 1.15)
    axes.grid(axis="x", color=theme.grid, linewidth=0.6)
    axes.set_axisbelow(True)
    style_axes(axes, theme)
    set_title(axes, title, theme)
    if not entries:
        empty_note(axes, "no listens in this range", theme)


def top_chart(
    entries: Sequence[TopEntry],
    title: str,
    path: Path | str,
    fmt: str,
    by: str = "plays",
    theme: ChartTheme = LIGHT,
) -> Path:
    figure = new_figure(8, top_chart_height(len(entries)), theme)
    draw_top(figure, entries, title, by, theme)
    return save_figure(figure, path, fmt)


def draw_clock(figure: Any, clock: ListeningClock, title: str, theme: ChartTheme = LIGHT) -> None:
    """The hour x weekday heatmap, one cell per local hour, with a colour bar of plays."""
    axes = figure.add_subplot()
    axes.set_facecolor(theme.background)
    image = axes.imshow(clock.plays, aspect="auto", cmap=theme.heatmap, interpolation="nearest", vmin=0)
    axes.set_yticks(range(7), WEEKDAYS)
    axes.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)])
    axes.set_xticks([x - 0.5 for x in range(25)], minor=True)
    axes.set_yticks([y - 0.5 for y in range(8)], minor=True)
    axes.grid(which="minor", color=theme.cell_gap, linewidth=1.2)
    axes.tick_params(which="minor", length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.tick_params(colors=theme.ink, labelsize=8, length=0)
    bar = figure.colorbar(image, ax=axes, shrink=0.9, pad=0.01)
    bar.set_label("plays", fontsize=8, color=theme.ink)
    bar.ax.tick_params(labelsize=7, colors=theme.ink)
    bar.outline.set_visible(False)
    set_title(axes, title, theme)


def clock_chart(
    clock: ListeningClock, title: str, path: Path | str, fmt: str, theme: ChartTheme = LIGHT
) -> Path:
    figure = new_figure(10, 3.6, theme)
    draw_clock(figure, clock, title, theme)
    return save_figure(figure, path, fmt)


def draw_daily(figure: Any, trend: Sequence[DayTrend], title: str, theme: ChartTheme = LIGHT) -> None:
    """Plays per day as filled steps with a 7-day average line; unique artists per day as a thin line.

    Steps rather than one bar per day: a year of bars took 340-500 ms to redraw (design/gui.md),
    ten years of steps draw like one polygon."""
    import matplotlib.dates as mdates

    axes = figure.add_subplot()
    days = [t.day for t in trend]
    plays = [t.plays for t in trend]
    if trend:
        starts = mdates.date2num(days)
        edges = [*(x - 0.5 for x in starts), starts[-1] + 0.5]
        # fill_between with steps draws the same shape as `stairs`, but its data limits come from the
        # vertices at once; a StepPatch's were found curve segment by segment (half of a ten-year chart).
        axes.fill_between(
            edges,
            [*plays, plays[-1]],
            step="post",
            color=theme.accent,
            alpha=0.35,
            label="plays",
            linewidth=0,
        )
    if len(plays) >= 7:
        rolling = [sum(plays[max(0, i - 6) : i + 1]) / min(7, i + 1) for i in range(len(plays))]
        axes.plot(days, rolling, color=theme.accent, linewidth=1.8, label="plays, 7-day average")
    axes.plot(
        days, [t.unique_artists for t in trend], color=theme.second, linewidth=1, label="unique artists"
    )
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.set_ylabel("per day", fontsize=9, color=theme.ink)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color=theme.grid, linewidth=0.6)
    axes.set_axisbelow(True)
    style_axes(axes, theme)
    legend = axes.legend(frameon=False, fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3)
    for text in legend.get_texts():
        text.set_color(theme.ink)
    set_title(axes, title, theme)
    if not trend:
        empty_note(axes, "no listens in this range", theme)


def daily_chart(
    trend: Sequence[DayTrend], title: str, path: Path | str, fmt: str, theme: ChartTheme = LIGHT
) -> Path:
    figure = new_figure(10, 3.8, theme)
    draw_daily(figure, trend, title, theme)
    return save_figure(figure, path, fmt)
