"""Rockbox .scrobbler.log: ratings, #TZ/UTC versus #TZ/UNKNOWN local times, malformed lines."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.engine import Database
from scrobbler.importers import ImportOptions, scrobbler_log
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
HEADER_UNKNOWN = "#AUDIOSCROBBLER/1.1\n#TZ/UNKNOWN\n#CLIENT/Rockbox ipodvideo $Revision$\n"


def split(rows: list[Row]) -> tuple[list[ListenRecord], list[ImportProblem]]:
    return (
        [row for row in rows if isinstance(row, ListenRecord)],
        [row for row in rows if isinstance(row, ImportProblem)],
    )


def write_log(path: Path, body: str, header: str = HEADER_UNKNOWN) -> Path:
    path.write_text(header + body, encoding="utf-8")
    return path


def test_utc_log_rows() -> None:
    records, _ = split(list(scrobbler_log.parse(DATA / "rockbox_utc.scrobbler.log")))
    assert [(r.listened_at, r.artist_name, r.release_name, r.track_name) for r in records] == [
        (datetime(2024, 1, 1, 0, 0, tzinfo=UTC), "Massive Attack", "Mezzanine", "Teardrop"),
        (datetime(2024, 1, 1, 0, 13, 20, tzinfo=UTC), "Daft Punk", "Discovery", "One More Time"),
        (datetime(2024, 1, 1, 1, 20, tzinfo=UTC), "Ramin Djawadi", "Game of Thrones", "Light of the Seven 🗡️"),
    ]
    teardrop, one_more_time, _ = records
    assert (teardrop.duration_secs, teardrop.track_number, teardrop.track_mbid) == (330.0, "3", None)
    assert one_more_time.track_number is None
    assert one_more_time.track_mbid == "8b8a38a9-a290-4560-84f6-3d4466e8d791"
    assert teardrop.source == "scrobbler_log"
    assert teardrop.payload == {
        "artist": "Massive Attack",
        "album": "Mezzanine",
        "track": "Teardrop",
        "tracknumber": "3",
        "duration": "330",
        "rating": "L",
        "timestamp": "1704067200",
        "mbid": "",
        "tz": "UTC",
        "client": "Rockbox ipod6g $Revision$",
    }


def test_utc_log_problems() -> None:
    _, problems = split(list(scrobbler_log.parse(DATA / "rockbox_utc.scrobbler.log")))
    assert [(p.location, p.kind, p.skip_reason, p.reason) for p in problems] == [
        (
            "rockbox_utc.scrobbler.log:5",
            "skipped",
            SkipReason.SKIPPED_BY_PLAYER,
            "rated S: skipped on the player",
        ),
        ("rockbox_utc.scrobbler.log:7", "skipped", SkipReason.UNTAGGED, "file had no tags (<Untagged>)"),
        ("rockbox_utc.scrobbler.log:8", "failed", None, "expected 7 or 8 tab-separated fields, got 3"),
        ("rockbox_utc.scrobbler.log:9", "failed", None, "unreadable timestamp 'not-a-number'"),
        # A Rockbox player with an unset clock writes times near 1970.
        (
            "rockbox_utc.scrobbler.log:11",
            "failed",
            None,
            "timestamp 1970-01-01T01:00:00+00:00 is before 2002-10-01",
        ),
        ("rockbox_utc.scrobbler.log:12", "failed", None, "unknown rating 'X' (expected L or S)"),
    ]


def test_skipped_plays_are_kept_when_the_rule_is_off() -> None:
    options = ImportOptions(apply_scrobble_rule=False)
    records, _ = split(list(scrobbler_log.parse(DATA / "rockbox_utc.scrobbler.log", options)))
    angel = next(r for r in records if r.track_name == "Angel")
    assert angel.listened_at == datetime(2024, 1, 1, 0, 6, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "first", "second"),
    [
        # 1711872000 is the wall clock 2024-03-31 08:00, 1711929600 is 2024-04-01 00:00.
        ("UTC", datetime(2024, 3, 31, 8, 0, tzinfo=UTC), datetime(2024, 4, 1, 0, 0, tzinfo=UTC)),
        (
            "Asia/Kathmandu",
            datetime(2024, 3, 31, 2, 15, tzinfo=UTC),
            datetime(2024, 3, 31, 18, 15, tzinfo=UTC),
        ),
        # St. John's is on summer time (-02:30) since March 10th.
        (
            "America/St_Johns",
            datetime(2024, 3, 31, 10, 30, tzinfo=UTC),
            datetime(2024, 4, 1, 2, 30, tzinfo=UTC),
        ),
        # Chatham is on summer time (+13:45) until April 7th.
        (
            "Pacific/Chatham",
            datetime(2024, 3, 30, 18, 15, tzinfo=UTC),
            datetime(2024, 3, 31, 10, 15, tzinfo=UTC),
        ),
    ],
)
def test_unknown_tz_is_read_in_the_options_zone(zone: str, first: datetime, second: datetime) -> None:
    options = ImportOptions(timezone=ZoneInfo(zone))
    records, problems = split(list(scrobbler_log.parse(DATA / "rockbox_localtime.scrobbler.log", options)))
    assert problems == []
    assert [r.listened_at for r in records] == [first, second]
    assert [r.artist_name for r in records] == ["椎名林檎", "Beyoncé"]
    assert records[0].track_name == "丸の内サディスティック"
    assert records[1].track_mbid is None  # 7 fields, no mbid column at all


def test_unknown_tz_defaults_to_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kathmandu")
    time.tzset()
    try:
        records, _ = split(list(scrobbler_log.parse(DATA / "rockbox_localtime.scrobbler.log")))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert records[0].listened_at == datetime(2024, 3, 31, 2, 15, tzinfo=UTC)


def test_unknown_tz_across_a_dst_change(tmp_path: Path) -> None:
    # Berlin switches to summer time at 02:00 local on 2024-03-31: 01:30 is +01:00, 03:30 is +02:00.
    path = write_log(
        tmp_path / ".scrobbler.log",
        "A\tB\tBefore\t1\t200\tL\t1711848600\t\nA\tB\tAfter\t2\t200\tL\t1711855800\t\n",
    )
    records, _ = split(list(scrobbler_log.parse(path, ImportOptions(timezone=ZoneInfo("Europe/Berlin")))))
    assert [r.listened_at for r in records] == [
        datetime(2024, 3, 31, 0, 30, tzinfo=UTC),
        datetime(2024, 3, 31, 1, 30, tzinfo=UTC),
    ]


def test_missing_tz_line_means_local_time(tmp_path: Path) -> None:
    path = write_log(tmp_path / "x.log", "A\tB\tC\t1\t200\tL\t1711872000\t\n", header="#AUDIOSCROBBLER/1.0\n")
    [record] = list(scrobbler_log.parse(path, ImportOptions(timezone=ZoneInfo("Asia/Tokyo"))))
    assert isinstance(record, ListenRecord)
    assert record.listened_at == datetime(2024, 3, 30, 23, 0, tzinfo=UTC)


def test_headerless_log_is_claimed_only_by_name(tmp_path: Path) -> None:
    body = "Björk\tPost\tHyperballad\t5\t321\tL\t1704067200\t\n"
    named = write_log(tmp_path / ".scrobbler.log", body, header="")
    other = write_log(tmp_path / "plays.tsv", body, header="")
    assert scrobbler_log.sniff(named)
    assert not scrobbler_log.sniff(other)


def test_invalid_utf8_line_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / ".scrobbler.log"
    path.write_bytes(
        b"#AUDIOSCROBBLER/1.1\n#TZ/UTC\n"
        b"Caf\xe9 Tacvba\tRe\tEres\t1\t200\tL\t1704067200\t\n"
        b"Caf\xc3\xa9 Tacvba\tRe\tEres\t1\t200\tL\t1704067600\t\n"
    )
    records, problems = split(list(scrobbler_log.parse(path)))
    assert [r.artist_name for r in records] == ["Café Tacvba"]
    assert problems == [ImportProblem.failed(".scrobbler.log:3", "line is not valid UTF-8 text")]


def test_header_only_log_is_empty(tmp_path: Path) -> None:
    path = write_log(tmp_path / ".scrobbler.log", "")
    assert scrobbler_log.sniff(path)
    assert list(scrobbler_log.parse(path)) == [
        ImportProblem.skipped(".scrobbler.log", SkipReason.EMPTY_FILE, "the file holds no listens")
    ]


@pytest.mark.parametrize("name", ["lastfm_ghan.csv", "lastfm_benfoxall.csv", "listenbrainz_listens.jsonl"])
def test_other_formats_are_not_a_scrobbler_log(name: str) -> None:
    assert not scrobbler_log.sniff(DATA / name)


def test_reimporting_a_local_time_log_in_another_zone_adds_nothing(sqlite_db: Database) -> None:
    from scrobbler.ingest import run_ingest
    from scrobbler.users import default_user

    path = DATA / "rockbox_localtime.scrobbler.log"
    with sqlite_db.session() as session:
        user_id = default_user(session).id
    tokyo = ImportOptions(timezone=ZoneInfo("Asia/Tokyo"))
    berlin = ImportOptions(timezone=ZoneInfo("Europe/Berlin"))
    first = run_ingest(sqlite_db, scrobbler_log.parse(path, tokyo), user_id)
    assert first.imported > 0
    again = run_ingest(sqlite_db, scrobbler_log.parse(path, berlin), user_id)
    assert (again.imported, again.merged) == (0, 0)
