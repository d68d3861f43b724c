"""build_track_record as a pure function: identity, fallbacks, release types, credits with ids."""

from __future__ import annotations

import pytest

from analyzer.catalog.record import FALLBACK_KEY, build_track_record, make_track_uid, tag_key_of
from analyzer.tags import FileTags
from models.enums import ReleaseGroupType

STREAM = {
    "format": "flac",
    "codec": "flac",
    "duration_secs": 1.0,
    "bitrate": None,
    "sample_rate": 44100,
    "channels": 2,
    "bits_per_sample": 16,
    "lossless": True,
}


def tags(**fields: object) -> FileTags:
    return FileTags(**STREAM, **fields)  # type: ignore[arg-type]


def test_uid_is_the_recording_mbid_or_a_hash_of_normalized_fields() -> None:
    mbid = "B1A9C0E9-D987-4042-AE91-78D6A3267D69"
    assert make_track_uid(mbid, "x", "y", 1, 2, "z") == "mb:" + mbid.lower()
    spaced = make_track_uid(None, "The Beatles", "Abbey Road", 1, 1, "Come Together")
    assert spaced == make_track_uid(None, "the beatles", "ABBEY ROAD", 1, 1, "Come  Together")
    assert spaced != make_track_uid(None, "The Beatles", "Abbey Road", 2, 1, "Come Together")
    assert spaced.startswith("h:") and len(spaced) <= 64


@pytest.mark.parametrize(
    ("name", "title", "track", "disc"),
    [
        ("01 Title", "Title", 1, 0),
        ("1-03 - Title", "Title", 3, 1),
        ("03. Title", "Title", 3, 0),
        ("07_Title", "Title", 7, 0),
        ("1999", "1999", 0, 0),
        ("Title Only", "Title Only", 0, 0),
    ],
)
def test_title_and_numbers_from_the_file_name(name: str, title: str, track: int, disc: int) -> None:
    record = build_track_record(f"/m/Artist/Album/{name}.flac", tags(), ("Artist", "Album"))
    assert (record.title, record.track_no, record.disc_no) == (title, track, disc)
    assert record.album == "Album" and record.credits[0].name == "Artist"
    assert dict(record.attributes)[FALLBACK_KEY].startswith("title")


def test_tags_win_over_the_path_and_no_fallback_is_recorded() -> None:
    record = build_track_record(
        "/m/x/y/01 z.flac", tags(title="T", artist="A", album="Al", tracknumber=4), ("x", "y")
    )
    assert (record.title, record.album, record.track_no, record.fallback) == ("T", "Al", 4, ())
    assert FALLBACK_KEY not in dict(record.attributes)


def test_a_file_at_the_scan_root_has_no_album() -> None:
    record = build_track_record("/m/loose.flac", tags(title="Loose", artist="A"), ())
    assert record.album is None and record.album_artist is None


@pytest.mark.parametrize(
    ("releasetype", "compilation", "albumartist", "expected"),
    [
        (("album",), False, "A", ReleaseGroupType.ALBUM),
        (("album", "live"), False, "A", ReleaseGroupType.LIVE),
        (("album", "compilation"), False, "A", ReleaseGroupType.COMPILATION),
        (("ep",), False, "A", ReleaseGroupType.EP),
        (("single",), False, "A", ReleaseGroupType.SINGLE),
        ((), True, None, ReleaseGroupType.COMPILATION),
        ((), False, "Various Artists", ReleaseGroupType.COMPILATION),
        (("broadcast",), False, "A", ReleaseGroupType.OTHER),
        (("album", "dj-mix"), False, "A", ReleaseGroupType.DJ_MIX),
    ],
)
def test_release_group_type(
    releasetype: tuple[str, ...], compilation: bool, albumartist: str | None, expected: ReleaseGroupType
) -> None:
    record = build_track_record(
        "/m/a.flac",
        tags(
            title="T",
            artist="A",
            album="Al",
            albumartist=albumartist,
            releasetype=releasetype,
            compilation=compilation,
        ),
    )
    assert record.group_type == expected
    if compilation:
        assert record.album_artist is not None and record.album_artist.name == "Various Artists"


def test_multi_valued_artists_carry_their_ids_and_the_sort_name_of_a_single_artist() -> None:
    ids = ("a74b1b7f-71a5-4011-9441-d0b5e4122711", "65f4f0c5-ef9e-490c-aee3-909e7ae6b2ab")
    record = build_track_record(
        "/m/a.flac",
        tags(title="T", artist="X & Y", artists=("X", "Y"), musicbrainz_artistid=ids, album="Al"),
    )
    assert [(c.name, c.role, c.mbid) for c in record.credits] == [
        ("X", "primary", ids[0]),
        ("Y", "primary", ids[1]),
    ]
    single = build_track_record("/m/a.flac", tags(title="T", artist="The Band", artistsort="Band, The"))
    assert single.credits[0].sort_name == "Band, The"


def test_repeated_raw_keys_keep_one_row_per_value_and_keys_merge_case_insensitively() -> None:
    record = build_track_record(
        "/m/a.flac",
        tags(title="T", raw=(("GENRE", "Rock"), ("genre", "Pop"), ("MOOD", "calm"), ("GENRE", "Jazz"))),
    )
    assert dict(record.attributes) == {"GENRE": "Rock", "MOOD": "calm", "GENRE#2": "Pop", "GENRE#3": "Jazz"}
    clash = build_track_record("/m/a.flac", tags(title="T", raw=(("X", "1"), ("X", "2"), ("x#2", "own"))))
    assert dict(clash.attributes) == {"X": "1", "x#2": "own", "X#3": "2"}  # a real key is never overwritten
    assert [tag_key_of(k) for k in ("GENRE#2", "GENRE", "A#B", "#2", "KEY#")] == [
        "GENRE",
        "GENRE",
        "A#B",
        "#2",
        "KEY#",
    ]
