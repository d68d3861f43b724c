"""Writing one batch of prepared listens in one transaction: raw rows, canonical listens, their links.

Order inside the transaction: INSERT-or-ignore into listens_raw (which rows are really new), then ID links
from external_ids, then the cross-source duplicate check against listens already stored near the same
times, then listens, and listen_sources rows for the arrivals that repeat a listen from another source.
Executemany throughout: Core with RETURNING on MariaDB, DBAPI tuples on SQLite (:class:`_SqliteStore`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy import BigInteger, Insert, Table, bindparam, insert, select, type_coerce
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.bulk_sql import BulkStatement
from models.enums import EnrichStatus, EntityType
from models.external_ids import ExternalId
from models.listen_changes import note_spans_changed
from models.listens import Listen, ListenRaw, ListenSource
from models.tracks import Track
from scrobbler.ingest_rows import LISTEN_FIELDS, PreparedListen

RAW: Table = ListenRaw.__table__  # type: ignore[assignment]
LISTENS: Table = Listen.__table__  # type: ignore[assignment]
SOURCES: Table = ListenSource.__table__  # type: ignore[assignment]

# external_ids schemes that link a listen at once, strongest first (architecture.md, data flow).
ID_SCHEMES: tuple[tuple[str, str], ...] = (
    ("recording_mbid", "recording_mbid"),
    ("isrc", "isrc"),
    ("spotify_id", "spotify_id"),
    # A source's "track" MBID: a library track's release-track id, or (old Last.fm ids) its recording id.
    ("track_mbid", "track_mbid"),
    ("recording_mbid", "track_mbid"),
)
# Gaps between new listens shorter than this are read as one range: fewer queries, few extra rows.
_MERGE_GAP_SECS = 6 * 3600
_MAX_IN_VALUES = 500


def insert_or_ignore(table: Table, dialect: str) -> Insert:
    """INSERT that skips rows hitting a unique key: ON CONFLICT DO NOTHING (SQLite), INSERT IGNORE (MariaDB).

    INSERT IGNORE also downgrades other errors to warnings, so callers validate rows first
    (:func:`scrobbler.ingest_rows.prepare`).
    """
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    return insert(table).prefix_with("IGNORE")


@dataclass
class BatchResult:
    inserted: int = 0
    already_stored: int = 0
    cross_source_duplicates: int = 0
    linked: dict[str, int] = field(default_factory=dict)


@dataclass
class _Canonical:
    """A canonical listen a new arrival may duplicate: stored (``listen_id``) or new in this batch."""

    listened_at: int
    source: str
    names: tuple[str, str]
    track_id: int | None
    listen_id: int | None = None
    raw_id: int | None = None  # for listens created in this batch, until their id is known
    duplicate_sources: set[str] = field(default_factory=set)


def write_batch(
    session: Session, dialect: str, user_id: int, rows: Sequence[PreparedListen], window_secs: int
) -> BatchResult:
    """Store ``rows`` (unique raw keys, checked) for ``user_id``; returns what happened to them.

    The import's dry run (``scrobbler.ingest_preview._plan_batch``) replays these decisions with reads
    only, on the same private helpers: a change to what this decides must be made there too (its tests
    compare the dry run's counts with this writer's on every layout)."""
    result = BatchResult()
    if not rows:
        return result
    # Time order: index entries append at the right edge, and the neighbour check reads one range.
    ordered = sorted(rows, key=_LISTENED_AT)
    store: _Store = _SqliteStore(session) if dialect == "sqlite" else _CoreStore(session, dialect)
    new = store.insert_raw(user_id, datetime.now(UTC), ordered)
    result.inserted = len(new)
    result.already_stored = len(rows) - len(new)
    if not new:
        return result

    new_rows = [row for _, row in new]
    links = _id_links(session, new_rows)
    stored = _stored_neighbours(session, user_id, list(map(_LISTENED_AT, new_rows)), window_secs)
    # A twin by names must come from another source: with one source in play (a plain file import), only
    # the same linked track at the same second can be a twin, and the per-name bookkeeping is skipped.
    sources = set(map(_SOURCE, new_rows))
    sources.update(canonical.source for canonical in stored)
    by_name = len(sources) > 1
    by_names: dict[tuple[str, str], list[_Canonical]] = {}
    by_track_time: dict[tuple[int, int], _Canonical] = {}
    for canonical in stored:
        by_names.setdefault(canonical.names, []).append(canonical)
        if canonical.track_id is not None:
            by_track_time[(canonical.track_id, canonical.listened_at)] = canonical
    if stored and by_name:
        new_names = {row.names for _, row in new}
        _load_duplicate_sources(session, [c for c in stored if c.names in new_names])

    fresh: list[tuple[int, PreparedListen, int | None, str | None]] = []
    duplicates: list[tuple[_Canonical, int]] = []
    if not links and not by_name:
        # No id links (so no same-track twins) and one source in play (so no twins by name): a plain file
        # import. Every row is a new listen.
        fresh = [(raw_id, row, None, None) for raw_id, row in new]
        new = []
    for raw_id, row in new:
        track_id, reason = links.get(id(row), _NO_LINK)
        twin = by_track_time.get((track_id, row.listened_at)) if track_id is not None else None
        if twin is None and by_name:
            twin = _find_twin(row, by_names, window_secs)
        if twin is not None:
            twin.duplicate_sources.add(row.source)
            duplicates.append((twin, raw_id))
            continue
        if by_name or track_id is not None:
            canonical = _Canonical(row.listened_at, row.source, row.names, track_id, raw_id=raw_id)
            if by_name:
                by_names.setdefault(canonical.names, []).append(canonical)
            if track_id is not None:
                by_track_time[(track_id, row.listened_at)] = canonical
                result.linked[reason or ""] = result.linked.get(reason or "", 0) + 1
        fresh.append((raw_id, row, track_id, reason))

    # The ids are needed only for twins that are new in this batch; a listen's own raw row is its raw_id.
    listen_ids = store.insert_listens(
        user_id, fresh, need_ids=any(t.listen_id is None for t, _ in duplicates)
    )
    source_rows: list[tuple[int, int, str]] = []
    for twin, raw_id in duplicates:
        listen_id = twin.listen_id if twin.listen_id is not None else listen_ids[twin.raw_id or 0]
        source_rows.append((listen_id, raw_id, "duplicate"))
    store.insert_sources(source_rows)
    if fresh:  # time order: the first and last new listens bound what the stats rollups must rebuild
        note_spans_changed(session, {user_id: (_listened_at(fresh[0][1]), _listened_at(fresh[-1][1]))})
    result.cross_source_duplicates = len(duplicates)
    return result


# C-level field getters for per-row passes over a batch.
_LISTENED_AT = itemgetter(PreparedListen._fields.index("listened_at"))
_SOURCE = itemgetter(PreparedListen._fields.index("source"))


def _listened_at(row: PreparedListen) -> int:
    return row.listened_at


_RAW_COLUMNS = ("user_id", "ingested_at", "source", "source_track_id", "payload_json", "listened_at")
_LISTEN_COLUMNS = (
    "raw_id",
    "user_id",
    "track_id",
    "listened_at",
    "duration_secs",
    "track_duration_secs",
    "source",
    "artist_name",
    "track_name",
    "release_name",
    "artist_name_normalized",
    "track_name_normalized",
    "release_name_normalized",
    "recording_mbid",
    "isrc",
    "spotify_id",
    "enrich_status",
    "match_confidence",
    "match_reason",
)
_SOURCE_COLUMNS = ("listen_id", "raw_id", "relation")


def _listen_tuple(
    user_id: int, raw_id: int, row: PreparedListen, track_id: int | None, reason: str | None
) -> tuple[object, ...]:
    """A listens row in ``_LISTEN_COLUMNS`` order; values already in their stored form (ingest_rows checked
    them), so no per-row bind processing is needed."""
    if track_id is None:
        return (raw_id, user_id, None, *row[:LISTEN_FIELDS], *_UNLINKED)
    return (raw_id, user_id, track_id, *row[:LISTEN_FIELDS], _MATCHED, 1.0, reason)


_MATCHED = EnrichStatus.MATCHED.value
_UNLINKED = (EnrichStatus.PENDING.value, None, None)


class _Store(Protocol):
    def insert_raw(
        self, user_id: int, now: datetime, rows: Sequence[PreparedListen]
    ) -> list[tuple[int, PreparedListen]]: ...

    def insert_listens(
        self,
        user_id: int,
        fresh: Sequence[tuple[int, PreparedListen, int | None, str | None]],
        need_ids: bool,
    ) -> dict[int, int]: ...

    def insert_sources(self, rows: Sequence[tuple[int, int, str]]) -> None: ...


class _CoreStore:
    """Any engine: INSERT-or-ignore ... RETURNING through Core (MariaDB >= 10.5 has RETURNING)."""

    def __init__(self, session: Session, dialect: str) -> None:
        self.session = session
        self.dialect = dialect

    def insert_raw(
        self, user_id: int, now: datetime, rows: Sequence[PreparedListen]
    ) -> list[tuple[int, PreparedListen]]:
        params = [
            {
                "user_id": user_id,
                "ingested_at": now,
                "source": row.source,
                "source_track_id": row.source_track_id,
                "payload_json": row.payload_json,
                "listened_at": row.raw_listened_at,
            }
            for row in rows
        ]
        statement = insert_or_ignore(RAW, self.dialect).returning(
            RAW.c.id, type_coerce(RAW.c.listened_at, BigInteger), RAW.c.source, RAW.c.source_track_key
        )
        by_key = {row.raw_key: row for row in rows}
        new = [
            (raw_id, by_key[(int(listened_at), source, track_key)])
            for raw_id, listened_at, source, track_key in self.session.execute(statement, params)
        ]
        new.sort(key=lambda item: (item[1].listened_at, item[0]))
        return new

    def insert_listens(
        self,
        user_id: int,
        fresh: Sequence[tuple[int, PreparedListen, int | None, str | None]],
        need_ids: bool,
    ) -> dict[int, int]:
        if not fresh:
            return {}
        params = [
            dict(zip(_LISTEN_COLUMNS, _listen_tuple(user_id, raw_id, row, track_id, reason), strict=True))
            for raw_id, row, track_id, reason in fresh
        ]
        if not need_ids:
            self.session.execute(insert(LISTENS), params)
            return {}
        returned = self.session.execute(insert(LISTENS).returning(LISTENS.c.id, LISTENS.c.raw_id), params)
        return {raw_id: listen_id for listen_id, raw_id in returned}

    def insert_sources(self, rows: Sequence[tuple[int, int, str]]) -> None:
        if rows:
            self.session.execute(
                insert(SOURCES), [dict(zip(_SOURCE_COLUMNS, row, strict=True)) for row in rows]
            )


class _SqliteStore:
    """SQLite: plain DBAPI executemany of tuples, ids from SQLite's own rowid rule.

        The writer holds SQLite's write lock from its first INSERT to COMMIT, and a row inserted without an
        id gets max(rowid) + 1 (https://sqlite.org/autoinc.html), so the rows one executemany really inserted
        carry the consecutive ids ``last_insert_rowid() - changes + 1 .. last_insert_rowid()``, in input
        order. That replaces RETURNING (which an executemany cannot return through the sqlite3 module) and
        SQLAlchemy's per-row parameter handling (models/bulk_sql.py with ``stored=True``: the values are
    checked already, so no bind processor runs per row).
    """

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()

    def _last_rowid(self) -> int:
        return int(self.connection.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())

    def insert_raw(
        self, user_id: int, now: datetime, rows: Sequence[PreparedListen]
    ) -> list[tuple[int, PreparedListen]]:
        params = list(map(_RAW_ROW_VALUES, rows))
        done = _SQLITE_RAW.execute(
            self.connection, _RAW_ROW_COLUMNS, params, {"user_id": user_id, "ingested_at": now}, stored=True
        )
        inserted = done.rowcount if done is not None else 0
        if inserted <= 0:
            return []
        last = self._last_rowid()
        first = last - inserted + 1
        if inserted == len(rows):
            return list(zip(range(first, last + 1), rows, strict=True))
        # Some keys were stored already (a re-import): read back which of the new ids holds which key.
        by_key = {row.raw_key: row for row in rows}
        query = select(
            RAW.c.id, type_coerce(RAW.c.listened_at, BigInteger), RAW.c.source, RAW.c.source_track_key
        ).where(RAW.c.id.between(first, last))
        return [
            (raw_id, by_key[(int(at), source, key)])
            for raw_id, at, source, key in self.connection.execute(query.order_by(RAW.c.id))
        ]

    def insert_listens(
        self,
        user_id: int,
        fresh: Sequence[tuple[int, PreparedListen, int | None, str | None]],
        need_ids: bool,
    ) -> dict[int, int]:
        if not fresh:
            return {}
        # _listen_tuple inlined: a comprehension without a call per row.
        params = [
            (raw_id, user_id, None, *row[:LISTEN_FIELDS], *_UNLINKED)
            if track_id is None
            else (raw_id, user_id, track_id, *row[:LISTEN_FIELDS], _MATCHED, 1.0, reason)
            for raw_id, row, track_id, reason in fresh
        ]
        done = _SQLITE_LISTENS.execute(self.connection, _LISTEN_COLUMNS, params, stored=True)
        inserted = done.rowcount if done is not None else 0
        if inserted != len(params):  # a plain INSERT stores every row or raises
            raise RuntimeError(f"listens insert stored {inserted} of {len(params)} rows")
        if not need_ids:
            return {}
        last = self._last_rowid()
        return {
            raw_id: listen_id
            for (raw_id, *_), listen_id in zip(fresh, range(last - len(fresh) + 1, last + 1), strict=True)
        }

    def insert_sources(self, rows: Sequence[tuple[int, int, str]]) -> None:
        _SQLITE_SOURCES.execute(self.connection, _SOURCE_COLUMNS, rows, stored=True)


def _binds(table: Table, columns: tuple[str, ...]) -> dict[str, Any]:
    """One bind per column, named after it (BulkStatement compiles the statement per schema map)."""
    return {name: bindparam(name, type_=table.c[name].type) for name in columns}


# Executed with stored=True: the rows' values are already in their stored form (ingest_rows checked them).
_RAW_ROW_COLUMNS = ("source", "source_track_id", "payload_json", "listened_at")
# listens_raw.listened_at holds the source's own timestamp (PreparedListen.raw_listened_at).
_RAW_ROW_FIELDS = ("source", "source_track_id", "payload_json", "raw_listened_at")
_RAW_ROW_VALUES = itemgetter(*(PreparedListen._fields.index(name) for name in _RAW_ROW_FIELDS))
_SQLITE_RAW = BulkStatement(sqlite_insert(RAW).values(_binds(RAW, _RAW_COLUMNS)).on_conflict_do_nothing())
_SQLITE_LISTENS = BulkStatement(insert(LISTENS).values(_binds(LISTENS, _LISTEN_COLUMNS)))
_SQLITE_SOURCES = BulkStatement(insert(SOURCES).values(_binds(SOURCES, _SOURCE_COLUMNS)))


def _find_twin(
    row: PreparedListen, by_names: dict[tuple[str, str], list[_Canonical]], window_secs: int
) -> _Canonical | None:
    """The canonical listen ``row`` repeats by names, if any.

    A twin comes from another source, has the same normalized artist and track, lies within the window,
    and has no copy from this source yet (a quick replay from one source is two listens; the nearest
    free twin wins). The same linked track at the very same second is always the same listen (the
    contract's uq_listen_dedupe (user_id, track_id, listened_at) says so); the caller checks that first.
    """
    source = row.source
    best: _Canonical | None = None
    for candidate in by_names.get(row.names, ()):
        distance = abs(candidate.listened_at - row.listened_at)
        if (
            distance <= window_secs
            and candidate.source != source
            and source not in candidate.duplicate_sources
            and (best is None or distance < abs(best.listened_at - row.listened_at))
        ):
            best = candidate
    return best


_NO_LINK: tuple[None, None] = (None, None)
_FIELD_INDEX = {name: i for i, name in enumerate(PreparedListen._fields)}


def _scheme_in_library(session: Session, scheme: str) -> bool:
    """Whether any track carries an id of ``scheme`` (one probe of ix_external_ids_scheme_value)."""
    probe = select(ExternalId.id).where(
        ExternalId.scheme == scheme, ExternalId.entity_type == EntityType.TRACK
    )
    return session.execute(probe.limit(1)).first() is not None


def _id_links(session: Session, rows: Sequence[PreparedListen]) -> dict[int, tuple[int, str]]:
    """Rows (by ``id(row)``) whose recording MBID, ISRC, Spotify id or track MBID names exactly one library
    track (the first of :data:`ID_SCHEMES` that does wins; the link's reason is the listen's field).

    Joined to tracks, so an external_ids row left behind by a deleted track never links (external_ids is
    polymorphic and has no foreign key; models/integrity.py). An id naming two tracks links nothing.
    """
    found: dict[tuple[str, str], set[int]] = {}
    for scheme, attribute in ID_SCHEMES:
        index = _FIELD_INDEX[attribute]
        values: set[str] = {value for row in rows if (value := row[index]) is not None}  # type: ignore[misc]
        if not values or not _scheme_in_library(session, scheme):
            continue  # e.g. a history import before any tagged library: no IN lists to send
        ordered = sorted(values)
        for start in range(0, len(ordered), _MAX_IN_VALUES):
            chunk = ordered[start : start + _MAX_IN_VALUES]
            query = (
                select(ExternalId.value, Track.id)
                .join(Track, Track.id == ExternalId.entity_id)
                .where(
                    ExternalId.entity_type == EntityType.TRACK,
                    ExternalId.scheme == scheme,
                    ExternalId.value.in_(chunk),
                )
            )
            for value, track_id in session.execute(query):
                found.setdefault((scheme, value), set()).add(track_id)
    links: dict[int, tuple[int, str]] = {}
    if not found:
        return links
    for row in rows:
        for scheme, attribute in ID_SCHEMES:
            tracks = found.get((scheme, getattr(row, attribute) or ""))
            if tracks is not None and len(tracks) == 1:
                links[id(row)] = (next(iter(tracks)), attribute)  # the listen's field that linked
                break
    return links


def _time_ranges(times: Sequence[int], window_secs: int) -> list[tuple[int, int]]:
    """[t - window, t + window] around ``times``, merged across gaps under ``_MERGE_GAP_SECS``.

    A time-ordered file gives one range per batch (one index range scan); shuffled input gives a few
    ranges rather than a scan of the whole history.
    """
    if not times:
        return []
    ordered = sorted(times)  # a batch comes sorted already: a C-speed pass
    # Two neighbours' windows [t - w, t + w] merge while their gap is at most 2w + _MERGE_GAP_SECS.
    limit = 2 * window_secs + _MERGE_GAP_SECS
    cuts = [i for i, (a, b) in enumerate(pairwise(ordered), 1) if b - a > limit]
    starts = [0, *cuts]
    ends = [*cuts, len(ordered)]
    return [
        (ordered[start] - window_secs, ordered[end - 1] + window_secs)
        for start, end in zip(starts, ends, strict=True)
    ]


def _stored_neighbours(
    session: Session, user_id: int, times: Sequence[int], window_secs: int
) -> list[_Canonical]:
    """Stored canonical listens of the user within the window of any new listen (index user_id, listened_at)."""
    listened_at = type_coerce(LISTENS.c.listened_at, BigInteger)
    found: list[_Canonical] = []
    for low, high in _time_ranges(times, window_secs):
        query = select(
            LISTENS.c.id,
            listened_at,
            LISTENS.c.source,
            LISTENS.c.artist_name_normalized,
            LISTENS.c.track_name_normalized,
            LISTENS.c.track_id,
        ).where(LISTENS.c.user_id == user_id, listened_at >= low, listened_at <= high)
        for listen_id, at, source, artist, track, track_id in session.execute(query):
            found.append(_Canonical(int(at), source, (artist, track), track_id, listen_id=listen_id))
    return found


def _load_duplicate_sources(session: Session, candidates: Sequence[_Canonical]) -> None:
    """Fill ``duplicate_sources`` of stored candidates: the sources already linked to them as duplicates."""
    by_id = {c.listen_id: c for c in candidates if c.listen_id is not None}
    ids = sorted(by_id)
    for start in range(0, len(ids), _MAX_IN_VALUES):
        chunk = ids[start : start + _MAX_IN_VALUES]
        query = (
            select(SOURCES.c.listen_id, RAW.c.source)
            .join(RAW, RAW.c.id == SOURCES.c.raw_id)
            .where(SOURCES.c.listen_id.in_(chunk), SOURCES.c.relation == "duplicate")
        )
        for listen_id, source in session.execute(query):
            by_id[listen_id].duplicate_sources.add(source)
