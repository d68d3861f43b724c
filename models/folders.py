"""The library folders a person chose: what ``tonearm scan`` scans by default and what the app lists.

Shared by the CLI and the app through the database, so both see the same library. Keyed like
``media_files``: ``path_hash`` (SHA-1 of the absolute path's bytes) is unique because a path can be longer
than any index allows; ``path`` keeps the path itself, non-UTF-8 names included. ``worker_path`` is where
the machines of an analysis cluster see the same folder (``tonearm folders map``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, media_table_args
from models.types import FilePath, UTCDateTime, utcnow


class LibraryFolder(Base):
    """One library folder (absolute, normalised, symlinks not resolved). No two nest: see
    ``analyzer.scan.folders``."""

    __tablename__ = "library_folders"
    __table_args__ = media_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(FilePath)
    path_hash: Mapped[str] = mapped_column(String(40), unique=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    worker_path: Mapped[str | None] = mapped_column(FilePath, nullable=True, default=None)
