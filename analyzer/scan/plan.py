"""The incremental plan: which found files to read, which to leave alone, which rows went missing.

A file is identified by ``file_path_hash`` (SHA-1 of the absolute path's bytes). The whole known state is
loaded with one query into a dict; comparing size + mtime_ns is then set work in memory, so an unchanged
library costs one stat per file and no per-file query.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import String, select, type_coerce, update
from sqlalchemy.orm import Session

from analyzer.catalog.upsert import chunked
from analyzer.scan.walker import FoundFile
from models.artists import utcnow
from models.enums import ScanStatus
from models.media import MediaFile


def path_hash(path: str) -> str:
    """The media_files key of an absolute path (bytes as the OS has them, so non-UTF-8 names work)."""
    return hashlib.sha1(os.fsencode(path)).hexdigest()


@dataclass(frozen=True, slots=True)
class KnownFile:
    id: int
    size: int
    mtime_ns: int
    status: str


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

    Core on the session's connection, status read as plain text: on 100,000 rows the ORM's row loading
    and enum conversion cost more than the query."""
    table = MediaFile.__table__
    statement = select(
        table.c.file_path_hash,
        table.c.id,
        table.c.size_bytes,
        table.c.mtime_ns,
        type_coerce(table.c.scan_status, String),
    )
    rows = session.connection().execute(statement).fetchall()
    return {row[0]: KnownFile(row[1], row[2], row[3], row[4]) for row in rows}


def plan_file(plan: ScanPlan, known: dict[str, KnownFile], found: FoundFile) -> None:
    """Add one found file to the plan: unchanged (size, mtime and status ok/error match) or to read."""
    key = path_hash(found.path)
    if key in plan.seen:
        return  # the same path reached twice (overlapping roots)
    plan.seen.add(key)
    row = known.get(key)
    if (
        row is not None
        and row.size == found.size
        and row.mtime_ns == found.mtime_ns
        and row.status != ScanStatus.MISSING
    ):
        plan.unchanged += 1
        return
    plan.to_read.append(PlannedFile(found, key, row.id if row else None))


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
    candidates = [
        row.id for key, row in known.items() if key not in seen and row.status != ScanStatus.MISSING
    ]
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
