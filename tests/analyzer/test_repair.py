"""``repair_track_identity`` on a catalog merged the way the old identity rule merged it (every layout)."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select, update

from analyzer.catalog.repair import repair_track_identity
from analyzer.scan import run_scan
from models.engine import Database
from models.enums import EnrichStatus
from models.listens import Listen, ListenMatchCandidate, ListenStatsState
from models.media import MediaFile
from models.normalize import normalize
from models.progress import CancelToken, run_to_end
from models.releases import ReleaseItem
from models.tracks import TitleAlias, Track, TrackArtist, TrackGenre, TrackTagAttribute
from models.types import to_epoch
from tests.matching_fixtures import listen, user
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")

WESNOTH = {"album": "The Battle for Wesnoth OST", "albumartist": "Wesnoth Project", "title": "Defeat"}
CAVES = {"artist": "NeonCorridor", "album": "HyperRogue", "title": "Living Caves", "tracknumber": "2"}
T0 = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def lengths(tmp_path_factory: pytest.TempPathFactory) -> dict[float, dict[str, Path]]:
    root = tmp_path_factory.mktemp("repair-templates")
    made: dict[float, dict[str, Path]] = {}
    for seconds in (2.0, 8.5, 14.2):
        folder = root / str(seconds)
        folder.mkdir()
        made[seconds] = make_templates(folder, duration=seconds)
    return made


def old_uid(album_artist: str, album: str, disc: int, track: int, title: str) -> str:
    """``track_uid`` as the old rule formed it: no recording artist, no length."""
    key = "\x1f".join((normalize(album_artist), normalize(album), str(disc), str(track), normalize(title)))
    return "h:" + hashlib.sha1(key.encode("utf-8")).hexdigest()


def merge_as_old_rule(db: Database, keep_path: str, absorb_path: str, uid: str) -> tuple[int, int]:
    """Rewrite two tracks into the one track the old rule made of them: one uid, both files, both
    artists' credits, the length of one. Returns (merged track id, the absorbed track's former id)."""
    with db.session() as s:
        keep, absorb = (
            s.scalar(select(MediaFile.track_id).where(MediaFile.file_path == path))
            for path in (keep_path, absorb_path)
        )
        assert keep is not None and absorb is not None and keep != absorb
        credits = s.execute(
            select(TrackArtist.artist_id, TrackArtist.role, TrackArtist.credited_name).where(
                TrackArtist.track_id == absorb
            )
        ).all()
        held = set(
            s.execute(select(TrackArtist.artist_id, TrackArtist.role).where(TrackArtist.track_id == keep))
        )
        for artist_id, role, name in credits:
            if (artist_id, role) in held:
                continue
            s.execute(
                insert(TrackArtist).values(
                    track_id=keep, artist_id=artist_id, role=role, position=1, credited_name=name
                )
            )
        s.execute(update(MediaFile).where(MediaFile.track_id == absorb).values(track_id=keep))
        for model in (TrackArtist, TrackGenre, TitleAlias, TrackTagAttribute, ReleaseItem):
            s.execute(delete(model).where(model.track_id == absorb))  # type: ignore[attr-defined]
        s.execute(delete(Track).where(Track.id == absorb))
        s.execute(update(Track).where(Track.id == keep).values(track_uid=uid))
    return keep, absorb


def test_merged_tracks_split_listens_follow_their_recording_manual_kept(
    db: Database, tmp_path: Path, lengths: dict[float, dict[str, Path]]
) -> None:
    root = tmp_path / "music"
    pinkham = place(lengths[8.5], root / "wesnoth/defeat.ogg", artist="Timothy Pinkham", **WESNOTH)
    reilly = place(lengths[14.2], root / "wesnoth/defeat2.ogg", artist="Ryan Reilly", **WESNOTH)
    caves = place(lengths[8.5], root / "hr/hr3-caves.ogg", **CAVES)
    crossroads = place(lengths[2.0], root / "hr/hr3-crossroads.ogg", **CAVES)
    run_scan(db, [root])
    defeat, _ = merge_as_old_rule(
        db, str(reilly), str(pinkham), old_uid("Wesnoth Project", WESNOTH["album"], 0, 0, "Defeat")
    )
    living, _ = merge_as_old_rule(
        db, str(caves), str(crossroads), old_uid("NeonCorridor", "HyperRogue", 0, 2, "Living Caves")
    )

    with db.session() as s:
        ada = user(s)
        at = [T0 + timedelta(hours=i) for i in range(7)]
        ids = {
            "reilly": listen(s, "Ryan Reilly", "Defeat", duration=14.0, at=at[0]),
            "pinkham": listen(s, "Timothy Pinkham", "Defeat", at=at[1]),
            "either": listen(s, "Wesnoth Project", "Defeat", at=at[2]),
            "manual": listen(s, "Timothy Pinkham", "Defeat", duration=8.0, at=at[3]),
            "caves_short": listen(s, "NeonCorridor", "Living Caves", duration=2.3, at=at[4]),
            "caves_unknown": listen(s, "NeonCorridor", "Living Caves", at=at[5]),
            "untouched": listen(s, "NeonCorridor", "Living Caves", duration=8.4, at=at[6]),
        }
        for name, listen_id in ids.items():
            track = living if name.startswith(("caves", "untouched")) else defeat
            status = EnrichStatus.MANUAL if name == "manual" else EnrichStatus.MATCHED
            s.execute(
                update(Listen).where(Listen.id == listen_id).values(track_id=track, enrich_status=status)
            )
        # A listen in review that had the merged track as a candidate.
        pending = listen(s, "Wesnoth", "Defeat", at=T0 + timedelta(days=1))
        s.execute(update(Listen).where(Listen.id == pending).values(enrich_status=EnrichStatus.AMBIGUOUS))
        s.add(ListenMatchCandidate(listen_id=pending, track_id=defeat, confidence=0.6, rank=1))
        s.add(ListenStatsState(user_id=ada, built=True, dirty_lo=None, dirty_hi=None))

    summary = run_to_end(repair_track_identity(db, CancelToken()))
    assert (summary.tracks_split, summary.files_moved, summary.files_unreadable) == (2, 2, 0)
    assert (summary.listens_moved, summary.listens_to_review, summary.manual_kept) == (2, 2, 1)

    with db.session() as s:
        by_path = dict(s.execute(select(MediaFile.file_path, MediaFile.track_id)).tuples().all())
        assert len(set(by_path.values())) == 4  # each file its own recording
        credits = dict(
            s.execute(
                select(TrackArtist.track_id, TrackArtist.credited_name).where(
                    TrackArtist.track_id.in_(list(by_path.values()))
                )
            )
            .tuples()
            .all()
        )
        assert credits[by_path[str(pinkham)]] == "Timothy Pinkham"
        assert credits[by_path[str(reilly)]] == "Ryan Reilly"
        rows = {
            lid: (track, status)
            for lid, track, status in s.execute(select(Listen.id, Listen.track_id, Listen.enrich_status))
        }
        assert rows[ids["reilly"]] == (by_path[str(reilly)], EnrichStatus.MATCHED)
        assert rows[ids["pinkham"]] == (by_path[str(pinkham)], EnrichStatus.MATCHED)
        # The merged track stays the recording whose length it showed (Reilly's): its listens stay.
        assert by_path[str(reilly)] == defeat and by_path[str(caves)] == living
        assert rows[ids["manual"]] == (defeat, EnrichStatus.MANUAL)  # a person's decision stays
        assert rows[ids["caves_short"]] == (by_path[str(crossroads)], EnrichStatus.MATCHED)
        assert rows[ids["untouched"]] == (by_path[str(caves)], EnrichStatus.MATCHED)
        for name in ("either", "caves_unknown"):
            assert rows[ids[name]] == (None, EnrichStatus.AMBIGUOUS)
        candidates = set(
            s.execute(select(ListenMatchCandidate.listen_id, ListenMatchCandidate.track_id)).tuples()
        )
        assert {(ids["either"], by_path[str(p)]) for p in (pinkham, reilly)} <= candidates
        assert {(ids["caves_unknown"], by_path[str(p)]) for p in (caves, crossroads)} <= candidates
        assert {(pending, by_path[str(p)]) for p in (pinkham, reilly)} <= candidates
        state = s.execute(select(ListenStatsState)).scalar_one()
        assert state.dirty_lo is not None and state.dirty_hi is not None
        assert state.dirty_lo <= to_epoch(at[1]) and state.dirty_hi >= to_epoch(at[5])

    again = run_to_end(repair_track_identity(db, CancelToken()))
    assert (again.tracks_split, again.files_moved, again.listens_moved, again.listens_to_review) == (0,) * 4
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 4


def test_repaired_catalog_takes_a_rescan_without_new_tracks(
    db: Database, tmp_path: Path, lengths: dict[float, dict[str, Path]]
) -> None:
    """After the repair every track carries the current uid: a new copy of a recording joins its track."""
    root = tmp_path / "music"
    place(lengths[8.5], root / "a/defeat.ogg", artist="Timothy Pinkham", **WESNOTH)
    run_scan(db, [root])
    with db.session() as s:
        s.execute(
            update(Track).values(track_uid=old_uid("Wesnoth Project", WESNOTH["album"], 0, 0, "Defeat"))
        )
    assert run_to_end(repair_track_identity(db)).tracks_split == 0
    place(lengths[8.5], root / "b/defeat.flac", artist="Timothy Pinkham", **WESNOTH)
    run_scan(db, [root])
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 1
        assert s.scalar(select(func.count(func.distinct(MediaFile.track_id)))) == 1


def test_a_stopped_repair_returns_its_summary(
    db: Database, tmp_path: Path, lengths: dict[float, dict[str, Path]]
) -> None:
    root = tmp_path / "music"
    place(lengths[2.0], root / "x.ogg", artist="A", title="T", album="B")
    run_scan(db, [root])
    token = CancelToken()
    token.cancel()
    summary = run_to_end(repair_track_identity(db, token))
    assert summary.cancelled and summary.tracks_checked == 0
