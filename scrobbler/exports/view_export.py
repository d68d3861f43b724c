"""Export one part of a computed stats view (a table as CSV/JSON/Parquet, or its chart as PNG/SVG) as a
long operation: a generator of Progress that takes a CancelToken and returns a :class:`ViewExport`.

The view is already computed (what the person is looking at), so the export writes exactly what is shown;
the file appears atomically or not at all (a cancel before the write leaves an older file untouched).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from models.progress import CancelToken, Progress
from scrobbler.exports.charts import CHART_FORMATS, LIGHT, ChartTheme
from scrobbler.exports.tables import TABLE_FORMATS, write_table
from scrobbler.exports.view_charts import write_view_chart
from scrobbler.stats.views import StatsView

CHART_PART = "chart"
"""The part name of a view's chart (every other part is one of its tables, by table name)."""


@dataclass(frozen=True, slots=True)
class ViewExport:
    path: Path
    fmt: str
    part: str
    rows: int | None  # rows written for a table; None for a chart
    cancelled: bool = False


def export_formats(view: StatsView, part: str) -> tuple[str, ...]:
    """The formats ``part`` of ``view`` can be written in (charts: png, svg; tables: csv, json, parquet)."""
    if part == CHART_PART:
        return CHART_FORMATS if view.chart_kind is not None else ()
    view.table(part)  # KeyError with the view's tables when there is no such part
    return TABLE_FORMATS


def export_view(
    view: StatsView,
    part: str,
    path: Path | str,
    fmt: str,
    token: CancelToken,
    theme: ChartTheme = LIGHT,
) -> Generator[Progress, None, ViewExport]:
    """Write ``part`` of ``view`` to ``path`` in ``fmt``. Raises ValueError when ``fmt`` does not fit the
    part (a chart as CSV, a table as PNG), with the formats that do."""
    target = Path(path)
    offered = export_formats(view, part)
    if not offered:
        raise ValueError(f"the {view.name} view has no chart; export one of its tables instead")
    if fmt not in offered:
        what = "a chart" if part == CHART_PART else "a table"
        raise ValueError(f"{what} can be saved as {', '.join(offered)}, not {fmt!r}")
    yield Progress("export", 0, 1, f"writing {target.name}")
    if token.cancelled:
        return ViewExport(target, fmt, part, None, cancelled=True)
    if part == CHART_PART:
        write_view_chart(view, target, fmt, theme)
        rows = None
    else:
        table = view.table(part)
        write_table(table, target, fmt)
        rows = len(table.rows)
    yield Progress("export", 1, 1, f"wrote {target.name}")
    return ViewExport(target, fmt, part, rows)
