"""The library's one query syntax: parse_query + TrackQuery.mask over LibraryColumns."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.catalog.library import LibraryColumns, load_library
from analyzer.catalog.search import (
    FIELDS,
    QuerySyntaxError,
    SearchIndex,
    _normalized_column,
    parse_query,
)
from models.engine import Database
from models.normalize import normalize
from tests.analyzer.test_library_columns import _fill

NAN = float("nan")
# title, artist, album, album artist, year, length, formats, bpm, key, plays, missing
ROWS = [
    ("Crazy in Love", "Beyoncé feat. JAY Z", "Dangerously in Love", "Beyoncé", 2003, 236.0, "flac, mp3", 99.4, "4A", 12, False),
    ("One More Time", "Daft Punk", "Discovery", "Daft Punk", 2001, 320.4, "", 122.6, "9B", 3, True),
    ("Digital Love", "Daft Punk", "Discovery", "Daft Punk", 2001, 301.0, "ogg_vorbis", 125.0, "8A", 0, False),
    ("Highway to Hell", "AC/DC", "Highway to Hell", "AC/DC", 1979, 208.0, "mp3", 116.0, "8A", 40, False),
    ("Hoppípolla", "Sigur Rós", "Takk...", "Sigur Rós", 2005, NAN, "m4a_aac", NAN, "", 1, False),
    ("Re: Stacks", "Bon Iver", "", "", 0, 401.0, "flac", 130.4, "11B", 0, False),
    ("Untitled", "", "", "", 0, NAN, "", NAN, "", 0, True),
]  # fmt: skip


@pytest.fixture(scope="module")
def columns() -> LibraryColumns:
    t, a, al, aa, y, ln, f, b, k, p, m = zip(*ROWS, strict=True)
    n = len(ROWS)
    return LibraryColumns(
        ids=np.arange(1, n + 1, dtype=np.int64), title=list(t), artist=list(a), album=list(al),
        album_artist=list(aa), year=np.array(y, np.int32), length=np.array(ln), formats=list(f),
        bpm=np.array(b), key=list(k), plays=np.array(p, np.int64), last_played=np.full(n, NAN),
        added=np.full(n, NAN), missing=np.array(m),
    )  # fmt: skip


def titles(columns: LibraryColumns, query: str) -> list[str]:
    mask = parse_query(query).mask(columns)
    assert mask.dtype == bool and mask.shape == (len(columns),)
    return [title for title, keep in zip(columns.title, mask.tolist(), strict=True) if keep]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [row[0] for row in ROWS]),
        ("   ", [row[0] for row in ROWS]),
        ("beyonce", ["Crazy in Love"]),  # accent-insensitive, matched in the artist credit
        ("BEYONCÉ love", ["Crazy in Love"]),  # every word must match, each anywhere
        ("love", ["Crazy in Love", "Digital Love"]),
        ("daft love", ["Digital Love"]),
        ('"daft punk"', ["One More Time", "Digital Love"]),
        ('"punk daft"', []),  # a quoted phrase keeps its order
        ("ac/dc", ["Highway to Hell"]),
        ("acdc", []),
        ("sigur ros hoppipolla", ["Hoppípolla"]),
        ("takk", ["Hoppípolla"]),  # album
        ("jay z", ["Crazy in Love"]),  # credited name
        ('"re: stacks"', ["Re: Stacks"]),  # a quoted colon is text, not a field
        ("artist:daft", ["One More Time", "Digital Love"]),
        ('artist:"daft punk" title:digital', ["Digital Love"]),
        ('"artist:daft punk"', ["One More Time", "Digital Love"]),
        ("title:love -digital", ["Crazy in Love"]),
        ("album:discovery", ["One More Time", "Digital Love"]),
        ("albumartist:beyonce", ["Crazy in Love"]),
        ("album:hell", ["Highway to Hell"]),
        ("title:daft", []),  # a field term looks in that field only
        ("year:2001", ["One More Time", "Digital Love"]),
        ("year:>2001", ["Crazy in Love", "Hoppípolla"]),
        ("year:>=2003", ["Crazy in Love", "Hoppípolla"]),
        ("year:<2000", ["Highway to Hell"]),  # unknown years never match a number
        ("year:1990..2002", ["One More Time", "Digital Love"]),
        ("year:2002..", ["Crazy in Love", "Hoppípolla"]),
        ("year:..1980", ["Highway to Hell"]),
        ("bpm:120..130", ["One More Time", "Digital Love", "Re: Stacks"]),  # 122.6 -> 123, 130.4 -> 130
        ("bpm:123", ["One More Time"]),
        ("bpm:<100", ["Crazy in Love"]),
        ("key:8a", ["Digital Love", "Highway to Hell"]),
        ("key:8A,11B", ["Digital Love", "Highway to Hell", "Re: Stacks"]),
        ("format:flac", ["Crazy in Love", "Re: Stacks"]),
        ("format:mp3 format:flac", ["Crazy in Love"]),
        ("format:ogg", ["Digital Love"]),  # a prefix of ogg_vorbis
        ("format:m4a,ogg", ["Digital Love", "Hoppípolla"]),
        ("-format:mp3 year:>2000", ["One More Time", "Digital Love", "Hoppípolla"]),
        ("missing:yes", ["One More Time", "Untitled"]),
        ("missing:no love", ["Crazy in Love", "Digital Love"]),
        ("plays:0", ["Digital Love", "Re: Stacks", "Untitled"]),
        ("plays:>10", ["Crazy in Love", "Highway to Hell"]),
        ("length:>300", ["One More Time", "Digital Love", "Re: Stacks"]),
        ("length:3:00..5:00", ["Crazy in Love", "Highway to Hell"]),  # 5:01 is past 5:00
        ("length:5:20", ["One More Time"]),  # 320.4 s shows as 5:20
        ("length:<=236", ["Crazy in Love", "Highway to Hell"]),
        ("Year:2001 ARTIST:daft", ["One More Time", "Digital Love"]),  # field names ignore case
        ("duration:>400", ["Re: Stacks"]),  # an alias
        ("10:15", []),  # digits before a colon are text
    ],
)
def test_query_matches(columns: LibraryColumns, query: str, expected: list[str]) -> None:
    assert titles(columns, query) == expected


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("year:nineties", ["year:", "1990..1999", ">2000", "nineties"]),
        ("year:19.5", ["year:"]),
        ("year:..", ["year:"]),
        ("bpm:fast", ["bpm:", "120..130"]),
        ("plays:-1", ["plays:"]),
        ("length:3:75", ["length:", "m:ss"]),
        ("length:abc", ["length:"]),
        ("key:H", ["key:", "1A", "12B", "H"]),
        ("key:13A", ["13A"]),
        ("missing:maybe", ["missing:", "yes or no", "maybe"]),
        ("artist:", ["artist:", "needs a value"]),
        ('artist:""', ["artist:", "needs a value"]),
        ("format:,", ["format:"]),
        ("artsit:daft", ["unknown field artsit:", "artist", "album", "year", "in quotes"]),
        ("re:stacks", ["unknown field re:"]),
        ('artist:"daft punk', ["quote is not closed"]),
        ('"daft', ["quote is not closed"]),
    ],
)
def test_bad_terms_say_what_is_wrong(query: str, says: list[str]) -> None:
    with pytest.raises(QuerySyntaxError) as error:
        parse_query(query)
    for part in says:
        assert part in str(error.value)


def test_every_field_is_documented_in_errors() -> None:
    with pytest.raises(QuerySyntaxError) as error:
        parse_query("nope:1")
    assert all(field in str(error.value) for field in FIELDS)


def test_mask_with_the_index_equals_mask_with_the_columns(columns: LibraryColumns) -> None:
    index = SearchIndex(columns)
    for query in ("love", "year:2001", "format:flac -missing:yes", ""):
        parsed = parse_query(query)
        assert parsed.mask(index).tolist() == parsed.mask(columns).tolist()
    assert SearchIndex.of(columns) is SearchIndex.of(columns)  # built once per columns


def test_empty_library(columns: LibraryColumns) -> None:
    empty = LibraryColumns(
        ids=np.zeros(0, np.int64), title=[], artist=[], album=[], album_artist=[], year=np.zeros(0, np.int32),
        length=np.zeros(0), formats=[], bpm=np.zeros(0), key=[], plays=np.zeros(0, np.int64),
        last_played=np.zeros(0), added=np.zeros(0), missing=np.zeros(0, bool),
    )  # fmt: skip
    for query in ("love", "year:2001", "key:8A", "format:flac", "missing:yes", ""):
        assert parse_query(query).mask(empty).shape == (0,)


@pytest.mark.parametrize(
    "text",
    ["Track 12", "Plain words only", "A", "x" * 300, "Mrs. Robinson", "AC/DC", "Beyoncé", "Guns N' Roses",
     "Simon & Garfunkel", "Florence + the Machine", "Rock and Roll", "  padded  ", "Two  spaces", "!!!",
     "ＦＵＬＬ", "Straße", "が", "tab\there", "line\nbreak", ""],
)  # fmt: skip
def test_the_fast_normalization_equals_normalize(text: str) -> None:
    assert _normalized_column([text]) == [normalize(text).replace("\n", " ")]
    assert "\n" not in _normalized_column([text])[0]


def test_a_substring_never_spans_two_rows(columns: LibraryColumns) -> None:
    # "love" ends row 1 and "one" starts row 2 of the titles: "love one" must not match across them.
    assert titles(columns, '"love one"') == []


def test_search_over_a_loaded_library(db: Database) -> None:
    _fill(db)
    with db.session() as session:
        columns = load_library(session)
    assert titles(columns, "beyonce jay") == ["Crazy in Love"]
    assert titles(columns, "missing:yes") == ["One More Time", "Untitled", "Digital Love"]
    assert titles(columns, "format:mp3") == ["Crazy in Love"]
    assert titles(columns, "key:9b bpm:123") == ["One More Time"]
    assert titles(columns, "plays:>3 year:2003") == ["Crazy in Love"]


def _random_library(seed: int, size: int) -> LibraryColumns:
    import random

    rng = random.Random(seed)
    pieces = [
        "love",
        "Beyoncé",
        "ß",
        "が",
        "AC/DC",
        "R.E.M.",
        "ø",
        "🎵",
        "&",
        "x",
        "Ab",
        "é",
        "  ",
        "-",
        "'",
        "12",
    ]

    def text() -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))

    n = size
    return LibraryColumns(
        ids=np.arange(1, n + 1, dtype=np.int64), title=[text() for _ in range(n)],
        artist=[text() for _ in range(n)], album=[text() for _ in range(n)], album_artist=[text() for _ in range(n)],
        year=np.zeros(n, np.int32), length=np.full(n, NAN), formats=[""] * n, bpm=np.full(n, NAN), key=[""] * n,
        plays=np.zeros(n, np.int64), last_played=np.full(n, NAN), added=np.full(n, NAN), missing=np.zeros(n, bool),
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
def test_free_text_equals_a_plain_python_search(seed: int) -> None:
    """The byte-buffer search against the obvious per-row loop, on random text with accents, multi-byte
    characters, symbols and punctuation, for queries cut out of the values themselves."""
    import random

    columns = _random_library(seed, 300)
    rng = random.Random(seed)
    fields = [columns.title, columns.artist, columns.album, columns.album_artist]
    normalized = [[normalize(value) for value in field] for field in fields]
    index = SearchIndex(columns)
    for _ in range(40):
        source = rng.choice(rng.choice(fields))
        start = rng.randint(0, len(source))
        word = source[start : start + rng.randint(1, 6)].strip().replace('"', "") or "love"
        needle = normalize(word)
        expected = [
            not needle or any(needle in field[row] for field in normalized) for row in range(len(columns))
        ]
        query = parse_query(f'"{word}"')
        assert query.mask(index).tolist() == expected, word
