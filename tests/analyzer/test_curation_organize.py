"""Organizing files from tags on every layout: proposals with confidence and reasons from a real scan, apply
that never overwrites and keeps media_files true, undo, rejected proposals not made again, and a real
``kill -9`` halfway through an apply that loses no file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from analyzer.curation.organize import (
    TemplateError,
    check_template,
    pending_proposals,
    propose_moves,
    reject_proposals,
)
from analyzer.curation.organize_apply import apply_proposals, resume_moves, undo_last_run
from analyzer.scan import run_scan
from analyzer.scan.folders import add_folder
from analyzer.scan.paths import path_hash
from models.engine import Database
from models.media import MediaFile
from models.organize import OrganizeProposal, ProposalStatus
from models.progress import run_to_end
from tests import matching_fixtures as fx
from tests.curation_fixtures import add_file
from tests.scan_audio import make_templates, place

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")
TEMPLATE = "$albumartist/$year - $album/$disc-$track $title"
EPLE_MBID = "b1a9c0e9-d987-4042-ae91-78d6a3267d69"


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("organize-templates"))


def scanned_library(db: Database, root: Path, templates: dict[str, Path]) -> Path:
    music = root / "music"
    place(templates, music / "incoming" / "track1.flac", title="Eple", artist="Röyksopp", albumartist="Röyksopp",
          album="Melody A.M.", date="2001", tracknumber="1", discnumber="1", musicbrainz_recordingid=EPLE_MBID)  # fmt: skip
    place(templates, music / "incoming" / "x.mp3", title="Song: Part 1/2", artist="Someone")
    place(templates, music / "Air" / "2004 - Talkie Walkie" / "1-01 Venus.ogg", title="Venus", artist="Air",
          albumartist="Air", album="Talkie Walkie", date="2004", tracknumber="1", discnumber="1")  # fmt: skip
    with db.session() as session:
        add_folder(session, music)
    run_scan(db, [music], workers=1)
    return music


def proposals_by_name(db: Database) -> dict[str, OrganizeProposal]:
    with db.session() as session:
        return {Path(p.current_path).name: p for p in pending_proposals(session)}


@needs_ffmpeg
def test_preview_apply_and_undo_from_scanned_tags(db: Database, tmp_path: Path, templates: dict[str, Path]):
    music = scanned_library(db, tmp_path, templates)
    with db.session() as session:
        summary = propose_moves(session, TEMPLATE)
    assert (summary.proposed, summary.unchanged) == (2, 1)  # Venus is already where the template puts it
    found = proposals_by_name(db)
    eple, song = found["track1.flac"], found["x.mp3"]
    # A trailing dot is dropped from a name (Windows would drop it anyway).
    assert eple.proposed_path == str(music / "Röyksopp" / "2001 - Melody A.M" / "1-01 Eple.flac")
    assert (eple.confidence, eple.reason) == (100, "moves to another folder; tags complete")
    # No year, disc or track (the catalog named the album after its folder): placeholders, a low
    # confidence, and each reason said; "/" and ":" of the title cannot be in a name.
    assert song.proposed_path == str(music / "Someone" / "0000 - incoming" / "1-00 Song_ Part 1_2.mp3")
    assert song.confidence == 15
    assert song.reason == (
        "moves to another folder; no year: '0000'; no track: '00'; no disc: '1'; "
        "tags not confirmed by a MusicBrainz id"
    )
    assert song.status == ProposalStatus.PENDING

    applied = run_to_end(apply_proposals(db))
    assert (applied.applied, applied.failed, applied.run_id) == (2, [], 1)
    assert not (music / "incoming" / "track1.flac").exists()
    assert Path(eple.proposed_path).is_file() and Path(song.proposed_path).is_file()
    with db.session() as session:
        paths = set(session.scalars(select(MediaFile.file_path)))
    assert paths == {
        eple.proposed_path,
        song.proposed_path,
        str(music / "Air" / "2004 - Talkie Walkie" / "1-01 Venus.ogg"),
    }
    rescan = run_scan(db, [music], workers=1)
    assert (rescan.added, rescan.missing, rescan.unchanged) == (0, 0, 3)  # the scanner sees the same files

    undone = run_to_end(undo_last_run(db))
    assert undone.applied == 2
    assert (music / "incoming" / "track1.flac").is_file() and not Path(eple.proposed_path).exists()
    with db.session() as session:
        statuses = dict(session.execute(select(OrganizeProposal.id, OrganizeProposal.status)).tuples().all())
        assert statuses[eple.id] == ProposalStatus.UNDONE
        assert str(music / "incoming" / "x.mp3") in set(session.scalars(select(MediaFile.file_path)))


@needs_ffmpeg
def test_rejected_proposals_are_not_made_again(db: Database, tmp_path: Path, templates: dict[str, Path]):
    scanned_library(db, tmp_path, templates)
    with db.session() as session:
        propose_moves(session, TEMPLATE)
    song = proposals_by_name(db)["x.mp3"]
    with db.session() as session:
        assert reject_proposals(session, [song.id]) == 1
    with db.session() as session:
        again = propose_moves(session, TEMPLATE)
    assert (again.proposed, again.rejected_before) == (1, 1)
    assert set(proposals_by_name(db)) == {"track1.flac"}


@needs_ffmpeg
def test_apply_never_overwrites_an_existing_file(db: Database, tmp_path: Path, templates: dict[str, Path]):
    scanned_library(db, tmp_path, templates)
    with db.session() as session:
        propose_moves(session, TEMPLATE)
    eple = proposals_by_name(db)["track1.flac"]
    Path(eple.proposed_path).parent.mkdir(parents=True)
    Path(eple.proposed_path).write_bytes(b"someone else's file")
    summary = run_to_end(apply_proposals(db))
    assert summary.applied == 1 and len(summary.failed) == 1
    assert "already exists (nothing is overwritten)" in summary.failed[0][1]
    assert Path(eple.proposed_path).read_bytes() == b"someone else's file"
    assert Path(eple.current_path).is_file()


def test_templates_are_checked():
    assert check_template("$artist/${album}/$title") == ["artist", "album", "title"]
    for bad, message in (("$artist/$bitrate", "unknown field \\$bitrate"), ("/abs/$title", "relative"),
                         ("", "empty"), ("$ $title", "starts no field")):  # fmt: skip
        with pytest.raises(TemplateError, match=message):
            check_template(bad)


def _plan(db: Database, root: Path, count: int) -> list[int]:
    """``count`` files with tracks under root/in, and an applied-to-be proposal for each."""
    music = root / "music"
    (music / "in").mkdir(parents=True)
    with db.session() as session:
        add_folder(session, music)
        for n in range(count):
            track = fx.track(session, f"Artist {n % 7}", f"Song {n}", album=f"Album {n % 5}", duration=200)
            add_file(session, music / "in" / f"{n:04d}.flac", track, 200)
        summary = propose_moves(session, "$artist/$album/$title")
    assert summary.proposed == count
    return summary.proposal_ids


def _nothing_lost(db: Database) -> None:
    """Every file exists at its old or new name; media_files points at an existing name (the one a
    ``moving`` row is between may be either)."""
    with db.session() as session:
        rows = session.execute(select(OrganizeProposal.current_path, OrganizeProposal.proposed_path,
                                      OrganizeProposal.status, MediaFile.file_path)
                               .join(MediaFile, MediaFile.id == OrganizeProposal.media_file_id)).tuples().all()  # fmt: skip
    for current, proposed, status, recorded in rows:
        assert os.path.exists(current) or os.path.exists(proposed), (current, proposed, status)
        if status != ProposalStatus.MOVING:
            assert os.path.exists(recorded), (recorded, status)


def test_resume_settles_each_crash_point(db: Database, tmp_path: Path):
    ids = _plan(db, tmp_path, 3)
    with db.session() as session:
        rows = [session.get_one(OrganizeProposal, i) for i in ids]
        # killed after "moving" was written, before the link: nothing happened on disk
        rows[0].status, rows[0].run_id = ProposalStatus.MOVING, 1
        # killed after the link, before the database knew
        rows[1].status, rows[1].run_id = ProposalStatus.MOVING, 1
        # killed after the database knew, before the old name was removed
        rows[2].status, rows[2].run_id = ProposalStatus.APPLIED, 1
        session.execute(MediaFile.__table__.update().where(MediaFile.id == rows[2].media_file_id)
                        .values(file_path=rows[2].proposed_path))  # fmt: skip
        plan = [(r.current_path, r.proposed_path) for r in rows]
    for current, proposed in plan[1:]:
        os.makedirs(os.path.dirname(proposed), exist_ok=True)
        os.link(current, proposed)
    assert resume_moves(db) == (1, 1)
    with db.session() as session:
        after = [session.get_one(OrganizeProposal, i).status for i in ids]
        recorded = [
            session.get_one(MediaFile, session.get_one(OrganizeProposal, i).media_file_id).file_path
            for i in ids
        ]
    assert after == [ProposalStatus.PENDING, ProposalStatus.APPLIED, ProposalStatus.APPLIED]
    assert recorded == [plan[0][0], plan[1][1], plan[2][1]]
    assert os.path.exists(plan[0][0]) and not os.path.exists(plan[0][1])
    for current, proposed in plan[1:]:
        assert not os.path.exists(current) and os.path.exists(proposed)


_CHILD = """
import sys
from models.engine import open_database
from models.progress import run_to_end
from analyzer.curation.organize_apply import apply_proposals
db = open_database(sys.argv[1])
print("started", flush=True)
run_to_end(apply_proposals(db))
"""


def _child_env(db: Database) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCROBBLER_")}
    if db.schemas.medialibrary:
        env["SCROBBLER_MEDIALIBRARY_SCHEMA"] = db.schemas.medialibrary
    if db.schemas.listens:
        env["SCROBBLER_LISTENS_SCHEMA"] = db.schemas.listens
    return env


def _applied(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(OrganizeProposal)
                                  .where(OrganizeProposal.status == ProposalStatus.APPLIED)) or 0)  # fmt: skip


def test_kill_9_halfway_through_apply_loses_nothing(db: Database, tmp_path: Path):
    count = 150
    _plan(db, tmp_path, count)
    url = db.url.render_as_string(hide_password=False)
    for threshold in (10, 40, 80):  # three kills, each landing wherever that move happens to be
        child = subprocess.Popen([sys.executable, "-c", _CHILD, url], env=_child_env(db), stdout=subprocess.PIPE,
                                 cwd=Path(__file__).parent.parent.parent)  # fmt: skip
        assert child.stdout is not None and child.stdout.readline().strip() == b"started"
        deadline = time.monotonic() + 60
        while _applied(db) < threshold and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL, "the apply ended before the kill"
        _nothing_lost(db)
    summary = run_to_end(apply_proposals(db))  # resumes, then finishes the plan
    assert summary.failed == []
    _nothing_lost(db)
    with db.session() as session:
        rows = session.execute(select(OrganizeProposal.status, OrganizeProposal.current_path,
                                      OrganizeProposal.proposed_path, MediaFile.file_path, MediaFile.file_path_hash)
                               .join(MediaFile, MediaFile.id == OrganizeProposal.media_file_id)).tuples().all()  # fmt: skip
    assert len(rows) == count
    for status, current, proposed, recorded, key in rows:
        assert status == ProposalStatus.APPLIED
        assert recorded == proposed and os.path.isfile(proposed) and not os.path.exists(current)
        assert key == path_hash(proposed)
    assert list((tmp_path / "music" / "in").iterdir()) == []
    leftovers = [p for p in (tmp_path / "music").rglob(".tonearm-move-*")]
    assert leftovers == []
