"""media_files rows: writing a batch of read outcomes, and listing the files a scan could not read.

A batch is written in the caller's transaction together with its catalog rows, so a file's size and
mtime are only recorded once its tracks are: a scan stopped at any point resumes by skipping exactly the
files already written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from analyzer.catalog.upsert import chunked, insert_rows
from analyzer.catalog.writer import CatalogWriter
from analyzer.scan.plan import PlannedFile
from analyzer.scan.reading import FileFailed, FileOutcome, FileRead
from models.enums import AnalysisStatus, ScanStatus
from models.media import MediaFile
from models.types import utcnow

MEDIA_FILES: Table = MediaFile.__table__  # type: ignore[assignment]
REASON_WIDTH = 1000


@dataclass
class BatchCounts:
    added: int = 0
    updated: int = 0
    errors: int = 0
    vanished: int = 0


def write_batch(
    session: Session, catalog: CatalogWriter, batch: Sequence[tuple[PlannedFile, FileOutcome]]
) -> tuple[BatchCounts, set[int]]:
    """Write one batch; returns its counts and the track ids re-read files pointed at before (they may
    now be orphans)."""
    counts = BatchCounts()
    now = utcnow()
    read = [(planned, outcome) for planned, outcome in batch if isinstance(outcome, FileRead)]
    track_ids = catalog.write(session, [outcome.record for _, outcome in read])
    previous = _previous_track_ids(session, [p.media_id for p, _ in read if p.media_id is not None])
    ok_rows: list[tuple[PlannedFile, dict[str, Any]]] = []
    for (planned, outcome), track_id in zip(read, track_ids, strict=True):
        ok_rows.append((planned, _ok_row(planned, outcome, track_id, now)))
        if planned.media_id is None:
            counts.added += 1
        else:
            counts.updated += 1
    error_rows: list[tuple[PlannedFile, dict[str, Any]]] = []
    for planned, failure in batch:
        if isinstance(failure, FileFailed):
            counts.errors += 1
            error_rows.append((planned, _error_row(planned, failure, now)))
        elif failure is None:
            counts.vanished += 1  # gone since the walk: the next scan marks it missing
    _store(session, ok_rows)
    _store(session, error_rows)
    return counts, {tid for tid in previous.values() if tid is not None} - set(track_ids)


def _store(session: Session, rows: list[tuple[PlannedFile, dict[str, Any]]]) -> None:
    """New rows in one executemany INSERT, known rows in one executemany UPDATE (rows share their keys)."""
    inserts = [
        {**row, "file_path": planned.found.path, "file_path_hash": planned.path_hash}
        for planned, row in rows
        if planned.media_id is None
    ]
    updates = [{**row, "mid": planned.media_id} for planned, row in rows if planned.media_id is not None]
    insert_rows(session, MEDIA_FILES, inserts)
    if updates:
        columns: dict[str, Any] = {key: bindparam(key) for key in updates[0] if key != "mid"}
        statement = update(MEDIA_FILES).where(MEDIA_FILES.c.id == bindparam("mid")).values(**columns)
        session.execute(statement, updates)


def _ok_row(planned: PlannedFile, outcome: FileRead, track_id: int, now: datetime) -> dict[str, Any]:
    stream = outcome.stream
    return {
        "track_id": track_id,
        "duration_secs": max(0.0, stream.duration_secs or 0.0),
        "size_bytes": planned.found.size,
        "mtime_ns": planned.found.mtime_ns,
        "format": stream.format[:32],
        "codec": stream.codec[:32],
        "bitrate": stream.bitrate,
        "sample_rate": stream.sample_rate,
        "channels": stream.channels,
        "lossless": stream.lossless,
        "scan_status": ScanStatus.OK,
        "error_kind": None,
        "scan_error": None,
        "analysis_status": AnalysisStatus.PENDING,  # new or changed content: analysis runs (again)
        "last_scanned_at": now,
    }


def _error_row(planned: PlannedFile, failure: FileFailed, now: datetime) -> dict[str, Any]:
    # The track link is kept: listens may point at the track a now-damaged file used to hold.
    return {
        "size_bytes": planned.found.size,
        "mtime_ns": planned.found.mtime_ns,
        "scan_status": ScanStatus.ERROR,
        "error_kind": failure.kind[:32],
        "scan_error": failure.reason[:REASON_WIDTH],
        "last_scanned_at": now,
    }


def _previous_track_ids(session: Session, media_ids: list[int]) -> dict[int, int | None]:
    found: dict[int, int | None] = {}
    for chunk in chunked(media_ids):
        statement = select(MEDIA_FILES.c.id, MEDIA_FILES.c.track_id).where(MEDIA_FILES.c.id.in_(chunk))
        found.update((media_id, track_id) for media_id, track_id in session.execute(statement).tuples())
    return found


@dataclass(frozen=True, slots=True)
class ProblemFile:
    path: str
    status: str
    kind: str | None
    reason: str | None


def problem_files(session: Session, *, include_missing: bool = True) -> list[ProblemFile]:
    """Files the last scans could not read (and, by default, files that went missing), by path."""
    statuses = [ScanStatus.ERROR, ScanStatus.MISSING] if include_missing else [ScanStatus.ERROR]
    statement = (
        select(MediaFile.file_path, MediaFile.scan_status, MediaFile.error_kind, MediaFile.scan_error)
        .where(MediaFile.scan_status.in_(statuses))
        .order_by(MediaFile.file_path)
    )
    return [
        ProblemFile(path, str(status), kind, reason)
        for path, status, kind, reason in session.execute(statement)
    ]
