"""The organize screen's reads on every layout: the preview's rows in the status each reached (a failed one
with its error), the moves a killed run left in flight, and the run an undo would move back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from analyzer.curation.organize import propose_moves, reject_proposals
from analyzer.curation.organize_apply import apply_proposals, undo_last_run
from analyzer.curation.organize_status import organize_state, preview_rows, proposal_rows
from models.engine import Database
from models.organize import OrganizeProposal, ProposalStatus
from models.progress import run_to_end
from tests.analyzer.test_curation_organize import TEMPLATE, needs_ffmpeg, scanned_library, templates

__all__ = ["templates"]  # the session fixture, shared with the organize tests


@needs_ffmpeg
def test_rows_and_state_follow_preview_reject_apply_and_undo(
    db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    scanned_library(db, tmp_path, templates)
    with db.session() as session:
        assert organize_state(session).pending == 0 and organize_state(session).last_run is None
        assert organize_state(session).files == 3
        ids = propose_moves(session, TEMPLATE).proposal_ids
    with db.session() as session:
        rows = proposal_rows(session)
        assert sorted(r.id for r in rows) == sorted(ids)
        assert [r.current_path for r in rows] == sorted(r.current_path for r in rows)
        assert {Path(r.current_path).name for r in rows} == {"track1.flac", "x.mp3"}
        assert all(r.status == "pending" and r.error is None for r in rows)
        state = organize_state(session)
        assert (state.pending, state.interrupted, state.last_run) == (2, 0, None)
        song = next(r for r in rows if r.current_path.endswith("x.mp3"))
        reject_proposals(session, [song.id])
    eple = next(r for r in rows if r.id != song.id)
    Path(eple.proposed_path).parent.mkdir(parents=True)
    Path(eple.proposed_path).write_bytes(b"someone else's file")  # the target is taken: the move fails
    summary = run_to_end(apply_proposals(db))
    assert summary.applied == 0 and [i for i, _ in summary.failed] == [eple.id]
    with db.session() as session:
        after = {r.id: r for r in proposal_rows(session, [*ids, 999_999])}  # a gone id is left out
        assert set(after) == set(ids)
        assert after[song.id].status == "rejected"
        assert after[eple.id].status == "failed" and "exists" in (after[eple.id].error or "")
        assert organize_state(session).pending == 0 and proposal_rows(session) == []
        # The screen shows what became of its own preview, beside any pending one (none now).
        assert {r.id: r.status for r in preview_rows(session, ids)} == {
            song.id: "rejected",
            eple.id: "failed",
        }

    Path(eple.proposed_path).unlink()
    with db.session() as session:
        ids = propose_moves(session, TEMPLATE).proposal_ids  # the rejected one is not proposed again
    assert len(ids) == 1
    with db.session() as session:  # a new preview from elsewhere shows beside the old one's outcome
        shown = preview_rows(session, [song.id, eple.id])
        assert [r.status for r in shown if r.id in ids] == ["pending"]
        assert {r.id for r in shown} == {*ids, song.id, eple.id}
    run_to_end(apply_proposals(db))
    with db.session() as session:
        state = organize_state(session)
        assert state.last_run is not None and state.last_run.files == 1
        assert state.last_run.applied_at is not None
        assert [r.status for r in proposal_rows(session, ids)] == ["applied"]
    run_to_end(undo_last_run(db))
    with db.session() as session:
        assert organize_state(session).last_run is None  # the undo's own run is not undone again
        assert [r.status for r in proposal_rows(session, ids)] == ["undone"]


def test_moves_in_flight_are_counted(db: Database, tmp_path: Path) -> None:
    from tests import matching_fixtures as fx
    from tests.curation_fixtures import add_file

    with db.session() as session:
        track = fx.track(session, "Air", "Venus")
        media = add_file(session, tmp_path / "music" / "a.flac", track, 200)
        for status in (ProposalStatus.MOVING, ProposalStatus.MOVING, ProposalStatus.PENDING):
            session.add(OrganizeProposal(media_file_id=media, current_path="/a", proposed_path="/b",
                                         proposed_path_hash="x", template="$title", reason="renames",
                                         confidence=90, status=status, run_id=3))  # fmt: skip
    with db.session() as session:
        state = organize_state(session)
        assert (state.pending, state.interrupted, state.last_run, state.files) == (1, 2, None, 1)
        assert len(session.scalars(select(OrganizeProposal.id)).all()) == 3
