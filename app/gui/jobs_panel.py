"""The jobs panel: every running job with its progress, rate, time left and a Stop button; ended jobs keep
their one-line outcome until cleared, so a person who looked away still sees what happened."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.gui.jobs import Job, JobRunner
from models.progress import Progress


def duration_text(seconds: float) -> str:
    """``42 s``, ``3:07``, ``1:02:03`` — how long, in the shortest form people read at a glance."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}:{secs:02d}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def progress_text(job: Job) -> str:
    """``read · 1,234 of 5,000 · 2,100/s · about 0:02 left`` from the job's latest event."""
    event: Progress | None = job.last
    if event is None:
        return "Starting…"
    parts = [event.message or event.stage]
    parts.append(f"{event.done:,} of {event.total:,}" if event.total is not None else f"{event.done:,}")
    rate, eta = job.rate, job.eta
    if rate is not None:
        parts.append(f"{rate:,.0f}/s")
    if eta is not None:
        parts.append(f"about {duration_text(eta)} left")
    return " · ".join(part for part in parts if part)


def summary_text(summary: Any) -> str:
    """The non-zero counts of a core summary (``added 1,200, updated 30``), or an empty string."""
    counts = summary.counts() if hasattr(summary, "counts") else {}
    shown = [f"{name.replace('_', ' ')} {value:,}" for name, value in counts.items() if value]
    return ", ".join(shown)


def outcome_text(job: Job) -> str:
    """One line for an ended job: what happened, how long it took, and what it did."""
    took = duration_text(job.elapsed)
    if job.outcome == "failed":
        return f"Failed after {took}: {job.result}"
    did = summary_text(job.result)
    head = "Stopped" if job.outcome == "cancelled" else "Done"
    return f"{head} in {took}" + (f": {did}" if did else "")


class JobRow(QFrame):
    """One job: title, bar, a line of progress (or the outcome once ended) and Stop."""

    def __init__(self, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.setObjectName("jobRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(f"<b>{job.title}</b>")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)
        self.bar.setRange(0, 0)  # busy until the first event says how much there is
        self.line = QLabel("Starting…")
        self.line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.stop = QPushButton("Stop")
        self.stop.setToolTip(f"Stop “{job.title}” at its next safe point; what is done is kept")
        self.stop.clicked.connect(self._stop)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.stop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.line)
        job.progressed.connect(self._on_progress)
        job.ended.connect(self._on_ended)

    def _stop(self) -> None:
        self.job.cancel()
        self.stop.setEnabled(False)
        self.stop.setText("Stopping…")

    def _on_progress(self, event: Progress) -> None:
        if event.total:
            self.bar.setRange(0, event.total)
            self.bar.setValue(min(event.done, event.total))
        else:
            self.bar.setRange(0, 0)
        self.line.setText(progress_text(self.job))

    def _on_ended(self) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.bar.setVisible(False)
        self.stop.setVisible(False)
        self.line.setText(outcome_text(self.job))
        self.line.setToolTip(self.line.text())
        if self.job.outcome == "failed":
            self.line.setStyleSheet("color: palette(link-visited);")


class JobsPanel(QWidget):
    """Rows for the jobs of one JobRunner, newest last. ``activity`` says how many are running."""

    activity = Signal(int)  # running jobs

    def __init__(self, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobsPanel")
        self._jobs = jobs
        self.rows: list[JobRow] = []
        self._holder = QWidget()
        self._list = QVBoxLayout(self._holder)
        self._list.setContentsMargins(4, 4, 4, 4)
        self._list.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._holder)
        self.empty = QLabel("No jobs running. Scans, analyses and imports show their progress here.")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clear = QPushButton("Clear finished")
        self.clear.clicked.connect(self.clear_ended)
        self.clear.setEnabled(False)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 6, 6)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        layout.addLayout(bottom)
        jobs.job_started.connect(self.add_job)
        jobs.job_ended.connect(self._on_ended)
        self._update()

    def add_job(self, job: Job) -> None:
        row = JobRow(job, self._holder)
        self.rows.append(row)
        self._list.insertWidget(self._list.count() - 1, row)
        self._update()

    def clear_ended(self) -> None:
        for row in [row for row in self.rows if not row.job.running]:
            self.rows.remove(row)
            row.deleteLater()
        self._update()

    def _on_ended(self, _job: Job) -> None:
        self._update()

    def running_count(self) -> int:
        return sum(1 for row in self.rows if row.job.running)

    def _update(self) -> None:
        self.empty.setVisible(not self.rows)
        self.clear.setEnabled(any(not row.job.running for row in self.rows))
        self.activity.emit(self.running_count())
