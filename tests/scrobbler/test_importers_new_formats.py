"""The ghan.nl Last.fm JSON backup, Libre.fm CSV variants and a saved LB playing-now page: parsed from the
committed fixtures (written by us from the formats' shapes) and imported twice into a real database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from models.engine import Database
from scrobbler import importers
from scrobbler.importers import lastfm_backup, librefm_csv, listenbrainz_api
from scrobbler.ingest import run_ingest
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason
from scrobbler.users import default_user

SAMPLES = Path(__file__).parents[1] / "data" / "imports"
NEW_FIXTURES = (
    "lastfm_ghan_backup.json",
    "librefm_scrobbles.csv",
    "librefm_userid.csv",
    "listenbrainz_playing_now.json",
)


def split(rows: list[Row]) -> tuple[list[ListenRecord], list[ImportProblem]]:
    return (
        [row for row in rows if isinstance(row, ListenRecord)],
        [row for row in rows if isinstance(row, ImportProblem)],
    )


def at(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def test_ghan_json_backup_pages_with_list_and_single_track() -> None:
    path = SAMPLES / "lastfm_ghan_backup.json"
    assert importers.detect(path) is lastfm_backup
    records, problems = split(list(lastfm_backup.parse(path)))
    assert [(r.artist_name, r.track_name, r.listened_at) for r in records] == [
        ("Stereolab", "Brakhage", at(1709290800)),
        ("Broadcast", "Tears in the Typing Pool", at(1709290500)),
        ("Björk", "Pagan Poetry", at(1709204400)),  # page 2's track is one object, not a list
    ]
    brakhage = records[0]
    assert brakhage.track_mbid == "0b6c7d8e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"
    assert brakhage.artist_mbids == ("c3f9d2a1-6b0e-4e7a-9a51-0d2f3c4b5a61",)
    assert brakhage.source_track_id == "https://www.last.fm/music/Stereolab/_/Brakhage"
    assert records[1].release_name is None  # "#text": "" is no album
    assert [(p.kind, p.skip_reason) for p in problems] == [("skipped", SkipReason.NOW_PLAYING)]


def test_ghan_json_is_not_mistaken_for_an_api_page(tmp_path: Path) -> None:
    wrapped = tmp_path / "page.json"
    wrapped.write_text('[{"recenttracks": {"track": []}}]')
    assert importers.detect(wrapped) is not lastfm_backup


def test_librefm_csv_header_order_utf7_comments_and_empty_album() -> None:
    path = SAMPLES / "librefm_scrobbles.csv"
    assert importers.detect(path) is librefm_csv
    records, problems = split(list(librefm_csv.parse(path)))
    assert [(r.artist_name, r.track_name, r.release_name, r.listened_at) for r in records] == [
        ("Stereolab", "Brakhage", "Dots and Loops", at(1709290800)),
        ("Nick Cave & The Bad Seeds", "Red Right Hand", "Let Love In", at(1709287200)),
        ("Broadcast", "Tears in the Typing Pool", None, at(1709283600)),
    ]
    assert [(p.location, p.skip_reason) for p in problems] == [
        ("librefm_scrobbles.csv:7", SkipReason.NO_TIMESTAMP)
    ]


def test_librefm_csv_userid_column_lowercase_header_and_mbid() -> None:
    path = SAMPLES / "librefm_userid.csv"
    assert importers.detect(path) is librefm_csv
    records, problems = split(list(librefm_csv.parse(path)))
    assert [(r.track_name, r.listened_at) for r in records] == [
        ("Pagan Poetry", at(1709370000)),
        ("Hunter", at(1709373600)),
    ]
    assert records[1].track_mbid == "7a5b2c1d-3e4f-4a5b-9c6d-7e8f9a0b1c2d"
    assert records[0].payload["userid"] == "sample"
    assert problems == [
        ImportProblem.failed("librefm_userid.csv:5", "unreadable time 'soon' (Unix seconds expected)")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Title,Artist,Timestamp\nT,A,2024-03-01 10:00:00\n", at(1709287200)),
        ("ARTIST NAME;x\n", None),  # not a Libre.fm header: not claimed
        ("artist,track,album\nA,T,B\n", None),  # no time column
    ],
)
def test_librefm_csv_variants(tmp_path: Path, text: str, expected: datetime | None) -> None:
    path = tmp_path / "export.csv"
    path.write_text(text)
    if expected is None:
        assert importers.detect(path) is not librefm_csv
        return
    assert importers.detect(path) is librefm_csv
    records, _ = split(list(librefm_csv.parse(path)))
    assert [r.listened_at for r in records] == [expected]


def test_librefm_csv_with_a_header_naming_no_time_says_so(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("artist,track,album\nA,T,B\n")
    assert list(librefm_csv.parse(path)) == [
        ImportProblem.failed("export.csv:1", "the header does not name artist, track and time columns")
    ]


def test_lb_playing_now_page_is_a_skip_not_a_failure() -> None:
    path = SAMPLES / "listenbrainz_playing_now.json"
    assert importers.detect(path) is listenbrainz_api
    rows = list(listenbrainz_api.parse(path))
    assert [(row.kind, row.skip_reason) for row in rows if isinstance(row, ImportProblem)] == [
        ("skipped", SkipReason.NOW_PLAYING)
    ]


@pytest.mark.parametrize("name", NEW_FIXTURES)
def test_new_fixtures_import_twice_the_second_adding_nothing(db: Database, name: str) -> None:
    path = SAMPLES / name
    importer = importers.detect(path)
    assert importer is not None
    with db.session() as session:
        user_id = default_user(session).id
    first = run_ingest(db, importer.parse(path), user_id)
    records, _ = split(list(importer.parse(path)))
    assert first.imported == len(records)
    again = run_ingest(db, importer.parse(path), user_id)
    assert (again.imported, again.merged, again.duplicates) == (0, 0, len(records))
