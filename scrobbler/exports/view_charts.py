"""The chart of any :class:`scrobbler.stats.views.StatsView`, drawn into a given figure (the app's canvas)
or written as PNG/SVG, so the chart on screen and the exported file are the same drawing.

Top lists, the clock and the daily trend are the exporters of :mod:`scrobbler.exports.charts`; the taste
profile (genres, keys, hours of the day) and the compatibility meter are drawn here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrobbler.exports.charts import (
    LIGHT,
    ChartTheme,
    draw_clock,
    draw_daily,
    draw_top,
    empty_note,
    new_figure,
    save_figure,
    set_title,
    style_axes,
    top_chart_height,
)
from scrobbler.stats.compat import Compatibility
from scrobbler.stats.taste import TasteProfile
from scrobbler.stats.views import StatsView

_TASTE_GENRES = 10
_TASTE_KEYS = 12


def chart_size(view: StatsView) -> tuple[float, float]:
    """Width and height in inches the view's chart is drawn at (files) and shaped like (screen)."""
    if view.chart_kind == "top":
        return 8.0, top_chart_height(len(view.chart))
    if view.chart_kind == "taste":
        return 10.0, 4.2
    if view.chart_kind == "compat":
        return 8.0, 2.6
    return 10.0, 3.8 if view.chart_kind == "daily" else 3.6


def draw_view_chart(figure: Any, view: StatsView, theme: ChartTheme = LIGHT) -> None:
    """Draw ``view``'s chart into ``figure`` (cleared first); ValueError for a view without a chart."""
    sides = ("left", "right", "top", "bottom", "wspace", "hspace")
    margins = {side: getattr(figure.subplotpars, side) for side in sides}
    figure.clear()  # which also resets the margins a figure without a layout engine was made with
    if figure.get_layout_engine() is None:
        figure.subplots_adjust(**margins)
    figure.patch.set_facecolor(theme.background)
    if view.chart_kind == "top":
        draw_top(figure, view.chart, view.title, view.by, theme)
    elif view.chart_kind == "clock":
        draw_clock(figure, view.chart, view.title, theme)
    elif view.chart_kind == "daily":
        draw_daily(figure, view.chart, view.title, theme)
    elif view.chart_kind == "taste":
        draw_taste(figure, view.chart, view.title, theme)
    elif view.chart_kind == "compat":
        draw_compat(figure, view.chart, view.title, theme)
    else:
        raise ValueError(f"the {view.name} view has no chart; export one of its tables instead")


def write_view_chart(view: StatsView, path: Path | str, fmt: str, theme: ChartTheme = LIGHT) -> Path:
    """``view``'s chart as a PNG or SVG file, written atomically."""
    width, height = chart_size(view)
    figure = new_figure(width, height, theme)
    draw_view_chart(figure, view, theme)
    return save_figure(figure, path, fmt)


@dataclass(frozen=True, slots=True)
class ChartPixels:
    """A chart rendered for a screen: RGBA bytes, row by row, ``width`` x ``height`` pixels."""

    rgba: bytes
    width: int
    height: int


SCREEN_DPI = 100.0
TOP_BAR_PX = 24
"""Pixels per bar of a top list on screen (a longer list is taller and scrolls)."""


def screen_height(view: StatsView, available: int) -> int:
    """Pixel height a view's chart wants on a screen ``available`` pixels high (top lists grow per bar)."""
    if view.chart_kind == "top":
        return max(available, 110 + TOP_BAR_PX * max(len(view.chart), 1))
    return available


def render_view_chart(
    view: StatsView, width: int, height: int, theme: ChartTheme = LIGHT, scale: float = 1.0
) -> ChartPixels:
    """``view``'s chart as pixels for a screen (``scale``: device pixels per logical pixel), drawn by the
    same functions as the files. Safe in a worker thread: its own Figure on an Agg canvas, no pyplot.

    Top lists, the clock and the trend get fixed margins (half the drawing time of constrained layout,
    which files keep): the left one from the longest bar label."""
    import matplotlib

    width, height = max(width, 200), max(height, 120)
    dpi = SCREEN_DPI * scale
    figure = new_figure(
        width / SCREEN_DPI, height / SCREEN_DPI, theme, dpi=dpi, margins=_margins(view, width, height)
    )
    draw_view_chart(figure, view, theme)
    canvas = figure.canvas
    # Unhinted glyphs: FreeType's hinting was ~25 % of a top list's drawing (91 against 121 ms) and looks
    # the same at these sizes on screen. Files keep matplotlib's default (rc_context restores it).
    with matplotlib.rc_context({"text.hinting": "none"}):
        canvas.draw()
    pixels_w, pixels_h = canvas.get_width_height(physical=True)
    return ChartPixels(bytes(canvas.buffer_rgba()), pixels_w, pixels_h)


def _margins(view: StatsView, width: int, height: int) -> dict[str, float] | None:
    if view.chart_kind == "taste" and width >= TASTE_FIXED_MIN_PX:
        return {}  # no layout engine: the panels are placed by _taste_rects
    if view.chart_kind not in ("top", "clock", "daily"):
        return None  # panels of their own sizes: constrained layout places them
    left_px = {"clock": 48.0, "daily": 58.0}.get(view.chart_kind or "", 0.0)
    if view.chart_kind == "top":
        labels = [f"{e.artist} – {e.name}" if e.artist else e.name for e in view.chart] or [""]
        left_px = 20 + 7.2 * min(max(len(label) for label in labels), 48)  # 8 pt DejaVu Sans at 100 dpi
    right_px = 24.0 if view.chart_kind != "clock" else 10.0
    top_px, bottom_px = 40.0, 44.0
    return {
        "left": min(left_px / width, 0.5),
        "right": 1 - right_px / width,
        "top": 1 - top_px / height,
        "bottom": bottom_px / height,
    }


def draw_taste(figure: Any, profile: TasteProfile, title: str, theme: ChartTheme = LIGHT) -> None:
    """Four panels: the sound (feature means and spreads), the genres' shares, the keys played most, and
    plays per hour of the day."""
    sound_axes, genres_axes, keys_axes, hours_axes = _taste_panels(figure, profile)
    _sound(sound_axes, profile, theme)
    genres = list(profile.genres.items())[:_TASTE_GENRES]
    _bars(genres_axes, [g for g, _ in genres], [100 * s for _, s in genres], "% of genre-tagged plays", theme)
    if not genres:
        _blank(genres_axes, theme)
        empty_note(genres_axes, "no genres known", theme)
    keys = list(profile.keys.items())[:_TASTE_KEYS]
    _bars(keys_axes, [k for k, _ in keys], [p for _, p in keys], "plays (analysed tracks)", theme)
    if not keys:
        _blank(keys_axes, theme)
        empty_note(keys_axes, "no keys known", theme)
    hours = profile.hours or [0] * 24
    hours_axes.stairs(hours, range(25), fill=True, color=theme.accent, alpha=0.8, linewidth=0)
    hours_axes.set_xticks(range(0, 25, 6), [f"{h:02d}:00" for h in range(0, 25, 6)])
    hours_axes.set_xlim(0, 24)
    hours_axes.set_xlabel("hour of day", fontsize=8, color=theme.ink)
    hours_axes.grid(axis="y", color=theme.grid, linewidth=0.6)
    hours_axes.set_axisbelow(True)
    style_axes(hours_axes, theme)
    if not any(hours):
        empty_note(hours_axes, "no listens in this range", theme)
    panels = (
        (sound_axes, "Sound"),
        (genres_axes, "Genres"),
        (keys_axes, "Keys"),
        (hours_axes, "Time of day"),
    )
    for axes, name in panels:
        axes.set_title(name, loc="left", fontsize=9, color=theme.ink)
    figure.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold", color=theme.ink)


_TASTE_RATIOS = (0.8, 1.2, 1.0, 1.4)
TASTE_FIXED_MIN_PX = 900
"""Narrower, the panels' x-axis labels are wider than the panels: constrained layout places them then."""


def _taste_panels(figure: Any, profile: TasteProfile) -> list[Any]:
    """The four panels: placed by constrained layout in files, at fixed places on a screen (the layout
    engine measured every text of four panels on each draw: ~25 of ~100 ms)."""
    if figure.get_layout_engine() is not None:
        return list(figure.subplots(1, 4, width_ratios=list(_TASTE_RATIOS)))
    return [figure.add_axes(rect) for rect in _taste_rects(figure, profile)]


def _taste_rects(figure: Any, profile: TasteProfile) -> list[tuple[float, float, float, float]]:
    """The panels' widths in the same ratios, each after the room its tick labels take on its left, as
    constrained layout places them (8 pt DejaVu Sans at 100 dpi: ~6.2 px a letter, ~7.1 a digit)."""
    width, height = figure.get_figwidth() * SCREEN_DPI, figure.get_figheight() * SCREEN_DPI
    side, gap, right, top, bottom = 6.0, 12.0, 18.0, 48.0, 43.0  # right: half of "24:00" past the axes
    genres = [_short(g) for g in list(profile.genres)[:_TASTE_GENRES]]
    keys = list(profile.keys)[:_TASTE_KEYS]
    labels = [
        0.0,
        10 + 6.2 * max(map(len, genres)) if genres else 0.0,
        10 + 6.2 * max(map(len, keys)) if keys else 0.0,
        10 + 7.1 * len(str(max(profile.hours or [0]))),
    ]
    axes_total = width - side - right - 3 * gap - sum(labels)
    rects = []
    x = side
    for ratio, label in zip(_TASTE_RATIOS, labels, strict=True):
        axes_width = max(axes_total * ratio / sum(_TASTE_RATIOS), 20.0)
        x += label
        rects.append((x / width, bottom / height, axes_width / width, (height - top - bottom) / height))
        x += axes_width + gap
    return rects


def _short(label: str) -> str:
    return label if len(label) <= 22 else label[:21] + "…"


_FEATURE_LABELS = {"bpm": ("Tempo", "{:.0f} BPM", "± {:.0f}"), "energy": ("Energy", "{:.2f}", "± {:.2f}"),
                   "danceability": ("Danceability", "{:.2f}", "± {:.2f}"),
                   "loudness_lufs": ("Loudness", "{:.1f} LUFS", "± {:.1f}")}  # fmt: skip


def _sound(axes: Any, profile: TasteProfile, theme: ChartTheme) -> None:
    """The play-weighted feature means with their spreads, as text (their scales have nothing in common)."""
    _blank(axes, theme)
    y = 0.92
    for name, (label, mean_format, spread_format) in _FEATURE_LABELS.items():
        summary = profile.features.get(name)
        axes.text(0.02, y, label, transform=axes.transAxes, fontsize=8, color=theme.muted, va="top")
        if summary is None or summary.mean is None:
            value = "not analysed"
        else:
            value = mean_format.format(summary.mean) + " " + spread_format.format(summary.std or 0.0)
        axes.text(0.02, y - 0.07, value, transform=axes.transAxes, fontsize=10, color=theme.ink, va="top")
        y -= 0.22


def _blank(axes: Any, theme: ChartTheme) -> None:
    axes.set_facecolor(theme.background)
    axes.set_xticks([])
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)


def _bars(axes: Any, labels: list[str], values: list[float], xlabel: str, theme: ChartTheme) -> None:
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, values, color=theme.accent, height=0.7)
    axes.set_yticks(positions, [_short(label) for label in labels])
    axes.set_xlabel(xlabel, fontsize=8, color=theme.ink)
    axes.grid(axis="x", color=theme.grid, linewidth=0.6)
    axes.set_axisbelow(True)
    style_axes(axes, theme)


def draw_compat(figure: Any, result: Compatibility, title: str, theme: ChartTheme = LIGHT) -> None:
    """The 0-100 score as a meter on top, and the parts it is made of (0-100 %) as bars below it."""
    meter, parts_axes = figure.subplots(2, 1, height_ratios=[1, 2.2])
    meter.barh([0], [100], color=theme.grid, height=0.6)
    meter.barh([0], [result.score], color=theme.accent, height=0.6)
    meter.text(
        min(result.score, 88) + 1.5, 0, f"{result.score:g}/100", va="center", color=theme.ink, fontsize=10
    )
    meter.set_xlim(0, 100)
    meter.set_yticks([])
    meter.set_xticks([])
    style_axes(meter, theme)
    for side in ("left", "bottom"):
        meter.spines[side].set_visible(False)
    parts = [("artists", result.artist_overlap), ("tracks", result.track_overlap)]
    if result.feature_similarity is not None:
        parts.append(("sound (features)", result.feature_similarity))
    labels = [name for name, _ in parts]
    values = [100 * value for _, value in parts]
    _bars(parts_axes, labels, values, "% alike", theme)
    for y, value in zip(range(len(values))[::-1], values, strict=True):
        parts_axes.text(value, y, f"  {value:.0f}%", va="center", fontsize=8, color=theme.ink)
    parts_axes.set_xlim(0, 110)
    set_title(meter, title, theme)
