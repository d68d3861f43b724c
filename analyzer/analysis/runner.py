"""``analyze_library``: pending files through the process pool into one batched writer, then moved-file
reconciliation, then the similarity index — as a generator of Progress returning an AnalysisSummary.

Resumable: results are committed per batch and a file stays pending until its batch is written, so a
stop (cancel, Ctrl-C, kill) loses at most one batch of work and the next run continues from there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator
from concurrent.futures import Executor
from dataclasses import dataclass, field

from sqlalchemy import select

from analyzer.analysis.pending import AnalysisJob, pending_jobs
from analyzer.analysis.pool import AnalysisFailed, AnalysisOutcome, Analyze, analyze_in_pool
from analyzer.analysis.store import write_results
from analyzer.audio import analyze_file
from analyzer.scan import reconcile_moved_files
from analyzer.similarity import update_similarity_index
from models.engine import Database
from models.media import MediaFile
from models.progress import CancelToken, Progress, run_to_end

BATCH_FILES = 50
"""Files per write transaction: analysis takes ~0.1-1 s a file, so this commits every few seconds."""


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
    """

    pending: int = 0
    analyzed: int = 0
    errors: int = 0
    partial: int = 0
    moved: int = 0
    indexed_tracks: int = 0
    analyzed_ids: list[int] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    error_kinds: Counter[str] = field(default_factory=Counter)
    cancelled: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "pending": self.pending,
            "analyzed": self.analyzed,
            "errors": self.errors,
            "partial": self.partial,
            "moved": self.moved,
            "indexed_tracks": self.indexed_tracks,
        }


def analyze_library(
    db: Database,
    *,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    batch: int = BATCH_FILES,
    retry_errors: bool = False,
    executor_factory: Callable[[int], Executor] | None = None,
    analyze: Analyze = analyze_file,
) -> Generator[Progress, None, AnalysisSummary]:
    """Analyse every pending file; yields Progress (stages analyze, index); returns the summary.

    When ``cancel`` fires the run commits the files already analysed, drops the analyses in flight and
    returns the summary with ``cancelled=True``; the similarity index still takes in what was committed,
    so it never lags behind the stored features.
    """
    token = cancel or CancelToken()
    summary = AnalysisSummary()
    with db.session() as session:
        jobs = pending_jobs(session, retry_errors=retry_errors)
    summary.pending = len(jobs)
    yield Progress("analyze", 0, len(jobs), "analysing audio", summary.counts())
    results: list[tuple[AnalysisJob, AnalysisOutcome]] = []

    def flush() -> None:
        with db.session() as session:
            write_results(session, results)
        for job, outcome in results:
            _tally(summary, job, outcome)
        results.clear()

    stream = analyze_in_pool(jobs, workers=workers, executor_factory=executor_factory, analyze=analyze)
    done = 0
    try:
        while True:
            if token.cancelled:  # before the next result: a stop asked for at any time takes no more files
                summary.cancelled = done < len(jobs)
                break
            item = next(stream, None)
            if item is None:
                break
            results.append(item)
            done += 1
            if len(results) >= batch:
                flush()
            yield Progress("analyze", done, len(jobs), "analysing audio", summary.counts())
        flush()
    finally:
        stream.close()

    with db.session() as session:
        summary.moved = reconcile_moved_files(session)
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


def _tally(summary: AnalysisSummary, job: AnalysisJob, outcome: AnalysisOutcome) -> None:
    if isinstance(outcome, AnalysisFailed):
        summary.errors += 1
        summary.error_kinds[outcome.kind] += 1
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
