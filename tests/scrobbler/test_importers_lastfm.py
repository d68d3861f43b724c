"""Last.fm: both CSV exports and saved user.getRecentTracks pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scrobbler.importers import lastfm_api, lastfm_csv
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"


def split(rows: list[Row]) -> tuple[list[ListenRecord], list[ImportProblem]]:
    return (
        [row for row in rows if isinstance(row, ListenRecord)],
        [row for row in rows if isinstance(row, ImportProblem)],
    )


def test_ghan_csv_rows() -> None:
    records, _ = split(list(lastfm_csv.parse(DATA / "lastfm_ghan.csv")))
    assert [(r.listened_at, r.artist_name, r.track_name, r.release_name) for r in records] == [
        (datetime(2024, 1, 1, 0, 0, tzinfo=UTC), "Radiohead", "Karma Police", "OK Computer"),
        (datetime(2024, 1, 1, 1, 0, tzinfo=UTC), "Мумий Тролль", "Утекай", "Морская"),
        # uts empty: utc_time "01 Jan 2024, 03:30" is used instead.
        (datetime(2024, 1, 1, 3, 30, tzinfo=UTC), "Only UTC Time", "Fallback Row", None),
    ]
    karma = records[0]
    assert karma.source == "lastfm_csv"
    assert karma.artist_mbids == ("a74b1b7f-71a5-4011-9441-d0b5e4122711",)
    assert karma.release_mbid == "b1392450-e666-3926-a536-22c65f834433"
    # Last.fm's mbid is a track MBID, never passed off as a recording MBID.
    assert (karma.track_mbid, karma.recording_mbid) == ("8cc5d2a6-3a2b-4a5f-8a8f-6b4d9c1a2e33", None)
    assert karma.payload["uts"] == "1704067200"
    assert records[1].artist_mbids == ()


def test_ghan_csv_problems() -> None:
    _, problems = split(list(lastfm_csv.parse(DATA / "lastfm_ghan.csv")))
    assert [(p.location, p.kind, p.skip_reason, p.reason) for p in problems] == [
        ("lastfm_ghan.csv:4", "skipped", "no_timestamp", "row has no time (now playing?)"),
        ("lastfm_ghan.csv:5", "failed", None, "expected 8 columns, got 7"),
        ("lastfm_ghan.csv:6", "failed", None, "unreadable time 'abc'"),
        ("lastfm_ghan.csv:8", "failed", None, "missing artist name"),
    ]


def test_ghan_csv_with_bom_unquoted_and_multiline_field(tmp_path: Path) -> None:
    path = tmp_path / "scrobbles.csv"
    path.write_bytes(
        b"\xef\xbb\xbfuts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\r\n"
        + '1600000000,"13 Sep 2020, 12:26",Sigur Rós,,"Takk...",,"Glósóli\n(live)",\r\n'.encode()
        + "1600000600,,Beyoncé,,,,Halo 😇,\r\n".encode()
    )
    assert lastfm_csv.sniff(path)
    records, problems = split(list(lastfm_csv.parse(path)))
    assert problems == []
    assert [(r.listened_at, r.artist_name, r.track_name, r.release_name) for r in records] == [
        (datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC), "Sigur Rós", "Glósóli\n(live)", "Takk..."),
        (datetime(2020, 9, 13, 12, 36, 40, tzinfo=UTC), "Beyoncé", "Halo 😇", None),
    ]


def test_csv_row_with_invalid_utf8_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "scrobbles.csv"
    path.write_bytes(
        b"uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n"
        b"1600000000,,Caf\xe9 Tacvba,,,,Eres,\n"
        b"1600000600,,Caf\xc3\xa9 Tacvba,,,,Eres,\n"
    )
    records, problems = split(list(lastfm_csv.parse(path)))
    assert [r.artist_name for r in records] == ["Café Tacvba"]
    assert problems == [ImportProblem.failed("scrobbles.csv:2", "row is not valid UTF-8 text")]


def test_benfoxall_csv() -> None:
    records, problems = split(list(lastfm_csv.parse(DATA / "lastfm_benfoxall.csv")))
    assert [(r.listened_at, r.artist_name, r.release_name, r.track_name) for r in records] == [
        (datetime(2021, 1, 3, 12, 34, tzinfo=UTC), "Radiohead", "OK Computer", "Airbag"),
        (datetime(2021, 2, 3, 9, 5, tzinfo=UTC), "Beyoncé", "Lemonade", "Formation"),
        (datetime(2021, 2, 28, 23, 59, tzinfo=UTC), "中島みゆき", "寒水魚", "悪女"),
    ]
    assert records[0].payload == {
        "artist": "Radiohead",
        "album": "OK Computer",
        "title": "Airbag",
        "date": "03 Jan 2021 12:34",
    }
    assert [(p.location, p.kind, p.reason) for p in problems] == [
        ("lastfm_benfoxall.csv:4", "failed", "unreadable date '31 Foo 2021 10:00'"),
        ("lastfm_benfoxall.csv:5", "failed", "expected 4 columns (artist,album,title,date), got 5"),
        ("lastfm_benfoxall.csv:6", "skipped", "row has no date (now playing?)"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03 Jan 2021 12:34", datetime(2021, 1, 3, 12, 34, tzinfo=UTC)),
        ("31 Dec 2025, 21:38", datetime(2025, 12, 31, 21, 38, tzinfo=UTC)),
        ("1 MAR 2020 0:05", datetime(2020, 3, 1, 0, 5, tzinfo=UTC)),
        ("30 Feb 2021 10:00", None),
        ("2021-01-03 12:34", None),
    ],
)
def test_lastfm_display_dates(text: str, expected: datetime | None) -> None:
    assert lastfm_csv.parse_lastfm_date(text) == expected


def test_api_page() -> None:
    rows = list(lastfm_api.parse(DATA / "lastfm_recenttracks.json"))
    records, problems = split(rows)
    assert [(r.listened_at, r.artist_name, r.track_name, r.release_name) for r in records] == [
        (datetime(2024, 6, 11, 23, 55, tzinfo=UTC), "Radiohead", "Paranoid Android", "OK Computer"),
        (datetime(2024, 6, 11, 22, 55, tzinfo=UTC), "Ryūichi Sakamoto", "Energy Flow ✨", None),
    ]
    paranoid = records[0]
    assert paranoid.source == "lastfm_api"
    assert paranoid.source_track_id == "https://www.last.fm/music/Radiohead/_/Paranoid+Android"
    assert paranoid.track_mbid == "8cc5d2a6-3a2b-4a5f-8a8f-6b4d9c1a2e33"
    assert paranoid.release_mbid == "b1392450-e666-3926-a536-22c65f834433"
    assert paranoid.artist_mbids == ("a74b1b7f-71a5-4011-9441-d0b5e4122711",)
    assert [(p.location, p.kind, p.skip_reason) for p in problems] == [
        ("lastfm_recenttracks.json item 1", "skipped", SkipReason.NOW_PLAYING),
        ("lastfm_recenttracks.json item 4", "skipped", SkipReason.NO_TIMESTAMP),
        ("lastfm_recenttracks.json item 5", "failed", None),
    ]


def test_api_single_track_object_with_extended_artist() -> None:
    [record] = list(lastfm_api.parse(DATA / "lastfm_recenttracks_extended_single.json"))
    assert isinstance(record, ListenRecord)
    assert record.listened_at == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC)
    assert (record.artist_name, record.track_name, record.release_name) == (
        "Angélique Kidjo",
        "Agolo",
        "Logozo",
    )
    assert record.artist_mbids == ("6b9cb4b4-5e6a-4d25-9a4c-b8cdd1c4ab3f",)
    assert record.payload["loved"] == "1"


def test_api_list_of_saved_pages(tmp_path: Path) -> None:
    names = ("lastfm_recenttracks_extended_single.json", "lastfm_recenttracks.json")
    pages = [json.loads((DATA / name).read_text(encoding="utf-8")) for name in names]
    path = tmp_path / "history.json"
    path.write_text(json.dumps(pages), encoding="utf-8")
    assert lastfm_api.sniff(path)
    records, problems = split(list(lastfm_api.parse(path)))
    assert [r.track_name for r in records] == ["Agolo", "Paranoid Android", "Energy Flow ✨"]
    assert len(problems) == 3


def test_api_page_without_tracks_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text('{"recenttracks": {"@attr": {"user": "rj", "total": "0"}, "track": []}}')
    assert lastfm_api.sniff(path)
    assert list(lastfm_api.parse(path)) == [
        ImportProblem.skipped("page.json", SkipReason.EMPTY_FILE, "the file holds no listens")
    ]


@pytest.mark.parametrize(
    "name",
    ["listenbrainz_listens.jsonl", "rockbox_utc.scrobbler.log", "StreamingHistory0.json", "endsong_0.json"],
)
def test_other_formats_are_not_lastfm(name: str) -> None:
    assert not lastfm_csv.sniff(DATA / name)
    assert not lastfm_api.sniff(DATA / name)


def test_benfoxall_starting_with_now_playing_row_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Nujabes,Modal Soul,Feather,\nNujabes,Modal Soul,Luv(sic) pt3,07 Jul 2022 07:07\n")
    assert lastfm_csv.sniff(path)
    rows = list(lastfm_csv.parse(path))
    assert [row.kind for row in rows if isinstance(row, ImportProblem)] == ["skipped"]
    assert [row.listened_at for row in rows if isinstance(row, ListenRecord)] == [
        datetime(2022, 7, 7, 7, 7, tzinfo=UTC)
    ]


def test_four_column_csv_without_dates_is_not_lastfm(tmp_path: Path) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text("id,name,colour,size\n1,shirt,red,M\n")
    assert not lastfm_csv.sniff(path)
