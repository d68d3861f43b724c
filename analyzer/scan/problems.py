"""``problem_files``: the rows ``tonearm files`` prints, read from ``analyzer.catalog.list_problems``.

Kept in the shape the command has always printed and written as JSON (path, status, kind, reason), so
the command needs no change while it gains failed analyses (``status='analysis_failed'``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from analyzer.catalog.problems import ANALYSIS_FAILED, MISSING, UNREADABLE, list_problems


@dataclass(frozen=True, slots=True)
class ProblemFile:
    """``status``: error (unreadable), missing, or analysis_failed; ``kind``: the scan's error slug."""

    path: str
    status: str
    kind: str | None
    reason: str | None


_STATUS = {UNREADABLE: "error", MISSING: "missing", ANALYSIS_FAILED: ANALYSIS_FAILED}


def problem_files(session: Session, *, include_missing: bool = True) -> list[ProblemFile]:
    """Files the scans could not read, files whose analysis failed, and (by default) missing files."""
    kinds = [UNREADABLE, ANALYSIS_FAILED, *([MISSING] if include_missing else [])]
    return [
        ProblemFile(problem.path, _STATUS[problem.kind], problem.error_kind, problem.reason)
        for problem in list_problems(session, kinds)
    ]
