"""The Folders screen: the library folders, and the Scan and Analyze jobs that read them.

The folders live in the database (``analyzer.scan.folders``, shared with ``tonearm folders``). Scan and
Analyze run through the window's one job runner; their progress is the jobs panel's, while this screen keeps
the last outcome of each in plain words ("Scanned 1,234 files: 1,200 added …", "Stopped after 600 of 1,234
files") so a person who looked away still sees what happened. The screen holds layout; :class:`FolderJobs`
holds the logic (app/gui/scan_jobs.py); neither holds SQL.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
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

from app.gui.outcomes import error_text, local_time, outcome_style, plural
from app.gui.scan_jobs import ANALYZE_KIND, SCAN_KIND, FolderJobs, list_library_folders
from app.gui.state import AppState


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
        self._removing: Any = None  # the background removal of a folder, while it runs

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
        self.table.itemDoubleClicked.connect(lambda item, _column: self.open_folder(item.text(0)))
        self.table.setToolTip("Double-click a folder to open it in the file manager")

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

    def navigate(self, payload: object) -> None:
        """Folders dropped on the window: {"paths": [...]} — each is added and scanned."""
        if isinstance(payload, dict):
            for path in payload.get("paths", ()):
                self.add_folder(str(path))

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

    def open_folder(self, path: str) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(path))

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
        # A big folder takes seconds (its listens are unlinked one index entry at a time): in the background.
        db, folder_id = self.state.db, folder.id
        self._removing = self.state.jobs.call("Removing folder", lambda: _remove_folder(db, folder_id))
        self._removing.finished.connect(lambda removed: self._removed(folder.path, removed))
        self._removing.failed.connect(lambda error: self._removed(folder.path, error))
        self.remove_button.setEnabled(False)
        self._say(f"Removing {folder.path} from the library…")

    def _removed(self, path: str, outcome: Any) -> None:
        from analyzer.scan.folders import FolderError

        self._removing = None
        if isinstance(outcome, FolderError):
            self._say(f"Could not remove {path}: {outcome}", error=True)
        elif isinstance(outcome, BaseException):
            self._say(f"Could not remove {path}: {error_text(outcome)}", error=True)
        else:
            self._say(f"Removed {path}{_removed_details(outcome)}.")
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
        self.remove_button.setEnabled(
            self.selected_folder() is not None and not self.jobs.running(SCAN_KIND) and self._removing is None
        )

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


def _remove_folder(db: Any, folder_id: int) -> Any:
    from analyzer.scan.folders import remove_folder

    with db.session() as session:
        return remove_folder(session, folder_id)


def _removed_details(removed: Any) -> str:
    """``: 1,234 files and 100 tracks left the library; 12 listens will be matched again``."""
    text = f": {plural(removed.files_removed, 'file')} and {plural(removed.tracks_removed, 'track')} left the library"
    if removed.listens_unlinked:
        text += f"; {plural(removed.listens_unlinked, 'listen')} kept, to be matched again"
    return text
