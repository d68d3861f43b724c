"""What the Duplicates screen does, without widgets: read the groups and the record of moved files in the
background, remember which file the person keeps in each group, and move the others as a listed job."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from analyzer.duplicates.keep import DuplicateFile
from analyzer.duplicates.overview import GroupOverview
from analyzer.duplicates.trash import Mover, TrashPlan, TrashSummary, TrashUnavailable
from app.gui.duplicates.trash_dialog import system_trash_mover
from app.gui.jobs import Job
from app.gui.outcomes import error_text, plural
from app.gui.state import AppState

TRASH_KIND = "trash"
NO_TRASH = (
    "This system has no trash for these files, so nothing was moved (Tonearm never deletes files itself). "
    "Move or delete the extra copies with your file manager, then rescan."
)


def _group_key(overview: GroupOverview) -> tuple[int, ...]:
    return tuple(sorted(item.media_file_id for item in overview.group.files))


def trash_outcome(job: Job) -> tuple[str, bool]:
    """One line saying what a trash job did, and whether it went well."""
    if job.outcome == "failed":
        return f"Moving to the trash failed: {error_text(job.result)}", False
    summary: TrashSummary | None = job.result
    if summary is None:
        return "Stopped before any file was moved.", False
    if summary.no_trash and not summary.moved:
        return NO_TRASH, False
    parts = [f"Moved {plural(len(summary.moved), 'file')} to the trash"]
    if summary.moved_bytes:
        from app.gui.duplicates.model import size_text

        parts[0] += f" ({size_text(summary.moved_bytes)})"
    if summary.skipped:
        reasons = "; ".join(f"{path}: {why}" for path, why in summary.skipped[:3])
        parts.append(f"{plural(len(summary.skipped), 'file')} not moved ({reasons})")
    if summary.cancelled:
        parts.append("stopped before the rest")
    return ". ".join(parts) + ".", not summary.skipped and not summary.no_trash


class DuplicatesController(QObject):
    loaded = Signal()  # groups and moved files are read (see ``groups`` and ``moved``)
    load_failed = Signal(str)
    trash_ended = Signal(str, bool)  # the outcome line, and whether it went well

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.groups: list[GroupOverview] = []
        self.moved: list[Any] = []
        self.loads = 0
        self.mover: Mover = system_trash_mover
        self.trash_job: Job | None = None
        self._kept: dict[tuple[int, ...], int] = {}  # the person's choice per group (media file ids)
        self._loading: Job | None = None
        self._again = False
        state.database_changed.connect(self._kept.clear)  # media file ids of another database mean nothing

    def reload(self) -> None:
        """Read the groups and the moves again in the background; emits ``loaded`` or ``load_failed``."""
        if self._loading is not None:
            self._again = True
            return
        db = self.state.db

        def read() -> tuple[list[GroupOverview], list[Any]]:
            from analyzer.duplicates.overview import duplicate_overview
            from analyzer.duplicates.trash import trash_records

            with db.session() as session:
                return duplicate_overview(session), trash_records(session)

        job = self.state.jobs.call("Find duplicates", read)
        self._loading = job
        job.ended.connect(lambda: self._on_loaded(job))

    def _on_loaded(self, job: Job) -> None:
        self._loading = None
        if self._again:
            self._again = False
            self.reload()
            return
        if job.outcome != "finished":
            self.load_failed.emit(f"Could not find duplicates: {error_text(job.result)}")
            return
        self.groups, self.moved = job.result
        self.loads += 1
        keys = {_group_key(g) for g in self.groups}
        self._kept = {key: kept for key, kept in self._kept.items() if key in keys}
        self.loaded.emit()

    def kept_file(self, overview: GroupOverview) -> DuplicateFile:
        """The file to keep: the person's choice for this group, else the suggestion."""
        chosen = self._kept.get(_group_key(overview))
        return next((f for f in overview.group.files if f.media_file_id == chosen), overview.group.keep)

    def keep(self, overview: GroupOverview, item: DuplicateFile) -> None:
        self._kept[_group_key(overview)] = item.media_file_id

    def keep_reason(self, overview: GroupOverview) -> str:
        kept = self.kept_file(overview)
        group = overview.group
        if kept.media_file_id == group.keep.media_file_id:
            return f"suggested: {group.why}"
        return f"your choice (Tonearm suggested {group.keep.path.rsplit('/', 1)[-1]}: {group.why})"

    def plan(self, overview: GroupOverview) -> TrashPlan:
        return overview.plan(self.kept_file(overview))

    def move_to_trash(self, plan: TrashPlan, then: Callable[[], None] | None = None) -> Job | None:
        """Start moving ``plan.others`` as a listed job (None while another such job runs)."""
        from analyzer.duplicates.trash import trash_duplicates

        if self.trash_job is not None and self.trash_job.running:
            return None
        db, mover = self.state.db, self.mover
        count = len(plan.others)
        job = self.state.jobs.start(
            f"Move {plural(count, 'duplicate')} to the trash",
            lambda token: trash_duplicates(db, [plan], mover, token),
            kind=TRASH_KIND,
        )
        self.trash_job = job
        job.ended.connect(lambda: self._on_trashed(job))
        return job

    def _on_trashed(self, job: Job) -> None:
        text, ok = trash_outcome(job)
        summary = job.result if job.outcome != "failed" else None
        if summary is not None and getattr(summary, "moved", None):
            self.state.library_changed.emit()  # the moved files' rows are marked missing
        elif job.outcome == "failed" and not isinstance(job.result, TrashUnavailable):
            self.state.library_changed.emit()  # files may have moved before the record failed
        self.trash_ended.emit(text, ok)
        self.reload()
