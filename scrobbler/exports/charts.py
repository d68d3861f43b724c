"""Charts as PNG or SVG with matplotlib's Agg backend (headless: no display, no Qt).

Figures are built on a ``Figure`` object directly, never through pyplot's global state, so charts can be
drawn from worker threads and nothing leaks between calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrobbler.exports.atomic import atomic_path
from scrobbler.stats.top import TopEntry
from scrobbler.stats.trends import WEEKDAYS, DayTrend, ListeningClock

CHART_FORMATS = ("png", "svg")
ACCENT = "#3b6ea8"
MUTED = "#9aa5b1"
INK = "#1f2933"


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)  # the headless Agg canvas, whatever matplotlib's default backend is
    figure.patch.set_facecolor("white")
    return figure


def _style(axes: Any) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.spines["left"].set_color(MUTED)
    axes.spines["bottom"].set_color(MUTED)
    axes.tick_params(colors=INK, labelsize=8)


def _save(figure: Any, path: Path | str, fmt: str) -> Path:
    if fmt not in CHART_FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}; use png or svg")
    target = Path(path)
    with atomic_path(target) as temp:
        figure.savefig(
            temp, format=fmt, facecolor="white", metadata={"Creator": "Tonearm"} if fmt != "svg" else None
        )
    return target


def _hours_minutes(secs: float) -> str:
    hours, rest = divmod(int(secs), 3600)
    return f"{hours}h {rest // 60:02d}m" if hours else f"{rest // 60}m"


def top_chart(entries: Sequence[TopEntry], title: str, path: Path | str, fmt: str, by: str = "plays") -> Path:
    """Horizontal bars, biggest on top, with the value printed at the end of each bar."""
    figure = _figure(8, max(2.2, 0.32 * len(entries) + 1.2))
    axes = figure.add_subplot()
    labels = [f"{e.artist} – {e.name}" if e.artist else e.name for e in entries]
    labels = [label if len(label) <= 48 else label[:47] + "…" for label in labels]
    values = [e.listening_secs / 3600 if by == "time" else e.plays for e in entries]
    positions = list(range(len(entries)))[::-1]
    axes.barh(positions, values, color=ACCENT, height=0.7)
    axes.set_yticks(positions, labels)
    for y, entry, value in zip(positions, entries, values, strict=True):
        text = _hours_minutes(entry.listening_secs) if by == "time" else f"{entry.plays:,}"
        axes.text(value, y, f"  {text}", va="center", fontsize=7.5, color=INK)
    axes.set_xlabel("hours listened" if by == "time" else "plays", fontsize=9, color=INK)
    axes.set_xlim(0, (max(values) if values else 1) * 1.15)
    axes.grid(axis="x", color="#e4e7eb", linewidth=0.6)
    axes.set_axisbelow(True)
    _style(axes)
    axes.set_title(title, loc="left", fontsize=12, fontweight="bold", color=INK)
    if not entries:
        axes.text(0.5, 0.5, "no listens in this range", ha="center", va="center", transform=axes.transAxes)
    return _save(figure, path, fmt)


def clock_chart(clock: ListeningClock, title: str, path: Path | str, fmt: str) -> Path:
    """The hour x weekday heatmap, one cell per local hour, with a colour bar of plays."""
    figure = _figure(10, 3.6)
    axes = figure.add_subplot()
    image = axes.imshow(clock.plays, aspect="auto", cmap="Blues", interpolation="nearest", vmin=0)
    axes.set_yticks(range(7), WEEKDAYS)
    axes.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)])
    axes.set_xticks([x - 0.5 for x in range(25)], minor=True)
    axes.set_yticks([y - 0.5 for y in range(8)], minor=True)
    axes.grid(which="minor", color="white", linewidth=1.2)
    axes.tick_params(which="minor", length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.tick_params(colors=INK, labelsize=8, length=0)
    bar = figure.colorbar(image, ax=axes, shrink=0.9, pad=0.01)
    bar.set_label("plays", fontsize=8, color=INK)
    bar.ax.tick_params(labelsize=7)
    bar.outline.set_visible(False)
    axes.set_title(title, loc="left", fontsize=12, fontweight="bold", color=INK)
    return _save(figure, path, fmt)


def daily_chart(trend: Sequence[DayTrend], title: str, path: Path | str, fmt: str) -> Path:
    """Plays per day as bars with a 7-day average line; unique artists per day as a thin line."""
    import matplotlib.dates as mdates

    figure = _figure(10, 3.8)
    axes = figure.add_subplot()
    days = [t.day for t in trend]
    plays = [t.plays for t in trend]
    axes.bar(days, plays, width=0.9, color=ACCENT, alpha=0.35, label="plays")
    if len(plays) >= 7:
        rolling = [sum(plays[max(0, i - 6) : i + 1]) / min(7, i + 1) for i in range(len(plays))]
        axes.plot(days, rolling, color=ACCENT, linewidth=1.8, label="plays, 7-day average")
    axes.plot(days, [t.unique_artists for t in trend], color="#c2410c", linewidth=1, label="unique artists")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.set_ylabel("per day", fontsize=9, color=INK)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#e4e7eb", linewidth=0.6)
    axes.set_axisbelow(True)
    _style(axes)
    axes.legend(frameon=False, fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3)
    axes.set_title(title, loc="left", fontsize=12, fontweight="bold", color=INK)
    if not trend:
        axes.text(0.5, 0.5, "no listens in this range", ha="center", va="center", transform=axes.transAxes)
    return _save(figure, path, fmt)
