"""The one adapter from the core's long operations to Qt, and the only place in app/gui that starts threads.

A core operation is a generator of :class:`models.progress.Progress` that takes a
:class:`models.progress.CancelToken` and returns its summary. :meth:`JobRunner.start` runs it on a
QThreadPool: the generator is created and driven in the worker thread, progress reaches the window at most
ten times a second (one signal per item froze the UI for up to 121 ms in a measurement, see
design/gui.md), and the end is one of ``finished(summary)``, ``cancelled(summary)`` or ``failed(error)``.
:meth:`JobRunner.call` does the same for a one-shot read (loading the library) that the jobs panel does not
list. Nothing in a worker touches a widget: workers only emit signals, which Qt queues to the main thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from models.progress import Cancelled, CancelToken, Progress

PROGRESS_INTERVAL_SECS = 0.1
"""At most ten progress signals a second reach the main thread, whatever the operation yields."""

Operation = Callable[[CancelToken], Generator[Progress, None, Any]]


class _WorkerSignals(QObject):
    """Emitted from the worker thread; Qt delivers them to the Job in the main thread (queued)."""

    progressed = Signal(object)
    ended = Signal(str, object)  # outcome ("finished" | "cancelled" | "failed"), summary or error


class _Worker(QRunnable):
    def __init__(self, drive: Callable[[_WorkerSignals], tuple[str, Any]], signals: _WorkerSignals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._drive = drive
        self._signals = signals

    def run(self) -> None:
        try:
            outcome, value = self._drive(self._signals)
        except Cancelled:
            outcome, value = "cancelled", None
        except Exception as error:
            outcome, value = "failed", error
        self._signals.ended.emit(outcome, value)


def _drive_operation(operation: Operation, token: CancelToken) -> Callable[[_WorkerSignals], tuple[str, Any]]:
    def drive(signals: _WorkerSignals) -> tuple[str, Any]:
        events = operation(token)
        last_sent = 0.0
        pending: Progress | None = None
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                summary = stop.value
                break
            if not isinstance(event, Progress):
                continue
            now = time.monotonic()
            if now - last_sent >= PROGRESS_INTERVAL_SECS:
                signals.progressed.emit(event)
                last_sent, pending = now, None
            else:
                pending = event
        if pending is not None:
            signals.progressed.emit(pending)
        cancelled = bool(getattr(summary, "cancelled", False)) or token.cancelled
        return ("cancelled" if cancelled else "finished"), summary

    return drive


class Job(QObject):
    """A running (or ended) operation as the window sees it: title, progress, rate, ETA and Stop."""

    progressed = Signal(object)  # Progress
    finished = Signal(object)  # the summary (return value)
    failed = Signal(object)  # the exception
    cancelled = Signal(object)  # the summary, or None when the operation raised Cancelled
    ended = Signal()  # after any of the three above

    def __init__(self, title: str, kind: str, token: CancelToken, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.kind = kind
        self.token = token
        self.last: Progress | None = None
        self.started_at = time.monotonic()
        self.ended_at: float | None = None
        self.outcome: str | None = None  # "finished" | "cancelled" | "failed" once ended
        self.result: Any = None
        self._rate_mark: tuple[float, int, str] | None = None  # (time, done, stage) when the stage began
        self._signals = _WorkerSignals()
        self._signals.progressed.connect(self._on_progress)
        self._signals.ended.connect(self._on_ended)

    @property
    def running(self) -> bool:
        return self.outcome is None

    @property
    def stopping(self) -> bool:
        return self.running and self.token.cancelled

    def cancel(self) -> None:
        """Ask the operation to stop at its next safe point; it ends with ``cancelled``."""
        self.token.cancel()

    @property
    def elapsed(self) -> float:
        return (self.ended_at or time.monotonic()) - self.started_at

    @property
    def rate(self) -> float | None:
        """Work units per second in the current stage, once there is enough to tell."""
        if self.last is None or self._rate_mark is None:
            return None
        began, done_then, _ = self._rate_mark
        seconds = time.monotonic() - began
        if seconds < 0.5 or self.last.done <= done_then:
            return None
        return (self.last.done - done_then) / seconds

    @property
    def eta(self) -> float | None:
        """Seconds left in the current stage at the current rate; None while the total or rate is unknown."""
        rate = self.rate
        if rate is None or self.last is None or self.last.total is None:
            return None
        return max(0.0, (self.last.total - self.last.done) / rate)

    @Slot(object)
    def _on_progress(self, event: Progress) -> None:
        if self._rate_mark is None or self._rate_mark[2] != event.stage:
            self._rate_mark = (time.monotonic(), event.done, event.stage)
        self.last = event
        self.progressed.emit(event)

    @Slot(str, object)
    def _on_ended(self, outcome: str, value: Any) -> None:
        self.outcome = outcome
        self.result = value
        self.ended_at = time.monotonic()
        {"finished": self.finished, "cancelled": self.cancelled, "failed": self.failed}[outcome].emit(value)
        self.ended.emit()


class JobRunner(QObject):
    """Starts jobs on a thread pool and knows which are running. One per window (held by AppState)."""

    job_started = Signal(object)  # Job (listed jobs only, not calls)
    job_ended = Signal(object)  # Job

    def __init__(self, parent: QObject | None = None, *, max_jobs: int = 4) -> None:
        super().__init__(parent)
        # Long jobs and quick reads use separate pools so loading the library never waits behind a scan.
        self._job_pool = QThreadPool(self)
        self._job_pool.setMaxThreadCount(max_jobs)
        self._read_pool = QThreadPool(self)
        self._read_pool.setMaxThreadCount(2)
        self._jobs: list[Job] = []

    def start(self, title: str, operation: Operation, *, kind: str = "job") -> Job:
        """Run ``operation(token)`` (a core generator function) in a worker; returns the Job at once."""
        token = CancelToken()
        job = Job(title, kind, token)
        self._track(job, listed=True)
        self._job_pool.start(_Worker(_drive_operation(operation, token), job._signals))
        self.job_started.emit(job)
        return job

    def call(self, title: str, fn: Callable[[], Any], *, kind: str = "read") -> Job:
        """Run ``fn()`` in a worker; ``finished(result)`` or ``failed(error)``. Not listed as a job."""
        job = Job(title, kind, CancelToken())
        self._track(job, listed=False)
        self._read_pool.start(_Worker(lambda _signals: ("finished", fn()), job._signals))
        return job

    def running(self, kind: str | None = None) -> list[Job]:
        """Listed jobs still running (optionally of one kind), oldest first."""
        return [job for job in self._jobs if job.running and job.kind != "read" and kind in (None, job.kind)]

    def busy(self) -> bool:
        """True while any job or read is still running."""
        return any(job.running for job in self._jobs)

    def cancel_all(self) -> None:
        for job in self._jobs:
            job.cancel()

    def wait_idle(self, timeout_ms: int = 30000) -> bool:
        """Block (processing events) until every job and read has ended; for tests and shutdown."""
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer

        deadline = QDeadlineTimer(timeout_ms)
        while self.busy():
            if deadline.hasExpired():
                return False
            self._job_pool.waitForDone(10)
            self._read_pool.waitForDone(10)
            QCoreApplication.processEvents()
        return True

    def _track(self, job: Job, *, listed: bool) -> None:
        self._jobs.append(job)

        # No Qt parent: whoever shows an ended job (the jobs panel, a screen's summary) keeps it alive as long
        # as it needs to; the runner holds it only while it runs.
        def forget() -> None:
            self._jobs.remove(job)
            if listed:
                self.job_ended.emit(job)

        job.ended.connect(forget)
