"""Write any stats table (:class:`scrobbler.stats.tables.StatsTable`) to CSV, JSON or Parquet, atomically."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson

from scrobbler.exports.atomic import atomic_path
from scrobbler.stats.tables import StatsTable

TABLE_FORMATS = ("csv", "json", "parquet")


def write_table(table: StatsTable, path: Path | str, fmt: str) -> Path:
    """Write ``table``; JSON is ``{"name", "columns", "rows": [{column: value}]}`` so it is self-describing."""
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"unknown table format {fmt!r}; use one of {', '.join(TABLE_FORMATS)}")
    target = Path(path)
    with atomic_path(target) as temp:
        if fmt == "csv":
            with open(temp, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(table.columns)
                writer.writerows(table.rows)
        elif fmt == "json":
            document = {"name": table.name, "columns": table.columns, "rows": table.records()}
            temp.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
        else:
            _write_parquet(table, temp)
    return target


def _write_parquet(table: StatsTable, temp: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, Any] = {
        name: pa.array([row[i] for row in table.rows]) for i, name in enumerate(table.columns)
    }
    arrow = pa.table(columns) if columns else pa.table({})
    pq.write_table(arrow.replace_schema_metadata({"tonearm.stat": table.name}), temp)
