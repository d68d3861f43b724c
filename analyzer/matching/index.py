"""An in-memory index of the catalog, built once per enrich run, so matching a listen is dictionary lookups
and a few hundred string comparisons instead of queries.

Blocking structures (title tokens, artist tokens and key prefixes) bound the fuzzy stage: a listen is only
ever compared with tracks that share an artist, a title token or a key with it, never with the whole catalog.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from analyzer.matching.keys import artist_key, compact_key, title_parts
from models.artists import Artist, ArtistAlias
from models.enums import ArtistRole, EntityType
from models.external_ids import ExternalId
from models.normalize import normalize
from models.releases import Release, ReleaseGroup, ReleaseItem
from models.tracks import TitleAlias as TitleAliasRow
from models.tracks import Track, TrackArtist, TrackGenre

# Schemes an ID listen field is looked up under (external_ids.scheme), strongest first.
ID_SCHEMES: dict[str, tuple[str, ...]] = {
    "recording_mbid": ("recording_mbid", "mbid"),
    "isrc": ("isrc",),
    "spotify_id": ("spotify_id",),
}
# Roles whose names a listen's artist string may carry; composers and producers never do.
_CREDITED_ROLES = (ArtistRole.PRIMARY, ArtistRole.FEATURING)


@dataclass(slots=True)
class IndexedTrack:
    """What matching needs of one track, precomputed."""

    id: int
    title: str
    title_base: str  # normalized base title (variant suffixes cut)
    kind: str | None
    duration: float | None
    artist_ids: list[int] = field(default_factory=list)  # credited artists, primary first
    releases: list[str] = field(default_factory=list)  # normalized release / album titles
    genre_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class TitleAliasEntry:
    track_id: int
    source: str  # tag | review | musicbrainz


@dataclass
class CatalogIndex:
    """The catalog as lookup tables. Build with :meth:`load`; read-only afterwards."""

    tracks: dict[int, IndexedTrack] = field(default_factory=dict)
    by_title_key: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_artist_title: dict[tuple[int, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    title_aliases: dict[str, list[TitleAliasEntry]] = field(default_factory=lambda: defaultdict(list))
    artists_by_key: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    alias_sources: dict[tuple[str, int], str] = field(default_factory=dict)  # alias-only keys
    artist_keys_of: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    artist_names: dict[int, str] = field(default_factory=dict)
    tracks_by_artist: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    title_tokens: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    artist_tokens: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    external: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, session: Session) -> CatalogIndex:
        """Read the catalog in a handful of Core selects (one pass per table)."""
        index = cls()
        for artist_id, name in session.execute(select(Artist.id, Artist.name)):
            index.add_artist_name(artist_id, name)
        aliases = select(ArtistAlias.artist_id, ArtistAlias.alias, ArtistAlias.source)
        for artist_id, alias, source in session.execute(aliases):
            index.add_artist_name(artist_id, alias, alias_source=source)
        for track_id, title, duration in session.execute(select(Track.id, Track.title, Track.duration_secs)):
            index.add_track(IndexedTrack(track_id, title, "", None, duration))
        index._load_track_relations(session)
        title_aliases = select(TitleAliasRow.track_id, TitleAliasRow.alias, TitleAliasRow.source)
        for track_id, alias, source in session.execute(title_aliases):
            index.add_title_alias(track_id, alias, source)
        schemes = {scheme for group in ID_SCHEMES.values() for scheme in group}
        ids = select(ExternalId.scheme, ExternalId.value, ExternalId.entity_id).where(
            ExternalId.entity_type == EntityType.TRACK, ExternalId.scheme.in_(schemes)
        )
        for scheme, value, entity_id in session.execute(ids):
            index.external[(scheme, value.strip().lower())].append(entity_id)
        return index

    def _load_track_relations(self, session: Session) -> None:
        credits = session.execute(
            select(TrackArtist.track_id, TrackArtist.artist_id)
            .where(TrackArtist.role.in_(_CREDITED_ROLES))
            .order_by(TrackArtist.track_id, TrackArtist.role, TrackArtist.position)
        )
        for track_id, artist_id in credits:
            self.credit(track_id, artist_id)
        releases = select(ReleaseItem.track_id, Release.title_normalized).join(
            Release, Release.id == ReleaseItem.release_id
        )
        albums = select(Track.id, ReleaseGroup.title_normalized).join(
            ReleaseGroup, ReleaseGroup.id == Track.album_id
        )
        for statement in (releases, albums):
            for track_id, title in session.execute(statement):
                track = self.tracks.get(track_id)
                if track is not None and title and title not in track.releases:
                    track.releases.append(title)
        for track_id, genre_id in session.execute(select(TrackGenre.track_id, TrackGenre.genre_id)):
            if track_id in self.tracks:
                self.tracks[track_id].genre_ids.append(genre_id)

    def add_track(self, track: IndexedTrack) -> None:
        """Index a track by its title (base title and kind are derived here from ``track.title``)."""
        parts = title_parts(track.title)
        track.title_base, track.kind = parts.base, parts.kind
        self.tracks[track.id] = track
        self.by_title_key[parts.key].append(track.id)
        for token in set(parts.base.split()):
            self.title_tokens[token].append(track.id)

    def credit(self, track_id: int, artist_id: int) -> None:
        """Credit an artist (primary or featuring) on an indexed track."""
        track = self.tracks.get(track_id)
        if track is not None and artist_id not in track.artist_ids:
            track.artist_ids.append(artist_id)
            self.tracks_by_artist[artist_id].append(track_id)
            self.by_artist_title[(artist_id, track.title_base.replace(" ", ""))].append(track_id)

    def add_artist_name(self, artist_id: int, name: str, *, alias_source: str | None = None) -> None:
        """Index an artist's name, or (with ``alias_source``) one of its aliases."""
        key = artist_key(name)
        if not key:
            return
        if alias_source is None:
            self.artist_names[artist_id] = name
            self.alias_sources.pop((key, artist_id), None)
        elif artist_id not in self.artists_by_key.get(key, ()):
            self.alias_sources[(key, artist_id)] = alias_source
        self.artists_by_key[key].add(artist_id)
        self.artist_keys_of[artist_id].add(key)
        for token in set(key_tokens(name)):
            self.artist_tokens[token].add(artist_id)

    def add_title_alias(self, track_id: int, alias: str, source: str) -> None:
        if track_id not in self.tracks:
            return
        entry = TitleAliasEntry(track_id, source)
        self.title_aliases[compact_key(alias)].append(entry)
        base_key = title_parts(alias).key
        if base_key != compact_key(alias) and source != "review":
            # A tag alias "Song (Remastered 2011)" also answers to its base title.
            self.title_aliases[base_key].append(entry)

    def track_ids_by_external_id(self, field_name: str, value: str | None) -> list[int]:
        """Tracks carrying this listen ID (e.g. ``recording_mbid``) in external_ids."""
        if not value:
            return []
        found: list[int] = []
        for scheme in ID_SCHEMES[field_name]:
            for track_id in self.external.get((scheme, value.strip().lower()), ()):
                if track_id in self.tracks and track_id not in found:
                    found.append(track_id)
        return found


def key_tokens(name: str) -> list[str]:
    """Blocking tokens of an artist name: its words (without "the") and the first 3 letters of its key."""
    key = artist_key(name)
    words = [word for word in key_words(name) if word != "the"]
    return [*words, "^" + key[:3]] if key else words


def key_words(name: str) -> list[str]:
    return normalize(name).split()
