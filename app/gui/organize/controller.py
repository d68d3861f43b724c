"""What the Organize screen does, without widgets: preview a template (``propose_moves``), reject proposals,
apply them, undo the last run and resume an interrupted one — the same core calls as ``tonearm organize``.

Preview, apply, undo and resume are jobs (listed in the jobs panel, apply and undo with Stop); reads of the
shown rows go through ``JobRunner.call``. Only one job that moves files runs at a time. After files moved,
``state.library_changed`` tells the other screens.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.gui.jobs import Job
from app.gui.outcomes import error_text, plural
from app.gui.state import AppState
from models.engine import Database
from models.progress import Progress

MOVE_KIND = "organize"


def _read(db: Database, ids: list[int] | None) -> tuple[Any, list[Any]]:
    from analyzer.curation.organize_status import organize_state, preview_rows

    with db.session() as session:
        return organize_state(session), preview_rows(session, ids or ())


def _rows_of(db: Database, ids: list[int]) -> list[Any]:
    from analyzer.curation.organize_status import proposal_rows

    with db.session() as session:
        return proposal_rows(session, ids)


def _propose(db: Database, template: str, root: str | None) -> Generator[Progress, None, Any]:
    from analyzer.curation.organize import propose_moves
    from models.unit_of_work import write_transaction

    yield Progress("propose", 0, None, "reading tags")
    return write_transaction(
        db, lambda session: propose_moves(session, template, root=root), what="organize preview"
    )


def _resume(db: Database) -> Generator[Progress, None, tuple[int, int]]:
    from analyzer.curation.organize_apply import resume_moves

    yield Progress("resume", 0, None, "settling the interrupted run")
    return resume_moves(db)


def template_problem(template: str, root: str) -> str | None:
    """Why this template or target folder cannot be previewed, in the screen's words (None: it can)."""
    from analyzer.curation.organize import TemplateError, check_template

    try:
        check_template(template)
    except TemplateError as error:
        return f"Template: {error}."
    if root and not os.path.isabs(root):
        return "Target folder: give a full path (or leave it empty to keep each file's library folder)."
    if root and not os.path.isdir(root):
        return f"Target folder: {root} does not exist."
    return None


def failure_text(error: BaseException | None, verb: str) -> str:
    """Why a run of moves stopped, and that nothing is half-done: each move is settled or still pending."""
    from models.unit_of_work import is_write_contention

    if error is not None and is_write_contention(error):
        return (f"The files could not be {verb}: another job was writing to the library (a scan or an "
                "analysis?). What was done stays done, the rest stays pending: try again when it ends.")  # fmt: skip
    return f"Organize failed: {error_text(error)}. What was done stays done, the rest stays pending."


def apply_outcome(summary: Any, verb: str, names: dict[int, str]) -> tuple[str, bool | None]:
    """One line (plus one line per failed file) for an ended apply or undo, and whether it went well."""
    parts = []
    if summary.resumed or summary.rolled_back:
        parts.append(f"An interrupted run was settled first ({summary.resumed:,} finished, "
                     f"{summary.rolled_back:,} back to pending).")  # fmt: skip
    text = f"{plural(summary.applied, 'file')} {verb}"
    if summary.cancelled:
        text += " before you stopped it; the rest stay where they are"
    if summary.failed:
        where = "it is" if len(summary.failed) == 1 else "they are"
        text += f"; {plural(len(summary.failed), 'file')} could not be moved (left where {where}):"
    parts.append(text + ("" if summary.failed else "."))
    lines = [
        f"• {names.get(proposal_id, f'proposal {proposal_id}')}: {why}" for proposal_id, why in summary.failed
    ]
    ok = None if summary.cancelled else not summary.failed
    return "\n".join([" ".join(parts), *lines]), ok


class OrganizeController(QObject):
    loaded = Signal(object, list)  # OrganizeState, list[ProposalRow]
    said = Signal(str, object)  # a line for the person, and ok (True / False / None)
    busy_changed = Signal(bool)  # a job that moves files (or a preview) started or ended
    previewed = Signal(object)  # ProposeSummary of the preview that just ended

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.preview_ids: list[int] | None = None  # this screen's last preview (shown with what became of it)
        self.previewed_template: str | None = None  # the template of this screen's last preview
        self.job: Job | None = None
        self._serial = 0

    @property
    def busy(self) -> bool:
        return self.job is not None and self.job.running

    def load(self) -> None:
        """Read the shown proposals (in the status each reached) and the counts; emits ``loaded``."""
        self._serial += 1
        serial, db, ids = self._serial, self.state.db, self.preview_ids
        job = self.state.jobs.call("Read organize proposals", lambda: _read(db, ids))

        def done(result: Any) -> None:
            if serial != self._serial:
                return
            self.loaded.emit(*result)

        job.finished.connect(done)
        job.failed.connect(
            lambda error: self.said.emit(f"Could not read the proposals: {error_text(error)}", False)
        )

    def _start(self, title: str, operation: Any, on_end: Any) -> Job | None:
        if self.busy:
            self.said.emit("Wait for the running organize job to end (or stop it in the jobs panel).", False)
            return None
        job = self.state.jobs.start(title, operation, kind=MOVE_KIND)
        self.job = job
        self.busy_changed.emit(True)

        def ended() -> None:
            on_end(job)
            self.busy_changed.emit(False)

        job.ended.connect(ended)
        return job

    def preview(self, template: str, root: str) -> Job | None:
        """Propose moves for every library file (earlier pending proposals are replaced)."""
        problem = template_problem(template, root)
        if problem is not None:
            self.said.emit(problem, False)
            return None
        db, target = self.state.db, root or None

        def ended(job: Job) -> None:
            if job.outcome == "failed":
                self.said.emit(f"Preview failed: {error_text(job.result)}", False)
                return
            summary = job.result
            self.preview_ids = list(summary.proposal_ids)
            self.previewed_template = template
            extra = [f"{summary.unchanged:,} already in place"]
            if summary.rejected_before:
                extra.append(f"{summary.rejected_before:,} rejected before (not proposed again)")
            if summary.outside_library:
                extra.append(f"{summary.outside_library:,} outside the library folders (left alone)")
            self.said.emit(f"{plural(summary.proposed, 'file')} to move, {', '.join(extra)}. "
                           "Nothing moves until you press Apply.", None)  # fmt: skip
            self.previewed.emit(summary)
            self.load()

        return self._start("Preview file moves", lambda _token: _propose(db, template, target), ended)

    def reject(self, proposal_ids: Sequence[int]) -> Job:
        """Mark proposals rejected: a later preview never proposes the same move for the same file again."""
        from analyzer.curation.organize import reject_proposals
        from models.unit_of_work import write_transaction

        db, ids = self.state.db, list(proposal_ids)
        job = self.state.jobs.call(
            "Reject proposals",
            lambda: write_transaction(db, lambda s: reject_proposals(s, ids), what="reject proposals"),
        )
        job.finished.connect(lambda count: self.said.emit(
            f"Rejected {plural(count, 'proposal')}: not proposed again.", None))  # fmt: skip
        job.failed.connect(lambda error: self.said.emit(f"Could not reject: {error_text(error)}", False))
        job.ended.connect(self.load)
        return job

    def apply(self, proposal_ids: Sequence[int]) -> Job | None:
        """Move these pending proposals' files as one undoable run."""
        from analyzer.curation.organize_apply import apply_proposals

        db, ids = self.state.db, list(proposal_ids)
        return self._start(
            f"Organize {plural(len(ids), 'file')}",
            lambda token: apply_proposals(db, ids, cancel=token),
            lambda job: self._moved(job, "moved"),
        )

    def undo(self) -> Job | None:
        """Move the files of the last run back."""
        from analyzer.curation.organize_apply import undo_last_run

        db = self.state.db
        return self._start(
            "Undo the last organize run",
            lambda token: undo_last_run(db, cancel=token),
            lambda job: self._moved(job, "moved back"),
        )

    def resume(self) -> Job | None:
        """Settle what a killed run left: finish the moves whose new file is in place, put the rest back."""
        db = self.state.db

        def ended(job: Job) -> None:
            if job.outcome == "failed":
                self.said.emit(f"Resume failed: {error_text(job.result)}", False)
            else:
                finished, back = job.result
                self.said.emit(f"The interrupted run is settled: {plural(finished, 'move')} finished, "
                               f"{plural(back, 'proposal')} back to pending.", True)  # fmt: skip
            self.state.library_changed.emit()
            self.load()

        return self._start("Resume the interrupted organize run", lambda _token: _resume(db), ended)

    def _moved(self, job: Job, verb: str) -> None:
        self.state.library_changed.emit()  # even a failed run may have moved files before failing
        self.load()
        if job.outcome == "failed":
            self.said.emit(failure_text(job.result, verb), False)
            return
        summary, db = job.result, self.state.db
        if summary is None:
            return
        failed = [proposal_id for proposal_id, _why in summary.failed]
        if not failed:
            self.said.emit(*apply_outcome(summary, verb, {}))
            return
        # Each failed file is named by its path (an undo's reverse proposals are not rows on screen).
        read = self.state.jobs.call("Read the failed moves", lambda: _rows_of(db, failed))
        read.finished.connect(
            lambda rows: self.said.emit(*apply_outcome(summary, verb, {r.id: r.current_path for r in rows}))
        )
        read.failed.connect(lambda _error: self.said.emit(*apply_outcome(summary, verb, {})))
