"""Duplicate groups as a person reviews them: with each file's size, the space the extra copies take,
biggest waste first, and the plan that moves every file but the chosen one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from analyzer.catalog.upsert import chunked
from analyzer.duplicates.keep import DuplicateFile
from analyzer.duplicates.library import DuplicateGroup, find_duplicates
from analyzer.duplicates.trash import TrashPlan
from models.enums import AnalysisStatus, ScanStatus
from models.media import MediaFile


@dataclass(frozen=True)
class GroupOverview:
    """A group plus each file's size in bytes (0 when unknown)."""

    group: DuplicateGroup
    sizes: dict[int, int]

    def size_of(self, item: DuplicateFile) -> int:
        return self.sizes.get(item.media_file_id, 0)

    def waste(self, keep: DuplicateFile | None = None) -> int:
        """Bytes the files other than ``keep`` (default: the suggested keeper) take."""
        kept = (keep or self.group.keep).media_file_id
        return sum(self.size_of(item) for item in self.group.files if item.media_file_id != kept)

    def plan(self, keep: DuplicateFile | None = None) -> TrashPlan:
        """Keep ``keep`` (default: the suggestion), move the rest."""
        kept = keep or self.group.keep
        others = [item for item in self.group.files if item.media_file_id != kept.media_file_id]
        return TrashPlan(kept, others, self.group.reason, self.group.explanation)


def duplicate_overview(session: Session) -> list[GroupOverview]:
    """Every duplicate group (:func:`find_duplicates`), the one wasting the most space first."""
    if not _any_analysed(session):
        return []  # nothing to compare (find_duplicates would still read every track's tags: 1-2 s on 100k)
    groups = find_duplicates(session)
    ids = [item.media_file_id for group in groups for item in group.files]
    sizes: dict[int, int] = {}
    for chunk in chunked(ids):
        rows = session.execute(select(MediaFile.id, MediaFile.size_bytes).where(MediaFile.id.in_(chunk)))
        sizes.update((int(mid), int(size or 0)) for mid, size in rows.tuples())
    found = [
        GroupOverview(group, {i.media_file_id: sizes.get(i.media_file_id, 0) for i in group.files})
        for group in groups
    ]
    found.sort(key=lambda item: (-item.waste(), -len(item.group.files), item.group.keep.path))
    return found


def _any_analysed(session: Session) -> bool:
    found = session.execute(
        select(MediaFile.id)
        .where(MediaFile.analysis_status == AnalysisStatus.DONE, MediaFile.scan_status != ScanStatus.MISSING)
        .limit(1)
    ).first()
    return found is not None
