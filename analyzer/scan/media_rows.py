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

from analyzer.catalog.upsert import chunked, insert_tuples
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
    ok_rows: list[tuple[PlannedFile, tuple[Any, ...]]] = []
    for (planned, outcome), track_id in zip(read, track_ids, strict=True):
        ok_rows.append((planned, _ok_row(planned, outcome, track_id, now)))
        if planned.media_id is None:
            counts.added += 1
        else:
            counts.updated += 1
    error_rows: list[tuple[PlannedFile, tuple[Any, ...]]] = []
    for planned, failure in batch:
        if isinstance(failure, FileFailed):
            counts.errors += 1
            error_rows.append((planned, _error_row(planned, failure, now)))
        elif failure is None:
            counts.vanished += 1  # gone since the walk: the next scan marks it missing
    _store(session, OK_COLUMNS, ok_rows)
    _store(session, ERROR_COLUMNS, error_rows)
    return counts, {tid for tid in previous.values() if tid is not None} - set(track_ids)


def _store(
    session: Session, columns: tuple[str, ...], rows: list[tuple[PlannedFile, tuple[Any, ...]]]
) -> None:
    """New rows in one executemany INSERT, known rows in one executemany UPDATE (rows are ``columns``)."""
    inserts = [
        (*row, planned.found.path, planned.path_hash) for planned, row in rows if planned.media_id is None
    ]
    insert_tuples(session, MEDIA_FILES, (*columns, "file_path", "file_path_hash"), inserts)
    updates = [
        {**dict(zip(columns, row, strict=True)), "mid": planned.media_id}
        for planned, row in rows
        if planned.media_id is not None
    ]
    if updates:
        values: dict[str, Any] = {key: bindparam(key) for key in columns}
        statement = update(MEDIA_FILES).where(MEDIA_FILES.c.id == bindparam("mid")).values(**values)
        session.execute(statement, updates)


OK_COLUMNS = (
    "track_id",
    "duration_secs",
    "size_bytes",
    "mtime_ns",
    "format",
    "codec",
    "bitrate",
    "sample_rate",
    "channels",
    "lossless",
    "scan_status",
    "error_kind",
    "scan_error",
    "analysis_status",
    "last_scanned_at",
)


def _ok_row(planned: PlannedFile, outcome: FileRead, track_id: int, now: datetime) -> tuple[Any, ...]:
    stream = outcome.stream
    return (
        track_id,
        max(0.0, stream.duration_secs or 0.0),
        planned.found.size,
        planned.found.mtime_ns,
        stream.format[:32],
        stream.codec[:32],
        stream.bitrate,
        stream.sample_rate,
        stream.channels,
        stream.lossless,
        ScanStatus.OK,
        None,  # error_kind
        None,  # scan_error
        AnalysisStatus.PENDING,  # new or changed content: analysis runs (again)
        now,
    )


ERROR_COLUMNS = ("size_bytes", "mtime_ns", "scan_status", "error_kind", "scan_error", "last_scanned_at")


def _error_row(planned: PlannedFile, failure: FileFailed, now: datetime) -> tuple[Any, ...]:
    # The track link is kept: listens may point at the track a now-damaged file used to hold.
    return (
        planned.found.size,
        planned.found.mtime_ns,
        ScanStatus.ERROR,
        failure.kind[:32],
        failure.reason[:REASON_WIDTH],
        now,
    )


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
