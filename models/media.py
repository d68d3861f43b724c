"""Files on disk and what analysis learned from their audio (medialibrary)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, media_table_args
from models.enums import AnalysisStatus, ScanStatus, enum_column_type
from models.types import DurationSecs, FilePath, UTCDateTime, utcnow


class MediaFile(Base):
    """A local audio file. Keyed by ``file_path_hash`` (SHA-1 of the absolute path's bytes) because a path
    can be longer than any index allows. ``size_bytes`` + ``mtime_ns`` let a rescan skip unchanged files."""

    __tablename__ = "media_files"
    __table_args__ = media_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    file_path: Mapped[str] = mapped_column(FilePath)
    file_path_hash: Mapped[str] = mapped_column(String(40), unique=True)
    track_id: Mapped[int | None] = mapped_column(
        ForeignKey("medialibrary.tracks.id", ondelete="SET NULL"), index=True
    )
    audio_hash: Mapped[str | None] = mapped_column(String(32), index=True)  # MD5 of the undecoded payload
    duration_secs: Mapped[float | None] = mapped_column(DurationSecs)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    mtime_ns: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    format: Mapped[str | None] = mapped_column(String(32))  # mp3, flac, ogg_vorbis, opus, m4a_alac, ...
    codec: Mapped[str | None] = mapped_column(String(32))
    bitrate: Mapped[int | None] = mapped_column(Integer)  # bits per second
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[int | None] = mapped_column(Integer)
    lossless: Mapped[bool | None] = mapped_column()
    scan_status: Mapped[ScanStatus] = mapped_column(
        enum_column_type(ScanStatus, "scan_status"), default=ScanStatus.OK, server_default="ok", index=True
    )
    error_kind: Mapped[str | None] = mapped_column(String(32))  # truncated | not_audio | unsupported | ...
    scan_error: Mapped[str | None] = mapped_column(Text)  # the human reason
    analysis_status: Mapped[AnalysisStatus] = mapped_column(
        enum_column_type(AnalysisStatus, "analysis_status"),
        default=AnalysisStatus.PENDING,
        server_default="pending",
        index=True,
    )
    analysis_error: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    analyzed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Fingerprint(Base):
    """The Chromaprint fingerprint of a file's audio, compressed (base64, as fpcalc prints it)."""

    __tablename__ = "fingerprints"
    __table_args__ = media_table_args()

    media_file_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.media_files.id", ondelete="CASCADE"), primary_key=True
    )
    chromaprint: Mapped[str] = mapped_column(Text)
    duration_secs: Mapped[float] = mapped_column(DurationSecs)
    algorithm: Mapped[int] = mapped_column(Integer, default=2)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AudioFeatures(Base):
    """Essentia features of a file. ``extractor_version`` changes when the algorithm does, so a newer
    extractor re-runs. ``vector`` is the raw float32 feature vector (little-endian bytes); similarity
    standardizes it over the library."""

    __tablename__ = "audio_features"
    __table_args__ = media_table_args()

    media_file_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.media_files.id", ondelete="CASCADE"), primary_key=True
    )
    extractor_version: Mapped[str] = mapped_column(String(32), index=True)
    bpm: Mapped[float | None] = mapped_column(Float)
    bpm_confidence: Mapped[float | None] = mapped_column(Float)
    key: Mapped[str | None] = mapped_column(String(8))
    scale: Mapped[str | None] = mapped_column(String(8))
    key_strength: Mapped[float | None] = mapped_column(Float)
    camelot: Mapped[str | None] = mapped_column(String(4))
    loudness_lufs: Mapped[float | None] = mapped_column(Float)
    dynamic_complexity: Mapped[float | None] = mapped_column(Float)
    danceability: Mapped[float | None] = mapped_column(Float)
    onset_rate: Mapped[float | None] = mapped_column(Float)
    energy: Mapped[float | None] = mapped_column(Float)
    acousticness: Mapped[float | None] = mapped_column(Float)
    instrumentalness: Mapped[float | None] = mapped_column(Float)
    valence: Mapped[float | None] = mapped_column(Float)
    details_json: Mapped[str | None] = mapped_column(Text)  # spectral/timbre statistics
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AcoustidSubmission(Base):
    """What was sent to the AcoustID web service, so nothing is submitted twice."""

    __tablename__ = "acoustid_submissions"
    __table_args__ = media_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    media_file_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.media_files.id", ondelete="CASCADE"), index=True
    )
    fingerprint_sha1: Mapped[str] = mapped_column(String(40))
    submission_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), default="submitted")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
