"""Scan and Analyze as jobs: which one of each kind runs, starting and stopping them, and what the last one
did. Shared by the Folders screen, the first-run landing and the Problems screen's Rescan."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.gui.jobs import Job
from app.gui.outcomes import analyze_outcome, scan_outcome
from app.gui.state import AppState
from models.progress import Progress

SCAN_KIND = "scan"
ANALYZE_KIND = "analyze"
LIVE_RELOAD_SECS = 5.0
"""While a job runs, screens are told to reload at most this often, and only after a batch was committed:
the Library fills in during a long scan without reloading 100k rows for every batch."""
_WRITTEN = ("added", "updated", "errors", "vanished", "analyzed")  # counts that grow when a batch commits


class FolderJobs(QObject):
    """Starts scans and analyses, knows the one running of each kind, and reports their outcome.

    A job of either kind started elsewhere (the first-run landing) is followed too, so the buttons and the
    summary are right whoever started it; only the starter emits ``library_changed``."""

    changed = Signal()  # a job started or ended: refresh buttons and summaries

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.current: dict[str, Job | None] = {SCAN_KIND: None, ANALYZE_KIND: None}
        self.outcome: dict[str, tuple[str, bool] | None] = {SCAN_KIND: None, ANALYZE_KIND: None}
        state.jobs.job_started.connect(self._follow)
        state.database_changed.connect(self._forget_outcomes)
        for job in state.jobs.running():
            self._follow(job)

    def _forget_outcomes(self) -> None:
        """Another database is open: what the last jobs did was about the one before."""
        self.outcome = {kind: None for kind in self.outcome}
        self.changed.emit()

    def running(self, kind: str) -> Job | None:
        job = self.current[kind]
        return job if job is not None and job.running else None

    def start_scan(self, paths: list[str] | None = None) -> Job | None:
        """Scan ``paths`` (default: every library folder); None when there is nothing to scan."""
        if paths is None:
            paths = [folder.path for folder in list_library_folders(self.state)]
        if not paths or self.running(SCAN_KIND):
            return None
        db = self.state.db
        title = f"Scan {paths[0]}" if len(paths) == 1 else f"Scan {len(paths)} folders"
        return self._start(title, SCAN_KIND, lambda token: _scan_operation(db, paths, token))

    def start_analysis(self) -> Job | None:
        if self.running(ANALYZE_KIND):
            return None
        db = self.state.db
        return self._start("Analyze audio", ANALYZE_KIND, lambda token: _analysis_operation(db, token))

    def stop(self, kind: str) -> None:
        job = self.running(kind)
        if job is not None:
            job.cancel()
            self.changed.emit()

    def _start(self, title: str, kind: str, operation: Any) -> Job:
        job = self.state.jobs.start(title, operation, kind=kind)
        job.ended.connect(self.state.library_changed.emit)  # the starter tells the screens to reload
        self._announce_batches(job)
        if self.current[kind] is not job:  # job_started already followed it
            self._follow(job)
        return job

    def _announce_batches(self, job: Job) -> None:
        """Emit ``library_changed`` while ``job`` runs, when a batch was committed since the last time."""
        last = {"at": time.monotonic(), "written": 0}

        def on_progress(event: Progress) -> None:
            written = sum(event.counts.get(name, 0) for name in _WRITTEN)
            now = time.monotonic()
            if written > last["written"] and now - last["at"] >= LIVE_RELOAD_SECS and job.running:
                last["at"], last["written"] = now, written
                self.state.library_changed.emit()

        job.progressed.connect(on_progress)

    def _follow(self, job: Job) -> None:
        if job.kind not in self.current:
            return
        self.current[job.kind] = job
        job.ended.connect(lambda: self._ended(job))
        self.changed.emit()

    def _ended(self, job: Job) -> None:
        describe = scan_outcome if job.kind == SCAN_KIND else analyze_outcome
        self.outcome[job.kind] = describe(job)
        self.changed.emit()


def _scan_operation(db: Any, paths: list[str], token: Any) -> Any:
    from analyzer.scan import scan_folders

    return scan_folders(db, paths, cancel=token)


def _analysis_operation(db: Any, token: Any) -> Any:
    # The analysis pool decodes in worker processes: Essentia is never imported in the window's process.
    from analyzer.analysis.runner import analyze_library

    return analyze_library(db, cancel=token)


def list_library_folders(state: AppState) -> list[Any]:
    from analyzer.scan.folders import list_folders

    with state.db.session() as session:
        return list_folders(session)
