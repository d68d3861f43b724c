"""Stats tables (CSV, JSON, Parquet), charts (PNG, SVG) and playlists (M3U8, XSPF) read back."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from models.engine import Database
from models.tracks import Track
from scrobbler.exports import (
    ExportFormatError,
    choose_format,
    clock_chart,
    daily_chart,
    top_chart,
    write_playlist,
    write_table,
)
from scrobbler.stats import (
    DayTrend,
    ListeningClock,
    TopEntry,
    build_stats_table,
    scope_for,
    stat_builders,
)
from tests.listening_fixtures import Library, utc

XSPF = "{http://xspf.org/ns/0/}"


@pytest.fixture
def small(sqlite_db: Database) -> Database:
    with sqlite_db.session() as session:
        lib = Library(session)
        alice = lib.user("alice")
        lib.track("Creep", "Radiohead", duration=238.6, album="Pablo Honey", genres=("rock",))
        lib.track("Teardrop", "Massive Attack", duration=330.0, album="Mezzanine")
        lib.track("No File", "Nobody")
        lib.media_file("Creep", "/music/Radiohead/01 Creep.flac", duration=238.6)
        lib.media_file("Teardrop", "/music/Massive Attack/Teardrop & <Co>.mp3", fmt="mp3", duration=330.4)
        for day in (1, 2, 3):
            lib.listen(alice, utc(2024, 1, day), "Radiohead", "Creep")
        lib.listen(alice, utc(2024, 1, 4), "Massive Attack", "Teardrop")
    return sqlite_db


def test_every_stat_table_writes_and_reads_back(small: Database, tmp_path: Path) -> None:
    with small.session() as session:
        scope = scope_for(Library(session).session.scalars(select_user()).one(), "2024")
        for name in stat_builders():
            table = build_stats_table(session, scope, name, limit=10)
            for fmt in ("csv", "json", "parquet"):
                path = write_table(table, tmp_path / f"{name}.{fmt}", fmt)
                assert path.exists(), (name, fmt)
    with open(tmp_path / "top-artists.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["rank"], r["name"], r["plays"]) for r in rows] == [
        ("1", "Radiohead", "3"),
        ("2", "Massive Attack", "1"),
    ]
    document = json.loads((tmp_path / "top-tracks.json").read_text(encoding="utf-8"))
    assert document["name"] == "top-tracks" and document["rows"][0]["name"] == "Creep"
    clock = pq.read_table(tmp_path / "clock.parquet")
    assert clock.num_rows == 168 and sum(clock.column("plays").to_pylist()) == 4
    daily = pq.read_table(tmp_path / "daily.parquet").to_pylist()
    assert daily[0] == {"day": "2024-01-01", "plays": 1, "unique_tracks": 1, "unique_artists": 1}


def select_user():  # type: ignore[no-untyped-def]
    from models.users import User

    return select(User).where(User.username == "alice")


def test_charts_png_and_svg(tmp_path: Path) -> None:
    entries = [TopEntry(i, f"Artist {i}", None, 100 - i * 7, 3600.0 * (10 - i), i) for i in range(1, 11)]
    clock = ListeningClock([[(d * 24 + h) % 9 for h in range(24)] for d in range(7)])
    trend = [DayTrend(date(2024, 1, 1 + i), (i * 5) % 13, 3, 2) for i in range(30)]
    for fmt in ("png", "svg"):
        top_chart(entries, "Top artists, 2024", tmp_path / f"top.{fmt}", fmt)
        top_chart(entries, "Top artists by time", tmp_path / f"top-time.{fmt}", fmt, by="time")
        clock_chart(clock, "Listening clock", tmp_path / f"clock.{fmt}", fmt)
        daily_chart(trend, "Daily plays, January 2024", tmp_path / f"daily.{fmt}", fmt)
        top_chart([], "Nothing", tmp_path / f"empty.{fmt}", fmt)
    for name in ("top", "top-time", "clock", "daily", "empty"):
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert ET.parse(tmp_path / f"{name}.svg").getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_m3u8_playlist_from_a_track_query(small: Database, tmp_path: Path) -> None:
    with small.session() as session:
        query = select(Track.id).order_by(Track.title.desc())  # Teardrop, No File, Creep
        result = write_playlist(session, query, tmp_path / "mix.m3u8", "m3u8")
    assert (result.entries, result.without_file) == (2, 1)
    assert (tmp_path / "mix.m3u8").read_text(encoding="utf-8").splitlines() == [
        "#EXTM3U",
        "#EXTINF:330,Massive Attack - Teardrop",
        "/music/Massive Attack/Teardrop & <Co>.mp3",
        "#EXTINF:239,Radiohead - Creep",
        "/music/Radiohead/01 Creep.flac",
    ]


def test_xspf_playlist_has_ms_durations_and_file_uris(small: Database, tmp_path: Path) -> None:
    with small.session() as session:
        ids = list(session.scalars(select(Track.id).order_by(Track.id)))
        write_playlist(session, ids, tmp_path / "mix.xspf", "xspf", title="Mix & match")
    root = ET.parse(tmp_path / "mix.xspf").getroot()
    assert root.tag == f"{XSPF}playlist" and root.get("version") == "1"
    assert root.findtext(f"{XSPF}title") == "Mix & match"
    tracks = root.findall(f"{XSPF}trackList/{XSPF}track")
    assert [
        (
            t.findtext(f"{XSPF}location"),
            t.findtext(f"{XSPF}title"),
            t.findtext(f"{XSPF}creator"),
            t.findtext(f"{XSPF}album"),
            t.findtext(f"{XSPF}duration"),
        )
        for t in tracks
    ] == [
        ("file:///music/Radiohead/01%20Creep.flac", "Creep", "Radiohead", "Pablo Honey", "238600"),
        (
            "file:///music/Massive%20Attack/Teardrop%20%26%20%3CCo%3E.mp3",
            "Teardrop",
            "Massive Attack",
            "Mezzanine",
            "330400",
        ),
    ]


@pytest.mark.parametrize(
    ("name", "explicit", "expected"),
    [
        ("a.csv", None, "csv"),
        ("a.PARQUET", None, "parquet"),
        ("alice.lb.jsonl", None, "listenbrainz"),
        ("a.jsonl", None, "jsonl"),
        ("a.txt", "json", "json"),
    ],
)
def test_choose_format(name: str, explicit: str | None, expected: str) -> None:
    assert choose_format(name, explicit, ("csv", "json", "jsonl", "parquet", "listenbrainz")) == expected


def test_choose_format_refuses_what_an_export_cannot_write() -> None:
    with pytest.raises(ExportFormatError, match="cannot tell"):
        choose_format("a.txt", None, ("csv",))
    with pytest.raises(ExportFormatError, match="not 'png'"):
        choose_format("a.png", None, ("csv", "json"))
