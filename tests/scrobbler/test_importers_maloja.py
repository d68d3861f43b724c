"""Maloja export JSON: artists joined, album nullable, played time judged against the track length."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scrobbler.importers import ImportOptions, maloja
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
EXPORT = DATA / "maloja_export_2024_01_02_00_04_05.json"


def split(rows: list[Row]) -> tuple[list[ListenRecord], list[ImportProblem]]:
    return (
        [row for row in rows if isinstance(row, ListenRecord)],
        [row for row in rows if isinstance(row, ImportProblem)],
    )


def test_export_rows() -> None:
    records, _ = split(list(maloja.parse(EXPORT)))
    assert [(r.listened_at, r.artist_name, r.track_name, r.release_name) for r in records] == [
        (
            datetime(2024, 1, 1, 0, 0, tzinfo=UTC),
            "Daft Punk, Pharrell Williams, Nile Rodgers",
            "Get Lucky",
            "Random Access Memories",
        ),
        (datetime(2024, 1, 1, 1, 0, tzinfo=UTC), "Kings of Convenience", "Misread", None),
        (datetime(2024, 1, 1, 3, 0, tzinfo=UTC), "藤井風", "死ぬのがいいわ 💀", "HELP EVER HURT NEVER"),
    ]
    get_lucky, misread, shinunoga = records
    assert (get_lucky.duration_secs, get_lucky.duration_played_secs) == (369.0, 300.0)
    assert get_lucky.album_artist_name == "Daft Punk"
    assert get_lucky.source == "maloja"
    assert get_lucky.payload["origin"] == "client:multiscrobbler"
    assert (misread.duration_secs, misread.duration_played_secs, misread.album_artist_name) == (
        None,
        None,
        None,
    )
    assert shinunoga.album_artist_name is None  # empty artists list


def test_export_problems() -> None:
    _, problems = split(list(maloja.parse(EXPORT)))
    assert [(p.location, p.kind, p.skip_reason, p.reason) for p in problems] == [
        (
            f"{EXPORT.name} item 3",
            "skipped",
            SkipReason.NOT_PLAYED_ENOUGH,
            "played 60 s of 1412 s, needs 240 s",
        ),
        (f"{EXPORT.name} item 5", "failed", None, "missing artists"),
        (f"{EXPORT.name} item 6", "failed", None, "time is not a unix time: 'noon'"),
        (f"{EXPORT.name} item 7", "skipped", SkipReason.TOO_SHORT, "track is 20 s long, not over 30 s"),
    ]


def test_rule_off_keeps_short_plays() -> None:
    records, problems = split(list(maloja.parse(EXPORT, ImportOptions(apply_scrobble_rule=False))))
    assert [r.track_name for r in records] == ["Get Lucky", "Misread", "Echoes", "死ぬのがいいわ 💀", "Intro"]
    assert [p.kind for p in problems] == ["failed", "failed"]


def test_scrobbles_before_the_maloja_key_and_old_album_name(tmp_path: Path) -> None:
    track = {"artists": "Ólafur Arnalds", "title": "Saman", "length": None, "album": {"name": "Island Songs"}}
    scrobble = {
        "time": 1700000000.9,
        "track": track,
        "duration": None,
        "origin": "import:lastfm",
        "extra": {},
    }
    path = tmp_path / "backup.json"
    path.write_text(json.dumps({"scrobbles": [scrobble], "maloja": {"export_time": 1}}), encoding="utf-8")
    assert maloja.sniff(path)
    [record] = list(maloja.parse(path))
    assert isinstance(record, ListenRecord)
    assert record.listened_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert (record.artist_name, record.release_name) == ("Ólafur Arnalds", "Island Songs")


def test_export_without_scrobbles_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "maloja_export_2024_01_01_00_00_00.json"
    path.write_text('{"maloja": {"export_time": 1704067200}, "scrobbles": []}')
    assert maloja.sniff(path)
    assert list(maloja.parse(path)) == [
        ImportProblem.skipped(path.name, SkipReason.EMPTY_FILE, "the file holds no listens")
    ]


@pytest.mark.parametrize(
    "name",
    ["alice_lb-2023-01-15.json", "listenbrainz_api_page.json", "lastfm_recenttracks.json", "endsong_0.json"],
)
def test_other_json_is_not_maloja(name: str) -> None:
    assert not maloja.sniff(DATA / name)
