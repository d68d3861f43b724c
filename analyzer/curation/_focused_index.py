"""A catalog index holding only what a known set of queries can reach: the fast path of playlist matching.

:meth:`CatalogIndex.load` prepares every track (cutting 100,000 titles is most of its 5-6 s); a playlist of
1,000 entries only ever touches the tracks of the artists it names (and of artists sharing a name word with
them: the fuzzy-artist pool) and the tracks in its title blocks. This module computes that set the way
:class:`analyzer.matching.Matcher` will look for it, loads only those tracks (all artists, which are few,
and the full title-token postings, computed from ``tracks.title_normalized`` without cutting titles
that have nothing to cut), and returns an index that gives the matcher the same answers.
``tests/analyzer/test_curation_focused.py`` checks it decides exactly like the plain index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from analyzer.matching import CatalogIndex, ListenQuery
from analyzer.matching.index import ID_SCHEMES, IndexedTrack, key_tokens
from analyzer.matching.keys import _MAYBE_SUFFIX, artist_keys, compact_key, split_artist_string, title_parts
from analyzer.matching.matcher import _MAX_ARTIST_POSTINGS, _MAX_TOKEN_POSTINGS
from models.artists import Artist, ArtistAlias
from models.enums import ArtistRole, EntityType
from models.external_ids import ExternalId
from models.releases import Release, ReleaseGroup, ReleaseItem
from models.tracks import TitleAlias, Track, TrackArtist, TrackGenre

_CHUNK = 2000  # ids per IN (...): few statements, under every engine's parameter limit
_NORMALIZED_MAX = 255  # tracks.title_normalized is cut here; longer titles are normalized again


def focused_index(session: Session, queries: Iterable[ListenQuery]) -> CatalogIndex:
    """An index equivalent, for ``queries``, to ``CatalogIndex.load(session)``."""
    wanted = list(queries)
    index = CatalogIndex()
    for artist_id, name in session.execute(select(Artist.id, Artist.name)).tuples():
        index.add_artist_name(artist_id, name)
    aliases = select(ArtistAlias.artist_id, ArtistAlias.alias, ArtistAlias.source)
    for artist_id, alias, source in session.execute(aliases).tuples():
        index.add_artist_name(artist_id, alias, alias_source=source)
    words = {token for query in wanted for token in title_parts(query.track_name).base.split()}
    postings = _title_postings(session, words)
    track_ids = _reachable_tracks(session, index, postings, wanted)
    _load_tracks(session, index, track_ids)
    # The full postings of the queries' words (the only ones the matcher asks for): it ranks a query's
    # words by how many tracks carry them.
    index.title_tokens = postings
    return index


def _title_postings(session: Session, words: set[str]) -> dict[str, list[int]]:
    """Title word -> tracks for ``words``, as CatalogIndex.add_track builds it (from base titles)."""
    postings: dict[str, list[int]] = defaultdict(list)
    # On the connection, not the ORM session: 100,000 plain rows skip the ORM's per-row loading.
    rows = session.connection().execute(
        select(Track.id, Track.title, Track.title_normalized).order_by(Track.id)
    )
    for track_id, title, normalized in rows:
        hits = words.intersection(normalized.split())
        if not hits and len(normalized) < _NORMALIZED_MAX:
            continue  # a base title's words are among the whole title's
        if _MAYBE_SUFFIX.search(title) or len(normalized) >= _NORMALIZED_MAX:
            hits = words.intersection(title_parts(title).base.split())
        # else: the base title is the normalized title (title_parts has nothing to cut)
        for token in hits:
            postings[token].append(track_id)
    return postings


def _reachable_tracks(
    session: Session, index: CatalogIndex, postings: dict[str, list[int]], queries: list[ListenQuery]
) -> set[int]:
    artists: set[int] = set()
    tracks: set[int] = set()
    title_keys: set[str] = set()
    ids: dict[str, set[str]] = defaultdict(set)
    for query in queries:
        exact = {a for key in artist_keys(query.artist_name) for a in index.artists_by_key.get(key, ())}
        artists.update(exact)
        # The matcher looks at sound-alike artist names only when the name resolves to no artist.
        for name in () if exact else (query.artist_name, *split_artist_string(query.artist_name)[:1]):
            for token in key_tokens(name):
                pool = index.artist_tokens.get(token, ())
                if len(pool) <= _MAX_ARTIST_POSTINGS:
                    artists.update(pool)
        parts = title_parts(query.track_name)
        title_keys.update((parts.full_key, parts.key))
        tracks.update(_blocked(parts.base, postings))
        for field_name in ID_SCHEMES:
            value = getattr(query, field_name)
            if value:  # stored as written (ISRCs upper case, MBIDs lower case); matched case-blind
                ids[field_name].update((value.strip(), value.strip().lower(), value.strip().upper()))
    sorted_artists = sorted(artists)
    for start in range(0, len(sorted_artists), _CHUNK):
        chunk = sorted_artists[start : start + _CHUNK]
        tracks.update(session.scalars(select(TrackArtist.track_id).where(TrackArtist.artist_id.in_(chunk))))
    for track_id, alias in session.execute(select(TitleAlias.track_id, TitleAlias.alias)).tuples():
        if compact_key(alias) in title_keys or title_parts(alias).key in title_keys:
            tracks.add(track_id)
    for field_name, values in ids.items():
        for scheme in ID_SCHEMES[field_name]:
            listed = sorted(values)
            for start in range(0, len(listed), _CHUNK):
                tracks.update(session.scalars(select(ExternalId.entity_id).where(
                    ExternalId.entity_type == EntityType.TRACK, ExternalId.scheme == scheme,
                    ExternalId.value.in_(listed[start : start + _CHUNK]))))  # fmt: skip
    return tracks


def _blocked(base: str, postings: dict[str, list[int]]) -> set[int]:
    """The tracks Matcher._title_block may score for a query title (its rarest three words' postings)."""
    lists = sorted((postings[token] for token in set(base.split()) if token in postings), key=len)
    blocked: set[int] = set()
    for posting in lists[:3]:
        if len(posting) > _MAX_TOKEN_POSTINGS and blocked:
            break
        blocked.update(posting[:_MAX_TOKEN_POSTINGS])
    return blocked


def _load_tracks(session: Session, index: CatalogIndex, track_ids: set[int]) -> None:
    """Tracks, credits, releases, genres, aliases and IDs of ``track_ids``, as CatalogIndex.load reads them."""
    ordered = sorted(track_ids)
    chunks = [ordered[i : i + _CHUNK] for i in range(0, len(ordered), _CHUNK)]
    for chunk in chunks:
        for track_id, title, duration in session.execute(
            select(Track.id, Track.title, Track.duration_secs).where(Track.id.in_(chunk))
        ).tuples():
            index.add_track(IndexedTrack(track_id, title, "", None, duration))
    # Credits in (track, role, position) order across all chunks, like the plain load.
    credits: list[tuple[int, ArtistRole, int, int]] = []
    for chunk in chunks:
        credits.extend(session.execute(
            select(TrackArtist.track_id, TrackArtist.role, TrackArtist.position, TrackArtist.artist_id)
            .where(TrackArtist.track_id.in_(chunk), TrackArtist.role.in_((ArtistRole.PRIMARY, ArtistRole.FEATURING)))
        ).tuples())  # fmt: skip
    for track_id, _role, _position, artist_id in sorted(credits, key=lambda c: (c[0], str(c[1]), c[2])):
        index.credit(track_id, artist_id)
    for chunk in chunks:
        releases = select(ReleaseItem.track_id, Release.title_normalized).join(
            Release, Release.id == ReleaseItem.release_id).where(ReleaseItem.track_id.in_(chunk))  # fmt: skip
        albums = select(Track.id, ReleaseGroup.title_normalized).join(
            ReleaseGroup, ReleaseGroup.id == Track.album_id).where(Track.id.in_(chunk))  # fmt: skip
        for statement in (releases, albums):
            for track_id, title in session.execute(statement).tuples():
                track = index.tracks.get(track_id)
                if track is not None and title and title not in track.releases:
                    track.releases.append(title)
    for chunk in chunks:
        for track_id, genre_id in session.execute(
            select(TrackGenre.track_id, TrackGenre.genre_id).where(TrackGenre.track_id.in_(chunk))
        ).tuples():
            index.tracks[track_id].genre_ids.append(genre_id)
        for track_id, alias, source in session.execute(
            select(TitleAlias.track_id, TitleAlias.alias, TitleAlias.source).where(
                TitleAlias.track_id.in_(chunk)
            )
        ).tuples():
            index.add_title_alias(track_id, alias, source)
        schemes = {scheme for group in ID_SCHEMES.values() for scheme in group}
        for scheme, value, entity_id in session.execute(
            select(ExternalId.scheme, ExternalId.value, ExternalId.entity_id).where(
                ExternalId.entity_type == EntityType.TRACK, ExternalId.scheme.in_(schemes),
                ExternalId.entity_id.in_(chunk))
        ).tuples():  # fmt: skip
            index.external[(scheme, value.strip().lower())].append(entity_id)
