"""What an organize preview looks like now, for a screen that shows it between runs: the proposals (with the
status each reached and the error of a failed one), whether a killed run left moves in flight, and which run
an undo would move back. Reads only; the moves themselves are :mod:`.organize` and :mod:`.organize_apply`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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


def _row(p: OrganizeProposal) -> ProposalRow:
    return ProposalRow(p.id, p.media_file_id, p.current_path, p.proposed_path, p.reason, p.confidence,
                       str(p.status), p.error)  # fmt: skip


def proposal_rows(session: Session, proposal_ids: Sequence[int] | None = None) -> list[ProposalRow]:
    """The given proposals in whatever status they reached (ids that no longer exist are left out), or,
    without ids, the pending preview; both in current-path order, as ``tonearm organize`` lists them."""
    query = select(OrganizeProposal).order_by(OrganizeProposal.current_path, OrganizeProposal.id)
    if proposal_ids is None:
        return [
            _row(p) for p in session.scalars(query.where(OrganizeProposal.status == ProposalStatus.PENDING))
        ]
    ids = list(proposal_ids)
    found: list[ProposalRow] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.extend(_row(p) for p in session.scalars(query.where(OrganizeProposal.id.in_(chunk))))
    found.sort(key=lambda r: (r.current_path, r.id))
    return found


def organize_state(session: Session) -> OrganizeState:
    """Counts for the screen's banner and buttons: pending proposals, moves in flight, the undoable run."""
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
    return OrganizeState(
        int(counts.get(ProposalStatus.PENDING, 0)), int(counts.get(ProposalStatus.MOVING, 0)), last
    )
