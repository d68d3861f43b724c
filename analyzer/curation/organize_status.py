"""What an organize preview looks like now, for a screen that shows it between runs: the proposals (with the
status each reached and the error of a failed one), whether a killed run left moves in flight, and which run
an undo would move back. Reads only; the moves themselves are :mod:`.organize` and :mod:`.organize_apply`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from models.enums import ScanStatus
from models.media import MediaFile
from models.organize import OrganizeProposal, ProposalStatus


@dataclass(frozen=True, slots=True)
class ProposalRow:
    """One proposal as a person reviews it (plain values: safe to hand to another thread)."""

    id: int
    media_file_id: int
    current_path: str
    proposed_path: str
    reason: str
    confidence: int
    status: str  # a ProposalStatus value
    error: str | None


@dataclass(frozen=True, slots=True)
class LastRun:
    """The run :func:`analyzer.curation.organize_apply.undo_last_run` would move back."""

    run_id: int
    files: int
    applied_at: datetime | None


@dataclass(frozen=True, slots=True)
class OrganizeState:
    pending: int  # proposals of the current preview not applied yet
    interrupted: int  # moves a killed apply or undo left in flight (resume settles them)
    last_run: LastRun | None
    files: int  # present library files with a track: what a preview can propose to move


_COLUMNS = (OrganizeProposal.id, OrganizeProposal.media_file_id, OrganizeProposal.current_path,
            OrganizeProposal.proposed_path, OrganizeProposal.reason, OrganizeProposal.confidence,
            OrganizeProposal.status, OrganizeProposal.error)  # fmt: skip


def _rows(session: Session, condition: ColumnElement[bool]) -> list[ProposalRow]:
    # Plain columns, not ORM objects: a 100,000-file preview reads in a third of the time.
    query = select(*_COLUMNS).where(condition).order_by(OrganizeProposal.current_path, OrganizeProposal.id)
    return [
        ProposalRow(i, media, current, proposed, reason, confidence, str(status), error)
        for i, media, current, proposed, reason, confidence, status, error in session.execute(query).tuples()
    ]


def proposal_rows(session: Session, proposal_ids: Sequence[int] | None = None) -> list[ProposalRow]:
    """The given proposals in whatever status they reached (ids that no longer exist are left out), or,
    without ids, the pending preview; both in current-path order, as ``tonearm organize`` lists them."""
    if proposal_ids is None:
        return _rows(session, OrganizeProposal.status == ProposalStatus.PENDING)
    ids = list(proposal_ids)
    found: list[ProposalRow] = []
    for start in range(0, len(ids), 500):
        found.extend(_rows(session, OrganizeProposal.id.in_(ids[start : start + 500])))
    found.sort(key=lambda r: (r.current_path, r.id))
    return found


def preview_rows(session: Session, own_ids: Sequence[int] = ()) -> list[ProposalRow]:
    """What an organize screen shows: the pending preview (whoever made it, this screen or the CLI), and
    what became of ``own_ids`` (the screen's own last preview) once they left pending: moved, failed,
    rejected, moved back. In current-path order."""
    rows = proposal_rows(session)
    ids = list(own_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows += _rows(
            session, OrganizeProposal.id.in_(chunk) & (OrganizeProposal.status != ProposalStatus.PENDING)
        )
    rows.sort(key=lambda r: (r.current_path, r.id))
    return rows


def organize_state(session: Session) -> OrganizeState:
    """Counts for the screen's banner, buttons and empty state: pending proposals, moves in flight, the
    undoable run, and how many files a preview would look at."""
    counts = dict(
        session.execute(
            select(OrganizeProposal.status, func.count())
            .where(OrganizeProposal.status.in_((ProposalStatus.PENDING, ProposalStatus.MOVING)))
            .group_by(OrganizeProposal.status)
        )
        .tuples()
        .all()
    )
    applied = (OrganizeProposal.status == ProposalStatus.APPLIED) & OrganizeProposal.undoes_id.is_(None)
    run_id = session.scalar(select(func.max(OrganizeProposal.run_id)).where(applied))
    last = None
    if run_id is not None:
        files, when = session.execute(
            select(func.count(), func.max(OrganizeProposal.applied_at)).where(
                applied, OrganizeProposal.run_id == run_id
            )
        ).one()
        last = LastRun(int(run_id), int(files), when)
    files = session.scalar(
        select(func.count()).select_from(MediaFile)
        .where(MediaFile.track_id.is_not(None), MediaFile.scan_status != ScanStatus.MISSING)
    )  # fmt: skip
    pending, moving = int(counts.get(ProposalStatus.PENDING, 0)), int(counts.get(ProposalStatus.MOVING, 0))
    return OrganizeState(pending, moving, last, int(files or 0))
