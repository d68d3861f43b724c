"""Every track of the library as columns: what the app's library table and ``tonearm tracks`` show.

The desktop app loads this at start-up (issue 13: rows on screen within 1.0 s of the process starting on
100,000 tracks and 1,000,000 listens), so it reads with four set-based queries (tracks, credits, files
with their features, listens grouped by track) and keeps numbers in numpy arrays and text in plain lists
of ``str``, no object per row. Row ``i`` of every column is the track ``ids[i]``; rows come in id order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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
    ``missing`` is true when no file of the track is readable on disk (also when it has no file).
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
    albums = {gid: (title, year, artist) for gid, title, year, artist in _ALBUMS.rows(connection, {})}
    rows = _TRACKS.rows(connection, {})
    if not rows:
        return _empty()
    id_col, titles, lengths, album_ids, primaries = zip(*rows, strict=True)
    ids = np.array(id_col, np.int64)
    credits = _credit_strings(connection, artist_names)
    no_album = ("", 0, None)
    album_of = [
        albums.get(album_id, no_album) if album_id is not None else no_album for album_id in album_ids
    ]
    share = shared.setdefault
    files = _files(connection, ids, shared)
    plays, last_played = _listens(connection, ids)
    length = np.array([np.nan if v is None else v for v in lengths], np.float64)
    unknown_length = np.isnan(length)
    length[unknown_length] = files.length[unknown_length]
    return LibraryColumns(
        ids=ids,
        title=[text or "" for text in titles],
        artist=[
            credits.get(track_id) or artist_names.get(primary) or ""
            for track_id, primary in zip(id_col, primaries, strict=True)
        ],
        album=[share(album[0], album[0]) if album[0] else "" for album in album_of],
        album_artist=[artist_names.get(album[2]) or "" for album in album_of],
        year=np.array([album[1] or 0 for album in album_of], np.int32),
        length=length,
        formats=files.formats,
        bpm=files.bpm,
        key=files.key,
        plays=plays,
        last_played=last_played,
        added=files.added,
        missing=files.missing,
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
_CREDITS = RawSelect(  # no IN: an expanding IN cannot be compiled once
    select(
        _credits.c.track_id,
        _credits.c.position,
        _credits.c.artist_id,
        _credits.c.credited_name,
        _credits.c.join_phrase,
    ).where(or_(_credits.c.role == ArtistRole.PRIMARY, _credits.c.role == ArtistRole.FEATURING))
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
    """The credit string of every track whose credit is more than its one primary artist's own name."""
    plain: dict[int, tuple[int, int]] = {}  # track -> (position, artist) of its one credit, while it has one
    parts: dict[int, list[tuple[int, str, str]]] = {}
    for track_id, position, artist_id, credited, join in _CREDITS.rows(connection, {}):
        if credited is None and not join and track_id not in plain and track_id not in parts:
            plain[track_id] = (position, artist_id)
            continue
        found = parts.setdefault(track_id, [])
        if track_id in plain:
            first_position, first_artist = plain.pop(track_id)
            found.append((first_position, artist_names.get(first_artist, ""), ""))
        found.append((position, credited or artist_names.get(artist_id, ""), join or ""))
    out = {track_id: artist_names.get(artist_id, "") for track_id, (_, artist_id) in plain.items()}
    for track_id, found in parts.items():
        found.sort()
        out[track_id] = credit_string([(name, join) for _, name, join in found])
    return out


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
    track_ids, formats, statuses, durations, seen, bpms, keys = zip(*rows, strict=True)
    file_track = np.array(track_ids, np.int64)
    row = np.searchsorted(ids, file_track)
    known = (row < n) & (ids[np.minimum(row, n - 1)] == file_track)  # files of a track deleted meanwhile
    readable = (np.array(statuses, object) == ScanStatus.OK.value) & known
    out.missing[row[readable]] = False

    # Earliest first_seen_at: files are sorted by track, so each track's files are one run.
    added = np.array(seen, "datetime64[us]").astype(np.int64) / 1e6
    added[np.array([value is None for value in seen])] = np.nan
    runs = np.flatnonzero(np.r_[True, file_track[1:] != file_track[:-1]])
    first_of_run = runs[known[runs]]
    out.added[row[first_of_run]] = np.fmin.reduceat(added, runs)[known[runs]]

    # Formats: one bit per distinct format, OR-ed over each track's readable files.
    names = sorted({f for f in formats if f})
    bit = {name: 1 << i for i, name in enumerate(names)}
    bits = np.array([bit.get(f, 0) if f else 0 for f in formats], np.int64) * readable
    per_track = np.zeros(n, np.int64)
    np.bitwise_or.at(per_track, row[known], bits[known])
    labels: dict[int, str] = {0: ""}
    for value in np.unique(per_track).tolist():
        if value not in labels:
            text = ", ".join(name for name in names if value & bit[name])
            labels[value] = shared.setdefault(text, text)
    out.formats = [labels[value] for value in per_track.tolist()]

    # bpm, key and fallback length: the first readable file that has one, else the first file at all.
    bpm = np.array([np.nan if v is None else v for v in bpms], np.float64)
    duration = np.array([np.nan if v is None else v for v in durations], np.float64)
    key_codes = [shared.setdefault(k, k) if k else "" for k in keys]
    for preferred in (known, readable):  # the second pass overrides the first
        _first_per_track(out.bpm, row, preferred & ~np.isnan(bpm), bpm)
        _first_per_track(out.length, row, preferred & ~np.isnan(duration), duration)
        has_key = preferred & np.array([bool(k) for k in key_codes])
        firsts = _first_rows(row, has_key)
        for at, file_at in zip(row[firsts].tolist(), firsts.tolist(), strict=True):
            out.key[at] = key_codes[file_at]
    return out


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
    track_ids, counts, latest = (np.array(column) for column in zip(*rows, strict=True))
    row = np.searchsorted(ids, track_ids.astype(np.int64))
    known = (row < n) & (ids[np.minimum(row, n - 1)] == track_ids)
    plays[row[known]] = counts[known]
    last[row[known]] = latest[known].astype(np.float64)
    return plays, last
