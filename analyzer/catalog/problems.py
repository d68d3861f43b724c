"""Files that need a person's attention: unreadable, missing, or failed analysis — each with its reason.

One query for the app's problems view and ``tonearm files`` (through ``analyzer.scan.problem_files``).
A file is listed once, under the first kind that applies: a file the scan cannot read or find is not
analysed, so an old analysis failure on it is not news. Analyses that finished with a partial problem
(e.g. no fingerprint) are ``done`` and are not listed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from models.enums import AnalysisStatus, ScanStatus
from models.media import MediaFile

UNREADABLE = "unreadable"
MISSING = "missing"
ANALYSIS_FAILED = "analysis_failed"
PROBLEM_KINDS = (UNREADABLE, MISSING, ANALYSIS_FAILED)
"""Every problem kind, in the order a file is classified."""


@dataclass(frozen=True)
class ProblemFile:
    """One file and what is wrong with it.

    ``reason`` is always a sentence for people; ``error_kind`` is the scan's slug for unreadable files
    (truncated, not_audio, unsupported, permission_denied, corrupt, empty), else None; ``when`` is when
    the problem was seen (the last scan, or the analysis)."""

    media_file_id: int
    path: str
    kind: str
    reason: str
    error_kind: str | None
    when: datetime | None


def list_problems(session: Session, kinds: Collection[str] | None = None) -> list[ProblemFile]:
    """Problem files of the given ``kinds`` (all by default), sorted by path.

    Raises ValueError naming the known kinds when one is not one of :data:`PROBLEM_KINDS`."""
    wanted = set(PROBLEM_KINDS if kinds is None else kinds)
    unknown = sorted(wanted - set(PROBLEM_KINDS))
    if unknown:
        raise ValueError(f"unknown problem kind {', '.join(unknown)} (known: {', '.join(PROBLEM_KINDS)})")
    statuses = [status for kind, status in _SCAN_KINDS.items() if kind in wanted]
    conditions: list[ColumnElement[bool]] = []
    if statuses:
        conditions.append(MediaFile.scan_status.in_(statuses))
    if ANALYSIS_FAILED in wanted:
        # Not "and scan_status = 'ok'": SQLite would then search the index of scan_status for 'ok', i.e.
        # every file (100,000 files: 33 ms against 1 ms); unreadable and missing files are dropped below.
        conditions.append(MediaFile.analysis_status == AnalysisStatus.ERROR)
    if not conditions:
        return []
    statement = select(
        MediaFile.id,
        MediaFile.file_path,
        MediaFile.scan_status,
        MediaFile.error_kind,
        MediaFile.scan_error,
        MediaFile.analysis_error,
        MediaFile.last_scanned_at,
        MediaFile.analyzed_at,
    ).where(or_(*conditions))
    classified = (_problem(*row) for row in session.execute(statement).tuples())
    found = [problem for problem in classified if problem.kind in wanted]
    return sorted(found, key=lambda problem: (problem.path, problem.kind))


_SCAN_KINDS = {UNREADABLE: ScanStatus.ERROR, MISSING: ScanStatus.MISSING}


def _problem(
    media_id: int,
    path: str,
    scan_status: ScanStatus,
    error_kind: str | None,
    scan_error: str | None,
    analysis_error: str | None,
    scanned_at: datetime | None,
    analyzed_at: datetime | None,
) -> ProblemFile:
    if scan_status == ScanStatus.ERROR:
        reason = scan_error or "could not be read (no reason was recorded)"
        return ProblemFile(media_id, path, UNREADABLE, reason, error_kind, scanned_at)
    if scan_status == ScanStatus.MISSING:
        return ProblemFile(media_id, path, MISSING, "no longer on disk", None, scanned_at)
    reason = analysis_error or "analysis failed (no reason was recorded)"
    return ProblemFile(media_id, path, ANALYSIS_FAILED, reason, None, analyzed_at)


__all__ = ["ANALYSIS_FAILED", "MISSING", "PROBLEM_KINDS", "UNREADABLE", "ProblemFile", "list_problems"]
