"""Library stats: what is on disk (formats, size, duration), how much is analysed, duplicates, and how
much of the listening history is still unmatched to it.

Duplicates are files sharing an ``audio_hash`` (identical audio payload, whatever the tags); the space
they take is everything but the largest copy of each group, i.e. what deleting the extras would free.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models.enums import AnalysisStatus, ScanStatus
from models.listens import Listen
from models.media import MediaFile
from scrobbler.stats import track_totals


@dataclass(frozen=True, slots=True)
class FormatCount:
    format: str
    files: int
    size_bytes: int
    duration_secs: float


@dataclass(frozen=True, slots=True)
class LibraryStats:
    files: int
    size_bytes: int
    duration_secs: float
    analysed_files: int
    analysed_share: float
    duplicate_groups: int
    duplicate_files: int  # extra copies (not counting the one kept per group)
    duplicate_bytes: int  # space those extra copies take
    listens: int
    unmatched_listens: int
    unmatched_share: float
    formats: list[FormatCount] = field(default_factory=list)


def library_stats(session: Session, user_id: int | None = None) -> LibraryStats:
    """Files present on disk (scan status ok); listen shares for ``user_id`` or for everyone when None."""
    present = MediaFile.scan_status == ScanStatus.OK
    formats = [
        FormatCount(fmt or "unknown", int(n), int(size or 0), float(dur or 0))
        for fmt, n, size, dur in session.execute(
            select(
                MediaFile.format,
                func.count(),
                func.sum(MediaFile.size_bytes),
                func.sum(MediaFile.duration_secs),
            )
            .where(present)
            .group_by(MediaFile.format)
        )
    ]
    formats.sort(key=lambda f: (-f.files, f.format))
    files = sum(f.files for f in formats)
    analysed = int(
        session.scalar(
            select(func.count())
            .select_from(MediaFile)
            .where(present, MediaFile.analysis_status == AnalysisStatus.DONE)
        )
        or 0
    )
    groups = (
        select(
            func.count().label("copies"),
            func.sum(MediaFile.size_bytes).label("total"),
            func.max(MediaFile.size_bytes).label("largest"),
        )
        .where(present, MediaFile.audio_hash.is_not(None))
        .group_by(MediaFile.audio_hash)
        .having(func.count() > 1)
        .subquery()
    )
    dup_groups, dup_files, dup_bytes = session.execute(
        select(func.count(), func.sum(groups.c.copies - 1), func.sum(groups.c.total - groups.c.largest))
    ).one()
    counted = None if user_id is None else track_totals.listen_counts(session, user_id)
    if counted is None:
        listen_filter = [] if user_id is None else [Listen.user_id == user_id]
        listens, unmatched = session.execute(
            # SUM(CASE) rather than COUNT(*) FILTER (WHERE ...): MariaDB has no FILTER clause.
            select(func.count(), func.sum(case((Listen.track_id.is_(None), 1), else_=0))).where(
                *listen_filter
            )
        ).one()
    else:
        listens, unmatched = counted
    return LibraryStats(
        files=files,
        size_bytes=sum(f.size_bytes for f in formats),
        duration_secs=round(sum(f.duration_secs for f in formats), 3),
        analysed_files=analysed,
        analysed_share=round(analysed / files, 4) if files else 0.0,
        duplicate_groups=int(dup_groups or 0),
        duplicate_files=int(dup_files or 0),
        duplicate_bytes=int(dup_bytes or 0),
        listens=int(listens or 0),
        unmatched_listens=int(unmatched or 0),
        unmatched_share=round(int(unmatched or 0) / int(listens), 4) if listens else 0.0,
        formats=formats,
    )
