"""The incremental plan: which found files to read, which to leave alone, which rows went missing.

A file is identified by ``file_path_hash`` (SHA-1 of the absolute path's bytes). The whole known state is
loaded with one query into a dict; comparing size + mtime_ns is then set work in memory, so an unchanged
library costs one stat per file and no per-file query.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analyzer.scan.paths import path_hash
from analyzer.scan.walker import FoundFile
from models.enums import ScanStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# The functions that query (load_known_files, mark_missing) import the ORM models when called: planning a
# first scan's files needs none of it, and its read workers start before this process has imported them.

KnownFile = tuple[int, int, str, int]
"""A media_files row as the plan compares it: (size_bytes, mtime_ns, scan_status, id)."""


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """A file to (re)read; ``media_id`` is its existing row, None when new."""

    found: FoundFile
    path_hash: str
    media_id: int | None


@dataclass
class ScanPlan:
    to_read: list[PlannedFile] = field(default_factory=list)
    unchanged: int = 0
    seen: set[str] = field(default_factory=set)


def load_known_files(session: Session) -> dict[str, KnownFile]:
    """Every media_files row's key and scan state (no paths: decoding them is the slow part).

    Run through the driver as compiled SQL: on 100,000 rows SQLAlchemy's row objects and enum conversion
    cost more than the query."""
    from sqlalchemy import select

    from analyzer.catalog.upsert import fetch_driver_rows
    from models.media import MediaFile

    table = MediaFile.__table__
    statement = select(
        table.c.file_path_hash, table.c.size_bytes, table.c.mtime_ns, table.c.scan_status, table.c.id
    )
    rows = fetch_driver_rows(session, statement)
    return {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}


def plan_file(plan: ScanPlan, known: dict[str, KnownFile], found: FoundFile) -> bool:
    """Add one found file to the plan: unchanged (size, mtime and status ok/error match) or to read.
    Returns whether it is to be read."""
    key = path_hash(found.path)
    if key in plan.seen:
        return False  # the same path reached twice (overlapping roots)
    plan.seen.add(key)
    row = known.get(key)
    if row is not None and row[0] == found.size and row[1] == found.mtime_ns and row[2] != ScanStatus.MISSING:
        plan.unchanged += 1
        return False
    plan.to_read.append(PlannedFile(found, key, row[3] if row else None))
    return True


def mark_missing(
    session: Session,
    known: dict[str, KnownFile],
    seen: set[str],
    roots: Iterable[str],
    blocked: Iterable[str],
) -> int:
    """Mark rows under ``roots`` that the walk did not see as missing (rows kept); returns how many.

    Rows under a ``blocked`` folder (one the walk could not read) are left alone: unreadable is not gone.
    """
    from sqlalchemy import select, update

    from analyzer.catalog.upsert import chunked
    from models.media import MediaFile
    from models.types import utcnow

    candidates = [row[3] for key, row in known.items() if key not in seen and row[2] != ScanStatus.MISSING]
    if not candidates:
        return 0
    inside = [_as_prefix(root) for root in roots]
    outside = [_as_prefix(folder) for folder in blocked]
    gone: list[int] = []
    for chunk in chunked(candidates):
        rows = session.execute(select(MediaFile.id, MediaFile.file_path).where(MediaFile.id.in_(chunk)))
        for media_id, path in rows.tuples():
            if _under_any(path, inside) and not _under_any(path, outside):
                gone.append(media_id)
    now = utcnow()
    for chunk in chunked(gone):
        session.execute(
            update(MediaFile)
            .where(MediaFile.id.in_(chunk))
            .values(scan_status=ScanStatus.MISSING, last_scanned_at=now)
        )
    return len(gone)


def _as_prefix(folder: str) -> str:
    folder = os.path.abspath(folder)
    return folder if folder.endswith(os.sep) else folder + os.sep


def _under_any(path: str, prefixes: list[str]) -> bool:
    return any(path.startswith(prefix) or path + os.sep == prefix for prefix in prefixes)
