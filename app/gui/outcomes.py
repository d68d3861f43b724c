"""How the window words what happened: a job's outcome in one line, an error as the line the CLI prints,
a stored time in local time, and the colour of a good or bad line. Plain functions over core summaries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

from app.gui.jobs import Job


def error_text(error: BaseException | None) -> str:
    """The one line a person reads for a failed job (the CLI's wording where it has one)."""
    if error is None:
        return "unknown error"
    from app.cli import error_line

    return error_line(error) or f"{type(error).__name__}: {error}"


def outcome_style(widget: QWidget, ok: bool | None) -> str:
    """A style sheet colouring a line red (False) or green (True), readable on light and dark palettes."""
    if ok is None:
        return ""
    dark = widget.palette().color(QPalette.ColorRole.Window).lightness() < 128
    colors = {True: ("#2e7d32", "#81c784"), False: ("#c62828", "#ff8a80")}[ok]
    return f"color: {colors[dark]};"


def local_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """``moment`` (stored in UTC, naive or aware) in this computer's time zone; "" when unknown."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone().strftime(pattern)


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 file``, ``2 files``, ``1,234 files``."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _stopped_text(job: Job, done_total: tuple[int, int] | None) -> str:
    """``Stopped after 600 of 1,234 files``, from the summary's counts when the operation returned one,
    else from the last progress event."""
    if done_total is not None:
        return f"Stopped after {done_total[0]:,} of {plural(done_total[1], 'file')}"
    event = job.last
    if event is not None and event.total is not None and event.stage in ("read", "analyze"):
        return f"Stopped after {event.done:,} of {plural(event.total, 'file')}"
    if event is not None and event.stage == "walk":
        return f"Stopped while looking for files ({plural(event.done, 'file')} found)"
    return "Stopped before any file was read"


def _scan_counts(summary: Any) -> list[str]:
    counted = (
        (summary.added, "added"),
        (summary.updated, "updated"),
        (summary.errors, "unreadable"),
        (summary.missing, "missing"),
        (summary.moved, "moved"),
    )
    return [f"{count:,} {label}" for count, label in counted if count]


def scan_outcome(job: Job) -> tuple[str, bool]:
    """What an ended scan job did, in one line, and whether there are problems worth showing."""
    summary: Any = job.result
    if job.outcome == "failed":
        return f"Scan failed: {error_text(job.result)}", False
    if job.outcome == "cancelled":
        if summary is None:  # an operation that raised Cancelled instead of returning its summary
            return _stopped_text(job, None) + ". What was read is kept; Scan again to continue.", False
        kept = summary.added + summary.updated + summary.errors + summary.vanished
        counts = _scan_counts(summary)
        if job.last is not None and job.last.stage == "walk":
            text = _stopped_text(job, None)  # still looking for files: nothing was read
        else:
            text = _stopped_text(job, (kept, summary.found - summary.unchanged))
        text += f" ({', '.join(counts)})" if counts else ""
        return text + ". What was read is kept; Scan again to continue.", bool(summary.errors)
    parts = _scan_counts(summary) or ["nothing changed"]
    text = f"Scanned {plural(summary.found, 'file')}: " + ", ".join(parts)
    if summary.problems:
        text += f"; {plural(len(summary.problems), 'folder')} could not be opened"
    return text + ".", bool(summary.errors or summary.missing or summary.problems)


def analyze_outcome(job: Job) -> tuple[str, bool]:
    """What an ended analysis job did, in one line, and whether there are problems worth showing."""
    summary: Any = job.result
    if job.outcome == "failed":
        return f"Analysis failed: {error_text(job.result)}", False
    if job.outcome == "cancelled":
        done = None if summary is None else (summary.analyzed + summary.errors, summary.pending)
        text = _stopped_text(job, done) + ". What was analyzed is kept; Analyze again to continue."
        return text, bool(summary is not None and summary.errors)
    if not summary.pending:
        return "Nothing to analyze: every readable file is analyzed.", False
    parts = [f"{summary.analyzed:,} analyzed"]
    if summary.errors:
        parts.append(f"{summary.errors:,} failed")
    if summary.partial:
        parts.append(f"{summary.partial:,} partly")
    return f"Analyzed {plural(summary.pending, 'file')}: " + ", ".join(parts) + ".", bool(summary.errors)
