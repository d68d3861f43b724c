"""The jobs panel as a person sees it: a row per job with progress and Stop; the outcome stays readable."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.gui.jobs import JobRunner
from app.gui.jobs_panel import JobsPanel, duration_text
from models.progress import CancelToken, Progress


@dataclass
class Tally:
    written: int = 0
    skipped: int = 0
    cancelled: bool = False

    def counts(self) -> dict[str, int]:
        return {"written": self.written, "skipped": self.skipped}


def writing(total: int, pause: float) -> object:
    def operation(token: CancelToken) -> Generator[Progress, None, Tally]:
        tally = Tally()
        for i in range(total):
            if token.cancelled:
                tally.cancelled = True
                break
            time.sleep(pause)
            tally.written = i + 1
            yield Progress("write", i + 1, total, message="Writing files")
        return tally

    return operation


def test_a_row_shows_progress_and_stop_keeps_the_summary(qtbot: QtBot) -> None:
    runner = JobRunner()
    panel = JobsPanel(runner)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.empty.isVisible()
    job = runner.start("Scanning ~/Music", writing(100_000, 0.001), kind="scan")
    row = panel.rows[0]
    assert not panel.empty.isVisible() and row.title.text() == "<b>Scanning ~/Music</b>"
    qtbot.waitUntil(lambda: "of 100,000" in row.line.text() and "/s" in row.line.text(), timeout=10000)
    assert row.bar.maximum() == 100_000 and 0 < row.bar.value() < 100_000
    assert "Writing files" in row.line.text()
    with qtbot.waitSignal(job.ended, timeout=10000):
        qtbot.mouseClick(row.stop, Qt.MouseButton.LeftButton)
    assert row.line.text().startswith("Stopped in ") and "written " in row.line.text()
    assert "skipped" not in row.line.text()  # zero counts are not shown
    assert not row.stop.isVisible() and panel.clear.isEnabled()
    qtbot.mouseClick(panel.clear, Qt.MouseButton.LeftButton)
    assert panel.rows == []


def test_a_failure_shows_the_reason(qtbot: QtBot) -> None:
    def broken(token: CancelToken) -> Generator[Progress, None, None]:
        yield Progress("read", 1, 2)
        raise PermissionError("cannot open /music/locked")

    runner = JobRunner()
    panel = JobsPanel(runner)
    qtbot.addWidget(panel)
    job = runner.start("Scanning", broken)
    with qtbot.waitSignal(job.ended, timeout=5000):
        pass
    assert "Failed after" in panel.rows[0].line.text() and "/music/locked" in panel.rows[0].line.text()


def test_activity_counts_running_jobs(qtbot: QtBot) -> None:
    runner = JobRunner()
    panel = JobsPanel(runner)
    qtbot.addWidget(panel)
    counts: list[int] = []
    panel.activity.connect(counts.append)
    job = runner.start("One", writing(10_000, 0.001))
    assert counts[-1] == 1
    with qtbot.waitSignal(job.ended, timeout=10000):
        job.cancel()
    assert counts[-1] == 0


def test_durations_read_at_a_glance() -> None:
    assert [duration_text(s) for s in (4.4, 59.6, 187, 3723)] == ["4 s", "1:00", "3:07", "1:02:03"]
