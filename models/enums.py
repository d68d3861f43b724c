"""Enumerations of the data contract, stored as short strings (VARCHAR + CHECK on both engines).

Values are lowercase slugs so they read well in SQL and JSON; the contract's spelling is in each comment.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the scan's read workers import these enums and need no SQLAlchemy (~0.1 s a start)
    from sqlalchemy import Enum


class ReleaseGroupType(enum.StrEnum):
    # contract: album/single/EP/compilation/live/mixtape/dj_mix/remix/other
    ALBUM = "album"
    SINGLE = "single"
    EP = "ep"
    COMPILATION = "compilation"
    LIVE = "live"
    MIXTAPE = "mixtape"
    DJ_MIX = "dj_mix"
    REMIX = "remix"
    OTHER = "other"


class ArtistRole(enum.StrEnum):
    # contract: primary/featuring/remixer/…
    PRIMARY = "primary"
    FEATURING = "featuring"
    REMIXER = "remixer"
    COMPOSER = "composer"
    LYRICIST = "lyricist"
    PRODUCER = "producer"
    CONDUCTOR = "conductor"
    PERFORMER = "performer"
    ARRANGER = "arranger"
    DJ_MIXER = "dj_mixer"
    OTHER = "other"


class EnrichStatus(enum.StrEnum):
    PENDING = "pending"
    MATCHED = "matched"
    AMBIGUOUS = "ambiguous"
    UNMATCHED = "unmatched"
    MANUAL = "manual"


class ScanStatus(enum.StrEnum):
    """State of a media file after the last scan."""

    OK = "ok"
    ERROR = "error"  # could not be read; media_files.scan_error says why
    MISSING = "missing"  # vanished from disk; the row is kept for history


class AnalysisStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    ERROR = "error"


class EntityType(enum.StrEnum):
    """What an external_ids row identifies (polymorphic, so no foreign key)."""

    TRACK = "track"
    RELEASE = "release"
    RELEASE_GROUP = "release_group"
    ARTIST = "artist"
    LABEL = "label"
    PUBLISHER = "publisher"
    PLAYLIST = "playlist"
    EVENT = "event"
    GENRE = "genre"


def enum_column_type(enum_cls: type[enum.StrEnum], name: str) -> Enum:
    """A portable string enum: VARCHAR(32) with a named CHECK constraint, values stored as given."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
