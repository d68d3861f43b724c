"""Applying organize proposals so that a kill at any instant loses no file and leaves the database true.

Each move, in order, each step durable before the next:
1. the proposal is marked ``moving`` (its own transaction);
2. the file gets its new name with ``os.link`` (atomic, and it fails when the name exists: nothing is ever
   overwritten); across filesystems a copy goes to a temporary name beside the target first, then is linked;
3. one transaction points media_files at the new path and marks the proposal ``applied``;
4. the old name is unlinked.
:func:`resume_moves` (run first by every apply and undo) finishes what a killed run left: a ``moving`` row
whose new name holds the same file is completed (steps 3-4); one whose new name is absent goes back to
``pending``; an ``applied`` row whose old name still holds the file loses the old name. Undo is a run of
reverse proposals through the same steps, so it is just as safe.
"""

from __future__ import annotations

import errno
import filecmp
import functools
import os
import shutil
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from analyzer.scan.paths import path_hash
from models.engine import Database
from models.media import MediaFile
from models.organize import OrganizeProposal, ProposalStatus
from models.progress import CancelToken, Progress
from models.types import utcnow
from models.unit_of_work import write_transaction


@dataclass
class ApplySummary:
    run_id: int | None = None
    applied: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (proposal id, why)
    resumed: int = 0  # moves of a killed run completed
    rolled_back: int = 0  # moves of a killed run that had not started, back to pending
    cancelled: bool = False


def apply_proposals(
    db: Database, proposal_ids: Sequence[int] | None = None, *, cancel: CancelToken | None = None
) -> Generator[Progress, None, ApplySummary]:
    """Apply pending proposals (all, or these ids) as one undoable run. Yields stage ``move``."""
    summary = ApplySummary()
    summary.resumed, summary.rolled_back = resume_moves(db)
    with db.session() as session:
        query = select(OrganizeProposal.id).where(OrganizeProposal.status == ProposalStatus.PENDING)
        if proposal_ids is not None:
            query = query.where(OrganizeProposal.id.in_(list(proposal_ids)))
        ids = list(session.scalars(query.order_by(OrganizeProposal.id)))
        summary.run_id = int(session.scalar(select(func.max(OrganizeProposal.run_id))) or 0) + 1
    yield Progress("move", 0, len(ids), "moving files")
    for done, proposal_id in enumerate(ids, start=1):
        if cancel is not None and cancel.cancelled:
            summary.cancelled = True
            break
        problem = _apply_one(db, proposal_id, summary.run_id)
        if problem is None:
            summary.applied += 1
        else:
            summary.failed.append((proposal_id, problem))
        yield Progress(
            "move", done, len(ids), counts={"applied": summary.applied, "failed": len(summary.failed)}
        )
    return summary


def _apply_one(db: Database, proposal_id: int, run_id: int) -> str | None:
    """Move one file; None when done, else why not (the proposal is then ``failed``, the file untouched)."""

    def check_and_claim(session: Session) -> tuple[str, str, str | None]:
        proposal = session.get_one(OrganizeProposal, proposal_id)
        source, target = proposal.current_path, proposal.proposed_path
        media = session.get(MediaFile, proposal.media_file_id)
        problem = None
        if media is None or media.file_path != source:
            problem = f"the library no longer has this file at {source}"
        elif not os.path.exists(source):
            problem = f"{source} is not there any more"
        elif os.path.lexists(target):
            problem = f"{target} already exists (nothing is overwritten)"
        elif session.scalar(select(MediaFile.id).where(MediaFile.file_path_hash == path_hash(target))):
            problem = f"the library already has a file at {target}"
        if problem is not None:
            proposal.status, proposal.error = ProposalStatus.FAILED, problem
        else:
            proposal.status, proposal.run_id = ProposalStatus.MOVING, run_id  # 1: durable before the disk
        return source, target, problem

    source, target, problem = write_transaction(
        db, check_and_claim, what=f"organize: claim move {proposal_id}"
    )
    if problem is not None:
        return problem
    try:
        _link(source, target, proposal_id)  # 2
    except OSError as error:
        why = f"cannot create {target}: {error.strerror or error}"
        write_transaction(
            db, lambda session: _mark_failed(session, proposal_id, why), what=f"organize: move {proposal_id}"
        )
        return why
    write_transaction(  # 3
        db, lambda session: _record_applied(session, proposal_id), what=f"organize: record move {proposal_id}"
    )
    _unlink_if_same(source, target)  # 4
    return None


def _mark_failed(session: Session, proposal_id: int, why: str) -> None:
    row = session.get_one(OrganizeProposal, proposal_id)
    row.status, row.error = ProposalStatus.FAILED, why


def _record_applied_of(proposal_id: int, session: Session) -> None:
    _record_applied(session, proposal_id)


def _back_to_pending_of(proposal_id: int, session: Session) -> None:
    row = session.get_one(OrganizeProposal, proposal_id)
    row.status, row.run_id = ProposalStatus.PENDING, None


def _link(source: str, target: str, proposal_id: int) -> None:
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
            raise
        # Another filesystem (or one without hard links): copy beside the target, then link it into place.
        temporary = os.path.join(os.path.dirname(target), f".tonearm-move-{proposal_id}.part")
        shutil.copy2(source, temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        try:
            os.link(temporary, target)
        finally:
            os.unlink(temporary)


def _record_applied(session: Session, proposal_id: int) -> None:
    proposal = session.get_one(OrganizeProposal, proposal_id)
    session.execute(
        update(MediaFile)
        .where(MediaFile.id == proposal.media_file_id)
        .values(file_path=proposal.proposed_path, file_path_hash=path_hash(proposal.proposed_path))
    )
    proposal.status, proposal.applied_at, proposal.error = ProposalStatus.APPLIED, utcnow(), None
    if proposal.undoes_id is not None:
        original = session.get(OrganizeProposal, proposal.undoes_id)
        if original is not None:
            original.status = ProposalStatus.UNDONE


def _same_file(source: str, target: str) -> bool:
    try:
        return os.path.samefile(source, target) or filecmp.cmp(source, target, shallow=False)
    except OSError:
        return False


def _unlink_if_same(source: str, target: str) -> None:
    """Drop the old name only while the new one holds the same file (never the only copy)."""
    if os.path.lexists(source) and _same_file(source, target):
        os.unlink(source)


def resume_moves(db: Database) -> tuple[int, int]:
    """Settle what a killed apply or undo left; returns (completed, rolled back)."""
    completed = rolled_back = 0
    with db.session() as session:
        moving = list(
            session.scalars(select(OrganizeProposal).where(OrganizeProposal.status == ProposalStatus.MOVING))
        )
        last_run = session.scalar(select(func.max(OrganizeProposal.run_id)))
        applied = list(session.scalars(select(OrganizeProposal).where(
            OrganizeProposal.status == ProposalStatus.APPLIED, OrganizeProposal.run_id == last_run)))  # fmt: skip
        pending_moves = [(p.id, p.current_path, p.proposed_path) for p in moving]
        leftovers = [(p.current_path, p.proposed_path) for p in applied]
    for proposal_id, source, target in pending_moves:
        temporary = os.path.join(os.path.dirname(target), f".tonearm-move-{proposal_id}.part")
        if os.path.lexists(temporary):
            os.unlink(temporary)  # a copy cut short: the source is intact
        if os.path.lexists(target) and (not os.path.lexists(source) or _same_file(source, target)):
            write_transaction(
                db,
                functools.partial(_record_applied_of, proposal_id),
                what="organize: resume a move",
            )
            _unlink_if_same(source, target)
            completed += 1
        else:
            write_transaction(
                db,
                functools.partial(_back_to_pending_of, proposal_id),
                what="organize: resume a move",
            )
            rolled_back += 1
    for source, target in leftovers:
        _unlink_if_same(source, target)
    return completed, rolled_back


def undo_last_run(
    db: Database, *, cancel: CancelToken | None = None
) -> Generator[Progress, None, ApplySummary]:
    """Move back every file of the newest run that moved files (newest move first)."""
    resume_moves(db)

    def add_reverse_moves(session: Session) -> list[int] | None:
        run_id = session.scalar(select(func.max(OrganizeProposal.run_id)).where(
            OrganizeProposal.status == ProposalStatus.APPLIED, OrganizeProposal.undoes_id.is_(None)))  # fmt: skip
        if run_id is None:
            return None
        originals = list(session.scalars(
            select(OrganizeProposal).where(OrganizeProposal.run_id == run_id,
                                           OrganizeProposal.status == ProposalStatus.APPLIED)
            .order_by(OrganizeProposal.id.desc())
        ))  # fmt: skip
        reverse_ids = []
        for original in originals:
            reverse = OrganizeProposal(
                media_file_id=original.media_file_id, current_path=original.proposed_path,
                proposed_path=original.current_path, proposed_path_hash=path_hash(original.current_path),
                template="(undo)", reason=f"undo of proposal {original.id}", confidence=100,
                undoes_id=original.id,
            )  # fmt: skip
            session.add(reverse)
            session.flush()
            reverse_ids.append(reverse.id)
        return reverse_ids

    reverse_ids = write_transaction(db, add_reverse_moves, what="organize: undo the last run")
    if reverse_ids is None:
        return ApplySummary()
    return (yield from apply_proposals(db, reverse_ids, cancel=cancel))
