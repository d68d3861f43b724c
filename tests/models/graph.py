"""A minimal catalog + listening graph for constraint tests: one row of everything, ids returned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from models.artists import Artist
from models.curation import Event, Playlist
from models.listens import Listen, ListenRaw
from models.media import MediaFile
from models.releases import Label, Publisher, Release, ReleaseGroup
from models.tracks import Genre, TagSource, Track
from models.users import User

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class Graph:
    user: int
    artist: int
    track: int
    release_group: int
    release: int
    label: int
    genre: int
    publisher: int
    playlist: int
    event: int
    tag_source: int
    raw: int
    listen: int
    media_file: int


def build_graph(session: Session) -> Graph:
    user = User(username="alice")
    artist = Artist(name="Sigur Rós", name_normalized="sigur ros")
    session.add_all([user, artist])
    session.flush()
    group = ReleaseGroup(
        title="Ágætis byrjun", title_normalized="agaetis byrjun", primary_artist_id=artist.id
    )
    session.add(group)
    session.flush()
    release = Release(title="Ágætis byrjun", title_normalized="agaetis byrjun", release_group_id=group.id)
    track = Track(
        track_uid="uid-1", title="Svefn-g-englar", title_normalized="svefn g englar", album_id=group.id
    )
    label = Label(name="Fat Cat", name_normalized="fat cat")
    genre = Genre(name="Post-Rock", name_normalized="post rock")
    publisher = Publisher(name="Channel", name_normalized="channel", platform="youtube")
    event = Event(name="Fest", name_normalized="fest")
    source = TagSource(name="file", priority=10)
    session.add_all([release, track, label, genre, publisher, event, source])
    session.flush()
    playlist = Playlist(title="Mix", owner_publisher_id=publisher.id)
    raw = ListenRaw(user_id=user.id, source="test", payload_json="{}", listened_at=WHEN)
    media = MediaFile(file_path="/music/a.flac", file_path_hash="a" * 40, track_id=track.id)
    session.add_all([playlist, raw, media])
    session.flush()
    listen = Listen(
        raw_id=raw.id, user_id=user.id, track_id=track.id, listened_at=WHEN, source="test",
        artist_name="Sigur Rós", track_name="Svefn-g-englar", artist_name_normalized="sigur ros",
        track_name_normalized="svefn g englar",
    )  # fmt: skip
    session.add(listen)
    session.flush()
    return Graph(
        user.id, artist.id, track.id, group.id, release.id, label.id, genre.id, publisher.id, playlist.id,
        event.id, source.id, raw.id, listen.id, media.id,
    )  # fmt: skip
