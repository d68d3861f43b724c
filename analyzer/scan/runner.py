"""``scan_folders``: walk, plan, read in a process pool, write in batches — as a generator of Progress.

One writer (this generator, in the caller's process) commits a batch of files per transaction. A stop at
any point (cancel, Ctrl-C, kill, a failing batch) leaves every committed batch complete and nothing of the
failed one, and the next scan skips what was written because its size and mtime now match.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, fields

from sqlalchemy import text
from sqlalchemy.orm import Session

from analyzer.catalog.orphans import prune_orphan_tracks
from analyzer.catalog.writer import CatalogWriter
from analyzer.scan.media_rows import BatchCounts, write_batch
from analyzer.scan.moves import reconcile_moved_files
from analyzer.scan.plan import (
    KnownFile,
    PlannedFile,
    ScanPlan,
    load_known_files,
    mark_missing,
    plan_file,
)
from analyzer.scan.reading import CHUNK_FILES, FileOutcome, ReadAhead
from analyzer.scan.walker import FoundFile, WalkProblem, walk_folders
from models.engine import Database
from models.gc_policy import batch_paused, settle_batch
from models.progress import CancelToken, Progress, run_to_end
from models.unit_of_work import write_transaction

BATCH_FILES = 1000
"""Files per write transaction: large enough for set-based SQL to pay off, small enough that a stop
loses little and the progress bar moves."""
WALK_REPORT_EVERY = 2000


@dataclass
class ScanSummary:
    """What a scan did. ``problems`` are folders it could not enter (never counted as missing).

    ``cancelled``: the scan stopped early; the counts are what it did until then (every file counted as
    added or updated is committed), ``missing`` and ``moved`` stay 0 (only a whole walk can tell).
    """

    found: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    missing: int = 0
    errors: int = 0
    vanished: int = 0
    moved: int = 0
    pruned_tracks: int = 0
    problems: list[WalkProblem] = field(default_factory=list)
    cancelled: bool = False

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _COUNTS}


_COUNTS = tuple(f.name for f in fields(ScanSummary) if f.name not in ("problems", "cancelled"))


def scan_folders(
    db: Database,
    roots: Sequence[str | os.PathLike[str]],
    *,
    include_hidden: bool = False,
    cancel: CancelToken | None = None,
    batch_files: int = BATCH_FILES,
    workers: int | None = None,
    executor_factory: Callable[[int], Executor] | None = None,
) -> Generator[Progress, None, ScanSummary]:
    """Scan ``roots`` into the catalog. Yields Progress (stages walk, read, finish); returns the summary.

    When ``cancel`` fires the scan stops at its next safe point (walking: at the next progress report;
    reading: after committing the files read so far) and returns the summary with ``cancelled=True``;
    the next scan skips what was written. The collector is left alone unless the entry point opened
    :func:`models.gc_policy.bulk_collector`.
    """
    token = cancel or CancelToken()
    summary = ScanSummary()
    abs_roots = [os.path.abspath(os.fspath(root)) for root in roots]
    with db.session() as session:
        known = load_known_files(session)
    # What the scan keeps for its whole run (the known rows, the plan, the id caches) forms no reference
    # cycles, but left to the cyclic collector every full collection re-scans all of it, and a scan's
    # allocations trigger many: frozen as it grows (the young cycles collected first), so collections
    # only look at what the current batch allocated. Measured on 20,000 files: 10 full collections in the
    # writer process before, none after; its CPU 4.0-4.2 -> 3.3-3.5 s together with the pause in flush().
    # Only where the entry point allows it (models.gc_policy): the CLI does, the GUI does not.
    settle_batch()
    yield from _scan(
        db, abs_roots, known, summary, token, include_hidden, batch_files, workers, executor_factory
    )
    return summary


def _scan(
    db: Database,
    abs_roots: list[str],
    known: dict[str, KnownFile],
    summary: ScanSummary,
    token: CancelToken,
    include_hidden: bool,
    batch_files: int,
    workers: int | None,
    executor_factory: Callable[[int], Executor] | None,
) -> Generator[Progress, None, None]:
    plan = ScanPlan()
    # The workers start reading as soon as the walk has found a chunk of files to read.
    reader = ReadAhead(
        workers=workers,
        executor_factory=executor_factory,
        chunk_files=min(CHUNK_FILES, batch_files),
        ahead_files=2 * batch_files,
    )
    try:
        for item in walk_folders(abs_roots, include_hidden=include_hidden):
            if isinstance(item, WalkProblem):
                summary.problems.append(item)
                continue
            summary.found += 1
            if plan_file(plan, known, item):
                reader.add((item.path, item.folders))
            if summary.found % WALK_REPORT_EVERY == 0:
                if token.cancelled:
                    break  # nothing written yet: the reads in flight are dropped by close()
                settle_batch()
                yield Progress("walk", summary.found, None, "looking for audio files", summary.counts())
        summary.unchanged = plan.unchanged
        if token.cancelled:
            summary.cancelled = True
            return
        yield Progress("walk", summary.found, summary.found, "looking for audio files", summary.counts())

        yield from _read_and_write(db, plan.to_read, reader, summary, token, batch_files)
    finally:
        reader.close()
    if summary.cancelled:
        return  # an incomplete read cannot tell missing files from unread ones

    blocked = [p.path for p in summary.problems if p.blocks_subtree]

    def finish(session: Session) -> tuple[int, int]:
        return mark_missing(session, known, plan.seen, abs_roots, blocked), reconcile_moved_files(session)

    summary.missing, summary.moved = write_transaction(db, finish, what="scan: marking missing files")
    yield Progress("finish", len(plan.to_read), len(plan.to_read), "done", summary.counts())


def _read_and_write(
    db: Database,
    to_read: list[PlannedFile],
    reader: ReadAhead,
    summary: ScanSummary,
    token: CancelToken,
    batch_files: int,
) -> Generator[Progress, None, None]:
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


WRITER_CACHE_KIB = 65536


def _size_writer_cache(session: Session) -> None:
    """SQLite's default 2 MB page cache thrashes on the catalog's indexes during a large scan; 64 MB for
    the writer's connection keeps them in memory (a per-connection setting, nothing on disk changes)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}"))


def run_scan(db: Database, roots: Sequence[str | os.PathLike[str]], **options: object) -> ScanSummary:
    """Run :func:`scan_folders` to the end, ignoring progress (tests, scripts)."""
    generator = scan_folders(db, roots, **options)  # type: ignore[arg-type]
    return run_to_end(generator)


__all__ = ["FoundFile", "ScanSummary", "run_scan", "scan_folders"]
