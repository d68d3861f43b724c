"""The scan's write side: read outcomes into the catalog and media_files, one transaction per batch.

Kept apart from :mod:`analyzer.scan.runner` because it needs the ORM models, the catalog writer and their
SQL: a first scan imports them only once the walk has started the read workers (see
:func:`analyzer.scan.runner.scan_new_database`), so the workers read while this process imports.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session

from analyzer.catalog.orphans import prune_orphan_tracks
from analyzer.catalog.writer import CatalogWriter
from analyzer.scan.media_rows import BatchCounts, write_batch
from analyzer.scan.moves import reconcile_moved_files
from analyzer.scan.plan import KnownFile, PlannedFile, mark_missing
from analyzer.scan.reading import FileOutcome, ReadAhead
from models.engine import Database
from models.gc_policy import batch_paused, settle_batch
from models.progress import CancelToken, Progress
from models.unit_of_work import write_transaction

if TYPE_CHECKING:
    from analyzer.scan.runner import ScanSummary

WRITER_CACHE_KIB = 65536


def read_and_write(
    db: Database,
    to_read: Sequence[PlannedFile],
    reader: ReadAhead,
    summary: ScanSummary,
    token: CancelToken,
    batch_files: int,
) -> Generator[Progress, None, None]:
    """Write the reader's outcomes for ``to_read`` (in order) in batches of ``batch_files``; counts go to
    ``summary``. On cancel, what was read is written and the reads in flight are dropped."""
    total = len(to_read)
    catalogs = [CatalogWriter()]  # one for the whole scan; a fresh one after a rolled-back attempt
    orphan_candidates: set[int] = set()
    batch: list[tuple[PlannedFile, FileOutcome]] = []
    done = 0
    tail = max(reader.chunk_files, batch_files // 4)

    def write(session: Session, count: int, attempt: list[int]) -> tuple[BatchCounts, set[int]]:
        attempt[0] += 1
        if attempt[0] > 1:  # the catalog's id caches may hold ids the rolled-back attempt inserted
            catalogs[0] = CatalogWriter()
        _size_writer_cache(session)
        return write_batch(session, catalogs[0], batch[:count])

    def flush(count: int) -> None:
        # No collections while a batch is written (its rows and SQL parameters hold no cycles; a session's
        # few are collected right after, before the survivors are frozen).
        attempt = [0]
        with batch_paused():
            counts, orphans = write_transaction(
                db, lambda session: write(session, count, attempt), what=f"scan: writing {count:,} files"
            )
        orphan_candidates.update(orphans)
        summary.added += counts.added
        summary.updated += counts.updated
        summary.errors += counts.errors
        summary.vanished += counts.vanished
        del batch[:count]
        settle_batch()

    for start, outcomes in reader.results():
        batch.extend(zip(to_read[start : start + len(outcomes)], outcomes, strict=True))
        done += len(outcomes)
        while len(batch) >= batch_files:
            flush(batch_files)
        if len(batch) >= tail and reader.draining:
            flush(len(batch))  # smaller batches at the end: less writing left once the workers are done
        if token.cancelled:
            summary.cancelled = True
            break  # what was read is written below; the reads still in flight are dropped
        yield Progress("read", done, total, "reading tags", summary.counts())
    if batch:
        flush(len(batch))
    # Also after a cancel: a track the committed batches left without files goes now, not never.
    if orphan_candidates:
        summary.pruned_tracks = write_transaction(
            db,
            lambda session: prune_orphan_tracks(session, orphan_candidates),
            what="scan: removing tracks left without files",
        )
    if total and not summary.cancelled:
        yield Progress("read", done, total, "reading tags", summary.counts())


def finish_scan(
    db: Database, known: dict[str, KnownFile], seen: set[str], roots: list[str], blocked: list[str]
) -> tuple[int, int]:
    """After a whole walk: mark what it did not see as missing, then recognize moved files; returns
    (missing, moved)."""

    def finish(session: Session) -> tuple[int, int]:
        return mark_missing(session, known, seen, roots, blocked), reconcile_moved_files(session)

    return write_transaction(db, finish, what="scan: marking missing files")


def _size_writer_cache(session: Session) -> None:
    """SQLite's default 2 MB page cache thrashes on the catalog's indexes during a large scan; 64 MB for
    the writer's connection keeps them in memory (a per-connection setting, nothing on disk changes)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}"))
