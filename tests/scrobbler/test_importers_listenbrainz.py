"""ListenBrainz: the export zip and .jsonl, the legacy JSON array, and saved API pages."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scrobbler.importers import ImportOptions, listenbrainz_api, listenbrainz_export, listenbrainz_legacy
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"


def split(rows: list[Row]) -> tuple[list[ListenRecord], list[ImportProblem]]:
    return (
        [row for row in rows if isinstance(row, ListenRecord)],
        [row for row in rows if isinstance(row, ImportProblem)],
    )


def listen_line(listened_at: float, artist: str, track: str) -> str:
    meta: dict[str, object] = {"artist_name": artist, "track_name": track, "additional_info": {}}
    return json.dumps({"listened_at": listened_at, "inserted_at": listened_at + 60, "track_metadata": meta})


def make_export_zip(path: Path) -> Path:
    """A zip shaped like LB background/export.py writes it (months not zero-padded)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("user.json", json.dumps({"user_id": 42, "username": "alice"}))
        archive.writestr("listens/2021/10.jsonl", listen_line(1633042800, "October", "Second") + "\n")
        archive.writestr("listens/2021/4.jsonl", (DATA / "listenbrainz_listens.jsonl").read_bytes())
        archive.writestr("listens/2022/1.jsonl", listen_line(1641038400.5, "Ólafur Arnalds", "Saman") + "\n")
        archive.writestr("feedback.jsonl", '{"recording_msid": "x", "score": 1, "created": 1}\n')
        archive.writestr("pinned_recording.jsonl", '{"recording_msid": "x", "blurb_content": "hi"}\n')
    return path


def test_jsonl_good_rows_with_mbid_precedence() -> None:
    records, _ = split(list(listenbrainz_export.parse(DATA / "listenbrainz_listens.jsonl")))
    assert [r.track_name for r in records] == ["Jóga", "First Love", "Hoppípolla"]
    joga = records[0]
    assert joga.listened_at == datetime(2021, 4, 15, 15, 23, 20, tzinfo=UTC)
    assert (joga.artist_name, joga.release_name) == ("Björk", "Homogenic")
    assert joga.source == "listenbrainz_export"
    assert joga.source_track_id == "0f4b3e2a-1111-4c4c-9d9d-aaaaaaaaaaaa"  # recording_msid
    # The submitted recording_mbid wins (lowercased); the mapping describes another recording, so none of
    # its release/artist ids are mixed in; the invalid artist MBID is dropped like LB does.
    assert joga.recording_mbid == "9e3c4d1a-5b2e-4f0a-8c11-3a5f2b7d9e01"
    assert joga.release_mbid is None
    assert joga.artist_mbids == ("87c5dedd-371d-4a53-9f7f-80522fb7f3cb",)
    assert joga.duration_secs == 305.0
    assert joga.track_number == "3"
    assert joga.isrc == "GBAAA9700001"
    assert joga.spotify_id == "1xWOZ0yYEMhWpr2nT5ZHfk"
    assert joga.payload["inserted_at"] == 1618500300.123


def test_jsonl_fractional_timestamp_unicode_and_mapping_fallback() -> None:
    records, _ = split(list(listenbrainz_export.parse(DATA / "listenbrainz_listens.jsonl")))
    first_love = records[1]
    # 1618503800.75 -> int() -> 16:23:20, not rounded up.
    assert first_love.listened_at == datetime(2021, 4, 15, 16, 23, 20, tzinfo=UTC)
    assert first_love.artist_name == "宇多田ヒカル"  # stripped
    assert first_love.release_name is None  # "" dropped, as LB does
    assert first_love.recording_mbid == "22222222-3333-4444-8555-666666666666"
    assert first_love.release_mbid == "33333333-4444-4555-8666-777777777777"
    assert first_love.artist_mbids == ("44444444-5555-4666-8777-888888888888",)
    hoppipolla = records[2]
    assert hoppipolla.album_artist_name == "Sigur Rós"
    assert hoppipolla.duration_secs == 268.0  # "duration" is in seconds


def test_jsonl_problems_are_reported_and_parsing_goes_on() -> None:
    _, problems = split(list(listenbrainz_export.parse(DATA / "listenbrainz_listens.jsonl")))
    assert [(p.location, p.kind, p.skip_reason) for p in problems] == [
        ("listenbrainz_listens.jsonl:4", "skipped", "not_played_enough"),
        ("listenbrainz_listens.jsonl:5", "failed", None),
        ("listenbrainz_listens.jsonl:6", "failed", None),
        ("listenbrainz_listens.jsonl:7", "failed", None),
    ]
    assert problems[0].reason == "played 10 s of 200 s, needs 100 s"
    assert problems[1].reason.startswith("invalid JSON")
    assert problems[2].reason == "missing or empty track_metadata.artist_name"
    assert problems[3].reason == "timestamp 2001-09-09T01:46:40+00:00 is before 2002-10-01"


def test_scrobble_rule_can_be_switched_off() -> None:
    rows = list(
        listenbrainz_export.parse(
            DATA / "listenbrainz_listens.jsonl", ImportOptions(apply_scrobble_rule=False)
        )
    )
    records, _ = split(rows)
    unicorn = next(r for r in records if r.artist_name == "Emoji Band")
    assert unicorn.track_name == "🦄 Unicorn 🎶"
    assert (unicorn.duration_secs, unicorn.duration_played_secs) == (200.0, 10.0)


def test_export_zip_streams_listens_months_in_numeric_order(tmp_path: Path) -> None:
    path = make_export_zip(tmp_path / "listenbrainz_alice_1700000000.zip")
    assert listenbrainz_export.sniff(path)
    records, problems = split(list(listenbrainz_export.parse(path)))
    assert [r.track_name for r in records] == ["Jóga", "First Love", "Hoppípolla", "Second", "Saman"]
    assert records[-1].listened_at == datetime(2022, 1, 1, 12, 0, tzinfo=UTC)
    assert records[-1].artist_name == "Ólafur Arnalds"
    assert len(problems) == 4
    assert problems[1].location == "listenbrainz_alice_1700000000.zip:listens/2021/4.jsonl:5"
    assert listenbrainz_export.export_username(path) == "alice"


def test_export_zip_without_listens_says_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "listenbrainz_bob_1700000000.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("user.json", json.dumps({"user_id": 7, "username": "bob"}))
    assert listenbrainz_export.sniff(path)
    assert list(listenbrainz_export.parse(path)) == [
        ImportProblem.skipped(path.name, SkipReason.EMPTY_FILE, "the file holds no listens")
    ]


def test_corrupt_zip_member_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    path = make_export_zip(tmp_path / "listenbrainz_alice_1.zip")
    data = bytearray(path.read_bytes())
    start = data.index(b"listens/2022/1.jsonl") + len("listens/2022/1.jsonl")
    data[start + 5 : start + 25] = b"\xff" * 20  # damage the deflated bytes of the last member
    path.write_bytes(bytes(data))
    last = list(listenbrainz_export.parse(path))[-1]
    assert isinstance(last, ImportProblem)
    assert (last.location, last.kind) == ("listenbrainz_alice_1.zip:listens/2022/1.jsonl", "failed")
    assert last.reason.startswith("corrupt zip member")


def test_jsonl_with_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "listens.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + listen_line(1700000000, "Ñandú", "Canción").encode() + b"\r\n")
    assert listenbrainz_export.sniff(path)
    [record] = list(listenbrainz_export.parse(path))
    assert isinstance(record, ListenRecord)
    assert (record.artist_name, record.track_name) == ("Ñandú", "Canción")
    assert record.listened_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_legacy_export() -> None:
    records, problems = split(list(listenbrainz_legacy.parse(DATA / "alice_lb-2023-01-15.json")))
    assert [(r.listened_at, r.artist_name, r.track_name) for r in records] == [
        (datetime(2023, 1, 15, 10, 0, tzinfo=UTC), "Sigur Rós", "Svefn-g-englar"),
        (datetime(2023, 1, 15, 11, 0, tzinfo=UTC), "坂本龍一", "Merry Christmas Mr. Lawrence 🎹"),
    ]
    assert records[0].source == "listenbrainz_legacy"
    assert records[0].source_track_id == "c0ffee00-0000-4000-8000-000000000001"  # top-level recording_msid
    assert records[0].recording_mbid == "c0ffee00-1111-4000-8000-000000000002"
    assert (records[0].duration_secs, records[0].track_number) == (600.0, "2")
    assert [(p.location, p.reason) for p in problems] == [
        ("alice_lb-2023-01-15.json item 3", "listened_at is not a unix time: 'not a time'"),
        ("alice_lb-2023-01-15.json item 4", "missing track_metadata"),
    ]


def test_truncated_legacy_export_keeps_what_was_read(tmp_path: Path) -> None:
    text = (DATA / "alice_lb-2023-01-15.json").read_text(encoding="utf-8")
    path = tmp_path / "alice_lb-2023-01-16.json"
    path.write_text(text[: text.index('"listened_at": "not a time"') + 10], encoding="utf-8")
    records, problems = split(list(listenbrainz_legacy.parse(path)))
    assert len(records) == 2
    [problem] = problems
    assert (problem.location, problem.kind) == ("alice_lb-2023-01-16.json near item 3", "failed")
    assert problem.reason.startswith("invalid or truncated JSON")


def test_legacy_empty_array_is_claimed_only_by_its_file_name(tmp_path: Path) -> None:
    named, other = tmp_path / "bob_lb-2020-05-01.json", tmp_path / "other.json"
    named.write_text("[]")
    other.write_text("[]")
    assert listenbrainz_legacy.sniff(named)
    assert not listenbrainz_legacy.sniff(other)
    assert list(listenbrainz_legacy.parse(named)) == [
        ImportProblem.skipped("bob_lb-2020-05-01.json", SkipReason.EMPTY_FILE, "the file holds no listens")
    ]


def test_api_page() -> None:
    records, problems = split(list(listenbrainz_api.parse(DATA / "listenbrainz_api_page.json")))
    assert [(r.listened_at, r.artist_name, r.track_name) for r in records] == [
        (datetime(2024, 6, 11, 23, 55, tzinfo=UTC), "Céline Dion", "Pour que tu m'aimes encore"),
        (datetime(2024, 6, 11, 22, 55, tzinfo=UTC), "BTS (방탄소년단)", "봄날 (Spring Day)"),
    ]
    celine = records[0]
    assert celine.source == "listenbrainz_api"
    assert celine.release_name == "D'eux"
    assert celine.isrc == "FRZ039500212"
    assert celine.recording_mbid == "d00d0000-2222-4000-8000-000000000003"  # from mbid_mapping
    assert celine.release_mbid == "d00d0000-3333-4000-8000-000000000004"
    assert celine.source_track_id == "d00d0000-0000-4000-8000-000000000001"
    assert [(p.location, p.kind) for p in problems] == [("listenbrainz_api_page.json item 3", "failed")]


def test_api_playing_now_and_list_of_pages(tmp_path: Path) -> None:
    playing_now = {
        "payload": {
            "count": 1,
            "playing_now": True,
            "user_id": "alice",
            "listens": [
                {"playing_now": True, "track_metadata": {"artist_name": "Live", "track_name": "Now"}}
            ],
        }
    }
    page = json.loads((DATA / "listenbrainz_api_page.json").read_text(encoding="utf-8"))
    path = tmp_path / "pages.json"
    path.write_text(json.dumps([playing_now, page]), encoding="utf-8")
    assert listenbrainz_api.sniff(path)
    rows = list(listenbrainz_api.parse(path))
    assert rows[0] == ImportProblem.skipped(
        "pages.json item 1", SkipReason.NOW_PLAYING, "playing-now entry, not a finished listen"
    )
    assert [r.track_name for r in rows if isinstance(r, ListenRecord)] == [
        "Pour que tu m'aimes encore",
        "봄날 (Spring Day)",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "lastfm_recenttracks.json",
        "Streaming_History_Audio_2023_0.json",
        "maloja_export_2024_01_02_00_04_05.json",
    ],
)
def test_other_json_is_not_listenbrainz(name: str) -> None:
    for module in (listenbrainz_export, listenbrainz_legacy, listenbrainz_api):
        assert not module.sniff(DATA / name)
