"""The Review screen's logic: the queue page, the current group and the next ones read ahead, re-running the
matcher, and following changes made elsewhere. No widget, no SQL: every read is a core function
(:mod:`analyzer.review_queue`, :mod:`analyzer.review_suspicious`) run through the window's JobRunner.

Decisions (link, reject, skip, undo) and the queue writing them in the background live in
:mod:`app.gui.review.decisions`; this controller keeps their entry points for the screen, and the local
queue they change: a decided group leaves it at once and the next group (read ahead) is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.gui.outcomes import error_text, plural
from app.gui.review import calls
from app.gui.review.calls import Mode
from app.gui.review.decisions import AFTER_PAINT_MS, Decisions
from app.gui.state import AppState

if TYPE_CHECKING:
    from analyzer.review_queue import GroupDetail, GroupKey, QueueGroup
    from app.gui.jobs import Job

READ_AHEAD = 3  # groups after the current one whose detail is read before the person gets there
ENRICH_KIND = "enrich"


class ReviewController(QObject):
    """What the Review screen shows (the local queue, the current group) and the entry points of what a
    person does on it; the screen holds only layout and keys."""

    page_changed = Signal()  # the queue list or the counts left changed
    current_changed = Signal()  # another group is current (or its detail arrived, or none is left)
    # a line for the person, and whether it is good (True), bad (False) or plain (None)
    message = Signal(str, object)
    idle = Signal()  # every decision is written

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.mode: Mode = "pending"
        self.by_release = False
        self.reviewer = calls.reviewer_name()
        self.groups: list[QueueGroup] = []
        self.total_groups = 0
        self.total_listens = 0
        self.skipped_groups = 0
        self.loaded = False
        self.current_key: GroupKey | None = None
        self.unticked: set[int] = set()
        self._details: dict[GroupKey, GroupDetail] = {}
        self._reading: dict[GroupKey, Job] = {}
        self._reasons: dict[Any, tuple[str, ...]] = {}
        self._page_job: Job | None = None
        self._page_again = False
        self._prefer: GroupKey | None = None  # show this group first after the next page (after undo)
        self.decisions = Decisions(self)
        self.enrich_job: Job | None = None
        self.stale = True  # the page on screen may be out of date (read again when the screen shows)
        self.is_shown: Callable[[], bool] = lambda: True  # the screen says whether a person sees it
        state.listens_changed.connect(self._listens_changed)
        state.library_changed.connect(self._listens_changed)
        state.database_changed.connect(self._database_changed)

    # -- what the screen reads -----------------------------------------------------------------------------

    @property
    def current(self) -> GroupDetail | None:
        """The detail of the current group, once read (None while reading or when the queue is empty)."""
        return None if self.current_key is None else self._details.get(self.current_key)

    @property
    def current_group(self) -> QueueGroup | None:
        return next((g for g in self.groups if g.key == self.current_key), None)

    @property
    def busy_writing(self) -> bool:
        return self.decisions.busy

    def ticked_ids(self) -> list[int]:
        detail = self.current
        return [] if detail is None else [i for i in detail.listen_ids if i not in self.unticked]

    # -- reading -------------------------------------------------------------------------------------------

    def set_mode(self, mode: Mode) -> None:
        if mode != self.mode:
            self.mode = mode
            self._forget_groups()
            self.reload()

    def set_by_release(self, by_release: bool) -> None:
        if by_release != self.by_release:
            self.by_release = by_release
            self._forget_groups()
            self.reload()

    def _forget_groups(self) -> None:
        self.groups, self._details, self.current_key, self.loaded = [], {}, None, False
        self._reading = {}
        self.unticked.clear()
        self.page_changed.emit()
        self.current_changed.emit()

    def reload(self) -> None:
        """Read the queue page again in the background (merged with a read already running)."""
        self.stale = False
        if self._page_job is not None:
            self._page_again = True
            return
        db, mode, by_release = self.state.db, self.mode, self.by_release
        current = self._prefer or self.current_key
        job = self.state.jobs.call(
            "Read the review queue", lambda: calls.read_page(db, mode, by_release, current)
        )
        self._page_job = job
        written = self.decisions.written
        job.ended.connect(lambda: self._page_read(job, mode, by_release, written))

    def _page_read(self, job: Job, mode: Mode, by_release: bool, written_before: int) -> None:
        self._page_job = None
        if self._page_again or mode != self.mode or by_release != self.by_release:
            self._page_again = False
            self.reload()
            return
        if job.outcome != "finished":
            self.message.emit(f"Could not read the review queue: {error_text(job.result)}", False)
            return
        page, reasons, first, kept = job.result
        self._reasons = reasons
        decided = self.decisions.decided
        if not self.busy_writing and self.decisions.written == written_before:
            decided.clear()  # this page was read after every decision was written
        self.groups = [g for g in page.groups if g.key not in decided]
        if kept is not None and kept.key not in decided:
            self.groups.insert(0, kept)  # the group a person is looking at, though it ranks below the page
        hidden = len(page.groups) - len(self.groups)
        self.total_groups = max(0, page.total_groups - hidden)
        self.total_listens = max(
            0, page.total_listens - sum(g.listens for g in page.groups if g.key in decided)
        )
        self.skipped_groups = page.skipped_groups
        self.loaded = True
        fresh = {g.key for g in self.groups}
        self._details = {key: detail for key, detail in self._details.items() if key in fresh}
        if first is not None and first.key in fresh and first.listens:
            self._details[first.key] = first
        keys = [g.key for g in self.groups]
        if self._prefer in fresh:
            self.current_key, self._prefer = self._prefer, None
        elif self.current_key not in fresh:
            self.current_key = keys[0] if keys else None
            self.unticked.clear()
        self.page_changed.emit()
        self.current_changed.emit()
        self._read_ahead()

    def _read_ahead(self) -> None:
        """Read the current group's detail and the next few, each once, in the background."""
        keys = [g.key for g in self.groups]
        if self.current_key not in keys:
            return
        at = keys.index(self.current_key)
        for group in self.groups[at : at + 1 + READ_AHEAD]:
            key = group.key
            if key in self._details or key in self._reading:
                continue
            job = self.state.jobs.call("Read a review group", self._group_reader(group))
            self._reading[key] = job
            job.ended.connect(lambda k=key, j=job: self._group_read(k, j))

    def _group_reader(self, group: QueueGroup) -> Callable[[], GroupDetail]:
        db, mode, reasons = self.state.db, self.mode, self._reasons.get(group.key, ())
        return lambda: calls.read_group(db, group, mode, reasons)

    def _group_read(self, key: GroupKey, job: Job) -> None:
        if self._reading.get(key) is not job:
            return  # read for a queue that is gone (another tab, grouping or database)
        del self._reading[key]
        if job.outcome != "finished":
            self.message.emit(f"Could not read the group: {error_text(job.result)}", False)
            return
        detail: GroupDetail = job.result
        if key not in {g.key for g in self.groups}:
            return
        if not detail.listens:  # decided elsewhere meanwhile: drop it from the page
            self.groups = [g for g in self.groups if g.key != key]
            if key == self.current_key:
                self._advance_from(key)
            self.page_changed.emit()
            return
        self._details[key] = detail
        if key == self.current_key:
            self.current_changed.emit()

    def show_group(self, key: GroupKey) -> None:
        """Make a group of the page current (a click in the queue list)."""
        if key != self.current_key and any(g.key == key for g in self.groups):
            self.current_key = key
            self.unticked.clear()
            self.current_changed.emit()
            self._read_ahead()

    def show_listen(self, listen_id: int) -> bool:
        """Make the group holding this listen current, when it is on the page (False otherwise)."""
        group = next((g for g in self.groups if listen_id in g.listen_ids), None)
        if group is None:
            return False
        self.show_group(group.key)
        return True

    def find_listen(self, listen_id: int) -> None:
        """Show the group holding this listen, reading it when it is not on the page (it may rank far
        down): it goes first in the local queue. Says so when the listen does not wait for review."""
        if self.show_listen(listen_id):
            return
        db, by_release, mode = self.state.db, self.by_release, self.mode
        job = self.state.jobs.call(
            "Find a listen's group", lambda: calls.group_of_listen(db, listen_id, mode, by_release)
        )
        job.ended.connect(lambda: self._listen_found(job, listen_id))

    def _listen_found(self, job: Job, listen_id: int) -> None:
        group: QueueGroup | None = job.result if job.outcome == "finished" else None
        if group is None:
            self.message.emit(f"Listen {listen_id} does not wait for review (linked or decided).", None)
            return
        if not any(g.key == group.key for g in self.groups):
            self.groups.insert(0, group)
            self.page_changed.emit()
        self.show_group(group.key)

    def toggle_listen(self, listen_id: int) -> None:
        """Tick or untick one listen of the current group (unticked ones are left out of the decision)."""
        if listen_id in self.unticked:
            self.unticked.discard(listen_id)
        else:
            self.unticked.add(listen_id)

    # -- deciding (written by self.decisions) ---------------------------------------------------------------

    def accept(self, number: int = 1) -> bool:
        """Link the ticked listens of the current group to candidate ``number`` (1 = the top one)."""
        return self.decisions.accept(number)

    def link(self, track_id: int, label: str) -> bool:
        """Link the ticked listens of the current group to any track (chosen in the search popup)."""
        return self.decisions.link(track_id, label)

    def reject(self) -> bool:
        """Say the ticked listens of the current group are not in the library."""
        return self.decisions.reject()

    def skip(self) -> bool:
        """Put the current song aside for later (kept across restarts); in the Skipped list, bring it back."""
        return self.decisions.skip()

    def undo(self) -> None:
        """Take back the newest decision (several presses: several steps), and show its group again."""
        key = self.decisions.undo()
        if key is not None:
            self._prefer = key

    def flush(self) -> None:
        """Start the next queued write now (the screen is going away: nothing waits for a paint)."""
        self.decisions.start_next()

    def drop_current(self, listens: int, *, whole: bool = True) -> None:
        """The current group leaves the local queue (decided) and the next one shows at once."""
        key = self.current_key
        if key is None:
            return
        self.decisions.decided.add(key)
        self.total_listens = max(0, self.total_listens - listens)
        if whole:
            self.total_groups = max(0, self.total_groups - 1)
        self._advance_from(key)
        self.groups = [g for g in self.groups if g.key != key]
        self._details.pop(key, None)
        self.page_changed.emit()

    def _advance_from(self, key: GroupKey) -> None:
        keys = [g.key for g in self.groups]
        at = keys.index(key) if key in keys else -1
        decided = self.decisions.decided
        rest = [k for k in keys[at + 1 :] + keys[:at] if k != key and k not in decided]
        self.current_key = rest[0] if rest else None
        self.unticked.clear()
        self.current_changed.emit()
        QTimer.singleShot(AFTER_PAINT_MS, self._read_ahead)

    # -- matching again and changes from elsewhere ---------------------------------------------------------

    def rerun_matching(self) -> Job | None:
        """Match the unsure listens again (after a scan added tracks) as a job; the queue shrinks after."""
        if self.state.jobs.running(ENRICH_KIND):
            self.message.emit("Matching is already running.", None)
            return None
        from analyzer.matching import enrich_listens

        db, before = self.state.db, self.total_listens
        job = self.state.jobs.start(
            "Match listens again",
            lambda token: enrich_listens(db, retry=True, cancel=token),
            kind=ENRICH_KIND,
        )
        self.enrich_job = job
        job.ended.connect(lambda: self._matched(job, before))
        self.message.emit("Matching the listens again…", None)
        return job

    def _matched(self, job: Job, before: int) -> None:
        if job.outcome == "failed":
            self.message.emit(f"Matching failed: {error_text(job.result)}", False)
            return
        summary = job.result
        self.state.listens_changed.emit()  # every screen; this one reads its page again below

        def report() -> None:
            stopped = "Matching stopped. " if job.outcome == "cancelled" else ""
            linked = summary.matched if summary is not None else 0
            self.message.emit(
                f"{stopped}Matched again: {plural(linked, 'listen')} linked; the queue went from "
                f"{before:,} to {self.total_listens:,} listens.",
                True,
            )
            self.page_changed.disconnect(report)

        self.page_changed.connect(report)

    def _listens_changed(self) -> None:
        """Listens or tracks changed elsewhere (an import, a scan, matching): candidates and statuses may
        differ. Read again now when the screen is shown, else when it next shows (a scan emits this
        often, and nobody reads a hidden queue)."""
        if self.decisions.own_change:
            return
        self._details.clear()
        self._reading = {}  # reads in flight may predate the change
        self.stale = True
        if self.is_shown():
            self.reload()

    def refresh_if_stale(self) -> None:
        if self.stale:
            self.reload()

    def _database_changed(self) -> None:
        self.decisions.forget()
        self._forget_groups()
        self.stale = True
        if self.is_shown():
            self.reload()
