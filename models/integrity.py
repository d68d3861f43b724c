"""Integrity the database cannot always enforce itself.

Across attached SQLite files (the schema split on SQLite) the listens -> medialibrary foreign keys cannot
be declared, so writes that cross are checked here: the ORM guard below for session writes, and
:func:`ensure_tracks_exist` for bulk Core writers. :func:`find_orphans` reports anything that slipped
through (or was written by an older version), plus orphans of the polymorphic ``external_ids``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, event, select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from models.artists import Artist
from models.curation import Event, Playlist
from models.enums import EntityType
from models.external_ids import ExternalId
from models.listens import Listen, ListenArtist, ListenGenre, ListenMatchCandidate
from models.releases import Label, Publisher, Release, ReleaseGroup
from models.tracks import Genre, Track


class MissingReference(Exception):
    """A row points at a row that does not exist in the other schema."""


# (child table column, parent primary key) pairs that cross from listens into medialibrary.
CROSS_SCHEMA_REFERENCES: list[tuple[InstrumentedAttribute[int | None], InstrumentedAttribute[int]]] = [
    (Listen.track_id, Track.id),
    (ListenMatchCandidate.track_id, Track.id),
    (ListenArtist.artist_id, Artist.id),
    (ListenGenre.genre_id, Genre.id),
]

_ENTITY_TABLES = {
    EntityType.TRACK: Track.id,
    EntityType.RELEASE: Release.id,
    EntityType.RELEASE_GROUP: ReleaseGroup.id,
    EntityType.ARTIST: Artist.id,
    EntityType.LABEL: Label.id,
    EntityType.PUBLISHER: Publisher.id,
    EntityType.PLAYLIST: Playlist.id,
    EntityType.EVENT: Event.id,
    EntityType.GENRE: Genre.id,
}


def _missing_ids(session: Session, parent: InstrumentedAttribute[int], ids: Iterable[int]) -> set[int]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    found: set[int] = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        found.update(session.scalars(select(parent).where(parent.in_(chunk))))
    return wanted - found


def ensure_tracks_exist(session: Session, track_ids: Iterable[int]) -> None:
    """Raise :class:`MissingReference` unless every id is a track (bulk writers call this before linking)."""
    missing = _missing_ids(session, Track.id, track_ids)
    if missing:
        raise MissingReference(f"no track with id {', '.join(map(str, sorted(missing)[:10]))}")


def _guard_cross_schema_writes(session: Session, _flush_context: object, _instances: object) -> None:
    pending: dict[InstrumentedAttribute[int], set[int]] = {}
    for obj in list(session.new) + list(session.dirty):
        for child, parent in CROSS_SCHEMA_REFERENCES:
            if isinstance(obj, cast(type, child.class_)):
                value = getattr(obj, child.key)
                if value is not None:
                    pending.setdefault(parent, set()).add(value)
    for parent, ids in pending.items():
        missing = _missing_ids(session, parent, ids)
        if missing:
            raise MissingReference(
                f"{parent.class_.__tablename__} has no row with id {', '.join(map(str, sorted(missing)[:10]))}"
            )


def install_cross_schema_guard(sessions: sessionmaker[Session]) -> None:
    """Check listens -> medialibrary references on every flush of sessions from this factory."""
    if not event.contains(sessions, "before_flush", _guard_cross_schema_writes):
        event.listen(sessions, "before_flush", _guard_cross_schema_writes)


@dataclass(frozen=True)
class Orphans:
    table: str
    column: str
    count: int
    sample: tuple[int, ...]

    def __str__(self) -> str:
        ids = ", ".join(map(str, self.sample))
        return f"{self.table}.{self.column}: {self.count} row(s) point at nothing (e.g. ids {ids})"


def find_orphans(session: Session, sample_size: int = 5) -> list[Orphans]:
    """Rows whose cross-schema or polymorphic reference points at nothing."""
    problems: list[Orphans] = []
    for child, parent in CROSS_SCHEMA_REFERENCES:
        condition: ColumnElement[bool] = child.isnot(None) & ~select(parent).where(parent == child).exists()
        problems.extend(
            _orphans(session, child.class_.__tablename__, child.key, child, condition, sample_size)
        )
    for entity_type, parent in _ENTITY_TABLES.items():
        condition = (ExternalId.entity_type == entity_type) & ~select(parent).where(
            parent == ExternalId.entity_id
        ).exists()
        problems.extend(
            _orphans(
                session, "external_ids", f"entity_id[{entity_type}]", ExternalId.id, condition, sample_size
            )
        )
    return problems


def _orphans(session, table, column, id_column, condition, sample_size):
    from sqlalchemy import func

    count = session.scalar(select(func.count()).select_from(id_column.class_).where(condition)) or 0
    if not count:
        return []
    pk = id_column.class_.__mapper__.primary_key[0]
    sample = tuple(session.scalars(select(pk).where(condition).order_by(pk).limit(sample_size)))
    return [Orphans(table, column, count, sample)]
