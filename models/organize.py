"""File organizing: rename/move proposals from tags, and the log that makes applying them safe (medialibrary).

A proposal is written before its file is touched; its status moves pending -> moving -> applied (or
failed), so a run killed halfway is resumed or rolled back from these rows alone
(:mod:`analyzer.curation.organize`). Applied rows are the undo log. A rejected proposal is remembered by
(file, proposed path) and never proposed again.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, media_table_args
from models.enums import enum_column_type
from models.types import FilePath, UTCDateTime, utcnow


class ProposalStatus(enum.StrEnum):
    PENDING = "pending"  # previewed, not applied
    MOVING = "moving"  # an apply run is between "link the new name" and "record it" (resume decides)
    APPLIED = "applied"  # the file is at proposed_path and media_files says so
    REJECTED = "rejected"  # the person said no; never proposed again
    FAILED = "failed"  # could not be applied (target taken, source gone...); ``error`` says why
    UNDONE = "undone"  # applied, then moved back by an undo


class OrganizeProposal(Base):
    """Move ``media_file_id`` from ``current_path`` to ``proposed_path``, with why and how sure we are."""

    __tablename__ = "organize_proposals"
    __table_args__ = media_table_args(
        CheckConstraint("confidence >= 0 AND confidence <= 100", name="confidence_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    media_file_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.media_files.id", ondelete="CASCADE"), index=True
    )
    current_path: Mapped[str] = mapped_column(FilePath)
    proposed_path: Mapped[str] = mapped_column(FilePath)
    proposed_path_hash: Mapped[str] = mapped_column(String(40), index=True)
    template: Mapped[str] = mapped_column(String(1024))
    reason: Mapped[str] = mapped_column(Text)
    confidence: Mapped[int] = mapped_column(Integer)
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column_type(ProposalStatus, "organize_status"), default=ProposalStatus.PENDING, index=True
    )
    run_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the apply run that moved it (undo unit)
    undoes_id: Mapped[int | None] = mapped_column(Integer)  # an undo is a reverse proposal of this one
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
