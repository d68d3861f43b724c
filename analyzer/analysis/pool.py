"""Running ``analyze_file`` over many files in a process pool that survives decoder crashes.

Essentia's AudioLoader can segfault on the decode after a failed codec instantiation, which breaks the
whole pool: the files in flight at that moment are recorded as failed, a fresh pool is started, and the
run goes on. ``max_tasks_per_child`` recycles workers so a decoder's leaked state stays short-lived.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from analyzer.analysis.pending import AnalysisJob
from analyzer.audio import AudioDecodeError, FileAnalysis, analyze_file

TASKS_PER_CHILD = 200
"""Files a worker analyses before it is replaced (bounds leaks in native decoders at a small cost)."""
CRASH_REASON = "the decoder crashed on this file (its worker process died); the file is likely damaged"


@dataclass(frozen=True, slots=True)
class AnalysisFailed:
    """Why a file has no analysis: ``kind`` for programs (AudioDecodeError kinds, or crashed/error)."""

    kind: str
    reason: str


AnalysisOutcome = FileAnalysis | AnalysisFailed
Analyze = Callable[[str], FileAnalysis]


def analyze_one(path: str, analyze: Analyze = analyze_file) -> AnalysisOutcome:
    """The worker entry point: a result or the reason, never an exception (a vanished file included)."""
    try:
        return analyze(path)
    except AudioDecodeError as exc:
        return AnalysisFailed(exc.kind, exc.reason)
    except FileNotFoundError:
        return AnalysisFailed("missing", "the file vanished before it could be analysed")
    except Exception as exc:
        return AnalysisFailed("error", f"unexpected {type(exc).__name__}: {exc}")


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def process_pool(workers: int) -> Executor:
    return ProcessPoolExecutor(max_workers=workers, max_tasks_per_child=TASKS_PER_CHILD)


def analyze_in_pool(
    jobs: Sequence[AnalysisJob],
    *,
    workers: int | None = None,
    executor_factory: Callable[[int], Executor] | None = None,
    analyze: Analyze = analyze_file,
) -> Generator[tuple[AnalysisJob, AnalysisOutcome], None, None]:
    """Yield (job, outcome) once per job (order not guaranteed). Closing the generator stops the pool.

    When the pool breaks, the files in flight are suspects: each runs again alone, and only a file that
    breaks the pool on its own is recorded as crashed. ``workers=1`` without a factory runs in this
    process (tests, debugging); a decoder crash then ends the caller too, so the CLI uses the pool.
    """
    count = workers or default_workers()
    if count == 1 and executor_factory is None:
        for job in jobs:
            yield job, analyze_one(job.path, analyze)
        return
    factory = executor_factory or process_pool
    executor = factory(count)
    queue = iter(jobs)
    suspects: deque[AnalysisJob] = deque()
    # (job, future, ran alone). One file per task and no more tasks than workers: a file is seconds of
    # work, and every task in flight when the pool breaks was really running.
    pending: deque[tuple[AnalysisJob, Future[AnalysisOutcome], bool]] = deque()
    try:
        while True:
            if suspects:
                if not pending:
                    job = suspects.popleft()
                    pending.append((job, executor.submit(analyze_one, job.path, analyze), True))
            else:
                while len(pending) < count and (fresh := next(queue, None)) is not None:
                    pending.append((fresh, executor.submit(analyze_one, fresh.path, analyze), False))
            if not pending:
                return
            job, future, alone = pending.popleft()
            try:
                outcome = future.result()
            except BrokenProcessPool:
                in_flight = [(job, alone), *((j, a) for j, _, a in pending)]
                pending.clear()
                executor.shutdown(wait=False, cancel_futures=True)
                executor = factory(count)
                for lost, was_alone in in_flight:
                    if was_alone:
                        yield lost, AnalysisFailed("crashed", CRASH_REASON)
                    else:
                        suspects.append(lost)
                continue
            yield job, outcome
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
