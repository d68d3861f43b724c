"""The job adapter: progress coalesced to ten signals a second, and one of finished/cancelled/failed."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from dataclasses import dataclass

from app.gui.jobs import JobRunner
from models.progress import Cancelled, CancelToken, Progress


@dataclass
class Summary:
    done: int = 0
    cancelled: bool = False


def counting(steps: int, pause: float = 0.0) -> object:
    def operation(token: CancelToken) -> Generator[Progress, None, Summary]:
        summary = Summary()
        for i in range(steps):
            if token.cancelled:
                summary.cancelled = True
                return summary
            if pause:
                time.sleep(pause)
            summary.done = i + 1
            yield Progress("count", i + 1, steps)
        return summary

    return operation


def test_progress_is_coalesced_and_the_summary_arrives(qtbot) -> None:
    runner = JobRunner()
    seen: list[Progress] = []
    job = runner.start("Counting", counting(3000, pause=0.0002), kind="test")
    job.progressed.connect(seen.append)
    assert runner.running() == [job]
    with qtbot.waitSignal(job.finished, timeout=20000) as finished:
        pass
    assert finished.args[0].done == 3000
    elapsed = job.elapsed
    assert 1 <= len(seen) <= elapsed * 10 + 2  # at most ten a second (+ the last one)
    assert seen[-1].done == 3000  # the last event is never swallowed
    assert job.outcome == "finished" and not runner.running()


def test_stop_returns_the_summary_as_cancelled(qtbot) -> None:
    runner = JobRunner()
    job = runner.start("Counting", counting(100000, pause=0.001))
    qtbot.waitUntil(lambda: job.last is not None and job.last.done > 50, timeout=10000)
    with qtbot.waitSignal(job.cancelled, timeout=10000) as cancelled:
        job.cancel()
    summary = cancelled.args[0]
    assert summary.cancelled and 50 < summary.done < 100000
    assert job.outcome == "cancelled"


def test_an_operation_raising_cancelled_still_ends_as_cancelled(qtbot) -> None:
    def operation(token: CancelToken) -> Generator[Progress, None, None]:
        yield Progress("x", 1)
        raise Cancelled()

    job = JobRunner().start("Old style", operation)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        pass


def test_an_error_is_reported_not_raised(qtbot) -> None:
    def operation(token: CancelToken) -> Generator[Progress, None, None]:
        yield Progress("x", 1)
        raise ValueError("bad file")

    job = JobRunner().start("Broken", operation)
    with qtbot.waitSignal(job.failed, timeout=5000) as failed:
        pass
    assert isinstance(failed.args[0], ValueError) and job.outcome == "failed"


def test_work_runs_off_the_main_thread_and_calls_return_results(qtbot) -> None:
    runner = JobRunner()
    main = threading.get_ident()
    job = runner.call("Read", lambda: threading.get_ident())
    with qtbot.waitSignal(job.finished, timeout=5000) as finished:
        pass
    assert finished.args[0] != main
    assert runner.running() == []  # calls are not listed jobs


def test_rate_and_eta_come_from_the_current_stage(qtbot) -> None:
    runner = JobRunner()
    job = runner.start("Counting", counting(2000, pause=0.001))
    qtbot.waitUntil(lambda: job.rate is not None, timeout=10000)
    assert job.rate > 10 and job.eta is not None and job.eta >= 0
    job.cancel()
    assert runner.wait_idle(10000)


def test_an_operation_with_no_progress_finishes(qtbot) -> None:
    job = JobRunner().start("Nothing", counting(0))
    with qtbot.waitSignal(job.finished, timeout=5000) as finished:
        pass
    assert finished.args[0].done == 0 and job.last is None
