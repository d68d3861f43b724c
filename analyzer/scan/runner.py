"""``scan_folders``: walk, plan, read in a process pool, write in batches — as a generator of Progress.

One writer (this generator, in the caller's process) commits a batch of files per transaction. A stop at
any point (cancel, Ctrl-C, kill, a failing batch) leaves every committed batch complete and nothing of the
failed one, and the next scan skips what was written because its size and mtime now match.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

from analyzer.scan.plan import KnownFile, PlannedFile, ScanPlan, plan_file
from analyzer.scan.reading import CHUNK_FILES, ReadAhead
from analyzer.scan.walker import FoundFile, WalkProblem, walk_folders
from models.gc_policy import settle_batch
from models.progress import CancelToken, Progress, run_to_end

if TYPE_CHECKING:
    from models.engine import Database

# What needs the ORM models and the catalog writer (analyzer.scan.writing, the known rows) is imported in
# the functions that use it: a first scan starts its read workers before this process has imported them.

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
    from analyzer.scan.plan import load_known_files

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
        lambda: (db, known),
        abs_roots,
        known,
        summary,
        token,
        include_hidden,
        batch_files,
        workers,
        executor_factory,
    )
    return summary


@dataclass
class StartedScan:
    """A first scan's walk, stopped as soon as its read workers have files to read (:func:`start_reading`);
    :func:`scan_new_database` goes on from it. :meth:`close` stops the workers of one never taken over."""

    roots: list[str]
    include_hidden: bool
    batch_files: int
    walk: Iterator[FoundFile | WalkProblem]
    plan: ScanPlan
    reader: ReadAhead
    found: int = 0
    problems: list[WalkProblem] = field(default_factory=list)

    def close(self) -> None:
        self.reader.close()


def start_reading(
    roots: Sequence[str | os.PathLike[str]], *, include_hidden: bool = False, batch_files: int = BATCH_FILES
) -> StartedScan:
    """Start a first scan's read workers before anything else is imported or opened: walk ``roots`` until
    every worker has a chunk of files and one more is queued (or the walk ends). With only the first chunk
    submitted, the second worker idled until the entry point's imports were done and the walk went on
    (45-100 ms on bench_scan_real's library). An entry point calls this first (the
    CLI's first scan, before its command-line machinery) and hands the result to :func:`scan_new_database`;
    the workers read meanwhile. Nothing is written and no progress is reported here."""
    abs_roots = [os.path.abspath(os.fspath(root)) for root in roots]
    started = StartedScan(
        abs_roots,
        include_hidden,
        batch_files,
        walk_folders(abs_roots, include_hidden=include_hidden),
        ScanPlan(),
        _read_ahead(batch_files, None, None),
    )
    try:
        for item in started.walk:
            if isinstance(item, WalkProblem):
                started.problems.append(item)
                continue
            started.found += 1
            if plan_file(started.plan, {}, item):
                started.reader.add((item.path, item.folders))
            if started.reader.executor is not None and len(started.reader.pending) > started.reader.count:
                break  # each worker has a chunk, one more waits in the pool's call queue
    except BaseException:
        started.close()
        raise
    return started


def _read_ahead(
    batch_files: int, workers: int | None, executor_factory: Callable[[int], Executor] | None
) -> ReadAhead:
    # The workers start reading as soon as the walk has found a chunk of files to read (into a new database,
    # while it is being created). Reading further ahead would not help: two batches ahead already cover
    # the database's creation, and with every file in flight the writer would flush the small batches
    # meant for the end from the start (more, smaller transactions).
    return ReadAhead(
        workers=workers,
        executor_factory=executor_factory,
        chunk_files=min(CHUNK_FILES, batch_files),
        ahead_files=2 * batch_files,
    )


def scan_new_database(
    create_database: Callable[[], Database],
    roots: Sequence[str | os.PathLike[str]],
    *,
    include_hidden: bool = False,
    cancel: CancelToken | None = None,
    batch_files: int = BATCH_FILES,
    workers: int | None = None,
    executor_factory: Callable[[int], Executor] | None = None,
    started: StartedScan | None = None,
) -> Generator[Progress, None, ScanSummary]:
    """:func:`scan_folders` into a database that does not exist yet (a library's first scan): with nothing
    to compare against, the walk and the read workers start at once, and ``create_database`` (which opens
    and creates it) runs while they read. The result is what :func:`scan_folders` gives; should the
    database hold files after all (another program made it meanwhile), they are compared as usual.
    ``started``: the same scan begun by :func:`start_reading` (same roots and options; else it is closed
    and the scan begins anew).
    """
    token = cancel or CancelToken()
    summary = ScanSummary()
    abs_roots = [os.path.abspath(os.fspath(root)) for root in roots]
    if started is not None and (
        (started.roots, started.include_hidden, started.batch_files)
        != (abs_roots, include_hidden, batch_files)
        or workers is not None
        or executor_factory is not None
    ):
        started.close()
        started = None
    settle_batch()

    def open_after_walk() -> tuple[Database, dict[str, KnownFile]]:
        from analyzer.scan.plan import load_known_files

        db = create_database()
        with db.session() as session:
            return db, load_known_files(session)

    yield from _scan(
        open_after_walk,
        abs_roots,
        {},
        summary,
        token,
        include_hidden,
        batch_files,
        workers,
        executor_factory,
        started,
    )
    return summary


def _scan(
    open_database: Callable[[], tuple[Database, dict[str, KnownFile]]],
    abs_roots: list[str],
    known: dict[str, KnownFile],
    summary: ScanSummary,
    token: CancelToken,
    include_hidden: bool,
    batch_files: int,
    workers: int | None,
    executor_factory: Callable[[int], Executor] | None,
    started: StartedScan | None = None,
) -> Generator[Progress, None, None]:
    """Walk and plan against ``known``; then ``open_database()`` gives the database and its known rows (the
    same ``known``, or rows loaded only now: the plan is then checked against them); then read and write.
    ``started``: the walk, plan and reads :func:`start_reading` began (against no known rows)."""
    if started is None:
        plan = ScanPlan()
        reader = _read_ahead(batch_files, workers, executor_factory)
        walk: Iterator[FoundFile | WalkProblem] = walk_folders(abs_roots, include_hidden=include_hidden)
    else:
        plan, reader, walk = started.plan, started.reader, started.walk
        summary.found = started.found
        summary.problems.extend(started.problems)
    try:
        for item in walk:
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

        db, found_known = open_database()
        if found_known is not known:
            known = found_known
            plan.to_read = _against_known(plan.to_read, known)
        from analyzer.scan.writing import read_and_write

        yield from read_and_write(db, plan.to_read, reader, summary, token, batch_files)
    finally:
        reader.close()
    if summary.cancelled:
        return  # an incomplete read cannot tell missing files from unread ones

    from analyzer.scan.writing import finish_scan

    blocked = [p.path for p in summary.problems if p.blocks_subtree]
    summary.missing, summary.moved = finish_scan(db, known, plan.seen, abs_roots, blocked)
    yield Progress("finish", len(plan.to_read), len(plan.to_read), "done", summary.counts())


def _against_known(to_read: list[PlannedFile], known: dict[str, KnownFile]) -> list[PlannedFile]:
    """The files planned as new, with the row of each the database turned out to have (it is read
    anyway, so it is rewritten as an update: the same end state as a plan made against those rows)."""
    if not known:
        return to_read
    return [
        replace(planned, media_id=known[planned.path_hash][3]) if planned.path_hash in known else planned
        for planned in to_read
    ]


def run_scan(db: Database, roots: Sequence[str | os.PathLike[str]], **options: object) -> ScanSummary:
    """Run :func:`scan_folders` to the end, ignoring progress (tests, scripts)."""
    generator = scan_folders(db, roots, **options)  # type: ignore[arg-type]
    return run_to_end(generator)


__all__ = ["FoundFile", "ScanSummary", "StartedScan", "run_scan", "scan_folders", "start_reading"]
