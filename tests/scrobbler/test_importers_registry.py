"""Registry, detection across every sample, the shared records/rules, and streaming behaviour."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from scrobbler import importers
from scrobbler.importers import ImportOptions, rules
from scrobbler.records import ImportProblem, ListenRecord, SkipReason

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"

EXPECTED = {
    "listenbrainz_listens.jsonl": "listenbrainz_export",
    "alice_lb-2023-01-15.json": "listenbrainz_legacy",
    "listenbrainz_api_page.json": "listenbrainz_api",
    "lastfm_ghan.csv": "lastfm_csv",
    "lastfm_benfoxall.csv": "lastfm_csv",
    "lastfm_recenttracks.json": "lastfm_api",
    "lastfm_recenttracks_extended_single.json": "lastfm_api",
    "Streaming_History_Audio_2023_0.json": "spotify_extended",
    "endsong_0.json": "spotify_extended",
    "StreamingHistory0.json": "spotify_account",
    "StreamingHistory_podcast_0.json": "spotify_account",
    "rockbox_utc.scrobbler.log": "scrobbler_log",
    "rockbox_localtime.scrobbler.log": "scrobbler_log",
    "maloja_export_2024_01_02_00_04_05.json": "maloja",
    "lastfm_ghan_backup.json": "lastfm_backup",
    "librefm_scrobbles.csv": "librefm_csv",
    "librefm_userid.csv": "librefm_csv",
    "listenbrainz_playing_now.json": "listenbrainz_api",
}


def test_every_sample_file_is_listed() -> None:
    assert sorted(path.name for path in DATA.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_detect_finds_the_right_importer(name: str) -> None:
    expected = EXPECTED[name]
    importer = importers.detect(DATA / name)
    assert importer is not None
    assert importer is importers.get(expected)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_other_importer_claims_a_sample(name: str) -> None:
    claimed = [imp.NAME for imp in importers.all_importers() if imp.sniff(DATA / name)]
    assert claimed == [EXPECTED[name]]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_detection_is_by_content_not_file_name(name: str, tmp_path: Path) -> None:
    renamed = tmp_path / "upload.bin"
    renamed.write_bytes((DATA / name).read_bytes())
    expected = EXPECTED[name]
    importer = importers.detect(renamed)
    assert importer is not None
    assert importer is importers.get(expected)


FOREIGN_FILES: dict[str, bytes] = {
    "empty.json": b"",
    "blank.csv": b"  \n\n",
    "empty_array.json": b"[]",
    "object.json": b'{"foo": 1, "bar": [1, 2]}',
    "lastfm_error.json": b'{"error": 17, "message": "Login: User required to be logged in"}',
    "numbers.json": b"[1, 2, 3]",
    "playlist.m3u8": "#EXTM3U\n#EXTINF:123,Björk - Jóga\n/music/joga.flac\n".encode(),
    "playlist.xspf": b'<?xml version="1.0"?><playlist version="1" xmlns="http://xspf.org/ns/0/"></playlist>',
    "notes.csv": b"name,age\nalice,30\n",
    "picture.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "feedback.jsonl": b'{"recording_msid": "x", "recording_mbid": null, "score": 1, "created": 1}\n',
    "lb_submit_body.json": b'{"listen_type": "import", "payload": [{"listened_at": 1, "track_metadata": {}}]}',
}


@pytest.mark.parametrize("name", sorted(FOREIGN_FILES))
def test_foreign_files_are_not_claimed(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(FOREIGN_FILES[name])
    assert [imp.NAME for imp in importers.all_importers() if imp.sniff(path)] == []
    assert importers.detect(path) is None


def test_zip_without_listens_is_not_claimed(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "hello")
    assert importers.detect(path) is None


def test_detect_on_missing_path_and_directory(tmp_path: Path) -> None:
    assert importers.detect(tmp_path) is None
    assert importers.detect(tmp_path / "nope.json") is None
    assert importers.detect(str(DATA / "endsong_0.json")) is importers.get("spotify_extended")


def test_get_and_all_importers() -> None:
    names = [imp.NAME for imp in importers.all_importers()]
    assert sorted(names) == sorted(set(EXPECTED.values()))
    for importer in importers.all_importers():
        assert importers.get(importer.NAME) is importer
        assert importer.DESCRIPTION
    with pytest.raises(KeyError, match="unknown importer 'itunes'"):
        importers.get("itunes")


@pytest.mark.parametrize("name", sorted(set(EXPECTED.values())))
def test_parse_of_an_empty_file_says_so(name: str, tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    rows = list(importers.get(name).parse(path))
    assert rows == [ImportProblem("empty.txt", "the file is empty", "skipped", SkipReason.EMPTY_FILE)]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_payloads_are_json_serializable_and_times_utc(name: str) -> None:
    importer = importers.get(EXPECTED[name])
    records = [row for row in importer.parse(DATA / name) if isinstance(row, ListenRecord)]
    # A file of podcasts only, and a saved playing-now page: no listens, by design.
    assert records or name in ("StreamingHistory_podcast_0.json", "listenbrainz_playing_now.json")
    for record in records:
        json.dumps(record.payload)
        assert record.listened_at.tzinfo is UTC
        assert record.listened_at.microsecond == 0
        assert record.user is None
        assert record.source == importer.NAME


def test_listen_record_requires_aware_time_and_normalizes_to_utc() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ListenRecord(listened_at=datetime(2024, 1, 1), artist_name="a", track_name="t", source="s")
    plus_five_45 = timezone(timedelta(hours=5, minutes=45))
    local = datetime(2024, 1, 1, 5, 45, tzinfo=plus_five_45)
    record = ListenRecord(listened_at=local, artist_name="a", track_name="t", source="s")
    assert record.listened_at == datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    assert record.listened_at.tzinfo is UTC
    # Hashable despite the dict payload, so callers can put records in sets.
    assert len({record, record}) == 1


def test_problem_constructors() -> None:
    assert ImportProblem.failed("f:1", "bad") == ImportProblem("f:1", "bad", "failed", None)
    skipped = ImportProblem.skipped("row 2", SkipReason.PODCAST, "podcast")
    assert (skipped.kind, skipped.skip_reason) == ("skipped", "podcast")


def test_import_options_defaults() -> None:
    options = ImportOptions()
    assert (options.min_track_secs, options.min_played_fraction, options.min_played_secs) == (30, 0.5, 240)
    assert options.apply_scrobble_rule is True
    assert options.timezone is None
    assert options.earliest == datetime(2002, 10, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("track", "played", "expected"),
    [
        (None, None, None),
        (300.0, None, None),  # only a length: the client already judged it a scrobble
        (None, 29.9, "not_played_enough"),
        (None, 30.0, None),
        (30.0, 30.0, "too_short"),  # Last.fm: the track must be *longer* than 30 s
        (31.0, 15.5, None),
        (31.0, 15.4, "not_played_enough"),
        (600.0, 240.0, None),  # 4 minutes wins over half of 10 minutes
        (600.0, 239.0, "not_played_enough"),
    ],
)
def test_scrobble_verdict(track: float | None, played: float | None, expected: str | None) -> None:
    verdict = rules.scrobble_verdict(track, played, ImportOptions())
    assert (verdict[0] if verdict else None) == expected
    assert rules.scrobble_verdict(track, played, ImportOptions(apply_scrobble_rule=False)) is None


def test_from_unix_truncates_fractions_like_lb() -> None:
    assert rules.from_unix(1618503800.999) == datetime(2021, 4, 15, 16, 23, 20, tzinfo=UTC)
    assert rules.from_unix("1618503800") == datetime(2021, 4, 15, 16, 23, 20, tzinfo=UTC)
    with pytest.raises(TypeError):
        rules.from_unix(True)


def test_check_listened_at_bounds() -> None:
    options = ImportOptions()
    assert rules.check_listened_at(datetime(2002, 10, 1, tzinfo=UTC), options) is None
    assert "before 2002-10-01" in (rules.check_listened_at(datetime(2002, 9, 30, tzinfo=UTC), options) or "")
    assert "future" in (rules.check_listened_at(datetime(3000, 1, 1, tzinfo=UTC), options) or "")


def test_big_spotify_file_streams_in_constant_memory(tmp_path: Path) -> None:
    row = {
        "ts": "2023-03-19T18:31:37Z",
        "ms_played": 174424,
        "master_metadata_track_name": "Flowers",
        "master_metadata_album_artist_name": "Miley Cyrus",
        "master_metadata_album_album_name": "E" * 200,
        "spotify_track_uri": "spotify:track:0yLdNVWF3Srea0uzk55zFn",
        "incognito_mode": False,
    }
    path = tmp_path / "Streaming_History_Audio_2023_1.json"
    with path.open("w") as handle:
        handle.write("[")
        handle.write(",".join(json.dumps(row) for _ in range(20_000)))
        handle.write("]")
    tracemalloc.start()
    try:
        rows = importers.get("spotify_extended").parse(path)
        count = sum(1 for row in rows if isinstance(row, ListenRecord))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert path.stat().st_size > 8_000_000
    assert peak < 2_000_000


def test_big_listenbrainz_zip_streams_in_constant_memory(tmp_path: Path) -> None:
    line = json.dumps(
        {
            "listened_at": 1618500200,
            "inserted_at": 1618500300.5,
            "track_metadata": {
                "artist_name": "Björk",
                "track_name": "Jóga",
                "release_name": "H" * 150,
                "additional_info": {"duration_ms": 305000},
                "recording_msid": "0f4b3e2a-1111-4c4c-9d9d-aaaaaaaaaaaa",
            },
        }
    )
    path = tmp_path / "listenbrainz_alice_1.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("listens/2021/4.jsonl", "\n".join([line] * 20_000))
    tracemalloc.start()
    try:
        rows = importers.get("listenbrainz_export").parse(path)
        count = sum(1 for row in rows if isinstance(row, ListenRecord))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < 2_000_000
