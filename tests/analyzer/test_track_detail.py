"""track_detail on real scanned and analysed files, with real listens, on every engine and layout."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, select

from analyzer.analysis import run_analysis
from analyzer.catalog import list_problems, track_detail
from analyzer.scan import run_scan
from models.engine import Database
from models.listens import Listen, ListenRaw
from models.tracks import Track
from models.users import User
from tests.analyzer.test_audio_fingerprint import synth_music, write_wav
from tests.audio_signals import encode
from tests.scan_audio import place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")

REC = "0b8a4e8a-1f3c-4f53-9a3c-2f6a1c8d0e11"


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """8 s of generated music at 120 BPM (long enough for features) in FLAC and MP3, plus Ogg."""
    folder = tmp_path_factory.mktemp("detail-audio")
    wav = write_wav(folder / "song.wav", synth_music(8.0, seed=3, bpm=120))
    made = {ext: encode(wav, folder / f"template{ext}") for ext in (".flac", ".mp3", ".ogg")}
    return made


def _listen(session: object, user_id: int, track_id: int | None, at: int) -> None:
    raw = ListenRaw(user_id=user_id, source="test", payload_json="{}", listened_at=at)
    session.add(raw)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    session.add(  # type: ignore[attr-defined]
        Listen(
            raw_id=raw.id, user_id=user_id, track_id=track_id, listened_at=at, source="test",
            artist_name="A", track_name="t", artist_name_normalized="a", track_name_normalized="t",
        )
    )  # fmt: skip


def test_detail_of_a_track_with_two_files_listens_and_features(
    db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    tags = {
        "title": "Song",
        "artist": "Ada feat. Bo",
        "albumartist": "Ada",
        "album": "Album",
        "date": "1999-05-01",
        "tracknumber": "3",
        "genre": ["Folk", "Rock"],
        "composer": "Cy",
        "isrc": "USSM19900001",
        "musicbrainz_recordingid": REC,
        "mood": "mellow",
    }
    place(templates, root / "a" / "song.flac", **tags)
    place(templates, root / "b" / "song.mp3", **{k: v for k, v in tags.items() if k != "mood"})
    place(templates, root / "c" / "song.ogg", **tags)
    run_scan(db, [root], workers=1)
    (root / "c" / "song.ogg").write_bytes(b"broken now" * 50)  # unreadable on the next scan, link kept
    run_scan(db, [root], workers=1)
    assert run_analysis(db, workers=1).analyzed == 2

    with db.session() as session:
        track_id = session.scalars(select(Track.id).where(Track.title == "Song")).one()
        other = Track(track_uid="h:other", title="Other", title_normalized="other")
        session.add(other)
        user = User(username="u")
        session.add(user)
        session.flush()
        _listen(session, user.id, track_id, 1_700_000_000)
        _listen(session, user.id, track_id, 1_700_003_600)
        _listen(session, user.id, other.id, 1_700_009_000)
        _listen(session, user.id, None, 1_700_009_999)

    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    with db.session() as session:
        detail = track_detail(session, track_id)
        unreadable = {p.path: p.reason for p in list_problems(session, ["unreadable"])}
    event.remove(db.engine, "before_cursor_execute", count)
    assert detail is not None
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 11  # 10 (one for the album's ratings) + the problems

    assert (detail.id, detail.title, detail.artist) == (track_id, "Song", "Ada feat. Bo")
    assert (detail.album, detail.album_artist, detail.year) == ("Album", "Ada", 1999)
    assert detail.duration_secs is not None and 7.5 < detail.duration_secs < 8.5
    assert detail.track_uid == f"mb:{REC}"
    values_of: dict[str, list[str]] = {}
    for t in detail.tags:
        values_of.setdefault(t.key, []).append(t.value)
    assert values_of["MOOD"] == ["mellow"] and values_of["GENRE"] == ["Folk", "Rock"]  # never glued
    assert all(t.source for t in detail.tags)
    assert [t.key for t in detail.tags] == sorted(t.key for t in detail.tags)

    assert [(Path(f.path).relative_to(root).as_posix(), f.scan_status) for f in detail.files] == [
        ("a/song.flac", "ok"),
        ("b/song.mp3", "ok"),
        ("c/song.ogg", "error"),
    ]
    flac, mp3, ogg = detail.files
    assert (flac.format, flac.sample_rate, flac.channels, flac.lossless) == ("flac", 44100, 2, True)
    assert flac.size_bytes == (root / "a" / "song.flac").stat().st_size
    assert mp3.bitrate is not None and 96_000 <= mp3.bitrate <= 160_000
    assert flac.audio_hash and mp3.audio_hash and flac.audio_hash != mp3.audio_hash
    assert (flac.analysis_status, mp3.analysis_status) == ("done", "done")
    assert ogg.error and ogg.error == unreadable[ogg.path]  # the scan's reason, for people
    assert ogg.media_file_id not in (flac.media_file_id, mp3.media_file_id)

    assert ("isrc", "USSM19900001") in detail.external_ids and ("recording_mbid", REC) in detail.external_ids
    assert detail.external_ids == sorted(detail.external_ids)
    assert detail.features is not None and detail.features.media_file_id == flac.media_file_id
    features = detail.features
    assert features.bpm is not None and 115 < features.bpm < 125 and features.extractor_version  # made at 120
    assert features.camelot and features.key and features.scale in ("major", "minor")
    assert (detail.plays, detail.last_played) == (2, datetime.fromtimestamp(1_700_003_600, UTC))
    assert [(c.name, c.role) for c in detail.credits] == [
        ("Ada", "primary"),
        ("Bo", "featuring"),
        ("Cy", "composer"),
    ]
    assert detail.genres == ["Folk", "Rock"]


def test_unknown_track_and_a_bare_track(db: Database) -> None:
    with db.session() as session:
        assert track_detail(session, 999_999) is None
        bare = Track(track_uid="h:bare", title="Bare", title_normalized="bare")
        session.add(bare)
        session.flush()
        detail = track_detail(session, bare.id)
    assert detail is not None
    assert (detail.title, detail.artist, detail.album, detail.year, detail.files) == (
        "Bare",
        "",
        None,
        None,
        [],
    )
    assert (detail.tags, detail.external_ids, detail.features, detail.plays, detail.last_played) == (
        [], [], None, 0, None,
    )  # fmt: skip


def test_a_tracks_detail_shows_its_albums_ratings(db: Database) -> None:
    """Album ratings (issue 16) are shown with the album: every user's, best first."""
    from analyzer.curation.ratings import find_album_track, rate_album
    from models.tracks import Track
    from tests.analyzer.test_curation_ratings import albums, user_id

    ids = albums(db)
    ada, bo = user_id(db, "ada"), user_id(db, "bo")
    with db.session() as session:
        favourite = find_album_track(session, ids["melody"], "poor leno")
        rate_album(session, ada, ids["melody"], 7, favourite_track_id=favourite, review="Cold & warm.")
        rate_album(session, bo, ids["melody"], 10)
        eple = session.scalar(select(Track.id).where(Track.title == "Eple"))
        joga = session.scalar(select(Track.id).where(Track.title == "Jóga"))
        detail = track_detail(session, eple)
        other = track_detail(session, joga)
    assert detail is not None and other is not None
    assert [(r.user, r.stars, r.favourite, r.review) for r in detail.album_ratings] == [
        ("bo", 5.0, None, None),
        ("ada", 3.5, "Poor Leno", "Cold & warm."),
    ]
    assert other.album_ratings == []
