"""``analyze_library``: pending files through the process pool (or a Dask cluster) into one batched writer,
then moved-file reconciliation, then the similarity index — as a generator of Progress returning an
AnalysisSummary.

Resumable and kill-safe: results are committed every ``BATCH_SECONDS`` (and every ``BATCH_FILES``), and a
file stays pending until its batch is written, so a stop (cancel, Ctrl-C, kill, kill -9) loses at most about
a second of work and the next run continues from there. On a server database several runs share the
library through leases (:mod:`analyzer.analysis.leases`): each file is analysed by one of them.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from analyzer.analysis import leases as lease
from analyzer.analysis.pending import AnalysisJob, pending_jobs
from analyzer.analysis.pool import (
    NOT_STORED,
    AnalysisFailed,
    AnalysisOutcome,
    Analyze,
    ExecutorLost,
    analyze_in_pool,
)
from analyzer.analysis.store import write_results
from analyzer.audio import EXTRACTOR_VERSION, analyze_file
from analyzer.scan import reconcile_moved_files
from analyzer.similarity import update_similarity_index
from models.engine import Database
from models.media import MediaFile
from models.progress import CancelToken, Progress, run_to_end
from models.unit_of_work import write_transaction

if TYPE_CHECKING:
    from analyzer.analysis.cluster import AnalysisCluster

BATCH_FILES = 50
"""Files per write transaction at most (a burst of short files still commits in a few statements)."""
BATCH_SECONDS = 1.0
"""Commit at least this often while results come in: a kill loses about a second of work (issue 18 found
7 kills of real-length audio saving 0 of 51 files when only the count of 50 committed)."""


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A file analysis could not (fully) handle, with the reason a person reads."""

    media_file_id: int
    path: str
    kind: str
    reason: str


@dataclass
class AnalysisSummary:
    """What a run did; ``problems`` lists failed files and partial results (a stage that failed).

    ``cancelled``: the run stopped early; every file counted is committed, the rest stay pending.
    ``stopped_by``: why it stopped when nobody asked (the cluster's scheduler went away), else None.
    ``workers``/``dashboard``: the cluster's worker processes and its dashboard link (None: a local run).
    ``unstored``: files a worker could not reach or refused; nothing was written, they stay pending.
    """

    pending: int = 0
    analyzed: int = 0
    errors: int = 0
    partial: int = 0
    moved: int = 0
    indexed_tracks: int = 0
    unstored: int = 0
    analyzed_ids: list[int] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    error_kinds: Counter[str] = field(default_factory=Counter)
    cancelled: bool = False
    stopped_by: str | None = None
    workers: int | None = None
    dashboard: str | None = None

    def counts(self) -> dict[str, int]:
        counts = {
            "pending": self.pending,
            "analyzed": self.analyzed,
            "errors": self.errors,
            "partial": self.partial,
            "moved": self.moved,
            "indexed_tracks": self.indexed_tracks,
        }
        if self.unstored:
            counts["unstored"] = self.unstored
        if self.workers is not None:
            counts["workers"] = self.workers
        return counts


class _Claims:
    """The run's jobs claimed a few at a time under leases, for ``analyze_in_pool`` to pull lazily."""

    def __init__(self, db: Database, owner: str, chunk: int, retry_errors: bool, ttl: float) -> None:
        self.db, self.owner, self.chunk, self.retry_errors, self.ttl = db, owner, chunk, retry_errors, ttl
        self.claimed = 0
        self.left = 0  # files no run had claimed at the last claim
        self.buffer: list[AnalysisJob] = []
        self.exhausted = False

    def __iter__(self) -> Iterator[AnalysisJob]:
        while True:
            if not self.buffer and not self.exhausted:
                self._claim()
            if not self.buffer:
                return
            yield self.buffer.pop(0)

    def _claim(self) -> None:
        jobs = write_transaction(
            self.db,
            lambda session: lease.claim_jobs(
                session, self.owner, self.chunk, retry_errors=self.retry_errors, ttl=self.ttl
            ),
            what="claiming files to analyse",
        )
        with self.db.session() as session:
            self.left = lease.unclaimed_count(session, retry_errors=self.retry_errors)
        self.claimed += len(jobs)
        self.buffer.extend(jobs)
        self.exhausted = not jobs


def analyze_library(
    db: Database,
    *,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    batch: int = BATCH_FILES,
    batch_seconds: float = BATCH_SECONDS,
    retry_errors: bool = False,
    executor_factory: Callable[[int], Executor] | None = None,
    analyze: Analyze = analyze_file,
    cluster: AnalysisCluster | None = None,
    leases: bool | None = None,
    lease_seconds: float = lease.LEASE_SECONDS,
) -> Generator[Progress, None, AnalysisSummary]:
    """Analyse every pending file; yields Progress (stages analyze, index); returns the summary.

    When ``cancel`` fires the run commits the files already analysed, drops the analyses in flight and
    returns the summary with ``cancelled=True``; the similarity index still takes in what was committed,
    so it never lags behind the stored features. ``cluster`` runs the files on a Dask cluster instead of
    the local pool (its progress message names the workers and the dashboard). ``leases`` (default: on a
    MariaDB library, off on SQLite, whose one file has one writer machine) lets several runs share the
    library's pending files.
    """
    token = cancel or CancelToken()
    summary = AnalysisSummary()
    message = "analysing audio"
    in_flight: int | None = None
    crash_errors: tuple[type[BaseException], ...] = ()
    lost_errors: tuple[type[BaseException], ...] = ()
    if cluster is not None:
        executor_factory, analyze, workers = cluster.executor_factory, cluster.analyze, cluster.threads
        in_flight, crash_errors, lost_errors = cluster.in_flight, cluster.crash_errors, cluster.lost_errors
        summary.workers, summary.dashboard = cluster.workers, cluster.dashboard_link
        where = f" (dashboard {cluster.dashboard_link})" if cluster.dashboard_link else ""
        message = f"analysing audio on {cluster.workers} cluster workers{where}"
    use_leases = (not db.is_sqlite) if leases is None else leases
    owner = lease.new_owner()
    claims: _Claims | None = None
    jobs: list[AnalysisJob] | _Claims
    if use_leases:
        chunk = max(4, 2 * (in_flight or workers or 1))
        claims = _Claims(db, owner, chunk, retry_errors, lease_seconds)
        write_transaction(db, lease.forget_dead_runs, what="dropping the leases of stopped analysis runs")
        with db.session() as session:
            total = lease.unclaimed_count(session, retry_errors=retry_errors)
        jobs = claims
    else:
        with db.session() as session:
            jobs = pending_jobs(session, retry_errors=retry_errors)
        total = len(jobs)
    summary.pending = total
    yield Progress("analyze", 0, total, message, summary.counts())
    results: list[tuple[AnalysisJob, AnalysisOutcome]] = []
    last_commit = time.monotonic()

    def flush() -> None:
        nonlocal last_commit
        stored = [(job, o) for job, o in results if not _unstored(o)]
        # Only files now done leave the claimable set; a failed one (claimable again under --retry-errors)
        # or one a worker could not reach (still pending) keeps its lease until the run ends, or this run
        # would claim it again and again.
        handed_back = [job.media_file_id for job, o in results if not isinstance(o, AnalysisFailed)]

        def write(session: Session) -> None:
            write_results(session, stored)
            if use_leases:
                lease.release_leases(session, owner, handed_back)
                lease.renew_leases(session, owner, ttl=lease_seconds)

        if stored or use_leases:
            write_transaction(db, write, what=f"writing the analysis of {len(results)} files")
        for job, outcome in results:
            _tally(summary, job, outcome)
        results.clear()
        last_commit = time.monotonic()

    stream = analyze_in_pool(
        jobs,
        workers=workers,
        executor_factory=executor_factory,
        analyze=analyze,
        in_flight=in_flight,
        crash_errors=crash_errors,
        lost_errors=lost_errors,
    )
    done = 0
    try:
        while True:
            if token.cancelled:  # before the next result: a stop asked for at any time takes no more files
                summary.cancelled = done < total or (claims is not None and not claims.exhausted)
                break
            try:
                item = next(stream, None)
            except ExecutorLost as lost:
                summary.cancelled, summary.stopped_by = True, str(lost)
                break
            if item is None:
                break
            results.append((item[0], _checked(item[1])))
            done += 1
            if len(results) >= batch or time.monotonic() - last_commit >= batch_seconds:
                flush()
            if claims is not None:
                total = max(total, done + len(claims.buffer) + claims.left)
            yield Progress("analyze", done, total, message, summary.counts())
        flush()
    finally:
        stream.close()
        if use_leases:  # what is still claimed was dropped: others may take it now
            write_transaction(
                db, lambda session: lease.release_leases(session, owner), what="releasing analysis leases"
            )
    if claims is not None:
        summary.pending = claims.claimed + (claims.left if summary.cancelled else 0)

    summary.moved = write_transaction(db, reconcile_moved_files, what="recognising moved files")
    with db.session() as session:
        changed = set(
            session.execute(
                select(MediaFile.track_id).where(
                    MediaFile.id.in_(summary.analyzed_ids or [-1]), MediaFile.track_id.is_not(None)
                )
            ).scalars()
        )
    yield Progress("index", 0, None, "updating the similarity index", summary.counts())
    index = update_similarity_index(db, {int(t) for t in changed if t is not None})
    summary.indexed_tracks = index.size
    yield Progress("index", 1, 1, "updating the similarity index", summary.counts())
    return summary


def _unstored(outcome: AnalysisOutcome) -> bool:
    return isinstance(outcome, AnalysisFailed) and outcome.kind in NOT_STORED


def _checked(outcome: AnalysisOutcome) -> AnalysisOutcome:
    """A result made by another feature extractor version is refused here too (a worker that joined a
    cluster after the check, running other code): features of two versions never mix in one index."""
    if isinstance(outcome, AnalysisFailed) or outcome.extractor_version == EXTRACTOR_VERSION:
        return outcome
    return AnalysisFailed(
        "refused",
        f"analysed by feature extractor version {outcome.extractor_version}, this library's is "
        f"{EXTRACTOR_VERSION}: not stored",
    )


def _tally(summary: AnalysisSummary, job: AnalysisJob, outcome: AnalysisOutcome) -> None:
    if isinstance(outcome, AnalysisFailed):
        summary.errors += 1
        summary.error_kinds[outcome.kind] += 1
        summary.unstored += outcome.kind in NOT_STORED
        summary.problems.append(FileProblem(job.media_file_id, job.path, outcome.kind, outcome.reason))
        return
    summary.analyzed += 1
    summary.analyzed_ids.append(job.media_file_id)
    if outcome.problems:
        summary.partial += 1
        summary.problems.append(
            FileProblem(job.media_file_id, job.path, "partial", "; ".join(outcome.problems))
        )


def run_analysis(db: Database, **options: object) -> AnalysisSummary:
    """Run :func:`analyze_library` to the end, ignoring progress (tests, scripts)."""
    generator = analyze_library(db, **options)  # type: ignore[arg-type]
    return run_to_end(generator)
