"""Each uniqueness constraint of the contract rejects its duplicate, on SQLite and MariaDB, single and split;
cross-schema references are enforced by the engine where it can (MariaDB) and by Tonearm where not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import exc, func, select

from models.artists import Artist, ArtistAlias
from models.bootstrap import init_database
from models.curation import EventRecording, PlaylistItem
from models.engine import Database
from models.enums import ArtistRole, EntityType
from models.external_ids import ExternalId
from models.integrity import MissingReference, ensure_tracks_exist, find_orphans
from models.listens import Listen, ListenArtist, ListenGenre, ListenMatchCandidate, ListenRaw, ListenSource
from models.media import MediaFile
from models.releases import Label, Release, ReleaseGroup, ReleaseItem, ReleaseLabel, ReleasePublisher
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
from models.users import ApiToken, ConfigEntry, User
from tests.conftest import ENGINE_LAYOUTS, open_layout
from tests.models.graph import WHEN, Graph, build_graph

Row = Callable[[Graph], Any]

DUPLICATES: dict[str, Row] = {
    "artists.name_normalized": lambda g: Artist(name="SIGUR ROS", name_normalized="sigur ros"),
    "artist_aliases": lambda g: ArtistAlias(
        artist_id=g.artist, alias="Sigur Ros", alias_normalized="sigur ros"
    ),
    "genres.name_normalized": lambda g: Genre(name="post rock", name_normalized="post rock"),
    "release_groups": lambda g: ReleaseGroup(
        title="Agaetis Byrjun", title_normalized="agaetis byrjun", primary_artist_id=g.artist
    ),
    "releases": lambda g: Release(
        title="Agaetis byrjun", title_normalized="agaetis byrjun", release_group_id=g.release_group
    ),
    "release_items": lambda g: ReleaseItem(release_id=g.release, track_id=g.track, disc_no=1, track_no=2),
    "labels.name_normalized": lambda g: Label(name="FatCat", name_normalized="fat cat"),
    "release_labels": lambda g: ReleaseLabel(release_id=g.release, label_id=g.label, cat_id="FAT 1"),
    "track_labels": lambda g: TrackLabel(track_id=g.track, label_id=g.label),
    "release_publishers": lambda g: ReleasePublisher(release_id=g.release, publisher_id=g.publisher),
    "playlist_items": lambda g: PlaylistItem(playlist_id=g.playlist, position=1, track_id=g.track),
    "event_recordings": lambda g: EventRecording(event_id=g.event, track_id=g.track),
    "tag_sources.name": lambda g: TagSource(name="file", priority=1),
    "track_tag_attributes": lambda g: TrackTagAttribute(
        track_id=g.track, key="mood", value="calm", source_id=g.tag_source
    ),
    "external_ids": lambda g: ExternalId(
        entity_type=EntityType.TRACK, entity_id=g.track, scheme="isrc", value="ISXX1"
    ),
    "media_files.file_path_hash": lambda g: MediaFile(file_path="/elsewhere.flac", file_path_hash="a" * 40),
    "tracks.track_uid": lambda g: Track(track_uid="uid-1", title="Other", title_normalized="other"),
    "track_artists": lambda g: TrackArtist(
        track_id=g.track, artist_id=g.artist, role=ArtistRole.PRIMARY, position=0
    ),
    "track_genres": lambda g: TrackGenre(track_id=g.track, genre_id=g.genre, weight=0.5),
    "title_aliases": lambda g: TitleAlias(
        track_id=g.track, alias="Svefn g englar (Live)", alias_normalized="svefn g englar live"
    ),
    "users.username": lambda g: User(username="alice"),
    # Two NULL source_track_ids must collide: the point of the COALESCE in the dedupe key.
    "listens_raw dedupe": lambda g: ListenRaw(
        user_id=g.user, source="test", payload_json="{}", listened_at=WHEN
    ),
    "listens raw+source id": lambda g: ListenRaw(
        user_id=g.user,
        source="spotify",
        source_track_id="spotify:track:1",
        payload_json="{}",
        listened_at=WHEN,
    ),
    "uq_listen_dedupe": lambda g: Listen(
        raw_id=g.raw,
        user_id=g.user,
        track_id=g.track,
        listened_at=WHEN,
        source="other",
        artist_name="a",
        track_name="b",
        artist_name_normalized="a",
        track_name_normalized="b",
    ),  # fmt: skip
    "listen_match_candidates": lambda g: ListenMatchCandidate(
        listen_id=g.listen, track_id=g.track, confidence=0.5
    ),
    "listen_artists": lambda g: ListenArtist(listen_id=g.listen, artist_id=g.artist),
    "listen_genres": lambda g: ListenGenre(listen_id=g.listen, genre_id=g.genre),
    "config.key": lambda g: ConfigEntry(key="theme", value="dark"),
    "api_tokens.token_sha256": lambda g: ApiToken(user_id=g.user, token_sha256="f" * 64, prefix="ffff"),
    "listen_sources.raw_id": lambda g: ListenSource(listen_id=g.listen, raw_id=g.raw, relation="primary"),
}


# Keys whose first row is already part of the graph (build_graph): the row above is its duplicate.
ORIGINAL_IN_GRAPH = {
    "artists.name_normalized", "genres.name_normalized", "release_groups", "releases", "labels.name_normalized",
    "tag_sources.name", "media_files.file_path_hash", "tracks.track_uid", "users.username", "listens_raw dedupe",
    "uq_listen_dedupe",
}  # fmt: skip


@pytest.fixture(scope="module", params=ENGINE_LAYOUTS)
def graph_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, Graph]]:
    """One database per layout for all duplicate cases: each case writes keys no other case uses."""
    db = open_layout(request.param, tmp_path_factory.mktemp("graph"), request)
    init_database(db)
    with db.session() as session:
        graph = build_graph(session)
    yield db, graph
    db.dispose()


@pytest.mark.parametrize("name", list(DUPLICATES))
def test_duplicate_is_rejected(graph_db: tuple[Database, Graph], name: str) -> None:
    db, graph = graph_db
    make = DUPLICATES[name]
    table = type(make(graph)).__table__
    if name not in ORIGINAL_IN_GRAPH:
        with db.session() as session:
            session.add(make(graph))
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(table))
    with pytest.raises(exc.IntegrityError), db.session() as session:
        session.add(make(graph))
    with db.session() as session:  # the original is kept, the duplicate left nothing behind
        assert session.scalar(select(func.count()).select_from(table)) == before


def test_distinct_rows_are_accepted(db: Database) -> None:
    """The keys are not over-tight: a different value in any key column is a new row."""
    with db.session() as session:
        g = build_graph(session)
        session.add_all(
            [
                ListenRaw(user_id=g.user, source="test", payload_json="{}", listened_at=WHEN + timedelta(seconds=1)),
                ListenRaw(user_id=g.user, source="test", source_track_id="x", payload_json="{}", listened_at=WHEN),
                ReleaseItem(release_id=g.release, track_id=g.track, disc_no=2, track_no=2),
                TrackArtist(track_id=g.track, artist_id=g.artist, role=ArtistRole.REMIXER, position=1),
                Release(title="Ágætis byrjun", title_normalized="agaetis byrjun", release_date="1999",
                        release_group_id=g.release_group),
            ]
        )  # fmt: skip


def test_playlist_item_needs_exactly_one_target(db: Database) -> None:
    with db.session() as session:
        g = build_graph(session)
    for kwargs in ({}, {"track_id": g.track, "release_id": g.release}):
        with pytest.raises(exc.IntegrityError), db.session() as session:
            session.add(PlaylistItem(playlist_id=g.playlist, position=5, **kwargs))


def test_listen_pointing_at_missing_track_is_rejected(db: Database) -> None:
    """MariaDB (single or split) and one SQLite file: a real foreign key. SQLite split: Tonearm's guard."""
    with db.session() as session:
        g = build_graph(session)
    expected = (exc.IntegrityError, MissingReference)
    with pytest.raises(expected), db.session() as session:
        listen = session.get(Listen, g.listen)
        assert listen is not None
        listen.track_id = 999_999
    with pytest.raises(expected), db.session() as session:
        session.add(ListenMatchCandidate(listen_id=g.listen, track_id=424_242, confidence=0.1))
    with pytest.raises(MissingReference), db.session() as session:
        ensure_tracks_exist(session, [g.track, 31_337])
    with db.session() as session:
        assert session.get(Listen, g.listen).track_id == g.track  # type: ignore[union-attr]
        assert find_orphans(session) == []


def test_db_check_reports_orphans_written_behind_our_back(sqlite_split_db: Database) -> None:
    """A write that bypasses the guard (raw SQL on SQLite split, the one layout where the engine cannot
    refuse it) is found by the orphan report."""
    db = sqlite_split_db
    assert not db.enforces_cross_schema_fks
    with db.session() as session:
        g = build_graph(session)
    with db.engine.begin() as connection:
        connection.exec_driver_sql(
            f'UPDATE "{db.schemas.listens}".listens SET track_id = 777 WHERE id = {g.listen}'
        )
        connection.exec_driver_sql(
            f'INSERT INTO "{db.schemas.medialibrary}".external_ids (entity_type, entity_id, scheme, value) '
            "VALUES ('artist', 555, 'mbid', 'x')"
        )
    with db.session() as session:
        found = {(o.table, o.column): o for o in find_orphans(session)}
    assert found[("listens", "track_id")].sample == (g.listen,)
    assert found[("external_ids", "entity_id[artist]")].count == 1


@pytest.mark.parametrize(
    "text",
    [
        "Sigur Rós — Svefn-g-englar",
        "宇多田ヒカル「First Love」",
        "🎧🔥 Mix 🇮🇸",
        "e\u0301 combining",
        "𝄞 clef 😀",
    ],
)
def test_unicode_round_trip(db: Database, text: str) -> None:
    """utf8mb4 on MariaDB: 4-byte emoji, CJK and combining accents come back unchanged."""
    with db.session() as session:
        artist = Artist(name=text, name_normalized=text.casefold())
        session.add(artist)
        session.flush()
        artist_id = artist.id
    with db.session() as session:
        loaded = session.get(Artist, artist_id)
        assert loaded is not None and loaded.name == text
        assert session.scalar(select(Artist.id).where(Artist.name_normalized == text.casefold())) == artist_id
