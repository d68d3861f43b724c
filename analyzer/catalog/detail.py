"""Everything known about one track, for the app's detail pane (it runs on every selection change).

Nine indexed queries, each keyed by the track id (or its file ids), so the cost does not grow with the
library: tags with their source, files with their read and analysis state, the features of the best
analysed file, external ids, credits, genres, and play count / last play from the listens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analyzer.catalog.browse import _credit_strings
from analyzer.catalog.record import REPEAT_MARK, tag_key_of
from models.artists import Artist
from models.enums import AnalysisStatus, EntityType, ScanStatus
from models.external_ids import ExternalId
from models.listens import Listen
from models.media import AudioFeatures, MediaFile
from models.releases import ReleaseGroup
from models.tracks import Genre, TagSource, Track, TrackArtist, TrackGenre, TrackTagAttribute


@dataclass(frozen=True)
class TagValue:
    """A tag as the catalog resolved it; ``source`` is the tag source's name (None when unrecorded)."""

    key: str
    value: str
    source: str | None


@dataclass(frozen=True)
class FileInfo:
    """One file of the track. ``error`` is why it could not be read when ``scan_status`` is error,
    else the analysis' failure or partial problem (e.g. no fingerprint), else None."""

    path: str
    format: str | None
    codec: str | None
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    size_bytes: int
    audio_hash: str | None
    scan_status: str
    analysis_status: str
    error: str | None
    media_file_id: int = 0
    duration_secs: float | None = None
    lossless: bool | None = None


@dataclass(frozen=True)
class FeatureInfo:
    """Essentia features of one of the track's files (``media_file_id``): the first readable analysed
    file, in the order of :attr:`TrackDetail.files`."""

    bpm: float | None
    key: str | None
    scale: str | None
    camelot: str | None
    loudness_lufs: float | None
    energy: float | None
    danceability: float | None
    bpm_confidence: float | None = None
    key_strength: float | None = None
    dynamic_complexity: float | None = None
    onset_rate: float | None = None
    acousticness: float | None = None
    instrumentalness: float | None = None
    valence: float | None = None
    extractor_version: str = ""
    media_file_id: int = 0


@dataclass(frozen=True)
class Credit:
    """An artist credited on the track: ``role`` (primary, featuring, composer, ...), in credit order."""

    artist_id: int
    name: str
    role: str
    credited_as: str | None


@dataclass(frozen=True)
class AlbumRatingInfo:
    """One user's rating of the track's album (``tonearm rate``): stars 0.5-5, favourite, review."""

    user: str
    stars: float
    favourite: str | None
    review: str | None


@dataclass(frozen=True)
class TrackDetail:
    id: int
    title: str
    artist: str  # the credit string as printed ("A feat. B")
    album: str | None
    album_artist: str | None
    year: int | None
    duration_secs: float | None
    tags: list[TagValue]
    files: list[FileInfo]  # readable files first, then by path
    external_ids: list[tuple[str, str]]  # (scheme, value), sorted
    features: FeatureInfo | None
    plays: int  # listens linked to the track, all users
    last_played: datetime | None
    credits: list[Credit] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)  # heaviest first
    track_uid: str = ""
    album_ratings: list[AlbumRatingInfo] = field(default_factory=list)  # the album's ratings, best first


def track_detail(session: Session, track_id: int) -> TrackDetail | None:
    """The track's detail, or None when no track has this id (e.g. removed since it was listed)."""
    album_artist = Artist.__table__.alias("album_artist")
    head = session.execute(
        select(
            Track.title,
            Track.track_uid,
            Track.duration_secs,
            ReleaseGroup.title,
            ReleaseGroup.year,
            album_artist.c.name,
            Track.album_id,
        )
        .outerjoin(ReleaseGroup, ReleaseGroup.id == Track.album_id)
        .outerjoin(album_artist, album_artist.c.id == ReleaseGroup.primary_artist_id)
        .where(Track.id == track_id)
    ).first()
    if head is None:
        return None
    title, uid, duration, album, year, album_artist_name, album_id = head
    files = _files(session, track_id)
    plays, last_played = session.execute(
        select(func.count(Listen.id), func.max(Listen.listened_at)).where(Listen.track_id == track_id)
    ).one()
    return TrackDetail(
        id=track_id,
        title=title,
        artist=_credit_strings(session, [track_id]).get(track_id, ""),
        album=album,
        album_artist=album_artist_name,
        year=year,
        duration_secs=duration,
        tags=_tags(session, track_id),
        files=files,
        external_ids=_external_ids(session, track_id),
        features=_features(session, files),
        plays=int(plays or 0),
        last_played=last_played,
        credits=_credits(session, track_id),
        genres=_genres(session, track_id),
        track_uid=uid,
        album_ratings=_album_ratings(session, album_id) if album_id is not None else [],
    )


def _album_ratings(session: Session, album_id: int) -> list[AlbumRatingInfo]:
    """Every user's rating of the album, best first, in one query (ratings are written by
    :mod:`analyzer.curation.ratings`)."""
    from models.ratings import AlbumRating
    from models.users import User

    favourite = Track.__table__.alias("favourite")
    rows = session.execute(
        select(User.username, AlbumRating.rating_halves, favourite.c.title, AlbumRating.review)
        .join(User, User.id == AlbumRating.user_id)
        .outerjoin(favourite, favourite.c.id == AlbumRating.favourite_track_id)
        .where(AlbumRating.release_group_id == album_id)
        .order_by(AlbumRating.rating_halves.desc(), User.username)
    ).tuples()
    return [AlbumRatingInfo(user, halves / 2, fav, review) for user, halves, fav, review in rows]


def _tags(session: Session, track_id: int) -> list[TagValue]:
    rows = session.execute(
        select(TrackTagAttribute.key, TrackTagAttribute.value, TagSource.name)
        .outerjoin(TagSource, TagSource.id == TrackTagAttribute.source_id)
        .where(TrackTagAttribute.track_id == track_id)
    ).tuples()
    # A tag's further values are stored as KEY#2, KEY#3: shown as the tag they belong to, in order.
    found = [(tag_key_of(key), _repeat_number(key), value, source) for key, value, source in rows]
    found.sort(key=lambda t: (t[0], t[1]))
    return [TagValue(key, value, source) for key, _number, value, source in found]


def _repeat_number(stored: str) -> int:
    return 1 if tag_key_of(stored) == stored else int(stored.rpartition(REPEAT_MARK)[2])


def _files(session: Session, track_id: int) -> list[FileInfo]:
    rows = session.execute(
        select(
            MediaFile.id,
            MediaFile.file_path,
            MediaFile.format,
            MediaFile.codec,
            MediaFile.bitrate,
            MediaFile.sample_rate,
            MediaFile.channels,
            MediaFile.size_bytes,
            MediaFile.audio_hash,
            MediaFile.scan_status,
            MediaFile.analysis_status,
            MediaFile.scan_error,
            MediaFile.analysis_error,
            MediaFile.duration_secs,
            MediaFile.lossless,
        ).where(MediaFile.track_id == track_id)
    ).tuples()
    files = [
        FileInfo(
            path=path,
            format=fmt,
            codec=codec,
            bitrate=bitrate,
            sample_rate=rate,
            channels=channels,
            size_bytes=size,
            audio_hash=audio_hash,
            scan_status=str(scan_status),
            analysis_status=str(analysis_status),
            error=scan_error if scan_status == ScanStatus.ERROR else analysis_error,
            media_file_id=media_id,
            duration_secs=duration,
            lossless=lossless,
        )
        for (media_id, path, fmt, codec, bitrate, rate, channels, size, audio_hash, scan_status,
             analysis_status, scan_error, analysis_error, duration, lossless) in rows
    ]  # fmt: skip
    return sorted(files, key=lambda f: (f.scan_status != ScanStatus.OK, f.path))


_FEATURE_COLUMNS = ("bpm", "key", "scale", "camelot", "loudness_lufs", "energy", "danceability",
                    "bpm_confidence", "key_strength", "dynamic_complexity", "onset_rate", "acousticness",
                    "instrumentalness", "valence", "extractor_version", "media_file_id")  # fmt: skip


def _features(session: Session, files: list[FileInfo]) -> FeatureInfo | None:
    analysed = [f.media_file_id for f in files if f.analysis_status == AnalysisStatus.DONE]
    if not analysed:
        return None
    columns = [getattr(AudioFeatures, name) for name in _FEATURE_COLUMNS]
    rows = {
        row[-1]: row
        for row in session.execute(select(*columns).where(AudioFeatures.media_file_id.in_(analysed)))
    }
    for media_id in analysed:  # the order of the files: readable first
        row = rows.get(media_id)
        if row is not None:
            return FeatureInfo(*row)
    return None


def _external_ids(session: Session, track_id: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(ExternalId.scheme, ExternalId.value).where(
            ExternalId.entity_type == EntityType.TRACK, ExternalId.entity_id == track_id
        )
    ).tuples()
    return sorted(rows)


def _credits(session: Session, track_id: int) -> list[Credit]:
    rows = session.execute(
        select(TrackArtist.artist_id, Artist.name, TrackArtist.role, TrackArtist.credited_name)
        .join(Artist, Artist.id == TrackArtist.artist_id)
        .where(TrackArtist.track_id == track_id)
        .order_by(TrackArtist.role, TrackArtist.position, TrackArtist.id)
    ).tuples()
    credits = [Credit(artist_id, name, str(role), credited) for artist_id, name, role, credited in rows]
    return sorted(credits, key=lambda c: _ROLE_ORDER.get(c.role, len(_ROLE_ORDER)))  # stable: keeps position


_ROLE_ORDER = {"primary": 0, "featuring": 1, "remixer": 2}


def _genres(session: Session, track_id: int) -> list[str]:
    rows = session.execute(
        select(Genre.name, TrackGenre.weight)
        .join(Genre, Genre.id == TrackGenre.genre_id)
        .where(TrackGenre.track_id == track_id)
    ).tuples()
    return [name for name, _ in sorted(rows, key=lambda r: (-r[1], r[0]))]


__all__ = ["Credit", "FeatureInfo", "FileInfo", "TagValue", "TrackDetail", "track_detail"]
