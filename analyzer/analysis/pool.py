"""Running ``analyze_file`` over many files in a process pool that survives decoder crashes.

Essentia's AudioLoader can segfault on the decode after a failed codec instantiation, which breaks the
whole pool: the files in flight at that moment are recorded as failed, a fresh pool is started, and the
run goes on. ``max_tasks_per_child`` recycles workers so a decoder's leaked state stays short-lived.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from analyzer.analysis.pending import AnalysisJob
from analyzer.audio import AudioDecodeError, FileAnalysis, analyze_file
from models.process_lifetime import pool_initializer

TASKS_PER_CHILD = 200
"""Files a worker analyses before it is replaced (bounds leaks in native decoders at a small cost)."""
CRASH_REASON = "the decoder crashed on this file (its worker process died); the file is likely damaged"


@dataclass(frozen=True, slots=True)
class AnalysisFailed:
    """Why a file has no analysis: ``kind`` for programs (AudioDecodeError kinds, or crashed/error)."""

    kind: str
    reason: str


class FileUnreachable(Exception):
    """The file is fine, but this worker cannot analyse it (cannot open it under its mount, or refuses the
    run): ``kind`` "unreachable" or "refused". The runner stores nothing for it, so it stays pending."""

    def __init__(self, reason: str, kind: str = "unreachable") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind

    def __reduce__(self) -> tuple[type[FileUnreachable], tuple[str, str]]:
        return (FileUnreachable, (self.reason, self.kind))


NOT_STORED = frozenset({"unreachable", "refused"})
"""Outcome kinds that say nothing about the file itself: nothing is written, the file stays pending."""

AnalysisOutcome = FileAnalysis | AnalysisFailed
Analyze = Callable[[str], FileAnalysis]


def analyze_one(path: str, analyze: Analyze = analyze_file) -> AnalysisOutcome:
    """The worker entry point: a result or the reason, never an exception (a vanished file included)."""
    try:
        return analyze(path)
    except AudioDecodeError as exc:
        return AnalysisFailed(exc.kind, exc.reason)
    except FileUnreachable as exc:
        return AnalysisFailed(exc.kind, exc.reason)
    except FileNotFoundError:
        return AnalysisFailed("missing", "the file vanished before it could be analysed")
    except Exception as exc:
        return AnalysisFailed("error", f"unexpected {type(exc).__name__}: {exc}")


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class ExecutorLost(Exception):
    """The executor itself is gone (a cluster's scheduler stopped answering): no file is to blame, and the
    results yielded before it stay good. ``str()`` says what happened, for people."""


def process_pool(workers: int) -> Executor:
    """The local analysis pool. Its workers die with this process (even a ``kill -9`` of it leaves none
    behind) and ignore Ctrl-C: the terminal sends SIGINT to the whole process group, and the owner decides
    to stop after the files in hand (a worker dying of it would report its file as failed)."""
    return ProcessPoolExecutor(
        max_workers=workers,
        max_tasks_per_child=TASKS_PER_CHILD,
        initializer=pool_initializer,
        initargs=(os.getpid(), "ignore-sigint"),
    )


def analyze_in_pool(
    jobs: Iterable[AnalysisJob],
    *,
    workers: int | None = None,
    executor_factory: Callable[[int], Executor] | None = None,
    analyze: Analyze = analyze_file,
    in_flight: int | None = None,
    crash_errors: tuple[type[BaseException], ...] = (),
    lost_errors: tuple[type[BaseException], ...] = (),
) -> Generator[tuple[AnalysisJob, AnalysisOutcome], None, None]:
    """Yield (job, outcome) once per job, as each finishes. Closing the generator stops the pool.

    ``jobs`` is read lazily, one job per free slot (a caller may claim work as it goes). When the pool
    breaks, the files in flight are suspects: each runs again alone, and only a file that breaks the pool
    on its own is recorded as crashed. An executor that retries a lost task itself (a Dask cluster) names
    the error it gives up with in ``crash_errors`` (that file becomes a suspect too) and the errors that
    mean it is gone in ``lost_errors`` (raised as :class:`ExecutorLost`). ``in_flight``: tasks submitted at
    once (default ``workers``). ``workers=1`` without a factory runs in this process (tests, debugging); a
    decoder crash then ends the caller too, so the CLI uses the pool.
    """
    count = workers or default_workers()
    if count == 1 and executor_factory is None:
        for job in jobs:
            yield job, analyze_one(job.path, analyze)
        return
    factory = executor_factory or process_pool
    slots = in_flight or count
    executor = factory(count)
    queue = iter(jobs)
    suspects: deque[AnalysisJob] = deque()
    # future -> (job, ran alone). One file per task and (locally) no more tasks than workers: a file is
    # seconds of work, and every task in flight when the pool breaks was really running.
    running: dict[Future[AnalysisOutcome], tuple[AnalysisJob, bool]] = {}
    try:
        while True:
            if suspects:
                if not running:
                    job = suspects.popleft()
                    running[executor.submit(analyze_one, job.path, analyze)] = (job, True)
            else:
                while len(running) < slots and (fresh := next(queue, None)) is not None:
                    running[executor.submit(analyze_one, fresh.path, analyze)] = (fresh, False)
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                job, alone = running.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    lost = [(job, alone), *running.values()]
                    running.clear()
                    executor.shutdown(wait=False, cancel_futures=True)
                    executor = factory(count)
                    for lost_job, was_alone in lost:
                        if was_alone:
                            yield lost_job, AnalysisFailed("crashed", CRASH_REASON)
                        else:
                            suspects.append(lost_job)
                    break
                except crash_errors as exc:
                    # The executor gave up on this task after its workers died, but a file queued on a
                    # worker another file kills is counted too: only a file that does it alone is guilty.
                    if alone:
                        yield job, AnalysisFailed("crashed", f"{CRASH_REASON} ({type(exc).__name__})")
                    else:
                        suspects.append(job)
                    continue
                except lost_errors as exc:
                    raise ExecutorLost(str(exc) or type(exc).__name__) from exc
                yield job, outcome
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
