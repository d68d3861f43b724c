"""Writing a batch of :class:`TrackRecord` into the catalog tables with set-based SQL.

One :class:`CatalogWriter` lives for a whole scan: it caches the ids of artists, genres, labels, groups,
releases and tracks it has seen, so each batch costs a handful of IN queries and executemany inserts,
never a query per file. The caller owns the transaction (one per batch).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import Table, bindparam, delete, update
from sqlalchemy.orm import Session

from analyzer.catalog.identity import RecordingIndex
from analyzer.catalog.record import Credit, TrackRecord, sort_name_for
from analyzer.catalog.upsert import IdCache, chunked, insert_rows, insert_tuples
from models.artists import Artist, ArtistAlias, utcnow
from models.enums import EntityType
from models.external_ids import ExternalId
from models.listen_changes import note_tracks_changed
from models.normalize import normalize
from models.releases import Label, Release, ReleaseGroup, ReleaseItem, ReleaseLabel
from models.tracks import (
    Genre,
    TagSource,
    TitleAlias,
    Track,
    TrackArtist,
    TrackGenre,
    TrackLabel,
    TrackTagAttribute,
)

FILE_SOURCE = "file"
FILE_SOURCE_PRIORITY = 10
"""Tags read from the files; later sources (MusicBrainz lookups, a person's edits) get higher priorities."""


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


ARTISTS, ALIASES, GENRES, LABELS = _table(Artist), _table(ArtistAlias), _table(Genre), _table(Label)
GROUPS, RELEASES, ITEMS, RELEASE_LABELS = (
    _table(ReleaseGroup),
    _table(Release),
    _table(ReleaseItem),
    _table(ReleaseLabel),
)
TRACKS, TRACK_ARTISTS, TRACK_GENRES, TRACK_LABELS = (
    _table(Track),
    _table(TrackArtist),
    _table(TrackGenre),
    _table(TrackLabel),
)
TITLE_ALIASES, ATTRIBUTES, EXTERNAL_IDS, TAG_SOURCES = (
    _table(TitleAlias),
    _table(TrackTagAttribute),
    _table(ExternalId),
    _table(TagSource),
)


def _cut(text: str | None, width: int) -> str | None:
    return None if text is None else text[:width]


GroupKey = tuple[str, int]
"""A release group's natural key: (normalized album title, album artist id)."""


def _group_key(record: TrackRecord, artist_ids: dict[str, int]) -> GroupKey | None:
    if record.album is None or record.album_artist is None:
        return None
    return record.album_key, artist_ids[record.album_artist.key]


def _release_id_of(
    record: TrackRecord,
    group_key: GroupKey | None,
    release_ids: dict[Hashable, int],
    group_ids: dict[Hashable, int],
) -> int | None:
    if group_key is None:
        return None
    return release_ids[(group_ids[group_key], record.album_key, record.release_date)]


class CatalogWriter:
    """Find-or-create of every catalog entity for batches of records, with ids cached across batches."""

    def __init__(self) -> None:
        self.artists = IdCache(ARTISTS, ["name_normalized"])
        self.genres = IdCache(GENRES, ["name_normalized"])
        self.labels = IdCache(LABELS, ["name_normalized"])
        self.groups = IdCache(GROUPS, ["title_normalized", "primary_artist_id"])
        self.releases = IdCache(RELEASES, ["release_group_id", "title_normalized", "release_date"])
        self.tracks = IdCache(TRACKS, ["track_uid"])
        self.recordings = RecordingIndex(TRACKS)
        self._source_id: int | None = None
        self._artist_mbids_set: set[int] = set()
        self._seen_aliases: set[tuple[int, str]] = set()
        self._seen_entity_ids: set[tuple[str, int, str, str]] = set()
        self._seen_release_labels: set[tuple[int, int, str]] = set()

    def write(self, session: Session, records: Sequence[TrackRecord]) -> list[int]:
        """Upsert ``records``; returns the track id of each record, in order.

        A record's ``track_uid`` is its base identity; the track it joins is decided here by the length
        rule (``analyzer.catalog.identity``), against the tracks already stored."""
        if not records:
            return []
        uids = self.recordings.assign(
            session, [r.track_uid for r in records], [r.duration_secs for r in records]
        )
        records = [
            r if r.track_uid == uid else r._replace(track_uid=uid)
            for r, uid in zip(records, uids, strict=True)
        ]
        artist_ids = self._artists(session, records)
        group_keys = [_group_key(record, artist_ids) for record in records]
        group_ids, release_ids = self._releases(session, records, group_keys)
        track_ids = self._tracks(session, records, artist_ids, group_ids, group_keys)
        self._track_links(session, records, track_ids, artist_ids, release_ids, group_ids, group_keys)
        return [track_ids[r.track_uid] for r in records]

    def file_source_id(self, session: Session) -> int:
        if self._source_id is None:
            cache = IdCache(TAG_SOURCES, ["name"])
            row = {"name": FILE_SOURCE, "priority": FILE_SOURCE_PRIORITY}
            self._source_id = cache.resolve(session, {FILE_SOURCE: row})[FILE_SOURCE]
        return self._source_id

    # -- artists -------------------------------------------------------------------------------------

    def _artists(self, session: Session, records: Sequence[TrackRecord]) -> dict[str, int]:
        wanted: dict[Hashable, dict[str, Any]] = {}
        mbids: dict[str, str] = {}
        credited: list[tuple[str, Credit]] = []
        for record in records:
            for credit in (*record.credits, *((record.album_artist,) if record.album_artist else ())):
                key = credit.key
                if not key:
                    continue
                credited.append((key, credit))
                if credit.mbid:
                    mbids.setdefault(key, credit.mbid)
                if key not in wanted or (credit.sort_name and not wanted[key]["sort_name"]):
                    wanted[key] = {
                        "name": credit.name[:1024],
                        "sort_name": _cut(sort_name_for(credit), 1024),
                        "name_normalized": key,
                        "mbid": None,
                    }
        for key, mbid in mbids.items():
            wanted[key]["mbid"] = mbid
        ids = self.artists.resolve(session, wanted)
        self._set_artist_mbids(session, ids, mbids)
        aliases: list[dict[str, Any]] = []
        for key, credit in credited:
            for alias, source in ((credit.name, "tag"), (credit.sort_name, "sort_tag")):
                if alias and (ids[key], alias[:255].casefold()) not in self._seen_aliases:
                    self._seen_aliases.add((ids[key], alias[:255].casefold()))
                    aliases.append(
                        {
                            "artist_id": ids[key],
                            "alias": alias[:255],
                            "alias_normalized": normalize(alias),
                            "source": source,
                        }
                    )
        insert_rows(session, ALIASES, aliases)
        self._external(session, EntityType.ARTIST, ((ids[k], "artist_mbid", m) for k, m in mbids.items()))
        return {str(key): ids[key] for key in wanted}

    def _set_artist_mbids(self, session: Session, ids: dict[Hashable, int], mbids: dict[str, str]) -> None:
        rows: list[dict[str, Any]] = [
            {"aid": ids[key], "mbid": mbid}
            for key, mbid in mbids.items()
            if ids[key] not in self._artist_mbids_set
        ]
        if rows:
            statement = (
                update(ARTISTS)
                .where(ARTISTS.c.id == bindparam("aid"), ARTISTS.c.mbid.is_(None))
                .values(mbid=bindparam("mbid"))
            )
            session.execute(statement, rows)
            self._artist_mbids_set.update(int(row["aid"]) for row in rows)

    # -- release groups and releases -----------------------------------------------------------------

    def _releases(
        self, session: Session, records: Sequence[TrackRecord], group_keys: list[GroupKey | None]
    ) -> tuple[dict[Hashable, int], dict[Hashable, int]]:
        groups: dict[Hashable, dict[str, Any]] = {}
        for record, key in zip(records, group_keys, strict=True):
            if key is None or key in groups:
                continue
            assert record.album is not None
            groups.setdefault(
                key,
                {
                    "title": record.album[:1024],
                    "title_normalized": key[0],
                    "type": record.group_type,
                    "mbid": dict(record.group_ids).get("release_group_mbid"),
                    "primary_artist_id": key[1],
                    "year": record.year,
                },
            )
        group_ids = self.groups.resolve(session, groups)
        releases: dict[Hashable, dict[str, Any]] = {}
        for record, key in zip(records, group_keys, strict=True):
            if key is None:
                continue
            assert record.album is not None
            group_id = group_ids[key]
            release_key = (group_id, record.album_key, record.release_date)
            if release_key in releases:
                continue
            releases.setdefault(
                release_key,
                {
                    "title": record.album[:1024],
                    "title_normalized": release_key[1],
                    "release_date": record.release_date,
                    "release_group_id": group_id,
                    "country": _cut(record.country, 8),
                    "format": _cut(record.media, 64),
                    "mbid": dict(record.release_ids).get("release_mbid"),
                    "barcode": _cut(record.barcode, 32),
                },
            )
        release_ids = self.releases.resolve(session, releases)
        self._external(
            session,
            EntityType.RELEASE_GROUP,
            (
                (group_ids[key], scheme, value)
                for r, key in zip(records, group_keys, strict=True)
                if key is not None
                for scheme, value in r.group_ids
            ),
        )
        self._external(
            session,
            EntityType.RELEASE,
            (
                (_release_id_of(r, key, release_ids, group_ids), scheme, value)
                for r, key in zip(records, group_keys, strict=True)
                if key is not None
                for scheme, value in r.release_ids
            ),
        )
        return group_ids, release_ids

    # -- tracks --------------------------------------------------------------------------------------

    def _tracks(
        self,
        session: Session,
        records: Sequence[TrackRecord],
        artist_ids: dict[str, int],
        group_ids: dict[Hashable, int],
        group_keys: list[GroupKey | None],
    ) -> dict[str, int]:
        rows: dict[Hashable, dict[str, Any]] = {}
        for record, key in zip(records, group_keys, strict=True):
            primary = next((c for c in record.credits if c.role == "primary"), None)
            rows[record.track_uid] = {
                "track_uid": record.track_uid,
                "title": record.title[:1024],
                "title_normalized": record.title_key,
                "duration_secs": record.duration_secs,
                "primary_artist_id": artist_ids.get(primary.key) if primary else None,
                "album_id": group_ids[key] if key is not None else None,
            }
        created: set[Hashable] = set()
        ids = self.tracks.resolve(
            session, rows, on_created=lambda new: created.update(row["track_uid"] for row in new)
        )
        known = [uid for uid in rows if uid not in created]
        if known:
            statement = (
                update(TRACKS)
                .where(TRACKS.c.id == bindparam("tid"))
                .values(
                    title=bindparam("title"),
                    title_normalized=bindparam("title_normalized"),
                    duration_secs=bindparam("duration_secs"),
                    primary_artist_id=bindparam("primary_artist_id"),
                    album_id=bindparam("album_id"),
                    updated_at=utcnow(),
                )
            )
            session.execute(
                statement,
                [
                    {**{k: v for k, v in rows[uid].items() if k != "track_uid"}, "tid": ids[uid]}
                    for uid in known
                ],
            )
            self._clear_track_links(session, [ids[uid] for uid in known])
            # Listens without a length of their own count these tracks' lengths in "by time" stats.
            note_tracks_changed(session, [ids[uid] for uid in known])
        return {str(uid): track_id for uid, track_id in ids.items()}

    def _clear_track_links(self, session: Session, track_ids: list[int]) -> None:
        """Drop what the file tags said about these tracks before writing what they say now."""
        source_id = self.file_source_id(session)
        for chunk in chunked(sorted(set(track_ids))):
            session.execute(delete(TRACK_ARTISTS).where(TRACK_ARTISTS.c.track_id.in_(chunk)))
            session.execute(delete(TRACK_GENRES).where(TRACK_GENRES.c.track_id.in_(chunk)))
            session.execute(delete(TRACK_LABELS).where(TRACK_LABELS.c.track_id.in_(chunk)))
            session.execute(
                delete(TITLE_ALIASES).where(
                    TITLE_ALIASES.c.track_id.in_(chunk), TITLE_ALIASES.c.source == "tag"
                )
            )
            session.execute(
                delete(ATTRIBUTES).where(
                    ATTRIBUTES.c.track_id.in_(chunk), ATTRIBUTES.c.source_id == source_id
                )
            )
            session.execute(
                delete(EXTERNAL_IDS).where(
                    EXTERNAL_IDS.c.entity_type == EntityType.TRACK, EXTERNAL_IDS.c.entity_id.in_(chunk)
                )
            )
        self._seen_entity_ids = {k for k in self._seen_entity_ids if k[0] != EntityType.TRACK}

    def _track_links(
        self,
        session: Session,
        records: Sequence[TrackRecord],
        track_ids: dict[str, int],
        artist_ids: dict[str, int],
        release_ids: dict[Hashable, int],
        group_ids: dict[Hashable, int],
        group_keys: list[GroupKey | None],
    ) -> None:
        source_id = self.file_source_id(session)
        wanted_genres: dict[Hashable, dict[str, Any]] = {}
        wanted_labels: dict[Hashable, dict[str, Any]] = {}
        for r in records:
            for genre, genre_key in zip(r.genres, r.genre_keys, strict=True):
                wanted_genres[genre_key] = {"name": genre[:255], "name_normalized": genre_key}
            for (name, _), label_key in zip(r.labels, r.label_keys, strict=True):
                wanted_labels[label_key] = {"name": name[:1024], "name_normalized": label_key}
        genre_ids = self.genres.resolve(session, wanted_genres)
        label_ids = self.labels.resolve(session, wanted_labels)
        # Rows as tuples in the column order of insert_tuples below (the link tables are the bulk of a scan).
        credits: dict[tuple[int, int, str], tuple[Any, ...]] = {}
        genres: dict[tuple[int, int], tuple[int, int, float]] = {}
        track_labels: dict[tuple[int, int], tuple[int, int]] = {}
        release_labels: list[dict[str, Any]] = []
        items: dict[tuple[int, int, int, int], None] = {}
        aliases: dict[tuple[int, str], dict[str, Any]] = {}
        # Attributes are the bulk of the rows (a dozen per file): gathered as a track-id column and the
        # records' own (key, value) pairs, zipped into rows in C once per batch.
        attribute_tracks: list[int] = []
        attribute_pairs: list[tuple[str, str]] = []
        for record, group_key in zip(records, group_keys, strict=True):
            track_id = track_ids[record.track_uid]
            for credit in record.credits:
                artist_id = artist_ids.get(credit.key)
                if artist_id is not None and (track_id, artist_id, credit.role) not in credits:
                    credits[(track_id, artist_id, credit.role)] = (
                        track_id,
                        artist_id,
                        credit.role,
                        credit.position,
                        credit.name[:1024],
                        credit.join_phrase[:64],
                    )
            for index, genre_key in enumerate(record.genre_keys):
                gid = genre_ids[genre_key]
                if (track_id, gid) not in genres:
                    genres[(track_id, gid)] = (track_id, gid, 1.0 / (index + 1))
            release_id = _release_id_of(record, group_key, release_ids, group_ids)
            for (_name, catalog_number), label_key in zip(record.labels, record.label_keys, strict=True):
                lid = label_ids[label_key]
                track_labels[(track_id, lid)] = (track_id, lid)
                if (
                    release_id is not None
                    and (release_id, lid, catalog_number) not in self._seen_release_labels
                ):
                    self._seen_release_labels.add((release_id, lid, catalog_number))
                    release_labels.append(
                        {"release_id": release_id, "label_id": lid, "cat_id": catalog_number[:128]}
                    )
            if release_id is not None:
                items[(release_id, track_id, record.disc_no, record.track_no)] = None
            for (alias, kind), alias_key in zip(record.title_aliases, record.title_alias_keys, strict=True):
                aliases[(track_id, alias_key)] = {
                    "track_id": track_id,
                    "alias": alias[:1024],
                    "alias_normalized": alias_key,
                    "kind": kind,
                    "source": "tag",
                }
            # Keys are unique per record (merged case-insensitively in the worker); a second file of the
            # same track in this batch loses to the first on the unique key, as a rescan would.
            attribute_tracks += repeat(track_id, len(record.attributes))
            attribute_pairs += record.attributes
        insert_tuples(
            session,
            TRACK_ARTISTS,
            ("track_id", "artist_id", "role", "position", "credited_name", "join_phrase"),
            list(credits.values()),
        )
        insert_tuples(session, TRACK_GENRES, ("track_id", "genre_id", "weight"), list(genres.values()))
        insert_tuples(session, TRACK_LABELS, ("track_id", "label_id"), list(track_labels.values()))
        insert_rows(session, RELEASE_LABELS, release_labels)
        insert_tuples(session, ITEMS, ("release_id", "track_id", "disc_no", "track_no"), list(items))
        insert_rows(session, TITLE_ALIASES, list(aliases.values()))
        if attribute_pairs:
            keys, values = zip(*attribute_pairs, strict=True)
            attributes = list(zip(attribute_tracks, keys, values, repeat(source_id), strict=False))
            insert_tuples(session, ATTRIBUTES, ("track_id", "key", "value", "source_id"), attributes)
        self._external(
            session,
            EntityType.TRACK,
            ((track_ids[r.track_uid], scheme, value) for r in records for scheme, value in r.track_ids),
        )

    def _external(self, session: Session, entity: EntityType, found: Any) -> None:
        kind, seen = str(entity), self._seen_entity_ids
        rows: list[tuple[Any, ...]] = []
        for entity_id, scheme, value in found:
            if entity_id is None:
                continue
            value = value[:255]
            key = (kind, entity_id, scheme, value)
            if key not in seen:
                seen.add(key)
                rows.append((entity, entity_id, scheme, value))
        insert_tuples(session, EXTERNAL_IDS, ("entity_type", "entity_id", "scheme", "value"), rows)
