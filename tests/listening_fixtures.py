"""A small builder of users, catalog, files, features and listens written straight through the models,
so stats and export tests do not depend on the importers or the analyzer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from models.artists import Artist
from models.enums import AnalysisStatus, EnrichStatus
from models.listens import Listen, ListenArtist, ListenGenre, ListenRaw
from models.media import AudioFeatures, MediaFile
from models.normalize import normalize
from models.releases import ReleaseGroup
from models.tracks import Genre, Track, TrackGenre
from models.users import User


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@dataclass
class Library:
    """Creates rows and remembers ids by name, so tests read like the data they describe."""

    session: Session
    artists: dict[str, int] = field(default_factory=dict)
    tracks: dict[str, int] = field(default_factory=dict)
    albums: dict[str, int] = field(default_factory=dict)
    genres: dict[str, int] = field(default_factory=dict)
    _raw_seq: int = 0

    def user(self, name: str, timezone: str | None = "UTC") -> User:
        user = User(username=name, timezone=timezone)
        self.session.add(user)
        self.session.flush()
        return user

    def artist(self, name: str) -> int:
        if name not in self.artists:
            artist = Artist(name=name, name_normalized=normalize(name))
            self.session.add(artist)
            self.session.flush()
            self.artists[name] = artist.id
        return self.artists[name]

    def genre(self, name: str) -> int:
        if name not in self.genres:
            genre = Genre(name=name, name_normalized=normalize(name))
            self.session.add(genre)
            self.session.flush()
            self.genres[name] = genre.id
        return self.genres[name]

    def album(self, title: str, artist: str) -> int:
        if title not in self.albums:
            group = ReleaseGroup(
                title=title, title_normalized=normalize(title), primary_artist_id=self.artist(artist)
            )
            self.session.add(group)
            self.session.flush()
            self.albums[title] = group.id
        return self.albums[title]

    def track(
        self,
        title: str,
        artist: str,
        *,
        duration: float | None = 200.0,
        album: str | None = None,
        genres: tuple[str, ...] = (),
    ) -> int:
        track = Track(
            track_uid=hashlib.sha1(f"{artist}/{title}".encode()).hexdigest(),
            title=title,
            title_normalized=normalize(title),
            duration_secs=duration,
            primary_artist_id=self.artist(artist),
            album_id=self.album(album, artist) if album else None,
        )
        self.session.add(track)
        self.session.flush()
        for genre in genres:
            self.session.add(TrackGenre(track_id=track.id, genre_id=self.genre(genre)))
        self.tracks[title] = track.id
        return track.id

    def media_file(
        self,
        track: str | None,
        path: str,
        *,
        fmt: str = "flac",
        size: int = 1000,
        duration: float = 200.0,
        audio_hash: str | None = None,
        features: dict[str, object] | None = None,
    ) -> int:
        media = MediaFile(
            file_path=path,
            file_path_hash=hashlib.sha1(path.encode()).hexdigest(),
            track_id=self.tracks[track] if track else None,
            audio_hash=audio_hash,
            duration_secs=duration,
            size_bytes=size,
            format=fmt,
            analysis_status=AnalysisStatus.DONE if features is not None else AnalysisStatus.PENDING,
        )
        self.session.add(media)
        self.session.flush()
        if features is not None:
            self.session.add(AudioFeatures(media_file_id=media.id, extractor_version="test", **features))
            self.session.flush()
        return media.id

    def listen(
        self,
        user: User,
        when: datetime,
        artist: str,
        title: str,
        *,
        matched: bool = True,
        played: float | None = None,
        release: str | None = None,
        listen_genres: tuple[str, ...] = (),
        track_duration: float | None = None,
    ) -> int:
        """One listen; ``matched`` links it to the catalog track ``title`` and its artist (listen_artists)."""
        self._raw_seq += 1
        raw_id = self.session.execute(
            insert(ListenRaw).values(
                user_id=user.id,
                source="test",
                source_track_id=str(self._raw_seq),
                payload_json="{}",
                listened_at=when,
            )
        ).inserted_primary_key[0]
        track_id = self.tracks[title] if matched else None
        listen = Listen(
            raw_id=raw_id,
            user_id=user.id,
            track_id=track_id,
            listened_at=when,
            duration_secs=played,
            track_duration_secs=track_duration,
            source="test",
            artist_name=artist,
            track_name=title,
            release_name=release,
            artist_name_normalized=normalize(artist),
            track_name_normalized=normalize(title),
            release_name_normalized=normalize(release) if release else None,
            enrich_status=EnrichStatus.MATCHED if matched else EnrichStatus.UNMATCHED,
        )
        self.session.add(listen)
        self.session.flush()
        if matched:
            self.session.add(ListenArtist(listen_id=listen.id, artist_id=self.artist(artist)))
        for genre in listen_genres:
            self.session.add(ListenGenre(listen_id=listen.id, genre_id=self.genre(genre)))
        self.session.flush()
        return listen.id
