"""Deciding on the Review screen: link, reject, skip and undo, and the queue that writes them.

A decision changes what is on screen at once: the controller drops the group from its local queue and shows
the next one (read ahead while the person was looking at this one). The write follows in the background, in
order, one transaction each, once the next group is painted. Decisions made faster than they are written
queue up; a failed write drops the ones queued after it, says why and reads the queue again, so nothing
half-done stays on screen. Every write is a core call of :mod:`app.gui.review.calls` run through the
window's JobRunner; no widget, no SQL.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

from app.gui.outcomes import error_text, plural
from app.gui.review import calls

if TYPE_CHECKING:
    from analyzer.review import Decision
    from analyzer.review_queue import GroupKey
    from app.gui.jobs import Job
    from app.gui.review.controller import ReviewController
    from models.engine import Database

AFTER_PAINT_MS = 40  # writes and read-ahead start this long after a decision: the next group paints first
LOW_WATER = 10  # fewer groups than this left on the local page: read the next page once writes are done

Said = tuple[str, bool | None]
"""A line for the person, and whether it is good (True), bad (False) or plain (None)."""


@dataclass(frozen=True)
class Write:
    """One decision as the queue writes it: the core call, and what to say once it is saved."""

    title: str
    run: Callable[[Database], Any]
    said: Callable[[Any], Said]
    changes_listens: bool = True  # emit listens_changed once written (skips do not change listens)
    read_page: bool = False  # read the queue page again once written (undo brings a group back)


class Decisions(QObject):
    """The decisions made on one Review screen and the writes behind them. It works on its controller's
    local queue through the controller's public face (current group, ticked listens, ``drop_current``)."""

    def __init__(self, controller: ReviewController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.decided: set[GroupKey] = set()  # left the local queue, write not confirmed by a new page yet
        self.written = 0  # writes ended, saved or not (a page read across one may predate it)
        self.own_change = False  # the listens_changed being emitted is ours: the page is read as needed
        self._history: list[tuple[str, GroupKey]] = []  # ("decision" | "skip" | "unskip", group) newest last
        self._writes: deque[Write] = deque()
        self._writing: Job | None = None

    @property
    def busy(self) -> bool:
        """A decision is queued or being written."""
        return self._writing is not None or bool(self._writes)

    def forget(self) -> None:
        """Another database: nothing queued, decided or undoable carries over to it."""
        self._writes.clear()
        self._history.clear()
        self.decided.clear()

    # -- the decisions -------------------------------------------------------------------------------------

    def accept(self, number: int) -> bool:
        detail = self.controller.current
        if detail is None:
            return False
        if not 1 <= number <= len(detail.candidates):
            self.controller.message.emit(
                f"There is no candidate {number}: press L to link to any track of the library."
                if detail.candidates
                else "This group has no candidate: press L to link it to a track, or R if it is not in "
                "your library.",
                False,
            )
            return False
        candidate = detail.candidates[number - 1]
        action = "confirm" if self.controller.mode == "suspicious" and candidate.linked else "accept_group"
        label = f"{candidate.artist} – {candidate.title}" if candidate.artist else candidate.title
        return self.link(candidate.track_id, label, action)

    def link(self, track_id: int, label: str, action: str = "link") -> bool:
        ids = self._ticked_or_say()
        if not ids:
            return False
        reviewer = self.controller.reviewer
        verb = "Confirmed" if action == "confirm" else "Linked"

        def said(decision: Decision) -> Said:
            learned = f"; learned {', '.join(decision.learned)}" if decision.learned else ""
            left = f"; {plural(len(decision.skipped), 'listen')} left alone" if decision.skipped else ""
            return f"{verb} {plural(len(decision.listen_ids), 'listen')} to {label}{learned}{left}.", True

        self._decide(
            Write(
                f"Link {len(ids)} listens",
                lambda db: calls.link_listens(db, ids, track_id, reviewer, action),
                said,
            ),
            len(ids),
        )
        return True

    def reject(self) -> bool:
        ids = self._ticked_or_say()
        if not ids:
            return False
        reviewer = self.controller.reviewer

        def said(decision: Decision) -> Said:
            return f"Marked {plural(len(decision.listen_ids), 'listen')} as not in your library.", True

        self._decide(
            Write(f"Reject {len(ids)} listens", lambda db: calls.reject_listens(db, ids, reviewer), said),
            len(ids),
        )
        return True

    def skip(self) -> bool:
        group = self.controller.current_group
        if group is None:
            return False
        key, label, restoring = group.key, group.label, self.controller.mode == "skipped"
        said = f"Back in the queue: {label}." if restoring else f"Skipped for later: {label}."
        self.controller.drop_current(group.listens)
        self._history.append(("unskip" if restoring else "skip", key))
        self._enqueue(
            Write(
                "Skip a group",
                lambda db: calls.set_skipped(db, key, not restoring, label),
                lambda _: (said, True),
                changes_listens=False,
            )
        )
        return True

    def undo(self) -> GroupKey | None:
        """Queue taking back the newest decision; the group it brings back (None when the history is empty,
        or was lost to a failed write: then the newest decision in the database is undone)."""
        kind, key = self._history.pop() if self._history else ("decision", None)
        if kind in ("skip", "unskip") and key is not None:
            skipped = kind != "skip"
            write = Write(
                "Undo",
                lambda db: calls.set_skipped(db, key, skipped),
                lambda _: ("Undone: the skip.", True),
                read_page=True,
            )
        else:
            write = Write("Undo", calls.undo_decision, _undone, read_page=True)
        if key is not None:
            self.decided.discard(key)
        self._enqueue(write)
        return key

    def _ticked_or_say(self) -> list[int]:
        ids = self.controller.ticked_ids()
        if self.controller.current is not None and not ids:
            self.controller.message.emit(
                "Every listen of this group is unticked: tick the ones to decide on.", False
            )
        return ids

    def _decide(self, write: Write, count: int) -> None:
        key = self.controller.current_key
        assert key is not None
        self.controller.drop_current(count, whole=not self.controller.unticked)
        self._history.append(("decision", key))
        self._enqueue(write)

    # -- the write queue -----------------------------------------------------------------------------------

    def _enqueue(self, write: Write) -> None:
        """Queue a write; it starts once the next group is painted (a worker thread running Python while
        the window paints would share the interpreter with it)."""
        self._writes.append(write)
        QTimer.singleShot(AFTER_PAINT_MS, self.start_next)

    def start_next(self) -> None:
        """Start the next queued write unless one is being written (the screen going away calls it at once:
        nothing waits for a paint)."""
        if self._writing is not None or not self._writes:
            return
        write = self._writes.popleft()
        db = self.controller.state.db
        job = self.controller.state.jobs.call(write.title, lambda: write.run(db), kind="review")
        self._writing = job
        job.ended.connect(lambda: self._written(job, write))

    def _written(self, job: Job, write: Write) -> None:
        controller = self.controller
        self._writing = None
        self.written += 1
        if job.outcome == "finished":
            controller.message.emit(*write.said(job.result))
            if write.changes_listens or write.read_page:
                self._changed(force_page=write.read_page)
        else:
            self._writes.clear()  # later decisions were made on a screen that assumed this one
            controller.message.emit(f"Not saved: {error_text(job.result)}", False)
            self.decided.clear()
            self._history.clear()
            self._changed(force_page=True)
        if self._writes:
            self.start_next()
        else:
            controller.idle.emit()
            if len(controller.groups) < LOW_WATER or controller.current_key is None:
                controller.reload()

    def _changed(self, *, force_page: bool = False) -> None:
        self.own_change = True
        try:
            self.controller.state.listens_changed.emit()
        finally:
            self.own_change = False
        if force_page and not self._writes:
            self.controller.reload()


def _undone(decision: Decision | None) -> Said:
    if decision is None:
        return "Nothing to undo.", None
    what = decision.action.removeprefix("undo ").replace("_", " ")
    return f"Undone: {what} of {plural(len(decision.listen_ids), 'listen')}.", True
