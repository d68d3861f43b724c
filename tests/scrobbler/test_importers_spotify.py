"""Spotify: extended streaming history (end times, every skip reason) and account-data history."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scrobbler.importers import ImportOptions, rules, spotify_account, spotify_extended
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"
EXTENDED = DATA / "Streaming_History_Audio_2023_0.json"


def split(rows: list[Row]) -> tuple[list[ListenRecord], list[ImportProblem]]:
    return (
        [row for row in rows if isinstance(row, ListenRecord)],
        [row for row in rows if isinstance(row, ImportProblem)],
    )


def test_extended_start_is_end_minus_ms_played() -> None:
    records, _ = split(list(spotify_extended.parse(EXTENDED)))
    flowers = records[0]
    # ts 18:31:37Z is the END; 174.424 s played -> started 18:28:42.576, floored to whole seconds.
    assert flowers.listened_at == datetime(2023, 3, 19, 18, 28, 42, tzinfo=UTC)
    assert (flowers.artist_name, flowers.track_name, flowers.release_name) == (
        "Miley Cyrus",
        "Flowers",
        "Endless Summer Vacation",
    )
    assert flowers.source == "spotify_extended"
    assert flowers.source_track_id == "spotify:track:0yLdNVWF3Srea0uzk55zFn"
    assert flowers.spotify_id == "0yLdNVWF3Srea0uzk55zFn"
    assert (flowers.duration_played_secs, flowers.duration_secs) == (174.424, None)
    assert flowers.payload["ms_played"] == 174424


def test_extended_odd_offset_unicode_and_midnight() -> None:
    records, _ = split(list(spotify_extended.parse(EXTENDED)))
    by_track = {r.track_name: r for r in records}
    # "2023-03-20T06:31:37+09:00" is 21:31:37Z; minus 261 s.
    assert by_track["夜に駆ける 🌙"].listened_at == datetime(2023, 3, 19, 21, 27, 16, tzinfo=UTC)
    assert by_track["夜に駆ける 🌙"].artist_name == "YOASOBI"
    # Ended 00:01 on New Year's day, started three minutes earlier in the old year.
    assert by_track["New Year"].listened_at == datetime(2022, 12, 31, 23, 58, tzinfo=UTC)
    # Exactly 30 s played counts, even though it was skipped (LB: skip only below 30000 ms).
    assert by_track["Exactly Thirty"].listened_at == datetime(2023, 3, 19, 23, 29, 30, tzinfo=UTC)
    assert list(by_track) == ["Flowers", "夜に駆ける 🌙", "New Year", "Exactly Thirty"]


def test_extended_every_skip_and_failure_has_a_reason() -> None:
    _, problems = split(list(spotify_extended.parse(EXTENDED)))
    assert [(p.location.rsplit(" ", 1)[1], p.kind, p.skip_reason, p.reason) for p in problems] == [
        ("2", "skipped", SkipReason.PODCAST, "podcast episode of The Daily Jazz"),
        ("3", "skipped", SkipReason.AUDIOBOOK, "audiobook chapter"),
        ("4", "skipped", SkipReason.INCOGNITO, "played in a private (incognito) session"),
        ("5", "skipped", SkipReason.NOT_PLAYED_ENOUGH, "played 12 s, under 30 s"),
        ("6", "skipped", SkipReason.TOO_SHORT, "track finished after 25 s, not over 30 s"),
        ("8", "skipped", SkipReason.NO_METADATA, "no track, episode or audiobook named"),
        ("9", "failed", None, "unreadable ts 'yesterday'"),
        ("10", "failed", None, "unreadable ms_played None"),
    ]
    assert problems[0].location == "Streaming_History_Audio_2023_0.json item 2"


def test_extended_options_keep_incognito_and_short_plays() -> None:
    options = ImportOptions(include_incognito=True, apply_scrobble_rule=False)
    records, problems = split(list(spotify_extended.parse(EXTENDED, options)))
    assert [r.track_name for r in records] == [
        "Flowers",
        "Secret Song",
        "Skipped Quickly",
        "Tiny Interlude",
        "夜に駆ける 🌙",
        "New Year",
        "Exactly Thirty",
    ]
    skipped = next(r for r in records if r.track_name == "Skipped Quickly")
    assert skipped.listened_at == datetime(2023, 3, 19, 21, 9, 48, tzinfo=UTC)  # 21:10:00 - 12 s
    assert Counter(p.skip_reason for p in problems) == {
        SkipReason.PODCAST: 1,
        SkipReason.AUDIOBOOK: 1,
        SkipReason.NO_METADATA: 1,
        None: 2,
    }


def test_extended_custom_minimum_play() -> None:
    records, problems = split(list(spotify_extended.parse(EXTENDED, ImportOptions(min_track_secs=60))))
    assert [r.track_name for r in records] == ["Flowers", "夜に駆ける 🌙", "New Year"]
    assert problems[-1].reason == "played 30 s, under 60 s"


def test_endsong_dump() -> None:
    [record] = list(spotify_extended.parse(DATA / "endsong_0.json"))
    assert isinstance(record, ListenRecord)
    assert record.listened_at == datetime(2019, 6, 1, 10, 0, tzinfo=UTC)  # 10:04 end - 240 s
    assert (record.artist_name, record.track_name, record.release_name) == (
        "ABBA",
        "Dancing Queen",
        "Arrival",
    )
    assert record.payload["username"] == "alice"


def test_extended_truncated_file_and_non_object_items(tmp_path: Path) -> None:
    text = EXTENDED.read_text(encoding="utf-8")
    path = tmp_path / "Streaming_History_Audio_2023_1.json"
    path.write_text(text[: text.index('"Secret Song"')], encoding="utf-8")
    rows = list(spotify_extended.parse(path))
    assert isinstance(rows[0], ListenRecord)
    assert rows[-1] == ImportProblem.failed(
        "Streaming_History_Audio_2023_1.json near item 4",
        "invalid or truncated JSON: parse error: premature EOF",
    )
    odd = tmp_path / "odd.json"
    odd.write_text('[{"ts": "2023-03-19T18:31:37Z", "ms_played": 1}, 7]')
    assert list(spotify_extended.parse(odd))[1] == ImportProblem.failed(
        "odd.json item 2", "entry is not a JSON object"
    )


def test_extended_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "Streaming_History_Audio_2024.json"
    row = {
        "ts": "2024-02-29T12:00:00Z",
        "ms_played": 60_000,
        "master_metadata_track_name": "Leap",
        "master_metadata_album_artist_name": "Días",
        "spotify_track_uri": None,
    }
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([row]).encode())
    assert spotify_extended.sniff(path)
    [record] = list(spotify_extended.parse(path))
    assert isinstance(record, ListenRecord)
    assert record.listened_at == datetime(2024, 2, 29, 11, 59, tzinfo=UTC)
    assert (record.artist_name, record.spotify_id, record.source_track_id) == ("Días", None, None)


def test_start_from_end_floors() -> None:
    end = datetime(2023, 3, 19, 18, 31, 37, tzinfo=UTC)
    assert rules.start_from_end(end, 999) == datetime(2023, 3, 19, 18, 31, 36, tzinfo=UTC)
    assert rules.start_from_end(end, 0) == end


def test_account_history() -> None:
    records, problems = split(list(spotify_account.parse(DATA / "StreamingHistory0.json")))
    assert [(r.listened_at, r.artist_name, r.track_name, r.duration_played_secs) for r in records] == [
        # endTime 16:52 minus 152.293 s -> 16:49:27.707 -> floored.
        (datetime(2022, 12, 5, 16, 49, 27, tzinfo=UTC), "Rosalía", "DESPECHÁ", 152.293),
        (datetime(2022, 12, 5, 17, 25, 31, tzinfo=UTC), "周杰伦", "晴天 ☀️", 269.0),
        (datetime(2022, 12, 5, 18, 9, 14, tzinfo=UTC), "Unknown Artist", "Unknown Track", 45.5),
    ]
    assert {r.source for r in records} == {"spotify_account"}
    assert all(r.source_track_id is None and r.release_name is None for r in records)
    assert [(p.location, p.kind, p.skip_reason, p.reason) for p in problems] == [
        ("StreamingHistory0.json item 2", "skipped", "not_played_enough", "played 8 s, under 30 s"),
        ("StreamingHistory0.json item 4", "failed", None, "unreadable endTime '2022-12-05 25:61'"),
        ("StreamingHistory0.json item 5", "failed", None, "missing artistName"),
    ]


def test_account_podcast_history_is_all_skipped() -> None:
    assert list(spotify_account.parse(DATA / "StreamingHistory_podcast_0.json")) == [
        ImportProblem.skipped(
            "StreamingHistory_podcast_0.json item 1", SkipReason.PODCAST, "podcast episode of Radiolab"
        )
    ]


@pytest.mark.parametrize(
    "name", ["alice_lb-2023-01-15.json", "maloja_export_2024_01_02_00_04_05.json", "lastfm_recenttracks.json"]
)
def test_other_json_is_not_spotify(name: str) -> None:
    assert not spotify_extended.sniff(DATA / name)
    assert not spotify_account.sniff(DATA / name)


def test_the_two_spotify_formats_do_not_claim_each_other() -> None:
    assert not spotify_account.sniff(EXTENDED)
    assert not spotify_extended.sniff(DATA / "StreamingHistory0.json")
