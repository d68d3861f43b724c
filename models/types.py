"""Column types that keep Python values honest across SQLite and MariaDB.

- :class:`UTCDateTime`: aware UTC datetimes in Python, naive UTC in the database (neither engine keeps zones).
- :class:`UnixTime`: aware UTC datetimes in Python, integer epoch seconds in the database; used for
  ``listened_at`` so range scans, grouping and the dedupe keys are integer work on both engines.
- :class:`DurationSecs`: non-negative float seconds; accepts ``timedelta`` too.
- :class:`MBID`: a MusicBrainz identifier, validated as a UUID and stored as 36 lowercase characters.
- :class:`FilePath`: a filesystem path, including names that are not valid UTF-8 (stored reversibly).
"""

from __future__ import annotations

import base64
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Float, String, Text
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Now, as an aware UTC datetime: the default of every timestamp column."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime (UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite hands back text for server defaults (CURRENT_TIMESTAMP)
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


def to_epoch(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass an aware datetime (UTC)")
    return int(value.timestamp())


def from_epoch(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


class UnixTime(TypeDecorator[datetime]):
    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | int | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value
        return to_epoch(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> datetime | None:
        return None if value is None else from_epoch(int(value))


class DurationSecs(TypeDecorator[float]):
    impl = Float
    cache_ok = True

    def process_bind_param(self, value: float | timedelta | None, dialect: Dialect) -> float | None:
        if value is None:
            return None
        secs = value.total_seconds() if isinstance(value, timedelta) else float(value)
        if secs < 0 or secs != secs:  # negative or NaN
            raise ValueError(f"duration must be a non-negative number of seconds, got {value!r}")
        return secs

    def process_result_value(self, value: Any, dialect: Dialect) -> float | None:
        return None if value is None else float(value)


def parse_mbid(value: str | uuid.UUID) -> str:
    """The canonical text form of a MusicBrainz id; raises ValueError when it is not a UUID."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip()))


class MBID(TypeDecorator[str]):
    impl = String(36)
    cache_ok = True

    def process_bind_param(self, value: str | uuid.UUID | None, dialect: Dialect) -> str | None:
        return None if value is None else parse_mbid(value)


_BYTES_PREFIX = "bytes:"


def encode_path(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """Text for a path. UTF-8 names are stored as they are; other byte names as ``bytes:<base64>``."""
    raw = os.fsencode(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return _BYTES_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii")


def decode_path(text: str) -> str:
    """The path as the OS gives it to Python (undecodable bytes become surrogate escapes)."""
    if text.startswith(_BYTES_PREFIX):
        return os.fsdecode(base64.urlsafe_b64decode(text[len(_BYTES_PREFIX) :]))
    return text


class FilePath(TypeDecorator[str]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | os.PathLike[str] | None, dialect: Dialect) -> str | None:
        return None if value is None else encode_path(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decode_path(value)


def _long_text() -> Text:
    from sqlalchemy.dialects import mysql

    return Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


LongText = _long_text()
"""TEXT on SQLite, LONGTEXT on MariaDB (whose TEXT stops at 64 KiB): payloads and raw tag values."""
