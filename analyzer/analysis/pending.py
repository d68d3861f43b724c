"""Which media files analysis should (re)visit: never analysed, changed since (the scan resets them to
pending), or analysed by an older feature extractor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from analyzer.audio import EXTRACTOR_VERSION
from models.enums import AnalysisStatus, ScanStatus
from models.media import AudioFeatures, MediaFile


@dataclass(frozen=True, slots=True)
class AnalysisJob:
    media_file_id: int
    path: str


def needs_analysis(*, retry_errors: bool = False) -> ColumnElement[bool]:
    """The condition on ``media_files`` rows that analysis should visit (shared by the lease claims).

    Files the scan could not read, or that are missing, are never picked; files that failed analysis are
    picked again only with ``retry_errors`` (a changed file is reset to pending by the scan anyway).
    """
    statuses = [AnalysisStatus.PENDING, *([AnalysisStatus.ERROR] if retry_errors else [])]
    outdated = (
        select(AudioFeatures.media_file_id)
        .where(AudioFeatures.extractor_version != str(EXTRACTOR_VERSION))
        .scalar_subquery()
    )
    return (MediaFile.scan_status == ScanStatus.OK) & or_(
        MediaFile.analysis_status.in_(statuses),
        (MediaFile.analysis_status == AnalysisStatus.DONE) & MediaFile.id.in_(outdated),
    )


def pending_jobs(session: Session, *, retry_errors: bool = False) -> list[AnalysisJob]:
    """Files to analyse, in id order (stable, so an interrupted run resumes where it stopped)."""
    rows = session.execute(
        select(MediaFile.id, MediaFile.file_path)
        .where(needs_analysis(retry_errors=retry_errors))
        .order_by(MediaFile.id)
    )
    return [AnalysisJob(media_id, path) for media_id, path in rows.tuples()]
