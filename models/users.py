"""People who listen, their API tokens, and the app's key/value settings (listens schema)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, listens_table_args
from models.types import UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"
    __table_args__ = listens_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    # IANA zone used for stats ("in the user's time zone"); None means the machine's zone.
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A token for the local ListenBrainz-compatible API. Only its SHA-256 is stored; the clear token is
    shown once at creation. ``prefix`` (first characters) lets a person tell tokens apart."""

    __tablename__ = "api_tokens"
    __table_args__ = listens_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("listens.users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    label: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConfigEntry(Base):
    __tablename__ = "config"
    __table_args__ = listens_table_args()

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
