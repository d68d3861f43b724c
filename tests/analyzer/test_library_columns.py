"""load_library: every track as columns, on every layout, with files, features, credits and listens."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sqlalchemy import update

from analyzer.catalog.library import COLUMNS, LibraryColumns, credit_string, load_library, sort_order
from models.engine import Database
from models.enums import ArtistRole, ScanStatus
from models.media import MediaFile
from models.releases import ReleaseGroup
from models.tracks import TrackArtist
from tests.listening_fixtures import Library, utc


def _fill(db: Database) -> dict[str, int]:
    with db.session() as session:
        lib = Library(session)
        alice, bob = lib.user("alice"), lib.user("bob")
        crazy = lib.track("Crazy in Love", "Beyoncé", duration=236.0, album="Dangerously in Love")
        one_more = lib.track("One More Time", "Daft Punk", duration=None, album="Discovery")
        lib.track("Untitled", "Nobody", duration=100.0)  # no credits rows, no files, no listens
        digital = lib.track("Digital Love", "Daft Punk", duration=301.0, album="Discovery")
        session.execute(update(ReleaseGroup).where(ReleaseGroup.title == "Discovery").values(year=2001))
        session.execute(
            update(ReleaseGroup).where(ReleaseGroup.title == "Dangerously in Love").values(year=2003)
        )
        session.add_all(
            [
                TrackArtist(track_id=crazy, artist_id=lib.artist("Beyoncé"), role=ArtistRole.PRIMARY,
                            position=0, join_phrase=" feat. "),
                TrackArtist(track_id=crazy, artist_id=lib.artist("Jay-Z"), role=ArtistRole.FEATURING,
                            position=1, credited_name="JAY Z"),
                TrackArtist(track_id=crazy, artist_id=lib.artist("Rich Harrison"), role=ArtistRole.PRODUCER,
                            position=2),
                TrackArtist(track_id=one_more, artist_id=lib.artist("Daft Punk"), role=ArtistRole.PRIMARY),
                TrackArtist(track_id=digital, artist_id=lib.artist("Daft Punk"), role=ArtistRole.PRIMARY,
                            credited_name="DAFT PUNK"),
            ]
        )  # fmt: skip
        # Crazy in Love: a FLAC without features, an MP3 with them, and a missing Ogg whose features lose.
        lib.media_file("Crazy in Love", "/m/crazy.flac", fmt="flac")
        lib.media_file("Crazy in Love", "/m/crazy.mp3", fmt="mp3", features={"bpm": 99.4, "camelot": "4A"})
        lib.media_file(
            "Crazy in Love", "/m/crazy.ogg", fmt="ogg_vorbis", features={"bpm": 120.0, "camelot": "8A"}
        )
        # One More Time: its only file is gone; its features and length still describe it.
        lib.media_file(
            "One More Time",
            "/m/omt.flac",
            fmt="flac",
            duration=320.0,
            features={"bpm": 122.9, "camelot": "9B"},
        )
        lib.media_file("Digital Love", "/m/digital.mp3", fmt="mp3")
        lib.media_file(None, "/m/unknown.wav", fmt="wav")  # a file of no track is no row
        seen = {"/m/crazy.flac": utc(2024, 1, 2), "/m/crazy.mp3": utc(2024, 1, 1, 12), "/m/crazy.ogg": utc(2024, 3, 1),
                "/m/omt.flac": utc(2023, 5, 5), "/m/digital.mp3": utc(2022, 2, 2)}  # fmt: skip
        for path, when in seen.items():
            session.execute(update(MediaFile).where(MediaFile.file_path == path).values(first_seen_at=when))
        session.execute(
            update(MediaFile)
            .where(MediaFile.file_path.in_(["/m/crazy.ogg", "/m/omt.flac"]))
            .values(scan_status=ScanStatus.MISSING)
        )
        session.execute(
            update(MediaFile)
            .where(MediaFile.file_path == "/m/digital.mp3")
            .values(scan_status=ScanStatus.ERROR)
        )
        for user, when in ((alice, utc(2024, 5, 1)), (alice, utc(2024, 6, 1)), (bob, utc(2024, 7, 1, 8)),
                           (bob, utc(2024, 4, 1))):  # fmt: skip
            lib.listen(user, when, "Beyoncé", "Crazy in Love")
        lib.listen(alice, utc(2024, 8, 1), "Daft Punk", "One More Time")
        lib.listen(alice, utc(2024, 9, 1), "Someone", "Not Here", matched=False)
        return dict(lib.tracks)


def _row(columns: LibraryColumns, track_id: int) -> dict[str, object]:
    at = columns.row_of(track_id)
    assert at is not None
    return {spec.name: getattr(columns, spec.name)[at] for spec in COLUMNS}


def test_every_column_of_every_track(db: Database) -> None:
    ids = _fill(db)
    with db.session() as session:
        columns = load_library(session)
    assert len(columns) == 4 and columns.ids.tolist() == sorted(ids.values())
    assert columns.ids.dtype == np.int64 and columns.year.dtype == np.int32
    assert columns.plays.dtype == np.int64 and columns.missing.dtype == bool
    assert all(
        getattr(columns, name).dtype == np.float64 for name in ("length", "bpm", "last_played", "added")
    )

    crazy = _row(columns, ids["Crazy in Love"])
    assert crazy["title"] == "Crazy in Love" and crazy["artist"] == "Beyoncé feat. JAY Z"
    assert (crazy["album"], crazy["album_artist"], crazy["year"]) == ("Dangerously in Love", "Beyoncé", 2003)
    assert crazy["length"] == 236.0 and crazy["formats"] == "flac, mp3"  # the missing Ogg is not a format
    assert (crazy["bpm"], crazy["key"]) == (99.4, "4A")  # the readable MP3's features, not the missing Ogg's
    assert crazy["plays"] == 4 and crazy["last_played"] == utc(2024, 7, 1, 8).timestamp()
    assert crazy["added"] == utc(2024, 1, 1, 12).timestamp() and not crazy["missing"]

    gone = _row(columns, ids["One More Time"])
    assert (gone["artist"], gone["album"], gone["year"]) == ("Daft Punk", "Discovery", 2001)
    assert gone["missing"] and gone["formats"] == ""
    assert gone["length"] == 320.0  # the track has no length; its (missing) file has
    assert (gone["bpm"], gone["key"]) == (122.9, "9B")
    assert gone["plays"] == 1 and gone["last_played"] == utc(2024, 8, 1).timestamp()
    assert gone["added"] == utc(2023, 5, 5).timestamp()

    lone = _row(columns, ids["Untitled"])
    assert lone["artist"] == "Nobody"  # no credit rows: the primary artist's name
    empty = ("", "", 0, "", "")
    assert (lone["album"], lone["album_artist"], lone["year"], lone["formats"], lone["key"]) == empty
    assert lone["missing"] and lone["plays"] == 0
    assert all(math.isnan(lone[name]) for name in ("bpm", "last_played", "added"))  # type: ignore[arg-type]

    unreadable = _row(columns, ids["Digital Love"])
    assert unreadable["artist"] == "DAFT PUNK"  # one credit, under a credited spelling
    assert unreadable["missing"] and unreadable["formats"] == "" and unreadable["length"] == 301.0
    assert math.isnan(unreadable["bpm"]) and unreadable["key"] == ""  # type: ignore[arg-type]


def test_an_empty_library_loads_as_empty_columns(db: Database) -> None:
    with db.session() as session:
        columns = load_library(session)
    assert len(columns) == 0
    for spec in COLUMNS:
        assert len(getattr(columns, spec.name)) == 0
    assert columns.row_of(1) is None


def test_columns_describe_every_field_once() -> None:
    names = [spec.name for spec in COLUMNS]
    assert len(set(names)) == len(names)
    fields = set(LibraryColumns.__dataclass_fields__) - {"ids", "cache"}
    assert set(names) == fields
    assert {spec.kind for spec in COLUMNS} <= {"text", "number", "duration", "date"}


@pytest.mark.parametrize(
    ("parts", "printed"),
    [
        ([("Beyoncé", " feat. "), ("JAY Z", "")], "Beyoncé feat. JAY Z"),
        ([("Eminem", " (feat. "), ("Rihanna", ")")], "Eminem (feat. Rihanna)"),
        ([("Solo", " & ")], "Solo"),  # a dangling join phrase is not printed
    ],
)
def test_credit_string(parts: list[tuple[str, str]], printed: str) -> None:
    assert credit_string(parts) == printed


def test_sort_order_puts_unknown_last_and_keeps_ties_stable(db: Database) -> None:
    ids = _fill(db)
    with db.session() as session:
        columns = load_library(session)

    def titles(order: np.ndarray) -> list[str]:
        return [columns.title[row] for row in order.tolist()]

    by_year = ["One More Time", "Digital Love", "Crazy in Love", "Untitled"]  # 2001 ties in row order
    assert titles(sort_order(columns, ("year",))) == by_year
    assert titles(sort_order(columns, ("year",), descending=True)) == [
        "Crazy in Love", "One More Time", "Digital Love", "Untitled"
    ]  # fmt: skip
    assert titles(sort_order(columns, ("album", "title"))) == [
        "Crazy in Love", "Digital Love", "One More Time", "Untitled"
    ]  # fmt: skip
    assert titles(sort_order(columns, ("bpm",), descending=True))[-2:] == ["Untitled", "Digital Love"]
    assert titles(sort_order(columns, ("plays",), descending=True))[:2] == ["Crazy in Love", "One More Time"]
    some = np.array([columns.row_of(ids["Untitled"]), columns.row_of(ids["Crazy in Love"])])
    assert titles(sort_order(columns, ("title",), rows=some)) == ["Crazy in Love", "Untitled"]
    with pytest.raises(ValueError, match="no column 'colour'"):
        sort_order(columns, ("colour",))


def test_format_labels_by_bits_equal_the_plain_sets() -> None:
    from analyzer.catalog.library import _format_labels

    rng = np.random.default_rng(3)
    for count in (5, 70):  # the bit path, and the set path past 62 formats
        names = ["", *(f"fmt{i:02d}" for i in range(count))]
        rows = rng.integers(0, 50, 400)
        codes = rng.integers(0, count + 1, 400)
        expected = [
            ", ".join(sorted({names[c] for r, c in zip(rows, codes, strict=True) if r == row and c}))
            for row in range(50)
        ]
        assert _format_labels(50, rows, codes, names, {}) == expected
