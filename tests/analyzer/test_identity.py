"""One track per recording: tags including the recording's artists, and lengths that agree (every layout)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from analyzer.catalog.identity import lengths_agree
from analyzer.catalog.record import TITLE_VALUE_ALIAS
from analyzer.scan import run_scan
from models.engine import Database
from models.media import MediaFile
from models.tracks import TitleAlias, Track, TrackArtist, TrackTagAttribute
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")

WESNOTH = {"album": "The Battle for Wesnoth OST", "albumartist": "Wesnoth Project", "title": "Defeat"}


@pytest.fixture(scope="session")
def lengths(tmp_path_factory: pytest.TempPathFactory) -> dict[float, dict[str, Path]]:
    """Templates of three lengths: 8.5 s and 14.2 s like Wesnoth's two "Defeat", 2 s for short pieces."""
    root = tmp_path_factory.mktemp("identity-templates")
    made: dict[float, dict[str, Path]] = {}
    for seconds in (2.0, 8.5, 14.2):
        folder = root / str(seconds)
        folder.mkdir()
        made[seconds] = make_templates(folder, duration=seconds)
    return made


def _files_per_track(db: Database) -> list[tuple[str, str, int, float]]:
    """(title, uid, files, length) of every track, by length."""
    with db.session() as s:
        rows = s.execute(
            select(Track.title, Track.track_uid, func.count(MediaFile.id), Track.duration_secs)
            .join(MediaFile, MediaFile.track_id == Track.id)
            .group_by(Track.id, Track.title, Track.track_uid, Track.duration_secs)
            .order_by(Track.duration_secs)
        ).all()
    return [(title, uid, files, length) for title, uid, files, length in rows]


def test_same_title_by_two_artists_is_two_tracks(
    db: Database, tmp_path: Path, lengths: dict[float, dict[str, Path]]
) -> None:
    """Wesnoth: "Defeat" by Timothy Pinkham (8.5 s) and by Ryan Reilly (14.2 s), no track numbers."""
    root = tmp_path / "music"
    place(lengths[8.5], root / "defeat.ogg", artist="Timothy Pinkham", **WESNOTH)
    place(lengths[14.2], root / "defeat2.ogg", artist="Ryan Reilly", **WESNOTH)
    assert run_scan(db, [root]).added == 2
    tracks = _files_per_track(db)
    assert [(title, files) for title, _, files, _ in tracks] == [("Defeat", 1), ("Defeat", 1)]
    with db.session() as s:
        credits = s.execute(
            select(Track.duration_secs, TrackArtist.credited_name)
            .join(TrackArtist, TrackArtist.track_id == Track.id)
            .order_by(Track.duration_secs)
        ).all()
    assert [name for _, name in credits] == ["Timothy Pinkham", "Ryan Reilly"]
    assert credits[0][0] == pytest.approx(8.5, abs=0.1) and credits[1][0] == pytest.approx(14.2, abs=0.1)


def test_same_tags_different_lengths_are_two_tracks_and_later_files_find_theirs(
    db: Database, tmp_path: Path, lengths: dict[float, dict[str, Path]]
) -> None:
    """Identical tags (artist too) but 8.5 s and 14.2 s: two recordings. A later scan's files each join
    the recording of their own length, the second one through its ``~2`` variant uid."""
    root = tmp_path / "music"
    tags = {"artist": "NeonCorridor", "album": "HyperRogue", "title": "Living Caves", "tracknumber": "2"}
    place(lengths[8.5], root / "a/caves.flac", **tags)
    place(lengths[14.2], root / "a/crossroads.flac", **tags)
    run_scan(db, [root])
    first = _files_per_track(db)
    assert [files for *_, files, _ in first] == [1, 1]
    short_uid, long_uid = first[0][1], first[1][1]
    assert long_uid == short_uid + "~2"

    place(lengths[14.2], root / "b/crossroads.mp3", **tags)
    place(lengths[8.5], root / "b/caves.m4a", **tags)
    assert run_scan(db, [root]).added == 2
    after = _files_per_track(db)
    assert [(uid, files) for _, uid, files, _ in after] == [(short_uid, 2), (long_uid, 2)]


def test_one_recording_in_flac_mp3_and_m4a_is_one_track(
    db: Database, tmp_path: Path, lengths: dict[float, dict[str, Path]]
) -> None:
    root = tmp_path / "music"
    tags = {"artist": "Timothy Pinkham", **WESNOTH}
    for ext in (".flac", ".mp3", ".m4a", ".opus"):
        place(lengths[8.5], root / f"defeat{ext}", **tags)
    assert run_scan(db, [root]).added == 4
    assert [(title, files) for title, _, files, _ in _files_per_track(db)] == [("Defeat", 4)]


def test_a_recording_mbid_joins_whatever_the_lengths(
    db: Database, tmp_path: Path, lengths: dict[float, dict[str, Path]]
) -> None:
    """The MBID says one recording (say, a radio edit mistagged by a person): trusted as is."""
    root = tmp_path / "music"
    mbid = "b1a9c0e9-d987-4042-ae91-78d6a3267d69"
    tags = {"artist": "A", "title": "T", "musicbrainz_recordingid": mbid}
    place(lengths[2.0], root / "short.flac", **tags)
    place(lengths[14.2], root / "long.flac", **tags)
    run_scan(db, [root])
    assert [(uid, files) for _, uid, files, _ in _files_per_track(db)] == [(f"mb:{mbid}", 2)]


def test_multi_valued_title_first_is_shown_others_are_aliases_and_identity(
    db: Database, tmp_path: Path, lengths: dict[float, dict[str, Path]]
) -> None:
    """HyperRogue's real tags: each file lists earlier pieces' titles before its own. The first value is
    the title, the others are aliases (never glued into one string), and different lists are different
    recordings even at nearly the same length (hr3-jungle 77.8 s and hr3-mirror 78.3 s)."""
    root = tmp_path / "music"
    common = {"artist": "NeonCorridor", "album": "HyperRogue", "tracknumber": "2"}
    place(lengths[8.5], root / "jungle.ogg", title=["Living Caves", "Crossroads", "Jungle"], **common)
    place(lengths[8.5], root / "mirror.ogg", title=["Living Caves", "Crossroads", "Mirror"], **common)
    run_scan(db, [root])
    tracks = _files_per_track(db)
    assert [(title, files) for title, _, files, _ in tracks] == [("Living Caves", 1), ("Living Caves", 1)]
    with db.session() as s:
        aliases = s.execute(
            select(TitleAlias.alias, TitleAlias.kind).order_by(TitleAlias.track_id, TitleAlias.alias)
        ).all()
        titles = set(s.scalars(select(Track.title)))
        stored = set(
            s.execute(
                select(TrackTagAttribute.key, TrackTagAttribute.value).where(
                    TrackTagAttribute.key.like("TITLE%")
                )
            ).tuples()
        )
    # The raw tag keeps every value, one row each (TITLE, TITLE#2, TITLE#3), never glued into one string.
    assert {
        ("TITLE", "Living Caves"),
        ("TITLE#2", "Crossroads"),
        ("TITLE#3", "Jungle"),
        ("TITLE#3", "Mirror"),
    } == stored
    assert sorted(aliases) == sorted(
        [
            ("Crossroads", TITLE_VALUE_ALIAS),
            ("Jungle", TITLE_VALUE_ALIAS),
            ("Crossroads", TITLE_VALUE_ALIAS),
            ("Mirror", TITLE_VALUE_ALIAS),
        ]
    )
    assert titles == {"Living Caves"}


def test_two_artist_values_are_two_artists_never_one_glued_name(
    db: Database, tmp_path: Path, lengths: dict[float, dict[str, Path]]
) -> None:
    root = tmp_path / "music"
    place(lengths[2.0], root / "duet.flac", title="Duet", artist=["Simon", "Garfunkel"], album="B")
    run_scan(db, [root])
    with db.session() as s:
        names = s.scalars(select(TrackArtist.credited_name).order_by(TrackArtist.position)).all()
    assert names == ["Simon", "Garfunkel"]


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args], check=True)


def test_measured_codec_padding_and_a_second_of_silence_agree(tmp_path: Path) -> None:
    """The tolerance is measured, not guessed: re-encodings and a copy with one more second of silence
    agree; Wesnoth's two "Defeat" (8.49 s, 14.17 s) and HyperRogue's 48 / 58 s pieces do not."""
    import mutagen

    source = tmp_path / "source.wav"
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=330:duration=44.4", "-ac", "2", str(source))
    padded = tmp_path / "padded.wav"
    _ffmpeg("-i", str(source), "-af", "adelay=1000|1000", str(padded))
    lengths: list[float] = []
    for wav in (source, padded):
        for ext, codec in ((".mp3", "libmp3lame"), (".flac", "flac"), (".m4a", "aac"), (".opus", "libopus")):
            out = wav.with_name(wav.stem + ext)
            _ffmpeg("-i", str(wav), "-c:a", codec, str(out))
            lengths.append(mutagen.File(out).info.length)  # type: ignore[union-attr]
    assert max(lengths[:4]) - min(lengths[:4]) < 0.1
    assert all(lengths_agree(a, b) for a in lengths for b in lengths)
    assert not lengths_agree(8.49, 14.17)
    assert not lengths_agree(48.02, 58.41)
    assert lengths_agree(0.0, 300.0)  # an unknown length never objects
