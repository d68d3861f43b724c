"""Analysis leases: which run holds which media file, until when.

Several ``tonearm analyze`` runs (local or on clusters) can share one MariaDB library. Each claims the files
it will analyse by writing a lease (the primary key makes a file claimable by one run at a time); writing a
file's result deletes its lease in the same transaction, and a run that dies leaves leases that expire.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, media_table_args
from models.types import UTCDateTime


class AnalysisLease(Base):
    """One media file claimed by the run ``owner`` (host, pid and a random part) until ``expires_at``."""

    __tablename__ = "analysis_leases"
    __table_args__ = media_table_args()

    media_file_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.media_files.id", ondelete="CASCADE"), primary_key=True
    )
    owner: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
