"""The Folders screen: the library folders, and the Scan and Analyze jobs that read them.

The folders live in the database (``analyzer.scan.folders``, shared with ``tonearm folders``). Scan and
Analyze run through the window's one job runner; their progress is the jobs panel's, while this screen keeps
the last outcome of each in plain words ("Scanned 1,234 files: 1,200 added …", "Stopped after 600 of 1,234
files") so a person who looked away still sees what happened. The screen holds layout; :class:`FolderJobs`
holds the logic; neither holds SQL.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.jobs import Job
from app.gui.state import AppState

SCAN_KIND = "scan"
ANALYZE_KIND = "analyze"


def error_text(error: BaseException | None) -> str:
    """The one line a person reads for a failed job (the CLI's wording where it has one)."""
    if error is None:
        return "unknown error"
    from app.cli import error_line

    return error_line(error) or f"{type(error).__name__}: {error}"


def outcome_style(widget: QWidget, ok: bool | None) -> str:
    """A style sheet colouring a line red (False) or green (True), readable on light and dark palettes."""
    if ok is None:
        return ""
    dark = widget.palette().color(QPalette.ColorRole.Window).lightness() < 128
    colors = {True: ("#2e7d32", "#81c784"), False: ("#c62828", "#ff8a80")}[ok]
    return f"color: {colors[dark]};"


def local_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """``moment`` (stored in UTC, naive or aware) in this computer's time zone; "" when unknown."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone().strftime(pattern)


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _stopped_text(job: Job, done_total: tuple[int, int] | None) -> str:
    """``Stopped after 600 of 1,234 files``, from the summary's counts when the operation returned one,
    else from the last progress event."""
    if done_total is not None:
        return f"Stopped after {done_total[0]:,} of {_plural(done_total[1], 'file')}"
    event = job.last
    if event is not None and event.total is not None and event.stage in ("read", "analyze"):
        return f"Stopped after {event.done:,} of {_plural(event.total, 'file')}"
    if event is not None and event.stage == "walk":
        return f"Stopped while looking for files ({_plural(event.done, 'file')} found)"
    return "Stopped before any file was read"


def _scan_counts(summary: Any) -> list[str]:
    counted = (
        (summary.added, "added"),
        (summary.updated, "updated"),
        (summary.errors, "unreadable"),
        (summary.missing, "missing"),
        (summary.moved, "moved"),
    )
    return [f"{count:,} {label}" for count, label in counted if count]


def scan_outcome(job: Job) -> tuple[str, bool]:
    """What an ended scan job did, in one line, and whether there are problems worth showing."""
    summary: Any = job.result
    if job.outcome == "failed":
        return f"Scan failed: {error_text(job.result)}", False
    if job.outcome == "cancelled":
        if summary is None:  # an operation that raised Cancelled instead of returning its summary
            return _stopped_text(job, None) + ". What was read is kept; Scan again to continue.", False
        kept = summary.added + summary.updated + summary.errors + summary.vanished
        counts = _scan_counts(summary)
        if job.last is not None and job.last.stage == "walk":
            text = _stopped_text(job, None)  # still looking for files: nothing was read
        else:
            text = _stopped_text(job, (kept, summary.found - summary.unchanged))
        text += f" ({', '.join(counts)})" if counts else ""
        return text + ". What was read is kept; Scan again to continue.", bool(summary.errors)
    parts = _scan_counts(summary) or ["nothing changed"]
    text = f"Scanned {_plural(summary.found, 'file')}: " + ", ".join(parts)
    if summary.problems:
        text += f"; {_plural(len(summary.problems), 'folder')} could not be opened"
    return text + ".", bool(summary.errors or summary.missing or summary.problems)


def analyze_outcome(job: Job) -> tuple[str, bool]:
    """What an ended analysis job did, in one line, and whether there are problems worth showing."""
    summary: Any = job.result
    if job.outcome == "failed":
        return f"Analysis failed: {error_text(job.result)}", False
    if job.outcome == "cancelled":
        done = None if summary is None else (summary.analyzed + summary.errors, summary.pending)
        text = _stopped_text(job, done) + ". What was analyzed is kept; Analyze again to continue."
        return text, bool(summary is not None and summary.errors)
    if not summary.pending:
        return "Nothing to analyze: every readable file is analyzed.", False
    parts = [f"{summary.analyzed:,} analyzed"]
    if summary.errors:
        parts.append(f"{summary.errors:,} failed")
    if summary.partial:
        parts.append(f"{summary.partial:,} partly")
    return f"Analyzed {_plural(summary.pending, 'file')}: " + ", ".join(parts) + ".", bool(summary.errors)


class FolderJobs(QObject):
    """Starts scans and analyses, knows the one running of each kind, and reports their outcome.

    A job of either kind started elsewhere (the first-run landing) is followed too, so the buttons and the
    summary are right whoever started it; only the starter emits ``library_changed``."""

    changed = Signal()  # a job started or ended: refresh buttons and summaries

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.current: dict[str, Job | None] = {SCAN_KIND: None, ANALYZE_KIND: None}
        self.outcome: dict[str, tuple[str, bool] | None] = {SCAN_KIND: None, ANALYZE_KIND: None}
        state.jobs.job_started.connect(self._follow)
        state.database_changed.connect(self._forget_outcomes)
        for job in state.jobs.running():
            self._follow(job)

    def _forget_outcomes(self) -> None:
        """Another database is open: what the last jobs did was about the one before."""
        self.outcome = {kind: None for kind in self.outcome}
        self.changed.emit()

    def running(self, kind: str) -> Job | None:
        job = self.current[kind]
        return job if job is not None and job.running else None

    def start_scan(self, paths: list[str] | None = None) -> Job | None:
        """Scan ``paths`` (default: every library folder); None when there is nothing to scan."""
        if paths is None:
            paths = [folder.path for folder in list_library_folders(self.state)]
        if not paths or self.running(SCAN_KIND):
            return None
        db = self.state.db
        title = f"Scan {paths[0]}" if len(paths) == 1 else f"Scan {len(paths)} folders"
        return self._start(title, SCAN_KIND, lambda token: _scan_operation(db, paths, token))

    def start_analysis(self) -> Job | None:
        if self.running(ANALYZE_KIND):
            return None
        db = self.state.db
        return self._start("Analyze audio", ANALYZE_KIND, lambda token: _analysis_operation(db, token))

    def stop(self, kind: str) -> None:
        job = self.running(kind)
        if job is not None:
            job.cancel()
            self.changed.emit()

    def _start(self, title: str, kind: str, operation: Any) -> Job:
        job = self.state.jobs.start(title, operation, kind=kind)
        job.ended.connect(self.state.library_changed.emit)  # the starter tells the screens to reload
        if self.current[kind] is not job:  # job_started already followed it
            self._follow(job)
        return job

    def _follow(self, job: Job) -> None:
        if job.kind not in self.current:
            return
        self.current[job.kind] = job
        job.ended.connect(lambda: self._ended(job))
        self.changed.emit()

    def _ended(self, job: Job) -> None:
        describe = scan_outcome if job.kind == SCAN_KIND else analyze_outcome
        self.outcome[job.kind] = describe(job)
        self.changed.emit()


def _scan_operation(db: Any, paths: list[str], token: Any) -> Any:
    from analyzer.scan import scan_folders

    return scan_folders(db, paths, cancel=token)


def _analysis_operation(db: Any, token: Any) -> Any:
    # The analysis pool decodes in worker processes: Essentia is never imported in the window's process.
    from analyzer.analysis.runner import analyze_library

    return analyze_library(db, cancel=token)


def list_library_folders(state: AppState) -> list[Any]:
    from analyzer.scan.folders import list_folders

    with state.db.session() as session:
        return list_folders(session)


class FoldersScreen(QWidget):
    """Library folders with Add/Remove, and the Scan and Analyze buttons (Stop while they run)."""

    title = "Folders"
    object_name = "folders"
    wants_screen = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.jobs = FolderJobs(state, self)
        self.folders: list[Any] = []

        heading = QLabel("Music folders")
        heading.setObjectName("heading")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel(
            "Tonearm reads the audio files in these folders and their subfolders. Scan picks up new, changed "
            "and vanished files; Analyze measures tempo, key and loudness and fingerprints each file."
        )
        intro.setWordWrap(True)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._empty_page())
        self.stack.addWidget(self._list_page())

        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(self.message)
        layout.addWidget(self.stack, 1)

        self.jobs.changed.connect(self._show_jobs)
        state.library_changed.connect(self.reload)
        state.database_changed.connect(self.reload)
        self.reload()

    # -- layout ----------------------------------------------------------------------------------------
    def _empty_page(self) -> QWidget:
        page = QWidget()
        title = QLabel("No music folders yet")
        title.setObjectName("emptyTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        hint = QLabel("Add the folder where your music is. Tonearm never changes or moves your files.")
        hint.setWordWrap(True)
        self.add_first_button = QPushButton("Add your music folder…")
        self.add_first_button.setObjectName("addFirstFolder")
        self.add_first_button.setMinimumHeight(44)
        self.add_first_button.setMinimumWidth(260)
        self.add_first_button.clicked.connect(self.choose_folder)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        for widget in (title, hint):
            widget.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            layout.addWidget(widget)
        layout.addSpacing(12)
        layout.addWidget(self.add_first_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        return page

    def _list_page(self) -> QWidget:
        page = QWidget()
        self.table = QTreeWidget()
        self.table.setObjectName("folderList")
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setHeaderLabels(["Folder", "", "Added"])
        self.table.header().setStretchLastSection(False)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.header().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._show_selection)

        self.add_button = QPushButton("Add folder…")
        self.add_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip(
            "Take the selected folder out of the library (files on disk are untouched)"
        )
        self.remove_button.clicked.connect(self.remove_selected)
        self.scan_button = QPushButton("Scan")
        self.scan_button.setObjectName("scanButton")
        self.scan_button.clicked.connect(lambda: self._toggle(SCAN_KIND))
        self.analyze_button = QPushButton("Analyze")
        self.analyze_button.setObjectName("analyzeButton")
        self.analyze_button.clicked.connect(lambda: self._toggle(ANALYZE_KIND))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.scan_button)
        buttons.addWidget(self.analyze_button)

        self.scan_summary = self._summary_label("scanSummary")
        self.analyze_summary = self._summary_label("analyzeSummary")

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.scan_summary)
        layout.addWidget(self.analyze_summary)
        return page

    def _summary_label(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        label.linkActivated.connect(self.wants_screen.emit)
        label.hide()
        return label

    # -- reading ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the folder list again (it is a handful of rows: read in place, not in a worker)."""
        try:
            self.folders = list_library_folders(self.state)
        except Exception as error:  # a server gone away: say so instead of an empty list
            self.folders = []
            self._say(f"Could not read the library folders: {error_text(error)}", error=True)
        self.table.clear()
        gone = False
        for folder in self.folders:
            added = local_time(folder.added_at, "%Y-%m-%d")
            on_disk = os.path.isdir(folder.path)
            gone = gone or not on_disk
            status = "" if on_disk else "not found: connect its drive, or remove it"
            item = QTreeWidgetItem([str(folder.path), status, added])
            item.setToolTip(0, str(folder.path))
            if not on_disk:
                item.setToolTip(1, "A scan leaves the files of a folder it cannot open as they were")
            item.setData(0, Qt.ItemDataRole.UserRole, folder.id)
            self.table.addTopLevelItem(item)
        self.table.setColumnHidden(1, not gone)  # the status column only when a folder needs it
        self.stack.setCurrentIndex(1 if self.folders else 0)
        self._show_jobs()

    def activated(self) -> None:
        self.reload()

    # -- actions ---------------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a music folder")
        if path:
            self.add_folder(path)

    def add_folder(self, path: str) -> None:
        """Add ``path`` to the library and scan it at once (or say why it cannot be added)."""
        from analyzer.scan.folders import FolderError, add_folder

        try:
            with self.state.db.session() as session:
                folder = add_folder(session, path)
        except FolderError as error:
            self._say(f"Could not add {path}: {error}", error=True)
            return
        self.reload()
        job = self.jobs.start_scan([folder.path])
        if job is not None:
            note = f"Added {folder.path}. Scanning it now; the Library fills in as files are read."
            self._say(note)
            job.ended.connect(lambda: self._unsay(note))  # the summary says the rest
        else:
            self._say(f"Added {folder.path}. Press Scan when the running scan ends to read it.")

    def selected_folder(self) -> Any | None:
        items = self.table.selectedItems()
        if not items:
            return None
        folder_id = items[0].data(0, Qt.ItemDataRole.UserRole)
        return next((f for f in self.folders if f.id == folder_id), None)

    def remove_selected(self) -> None:
        folder = self.selected_folder()
        if folder is None:
            return
        answer = QMessageBox.question(
            self,
            "Remove folder?",
            f"Remove {folder.path} from the library?\n\n"
            "Its files leave the library, with their analysis, and tracks that only they held disappear from "
            "the Library screen. Your listening history is kept: listens of those tracks are unlinked and "
            "matched again later. Nothing on disk is deleted; add the folder again to bring the files back.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        from analyzer.scan.folders import FolderError, remove_folder

        try:
            with self.state.db.session() as session:
                removed = remove_folder(session, folder.id)
        except FolderError as error:
            self._say(f"Could not remove {folder.path}: {error}", error=True)
            return
        self._say(f"Removed {folder.path}{_removed_details(removed)}.")
        self.state.library_changed.emit()  # reloads this screen too

    def _toggle(self, kind: str) -> None:
        if self.jobs.running(kind):
            self.jobs.stop(kind)
        elif kind == SCAN_KIND:
            self.jobs.start_scan()
        else:
            self.jobs.start_analysis()

    # -- showing ---------------------------------------------------------------------------------------
    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(outcome_style(self, False if error else None))
        self.message.setVisible(bool(text))

    def _unsay(self, text: str) -> None:
        if self.message.text() == text:
            self._say("")

    def _show_selection(self) -> None:
        self.remove_button.setEnabled(self.selected_folder() is not None and not self.jobs.running(SCAN_KIND))

    def _show_jobs(self) -> None:
        for kind, button, idle, label in (
            (SCAN_KIND, self.scan_button, "Scan", self.scan_summary),
            (ANALYZE_KIND, self.analyze_button, "Analyze", self.analyze_summary),
        ):
            job = self.jobs.running(kind)
            if job is None:
                button.setText(idle)
                button.setEnabled(bool(self.folders))
            else:
                button.setText("Stopping…" if job.stopping else "Stop")
                button.setEnabled(not job.stopping)
            outcome = self.jobs.outcome[kind]
            if outcome is not None:
                text, problems = outcome
                if problems:
                    text = text.removesuffix(".") + ' — <a href="problems">Show problems</a>'
                label.setText(text)
            label.setVisible(outcome is not None)
        self.scan_button.setToolTip("Read new and changed files in every folder; Stop keeps what was read")
        self.analyze_button.setToolTip("Analyze the files not analyzed yet; Stop keeps what was analyzed")
        if self.jobs.running(SCAN_KIND) and not self.jobs.running(ANALYZE_KIND):
            # Analysis takes the pending files when it starts: run it once the scan has found them all.
            self.analyze_button.setEnabled(False)
            self.analyze_button.setToolTip("Analyze when the scan ends: it is still finding files")
        self._show_selection()


def _removed_details(removed: Any) -> str:
    """``: 1,234 files and 100 tracks left the library; 12 listens will be matched again``."""
    text = f": {_plural(removed.files_removed, 'file')} and {_plural(removed.tracks_removed, 'track')} left the library"
    if removed.listens_unlinked:
        text += f"; {_plural(removed.listens_unlinked, 'listen')} kept, to be matched again"
    return text
