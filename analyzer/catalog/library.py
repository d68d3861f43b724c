"""Every track of the library as columns: what the app's library table and ``tonearm tracks`` show.

The desktop app loads this at start-up (issue 13: rows on screen within 1.0 s of the process starting on
100,000 tracks and 1,000,000 listens), so it reads with six set-based queries (artists, albums, tracks,
the credits that print as more than one name, files with their features, listens grouped by track) run
on the DBAPI cursor, aggregates per track with numpy, and keeps numbers in numpy arrays and text in plain
lists of ``str`` (one object per distinct album/artist/format text), no object per row. Row ``i`` of
every column is the track ``ids[i]``; rows come in id order. Plays come from a GROUP BY over the listens'
track_id index; it is fast only when that index also covers ``listened_at`` (see bench/bench_library.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any, Literal, NamedTuple

import numpy as np
from sqlalchemy import BigInteger, Connection, Float, String, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from models.artists import Artist
from models.bulk_sql import RawSelect
from models.enums import ArtistRole, ScanStatus
from models.listens import Listen
from models.media import AudioFeatures, MediaFile
from models.releases import ReleaseGroup
from models.tracks import Track, TrackArtist

ColumnKind = Literal["text", "number", "duration", "date"]


class ColumnSpec(NamedTuple):
    """One column of the library table: its attribute on :class:`LibraryColumns`, its header, and how a
    view shows and sorts it ("text" case-insensitively, "number"/"duration"/"date" with nan/0 unknown)."""

    name: str
    label: str
    kind: ColumnKind


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("title", "Title", "text"),
    ColumnSpec("artist", "Artist", "text"),
    ColumnSpec("album", "Album", "text"),
    ColumnSpec("album_artist", "Album artist", "text"),
    ColumnSpec("year", "Year", "number"),
    ColumnSpec("length", "Length", "duration"),
    ColumnSpec("formats", "Format", "text"),
    ColumnSpec("bpm", "BPM", "number"),
    ColumnSpec("key", "Key", "text"),
    ColumnSpec("plays", "Plays", "number"),
    ColumnSpec("last_played", "Last played", "date"),
    ColumnSpec("added", "Added", "date"),
    ColumnSpec("missing", "Missing", "number"),
)


@dataclass(eq=False)
class LibraryColumns:
    """The library, one row per track. Text is "" when unknown; ``year`` 0, floats nan when unknown.

    ``artist`` is the credit as printed (primary and featured artists with their join phrases);
    ``formats`` the distinct formats of the track's readable files, sorted ("flac, mp3"); ``bpm`` and
    ``key`` (Camelot code) come from the audio features of its first readable analysed file (of any of
    its files when no readable one was analysed); ``plays``/``last_played`` count listens linked to the
    track by every user; ``added`` is the earliest ``first_seen_at`` of its files (nan without files);
    ``missing`` is true when no file of the track is readable on disk (also when it has no file);
    ``length`` is the track's, or its first readable (else any) file's when the track has none.
    ``cache`` holds what readers derive once per load (the search index); it is not data.
    """

    ids: np.ndarray
    title: list[str]
    artist: list[str]
    album: list[str]
    album_artist: list[str]
    year: np.ndarray
    length: np.ndarray
    formats: list[str]
    bpm: np.ndarray
    key: list[str]
    plays: np.ndarray
    last_played: np.ndarray
    added: np.ndarray
    missing: np.ndarray
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def row_of(self, track_id: int) -> int | None:
        """The row of a track id, or None when the library has no such track (ids are sorted)."""
        at = int(np.searchsorted(self.ids, track_id))
        return at if at < len(self.ids) and int(self.ids[at]) == track_id else None


def sort_order(
    columns: LibraryColumns,
    keys: Sequence[str] = ("artist", "album", "title"),
    *,
    descending: bool = False,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Row indices (all, or those of ``rows``) ordered by the named columns, first key first: text
    case-insensitively, numbers and dates by value; unknown values ("" text, year 0, nan) come last in
    either direction. Ties keep the row order, so the result is stable."""
    order = np.arange(len(columns)) if rows is None else np.asarray(rows, np.int64)
    for name in reversed(keys):
        spec = next((spec for spec in COLUMNS if spec.name == name), None)
        if spec is None:
            raise ValueError(f"no column {name!r}; columns: {', '.join(s.name for s in COLUMNS)}")
        values = getattr(columns, name)
        if spec.kind == "text":
            folded = [values[i].casefold() for i in order.tolist()]
            unknown = np.array([not text for text in folded], bool)
            # sorted() keeps ties in row order with reverse=True too
            step = np.array(sorted(range(len(order)), key=folded.__getitem__, reverse=descending), np.int64)
        else:
            numbers = np.asarray(values, np.float64)[order]
            if name == "year":
                numbers[numbers == 0] = np.nan
            unknown = np.isnan(numbers)
            step = np.argsort(-numbers if descending else numbers, kind="stable")
        step = np.r_[step[~unknown[step]], step[unknown[step]]]
        order = order[step]
    return order


def load_library(session: Session) -> LibraryColumns:
    """Every track, with its credit, album, files, features and plays (six set-based reads)."""
    connection = session.connection()
    shared: dict[str, str] = {}  # one str object per distinct album/artist/format text: memory stays small
    artist_names = dict(_ARTISTS.rows(connection, {}))
    rows = _TRACKS.rows(connection, {})
    if not rows:
        return _empty()
    id_col, titles, lengths, album_ids, primaries = _transposed(rows, 5)
    del rows  # the row tuples go now, not at the end: a lower peak of memory while loading
    ids = np.array(id_col, np.int64)
    credits = _credit_strings(connection, artist_names)
    album, album_artist, year = _albums(connection, album_ids, artist_names, shared)
    files = _files(connection, ids, shared)
    plays, last_played = _listens(connection, ids)
    length = np.array(lengths, np.float64)  # None becomes nan
    unknown_length = np.isnan(length)
    length[unknown_length] = files.length[unknown_length]
    artist: list[str] = list(map(artist_names.get, primaries, repeat("")))  # one str object per artist
    if credits:
        credited = np.fromiter(credits, np.int64, len(credits))
        found = np.minimum(np.searchsorted(ids, credited), len(ids) - 1)
        for at, track_id, text in zip(found.tolist(), credits, credits.values(), strict=True):
            if ids[at] == track_id:  # a credit of a track added since the tracks were read: not a row
                artist[at] = text
    return LibraryColumns(
        ids=ids,
        title=list(titles),
        artist=artist,
        album=album,
        album_artist=album_artist,
        year=year,
        length=length,
        formats=files.formats,
        bpm=files.bpm,
        key=files.key,
        plays=plays,
        last_played=last_played,
        added=files.added,
        missing=files.missing,
    )


def _transposed(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """The columns of ``rows``. Not ``zip(*rows)``: that makes one iterator object per row, and 100k of
    them alive at once push the garbage collector into full collections (measured: four, 0.4-0.6 s)."""
    return [list(map(itemgetter(i), rows)) for i in range(width)]


def _albums(
    connection: Connection,
    album_ids: Sequence[int | None],
    artist_names: dict[int, str],
    shared: dict[str, str],
) -> tuple[list[str], list[str], np.ndarray]:
    """Album title, album artist and year of every track, gathered through its release group's row."""
    groups = _ALBUMS.rows(connection, {})
    group_ids = np.array([row[0] for row in groups], np.int64)
    order = np.argsort(group_ids)
    group_ids = group_ids[order]
    title_codes, titles = _factorize([groups[i][1] for i in order.tolist()])
    artist_codes, artists = _factorize([artist_names.get(groups[i][3]) for i in order.tolist()])
    years = np.array([groups[i][2] or 0 for i in order.tolist()], np.int32)
    wanted = np.fromiter((-1 if a is None else a for a in album_ids), np.int64, len(album_ids))
    at = np.minimum(np.searchsorted(group_ids, wanted), max(len(group_ids) - 1, 0))
    found = (wanted >= 0) & (group_ids[at] == wanted) if len(group_ids) else np.zeros(len(wanted), bool)
    titles = [shared.setdefault(text, text) for text in titles]
    artists = [shared.setdefault(text, text) for text in artists]
    if not len(group_ids):
        return [""] * len(wanted), [""] * len(wanted), np.zeros(len(wanted), np.int32)
    return (
        [titles[code] for code in np.where(found, title_codes[at], 0).tolist()],
        [artists[code] for code in np.where(found, artist_codes[at], 0).tolist()],
        np.where(found, years[at], 0).astype(np.int32),
    )


def _empty() -> LibraryColumns:
    nothing = np.zeros(0, np.float64)
    return LibraryColumns(
        ids=np.zeros(0, np.int64), title=[], artist=[], album=[], album_artist=[], year=np.zeros(0, np.int32),
        length=nothing, formats=[], bpm=nothing.copy(), key=[], plays=np.zeros(0, np.int64),
        last_played=nothing.copy(), added=nothing.copy(), missing=np.zeros(0, bool),
    )  # fmt: skip


# The reads, compiled once per engine and run on the DBAPI cursor (models.bulk_sql.RawSelect): plain
# tuples instead of Row objects halves the CPU of reading 100k rows. Columns whose type has a result
# processor (durations, enums, dates) are read as their stored form through type_coerce.
_tracks, _groups, _artists = Track.__table__, ReleaseGroup.__table__, Artist.__table__
_files_table, _features, _credits, _listens_table = (
    MediaFile.__table__, AudioFeatures.__table__, TrackArtist.__table__, Listen.__table__,
)  # fmt: skip
_ARTISTS = RawSelect(select(_artists.c.id, _artists.c.name))
_ALBUMS = RawSelect(select(_groups.c.id, _groups.c.title, _groups.c.year, _groups.c.primary_artist_id))
_TRACKS = RawSelect(
    select(
        _tracks.c.id,
        _tracks.c.title,
        type_coerce(_tracks.c.duration_secs, Float),
        _tracks.c.album_id,
        _tracks.c.primary_artist_id,
    ).order_by(_tracks.c.id)
)
_PRINTED_ROLES = or_(_credits.c.role == ArtistRole.PRIMARY, _credits.c.role == ArtistRole.FEATURING)
# Only credits that print as more than the track's primary artist's name (several artists, a credited
# spelling, a join phrase): most tracks have one plain credit, and reading those rows cost a third of it.
_SHARED_CREDITS = (
    select(_credits.c.track_id).where(_PRINTED_ROLES).group_by(_credits.c.track_id).having(func.count() > 1)
)
_CREDITS = RawSelect(  # no IN list: an expanding IN cannot be compiled once
    select(
        _credits.c.track_id,
        _credits.c.position,
        _credits.c.artist_id,
        _credits.c.credited_name,
        _credits.c.join_phrase,
    ).where(
        _PRINTED_ROLES,
        or_(
            _credits.c.credited_name.is_not(None),
            _credits.c.join_phrase != "",
            _credits.c.track_id.in_(_SHARED_CREDITS),
        ),
    )
)
# A file's first_seen_at comes as ISO text on SQLite and as a naive UTC datetime on MariaDB.
_FILES = RawSelect(
    select(
        _files_table.c.track_id,
        _files_table.c.format,
        type_coerce(_files_table.c.scan_status, String),
        type_coerce(_files_table.c.duration_secs, Float),
        type_coerce(_files_table.c.first_seen_at, String),
        _features.c.bpm,
        _features.c.camelot,
    )
    .outerjoin(_features, _features.c.media_file_id == _files_table.c.id)
    .where(_files_table.c.track_id.is_not(None))
    .order_by(_files_table.c.track_id, _files_table.c.id)
)
# Plays and the last listen per track over every user's listens: one GROUP BY along the track_id index.
_PLAYS = RawSelect(
    select(
        _listens_table.c.track_id,
        func.count(),
        type_coerce(func.max(_listens_table.c.listened_at), BigInteger),
    )
    .where(_listens_table.c.track_id.is_not(None))
    .group_by(_listens_table.c.track_id)
)


def _credit_strings(connection: Connection, artist_names: dict[int, str]) -> dict[int, str]:
    """The credit string of every track whose credit is more than its primary artist's own name (the
    writer sets ``tracks.primary_artist_id`` to the first primary credit, so other tracks print that)."""
    parts: dict[int, list[tuple[int, str, str]]] = {}
    for track_id, position, artist_id, credited, join in _CREDITS.rows(connection, {}):
        name = credited or artist_names.get(artist_id, "")
        parts.setdefault(track_id, []).append((position, name, join or ""))
    return {
        track_id: credit_string([(name, join) for _, name, join in sorted(found)])
        for track_id, found in parts.items()
    }


def credit_string(parts: Sequence[tuple[str, str]]) -> str:
    """The credit as printed from (name, join phrase) pairs in credit order: MusicBrainz style, every
    name followed by its join phrase; the last join phrase is kept only when it closes a bracket."""
    text = "".join(name + join for name, join in parts[:-1]) + parts[-1][0]
    last_join = parts[-1][1]
    return text + last_join if last_join.strip() in (")", "]") else text


@dataclass
class _FileColumns:
    formats: list[str]
    bpm: np.ndarray
    key: list[str]
    added: np.ndarray
    missing: np.ndarray
    length: np.ndarray


def _files(connection: Connection, ids: np.ndarray, shared: dict[str, str]) -> _FileColumns:
    """Per-track aggregates of the files (and their features), computed with numpy over the file rows."""
    n = len(ids)
    rows = _FILES.rows(connection, {})
    out = _FileColumns(
        formats=[""] * n,
        bpm=np.full(n, np.nan),
        key=[""] * n,
        added=np.full(n, np.nan),
        missing=np.ones(n, bool),
        length=np.full(n, np.nan),
    )
    if not rows or not n:
        return out
    track_ids, formats, statuses, durations, seen, bpms, keys = _transposed(rows, 7)
    del rows
    file_track = np.array(track_ids, np.int64)
    row = np.searchsorted(ids, file_track)
    known = (row < n) & (ids[np.minimum(row, n - 1)] == file_track)  # files of a track deleted meanwhile
    status_codes, status_names = _factorize(statuses)
    ok = np.array([name == ScanStatus.OK.value for name in status_names], bool)
    readable = ok[status_codes] & known
    out.missing[row[readable]] = False

    # Earliest first_seen_at: files are sorted by track, so each track's files are one run.
    stamps = np.array(seen, "datetime64[us]")  # None becomes NaT
    del seen
    added = stamps.astype(np.int64) / 1e6
    added[np.isnat(stamps)] = np.nan
    runs = np.flatnonzero(np.r_[True, file_track[1:] != file_track[:-1]])
    first_of_run = runs[known[runs]]
    out.added[row[first_of_run]] = np.fmin.reduceat(added, runs)[known[runs]]

    # Formats: one bit per distinct format, OR-ed over each track's readable files.
    format_codes, format_names = _factorize(formats)
    out.formats = _format_labels(n, row[readable], format_codes[readable], format_names, shared)

    # bpm, key and fallback length: the first readable file that has one, else the first file at all.
    bpm = np.array(bpms, np.float64)  # None becomes nan
    duration = np.array(durations, np.float64)
    key_codes, key_names = _factorize(keys)
    file_key = np.zeros(n, np.int64)
    for preferred in (known, readable):  # the second pass overrides the first
        _first_per_track(out.bpm, row, preferred & ~np.isnan(bpm), bpm)
        _first_per_track(out.length, row, preferred & ~np.isnan(duration), duration)
        _first_per_track(file_key, row, preferred & (key_codes > 0), key_codes)
    out.key = [shared.setdefault(name, name) for name in key_names]
    out.key = [out.key[code] for code in file_key.tolist()]
    return out


def _format_labels(
    n: int, rows: np.ndarray, codes: np.ndarray, names: list[str], shared: dict[str, str]
) -> list[str]:
    """Each track's sorted distinct formats ("flac, mp3") from its readable files' (row, format code)."""
    order = sorted(range(1, len(names)), key=names.__getitem__)
    if len(order) <= 62:  # one bit per format, OR-ed per track: no Python loop over files
        bits = np.zeros(len(names), np.int64)
        bits[order] = 1 << np.arange(len(order), dtype=np.int64)
        per_track = np.zeros(n, np.int64)
        np.bitwise_or.at(per_track, rows, bits[codes])
        labels: dict[int, str] = {0: ""}
        for value in np.unique(per_track).tolist():
            text = ", ".join(names[code] for code in order if value & int(bits[code]))
            labels[value] = shared.setdefault(text, text)
        return [labels[value] for value in per_track.tolist()]
    found: list[set[str]] = [set() for _ in range(n)]  # more formats than bits: plain sets
    for at, code in zip(rows.tolist(), codes.tolist(), strict=True):
        if code:
            found[at].add(names[code])
    texts = [", ".join(sorted(each)) for each in found]
    return [shared.setdefault(text, text) for text in texts]


def _factorize(values: Sequence[str | None]) -> tuple[np.ndarray, list[str]]:
    """Codes into the distinct values (C-level dict and map passes); code 0 is "" (and None)."""
    distinct = dict.fromkeys(values)
    distinct.pop("", None)
    distinct.pop(None, None)
    names: list[str] = ["", *distinct]  # type: ignore[list-item]
    index: dict[str | None, int] = {name: code for code, name in enumerate(names)}
    index[None] = 0
    return np.fromiter(map(index.__getitem__, values), np.int64, len(values)), names


def _first_rows(row: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """Indices of the first selected file row of each track (file rows are sorted by track)."""
    candidates = np.flatnonzero(selected)
    _, first = np.unique(row[candidates], return_index=True)
    return candidates[first]


def _first_per_track(target: np.ndarray, row: np.ndarray, selected: np.ndarray, values: np.ndarray) -> None:
    firsts = _first_rows(row, selected)
    target[row[firsts]] = values[firsts]


def _listens(connection: Connection, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plays and the last listen per track over every user's listens."""
    n = len(ids)
    plays = np.zeros(n, np.int64)
    last = np.full(n, np.nan)
    rows = _PLAYS.rows(connection, {})
    if not rows or not n:
        return plays, last
    track_ids, counts, latest = (np.array(column) for column in _transposed(rows, 3))
    row = np.searchsorted(ids, track_ids.astype(np.int64))
    known = (row < n) & (ids[np.minimum(row, n - 1)] == track_ids)
    plays[row[known]] = counts[known]
    last[row[known]] = latest[known].astype(np.float64)
    return plays, last
