"""The one query syntax of the library: ``tonearm tracks --search`` and the app's search box.

A query is terms separated by spaces; a track is shown when every term matches it.
- free text: each word must occur in the title, artist, album or album artist, compared after
  :func:`models.normalize.normalize` (case, accents, punctuation: "beyonce" finds "Beyoncé");
  a quoted phrase ("daft punk") must occur as it is;
- ``field:value`` with the fields of :data:`FIELDS`: text fields (``artist:``, ``album:``,
  ``albumartist:``, ``title:``) match a part of that field; numbers (``year:``, ``bpm:``, ``plays:``,
  ``length:``) take ``N``, ``A..B`` (inclusive, either end may be left open), ``>N``, ``>=N``, ``<N``,
  ``<=N``, and compare the value as shown (BPM and length rounded to whole units, length in seconds or
  ``m:ss``); ``key:8A`` (Camelot), ``format:flac`` (``format:ogg`` finds ``ogg_vorbis``; both take a
  comma list: ``key:8A,9A``), ``missing:yes|no``;
- values with spaces are quoted: ``artist:"daft punk"`` or ``"artist:daft punk"``;
- a term starting with ``-`` excludes what it matches (``-live``, ``-format:mp3``).

Unknown values never match a number term (a track without a year is not ``year:<2000``).

Matching is vectorised: :class:`SearchIndex` keeps each text field's normalized values as one UTF-8 byte
buffer (rows separated by a newline, which normalized text never contains), so a word is found with a few
numpy comparisons over the buffer instead of a Python loop over 100k rows.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analyzer.catalog.library import LibraryColumns
from models.normalize import MAX_NORMALIZED_LENGTH, normalize

TEXT_FIELDS = ("title", "artist", "album", "albumartist")
NUMBER_FIELDS = ("year", "bpm", "plays", "length")
FIELDS = (*TEXT_FIELDS, *NUMBER_FIELDS, "key", "format", "missing")
_ALIASES = {"album_artist": "albumartist", "duration": "length", "formats": "format", "camelot": "key"}
_COLUMN_OF = {"albumartist": "album_artist"}

_TOKEN = re.compile(
    r'\s*(?P<neg>-(?=\S))?(?:(?P<field>[A-Za-z_]+):)?(?:"(?P<quoted>[^"]*)(?P<close>")?|(?P<bare>[^\s"]*))'
)
_QUOTED_FIELD = re.compile(r"(?P<field>[A-Za-z_]+):(?P<value>.*)", re.DOTALL)
_CAMELOT = re.compile(r"(?:1[0-2]|[1-9])[AB]")
_YES, _NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0"}
_Check = tuple[Callable[[np.ndarray, float], np.ndarray], float]
_OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "=": operator.eq, ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}  # fmt: skip
_HINTS = {
    "year": "a year (2001), a range (1990..1999) or a comparison (>2000)",
    "bpm": "a number (120), a range (120..130) or a comparison (>140)",
    "plays": "a count (0), a range (1..5) or a comparison (>10)",
    "length": "seconds (300) or m:ss (3:00), a range (3:00..5:00) or a comparison (>300)",
}


class QuerySyntaxError(ValueError):
    """A term the query syntax does not allow; the message names the term and what it wants."""


class SearchIndex:
    """What matching needs, derived once from a :class:`LibraryColumns`. Text fields are normalized on
    first use (a few hundred ms on 100k tracks, most of it titles), so a GUI calls :meth:`prepare` in the
    worker that loaded the columns and passes the index to :meth:`TrackQuery.mask`. The columns must not
    change afterwards (a reload makes new columns, and a new index)."""

    def __init__(self, columns: LibraryColumns) -> None:
        self.columns = columns
        self.size = len(columns)
        self._text: dict[str, _TextField] = {}
        with np.errstate(invalid="ignore"):
            self.numbers = {
                "year": (columns.year.astype(np.float64), columns.year > 0),
                "bpm": (np.rint(columns.bpm), ~np.isnan(columns.bpm)),
                "plays": (columns.plays.astype(np.float64), np.ones(self.size, bool)),
                "length": (np.rint(columns.length), ~np.isnan(columns.length)),
            }
        self.key = _Codes(columns.key)
        self.formats = _Codes(columns.formats)

    def text(self, field: str) -> _TextField:
        """The text field's buffer, made on first use (a query of numbers alone normalizes nothing)."""
        found = self._text.get(field)
        if found is None:
            found = self._text[field] = _TextField(getattr(self.columns, _COLUMN_OF.get(field, field)))
        return found

    def prepare(self) -> SearchIndex:
        """Build every text field now (e.g. in the worker that loaded the columns); returns self."""
        for field in TEXT_FIELDS:
            self.text(field)
        return self

    @classmethod
    def of(cls, columns: LibraryColumns) -> SearchIndex:
        """The index of ``columns``, built on first use and kept in ``columns.cache``."""
        index = columns.cache.get("search_index")
        if not isinstance(index, SearchIndex):
            index = columns.cache["search_index"] = cls(columns)
        return index


class _Codes:
    """A text column as codes into its distinct values (``values[codes[i]]`` is row i's value), made
    with C-level dict and map passes: artists, albums, keys and formats repeat, so work on the distinct values
    and a gather through ``codes`` beats work on every row."""

    def __init__(self, column: list[str]) -> None:
        self.values = list(dict.fromkeys(column))
        index = {value: code for code, value in enumerate(self.values)}
        self.codes = np.fromiter(map(index.__getitem__, column), np.int32, len(column))

    def rows_where(self, keep: Callable[[str], bool]) -> np.ndarray:
        wanted = np.fromiter((keep(value) for value in self.values), bool, len(self.values))
        return wanted[self.codes]


class _TextField:
    """One text column's distinct normalized values as a UTF-8 buffer, each followed by a newline;
    ``owner[b]`` is the distinct value byte ``b`` belongs to."""

    def __init__(self, column: list[str]) -> None:
        self.codes = _Codes(column)
        normalized = _normalized_column(self.codes.values)
        encoded = [text.encode("utf-8") for text in normalized]
        self.buffer = np.frombuffer(b"\n".join(encoded) + b"\n", np.uint8)
        lengths = np.fromiter((len(text) + 1 for text in encoded), np.int64, len(encoded))
        self.owner = np.repeat(np.arange(len(encoded), dtype=np.int32), lengths)

    def contains(self, needle: bytes) -> np.ndarray:
        """Rows whose value contains ``needle`` (normalized UTF-8 bytes, no newline)."""
        distinct = np.zeros(len(self.codes.values), bool)
        span = len(self.buffer) - len(needle) + 1
        if span > 0 and len(needle):
            # Candidate start positions filtered byte by byte: the first pass is one comparison over the
            # buffer, later ones touch only survivors. Valid UTF-8 cannot match inside a character.
            at = np.flatnonzero(self.buffer[:span] == needle[0])
            for offset in range(1, len(needle)):
                if not len(at):
                    break
                at = at[self.buffer[at + offset] == needle[offset]]
            distinct[self.owner[at]] = True
        return distinct[self.codes.codes]


_PLAIN = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")


def _normalized_column(values: list[str]) -> list[str]:
    """``normalize`` of every value. Plain ASCII words (letters and digits, single spaces) normalize to
    their lower case, so those skip the full function (a fifth of its cost); the search tests check that
    both give the same answer."""
    out: list[str] = []
    seen: dict[str, str] = {}
    for value in values:
        if len(value) <= MAX_NORMALIZED_LENGTH and _PLAIN.fullmatch(value):
            out.append(value.lower())
            continue
        found = seen.get(value)
        if found is None:
            found = seen[value] = normalize(value).replace("\n", " ")
        out.append(found)
    return out


@dataclass(frozen=True)
class _Term:
    """One parsed term: ``test(index)`` gives its rows; ``negate`` flips them."""

    text: str
    test: Callable[[SearchIndex], np.ndarray]
    negate: bool = False

    def rows(self, index: SearchIndex) -> np.ndarray:
        found = self.test(index)
        return ~found if self.negate else found


@dataclass(frozen=True)
class TrackQuery:
    """A parsed query. :meth:`mask` applies it; an empty query matches every row."""

    text: str
    terms: tuple[_Term, ...]

    def mask(self, columns: LibraryColumns | SearchIndex) -> np.ndarray:
        """One bool per row of the library, true where every term matches. Pass the :class:`SearchIndex`
        (fast, a few ms on 100k rows); given the columns, it builds their index once and keeps it in
        ``columns.cache``, so only the first call pays for it."""
        index = columns if isinstance(columns, SearchIndex) else SearchIndex.of(columns)
        mask = np.ones(index.size, bool)
        for term in self.terms:
            mask &= term.rows(index)
            if not mask.any():
                break
        return mask

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(text: str) -> TrackQuery:
    """Parse the search syntax (see the module docstring); raises :class:`QuerySyntaxError` for a bad term."""
    terms: list[_Term] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match is not None  # every part of the pattern is optional
        if match.end() == position:  # cannot happen (a bare value takes any other character); never loop
            raise QuerySyntaxError(f"cannot read the query from here: {text[position:]}")
        position = match.end()
        raw = match.group(0).strip()
        if not raw:
            continue
        if match["quoted"] is not None and match["close"] is None:
            raise QuerySyntaxError(f"a quote is not closed: {raw}")
        negate = match["neg"] is not None
        field, value = match["field"], match["quoted"] if match["quoted"] is not None else match["bare"]
        if field is None and match["quoted"] is not None:
            inner = _QUOTED_FIELD.fullmatch(value)
            if inner and _field_name(inner["field"]) in FIELDS:  # "artist:daft punk"
                field, value = inner["field"], inner["value"]
        if field is None:
            terms.extend(_free_text(raw, value, negate=negate))
        else:
            terms.append(_field_term(raw, _known_field(field, raw), value.strip(), negate))
    return TrackQuery(text, tuple(terms))


def _field_name(name: str) -> str:
    name = name.lower()
    return _ALIASES.get(name, name)


def _known_field(name: str, raw: str) -> str:
    field = _field_name(name)
    if field not in FIELDS:
        raise QuerySyntaxError(
            f"unknown field {name}: in {raw} (fields: {', '.join(FIELDS)}; "
            f'put text with a colon in quotes: "{raw.lstrip("-")}")'
        )
    return field


def _free_text(raw: str, value: str, *, negate: bool) -> list[_Term]:
    """A bare word or a quoted phrase, normalized as a whole: "AC/DC" looks for "ac dc"."""
    needle = normalize(value)
    return [_Term(raw, _any_text_field(needle.encode("utf-8")), negate)] if needle else []


def _any_text_field(needle: bytes) -> Callable[[SearchIndex], np.ndarray]:
    def test(index: SearchIndex) -> np.ndarray:
        found = index.text("title").contains(needle)
        for name in TEXT_FIELDS[1:]:
            found |= index.text(name).contains(needle)
        return found

    return test


def _field_term(raw: str, field: str, value: str, negate: bool) -> _Term:
    if not value:
        raise QuerySyntaxError(f"{field}: needs a value, e.g. {_EXAMPLES[field]}")
    if field in TEXT_FIELDS:
        needle = normalize(value).encode("utf-8")
        return _Term(raw, lambda index: index.text(field).contains(needle), negate)
    if field in NUMBER_FIELDS:
        checks = _number_checks(field, value, raw)

        def test(index: SearchIndex) -> np.ndarray:
            values, known = index.numbers[field]
            found = known.copy()
            for op, bound in checks:
                found &= op(values, bound)
            return found

        return _Term(raw, test, negate)
    if field == "missing":
        if value.lower() not in _YES | _NO:
            raise QuerySyntaxError(f"missing: wants yes or no, not {value!r} (in {raw})")
        wanted = value.lower() in _YES
        return _Term(raw, lambda index: index.columns.missing == wanted, negate)
    choices = [part.strip() for part in value.split(",") if part.strip()]
    if field == "key":
        keys = {choice.upper() for choice in choices}
        bad = sorted(key for key in keys if not _CAMELOT.fullmatch(key))
        if bad or not keys:
            raise QuerySyntaxError(
                f"key: wants a Camelot code from 1A to 12B, like 8A (not {', '.join(bad) or value!r})"
            )
        return _Term(raw, lambda index: index.key.rows_where(keys.__contains__), negate)
    prefixes = tuple(choice.lower() for choice in choices)
    if not prefixes:
        raise QuerySyntaxError(f"format: needs a format, e.g. {_EXAMPLES['format']}")
    return _Term(
        raw,
        lambda index: index.formats.rows_where(
            lambda text: any(f.startswith(prefixes) for f in text.split(", "))
        ),
        negate,
    )


_EXAMPLES = {
    "title": 'title:"hey jude"', "artist": 'artist:"daft punk"', "album": "album:discovery",
    "albumartist": 'albumartist:"various artists"', "year": "year:1990..1999", "bpm": "bpm:120..130",
    "plays": "plays:>10", "length": "length:3:00..5:00", "key": "key:8A", "format": "format:flac",
    "missing": "missing:yes",
}  # fmt: skip


def _number_checks(field: str, value: str, raw: str) -> list[_Check]:
    """(operator, bound) pairs from ``N``, ``A..B``, ``A..``, ``..B`` or a comparison."""
    wrong = QuerySyntaxError(f"{field}: wants {_HINTS[field]}; got {value!r} (in {raw})")
    if ".." in value:
        low, _, high = value.partition("..")
        if not low and not high:
            raise wrong
        checks: list[_Check] = []
        if low:
            checks.append((operator.ge, _number(field, low, wrong)))
        if high:
            checks.append((operator.le, _number(field, high, wrong)))
        return checks
    for op in (">=", "<=", ">", "<", "="):
        if value.startswith(op):
            return [(_OPS[op], _number(field, value[len(op) :], wrong))]
    return [(operator.eq, _number(field, value, wrong))]


def _number(field: str, text: str, wrong: QuerySyntaxError) -> float:
    text = text.strip()
    try:
        if field == "length" and ":" in text:
            parts = [float(part) for part in text.split(":")]
            if len(parts) > 3 or any(part < 0 for part in parts) or any(part >= 60 for part in parts[1:]):
                raise wrong
            seconds = 0.0
            for part in parts:
                seconds = seconds * 60 + part
            return float(round(seconds))
        number = int(text) if field in ("year", "plays") else float(text)
    except ValueError:
        raise wrong from None
    if number < 0 or number != number:
        raise wrong
    return float(number)
