"""The Import screen: drop history files on the window (or choose them), see per file what an import would
do before anything is written, then import and match as jobs.

The dry run is ``scrobbler.ingest_preview.preview_files`` (the counts ``tonearm import`` would print, read
only); the import is the landing's ``import_histories`` (``ingest_file`` per file, for the default user);
matching the new listens is ``analyzer.matching.enrich_listens``. Each runs as a job of the window's job
runner, listed in the jobs panel with Stop. When the import and then the matching end, the screen emits
``listens_changed`` so the listens and review screens reload.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.gui.import_preview_model import PreviewModel
from app.gui.jobs import Job
from app.gui.landing import IMPORT_KIND, HistoryImport, import_details, import_histories, import_lines
from app.gui.outcomes import error_text, outcome_style, plural
from app.gui.state import AppState
from models.engine import Database
from models.progress import CancelToken, Progress

MATCH_KIND = "match"
FILE_FILTER = "Listening histories (*.json *.jsonl *.csv *.log *.tsv *.txt *.zip);;All files (*)"


def check_histories(
    db: Database, paths: Sequence[str], cancel: CancelToken
) -> Generator[Progress, None, Any]:
    """The dry run of importing ``paths`` for the default user; writes nothing (not even the default user:
    its session is rolled back)."""
    from scrobbler.ingest_preview import preview_files
    from scrobbler.users import default_user

    with db.sessions() as session:  # no commit: a first run's default user is not created by a dry run
        user_id = default_user(session).id
    return (yield from preview_files(db, paths, user_id, cancel=cancel))


def match_new_listens(db: Database, cancel: CancelToken) -> Generator[Progress, None, Any]:
    """Match the default user's pending listens (those an import just added) to the library."""
    from analyzer.matching import enrich_listens
    from scrobbler.users import default_user

    with db.session() as session:
        user_id = default_user(session).id
    return (yield from enrich_listens(db, user_id=user_id, cancel=cancel))


def match_line(job: Job) -> tuple[str, bool | None]:
    """One line for an ended matching job, and whether it went well (None: neutral)."""
    summary = job.result
    if job.outcome == "failed":
        return f"Matching failed: {error_text(summary)}", False
    if summary is None:
        return "Matching stopped; the listens left are matched on the next run.", None
    done = summary.matched + summary.ambiguous + summary.unmatched
    text = (
        f"Matched {plural(done, 'listen')}: {summary.matched:,} linked to your library, "
        f"{summary.ambiguous:,} to review, {summary.unmatched:,} without a track in your library."
    )
    if job.outcome == "cancelled":
        text = "Matching stopped. " + text + " The rest are matched on the next run."
    return text, True


class ImportController(QObject):
    """What the Import screen does, without widgets: the files, the dry run, the import and the matching."""

    changed = Signal()  # files, preview or phase changed
    said = Signal(str, object)  # a line for the person, ok (True/False/None)

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.paths: list[str] = []
        self.preview: Any = None  # scrobbler.ingest_preview.ImportPreview of self.paths
        self.check_job: Job | None = None
        self.import_job: Job | None = None
        self.match_job: Job | None = None
        self.outcome: HistoryImport | None = None

    @property
    def busy(self) -> bool:
        return any(
            job is not None and job.running for job in (self.check_job, self.import_job, self.match_job)
        )

    def importable(self) -> list[Any]:
        return [] if self.preview is None else [item for item in self.preview.files if item.importable]

    def would_import(self) -> int:
        return sum(item.report.imported for item in self.importable())

    # -- the dry run -----------------------------------------------------------------------------------
    def check(self, paths: Sequence[str]) -> Job | None:
        """Dry-run ``paths`` (replacing the files shown); None while an import or another check runs."""
        if self.busy:
            self.said.emit("Wait for the running import to end, then drop the files again.", False)
            return None
        files = list(dict.fromkeys(str(path) for path in paths))
        if not files:
            return None
        self.paths, self.preview, self.outcome = files, None, None
        db = self.state.db
        title = f"Check {Path(files[0]).name}" if len(files) == 1 else f"Check {len(files)} history files"
        job = self.state.jobs.start(title, lambda token: check_histories(db, files, token), kind=IMPORT_KIND)
        self.check_job = job
        job.ended.connect(lambda: self._checked(job))
        self.said.emit(f"Checking {plural(len(files), 'file')}… nothing is written yet.", None)
        self.changed.emit()
        return job

    def check_again(self) -> Job | None:
        return self.check(self.paths)

    def clear(self) -> None:
        if self.busy:
            return
        self.paths, self.preview, self.outcome = [], None, None
        self.said.emit("", None)
        self.changed.emit()

    def _checked(self, job: Job) -> None:
        if job is not self.check_job:
            return
        if job.outcome == "failed":
            self.said.emit(f"Could not check the files: {error_text(job.result)}", False)
        elif job.result is None or job.result.cancelled:
            self.preview = job.result
            self.said.emit("Check stopped: press Check again to see every file's counts.", None)
        else:
            self.preview = job.result
            self.said.emit(self._preview_line(), None)
        self.changed.emit()

    def _preview_line(self) -> str:
        files = self.preview.files
        would = self.would_import()
        blocked = sum(1 for item in files if item.error is not None)
        text = f"{plural(len(files), 'file')} checked: {plural(would, 'listen')} would be imported."
        if blocked:
            text += f" {plural(blocked, 'file')} cannot be imported (see why below)."
        return text + " Nothing has been written yet."

    # -- the import and the matching -------------------------------------------------------------------
    def start_import(self) -> Job | None:
        """Import the files the dry run found something in; then match the new listens."""
        files = [str(item.path) for item in self.importable()]
        if not files or self.busy:
            return None
        if self.state.jobs.running(IMPORT_KIND):
            self.said.emit("Another import is running; wait for it to end.", False)
            return None
        db = self.state.db
        title = f"Import {Path(files[0]).name}" if len(files) == 1 else f"Import {len(files)} history files"
        job = self.state.jobs.start(title, lambda token: import_histories(db, files, token), kind=IMPORT_KIND)
        self.import_job = job
        job.ended.connect(lambda: self._imported(job))
        self.said.emit(
            f"Importing {plural(self.would_import(), 'listen')}… (progress in the jobs panel)", None
        )
        self.changed.emit()
        return job

    def _imported(self, job: Job) -> None:
        if job.outcome == "failed":
            self.said.emit(f"Import failed: {error_text(job.result)}", False)
            self.changed.emit()
            self.state.listens_changed.emit()
            return
        self.outcome = job.result
        self.preview = None  # the counts are history now: the outcome replaces them
        lines = import_lines(job.result) if job.result is not None else ["Import stopped."]
        self.state.listens_changed.emit()
        db = self.state.db
        match = self.state.jobs.start(
            "Match imported listens", lambda token: match_new_listens(db, token), kind=MATCH_KIND
        )
        self.match_job = match
        match.ended.connect(lambda: self._matched(match, lines))
        self.said.emit("\n".join([*lines, "Matching the new listens to your library…"]), True)
        self.changed.emit()

    def _matched(self, job: Job, lines: list[str]) -> None:
        text, ok = match_line(job)
        self.said.emit("\n".join([*lines, text]), ok)
        self.changed.emit()
        self.state.listens_changed.emit()

    def details(self) -> str:
        return import_details(self.outcome) if self.outcome is not None else ""


class ImportScreen(QWidget):
    """Drop files or choose them; a dry run per file; then Import N listens."""

    title = "Import"
    object_name = "import"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.controller = ImportController(state, self)
        self.setAcceptDrops(True)

        heading = QLabel("Import a listening history")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel(
            "Exports from ListenBrainz, Last.fm, Libre.fm, Spotify or Maloja, or a player's .scrobbler.log. "
            "Each file is checked first: you see what would be imported before anything is written."
        )
        intro.setWordWrap(True)
        self.choose_button = QPushButton("Choose files…")
        self.choose_button.setObjectName("chooseFiles")
        self.choose_button.clicked.connect(self.choose_files)
        self.again_button = QPushButton("Check again")
        self.again_button.setObjectName("checkAgain")
        self.again_button.clicked.connect(self.controller.check_again)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.controller.clear)
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.again_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)

        self.drop_zone = QLabel(
            "Drop listening-history files here\n\nor press Choose files…\n\n"
            "Nothing is written until you press Import."
        )
        self.drop_zone.setObjectName("dropZone")
        self.drop_zone.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_zone.setFrameShape(QFrame.Shape.StyledPanel)
        self.drop_zone.setStyleSheet(
            "QLabel#dropZone { border: 2px dashed palette(mid); border-radius: 8px; }"
        )
        self.drop_zone.setMinimumHeight(180)

        self.model = PreviewModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("previewTree")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.drop_zone)
        self.pages.addWidget(self.tree)

        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_button = QPushButton("Import")
        self.import_button.setObjectName("importButton")
        self.import_button.setDefault(True)
        self.import_button.setMinimumHeight(34)
        self.import_button.clicked.connect(self.controller.start_import)
        self.listens_button = QPushButton("Show listens")
        self.listens_button.clicked.connect(lambda: state.navigate("listens"))
        self.review_button = QPushButton("Review matches")
        self.review_button.clicked.connect(lambda: state.navigate("review"))
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.listens_button, 0, Qt.AlignmentFlag.AlignTop)
        bottom.addWidget(self.review_button, 0, Qt.AlignmentFlag.AlignTop)
        bottom.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.pages, 1)
        layout.addLayout(bottom)

        self.controller.changed.connect(self._refresh)
        self.controller.said.connect(self._say)
        state.database_changed.connect(self.controller.clear)  # counts of another database mean nothing
        self._refresh()

    # -- the screen contract ---------------------------------------------------------------------------
    def navigate(self, payload: object) -> None:
        """``{"paths": [...]}``: check these files (files dropped on the window arrive here)."""
        if isinstance(payload, dict) and payload.get("paths"):
            self.controller.check([str(path) for path in payload["paths"]])

    def screenshot_states(self) -> Generator[str, None, None]:
        """The dry run of the history files in tests/data (with one file that is not a history)."""
        data = Path(__file__).resolve().parents[2] / "tests" / "data" / "imports"
        names = ("listenbrainz_listens.jsonl", "rockbox_utc.scrobbler.log", "lastfm_benfoxall.csv")
        paths = [str(data / name) for name in names if (data / name).is_file()]
        if paths:
            paths.append(str(Path(__file__).resolve().parents[2] / "README.md"))
            self.controller.check(paths)
            self.state.jobs.wait_idle(60000)
            self.tree.expandAll()
            yield "preview"

    # -- drops and files -------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.controller.check(paths)

    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "Import a listening history", "", FILE_FILTER)
        if paths:
            self.controller.check(paths)

    # -- what the person sees --------------------------------------------------------------------------
    def _refresh(self) -> None:
        controller = self.controller
        self.model.set_preview(controller.preview)
        showing = controller.preview is not None and bool(controller.preview.files)
        self.pages.setCurrentWidget(self.tree if showing else self.drop_zone)
        if showing:
            for row, item in enumerate(controller.preview.files):
                parent = self.model.index(row, 0)
                for child in range(self.model.rowCount(parent)):  # a detail line reads across the columns
                    self.tree.setFirstColumnSpanned(child, parent, True)
                if item.error is not None or item.warning is not None:  # why it cannot be imported: open
                    self.tree.expand(parent)
        would = controller.would_import()
        self.import_button.setText(f"Import {plural(would, 'listen')}" if would else "Import")
        self.import_button.setEnabled(would > 0 and not controller.busy)
        self.import_button.setVisible(controller.outcome is None)
        self.again_button.setEnabled(bool(controller.paths) and not controller.busy)
        self.clear_button.setEnabled(bool(controller.paths) and not controller.busy)
        self.choose_button.setEnabled(not controller.busy)
        ended = controller.outcome is not None and not controller.busy
        self.listens_button.setVisible(ended and self.state.has_screen("listens"))
        self.review_button.setVisible(ended and self.state.has_screen("review"))
        self.message.setToolTip(controller.details())

    def _say(self, text: str, ok: object) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(outcome_style(self, ok if isinstance(ok, bool) else None))
