"""The first-run landing, inside the window (no wizard): choose the music folder, import a listening history,
and see where Tonearm keeps its data.

Choosing a folder adds it to the library and starts its scan, then asks the window for the Library screen
(``wants_screen``), which fills in as batches are written. An import runs the same core function as
``tonearm import`` (``scrobbler.ingest.ingest_file`` with the detected importer, for the default user) and
the landing shows one line per file when it ends.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFileDialog, QFrame, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from app.gui.jobs import Job
from app.gui.outcomes import error_text, outcome_style
from app.gui.scan_jobs import FolderJobs
from app.gui.state import AppState
from models.engine import Database
from models.progress import CancelToken, Progress

IMPORT_KIND = "import"
COLUMN_WIDTH = 600
"""Width of the landing's one column of text and buttons: a comfortable line length."""


@dataclass(frozen=True)
class FileImport:
    """One history file's outcome: its report, or why it was not imported."""

    path: str
    format_name: str | None
    report: Any | None  # scrobbler.ingest.IngestReport
    error: str | None = None


@dataclass
class HistoryImport:
    files: list[FileImport] = field(default_factory=list)
    cancelled: bool = False


def import_histories(
    db: Database, paths: Sequence[str], cancel: CancelToken
) -> Generator[Progress, None, HistoryImport]:
    """Import each file for the default user, as ``tonearm import FILE...`` does (format detected)."""
    from scrobbler import importers
    from scrobbler.ingest import ingest_file
    from scrobbler.users import default_user

    with db.session() as session:
        user_id = default_user(session).id
    result = HistoryImport()
    for path in paths:
        if cancel.cancelled:
            break
        importer = importers.detect(path)
        if importer is None:
            error = "format not recognised"
            result.files.append(FileImport(path, None, None, error))
            continue
        report = yield from ingest_file(db, importer, Path(path), user_id, cancel=cancel)
        result.files.append(FileImport(path, importer.NAME, report))
    result.cancelled = cancel.cancelled
    return result


def import_lines(outcome: HistoryImport) -> list[str]:
    """One line per file: ``history.json (listenbrainz): 1,234 imported, 10 duplicates, 3 skipped``."""
    lines = []
    for item in outcome.files:
        name = Path(item.path).name
        if item.report is None:
            lines.append(f"{name}: not imported, {item.error}")
            continue
        report = item.report
        parts = [f"{report.imported:,} imported"]
        for count, label in (
            (report.duplicates, "already there"),
            (report.merged, "merged with another source"),
            (report.skipped_count, "skipped"),
            (report.failed_count, "failed"),
        ):
            if count:
                parts.append(f"{count:,} {label}")
        lines.append(f"{name} ({item.format_name}): " + ", ".join(parts))
    if outcome.cancelled:
        lines.append("Stopped: the listens read so far were imported; import the file again to continue.")
    return lines


SHOWN_FAILURES = 20
"""Failed rows listed in the details, as ``tonearm import`` prints them."""


def import_details(outcome: HistoryImport) -> str:
    """Why rows were skipped or failed, per file (the counts by reason, the first failures)."""
    blocks = []
    for item in outcome.files:
        report = item.report
        if report is None or not (report.skipped or report.failed):
            continue
        lines = [Path(item.path).name]
        lines += [
            f"  skipped ({reason.replace('_', ' ')}): {count:,}"
            for reason, count in sorted(report.skipped.items())
        ]
        lines += [f"  failed {row.location}: {row.reason}" for row in report.failed[:SHOWN_FAILURES]]
        if report.failed_count > SHOWN_FAILURES:
            lines.append(f"  … and {report.failed_count - SHOWN_FAILURES:,} more failed rows")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def data_location(db: Database) -> str:
    """Where the data lives, for a person: the SQLite file(s) or the server (password hidden)."""
    if db.is_sqlite:
        files = db.files()
        main = files.get("main") or "memory (nothing is kept)"
        extra = [path for name, path in files.items() if name != "main"]
        return main + (f" (and {', '.join(extra)})" if extra else "")
    schemas = db.schemas.named_schemas()
    where = db.url.render_as_string(hide_password=True)
    return where + (f" (schemas {', '.join(schemas)})" if schemas else "")


class LandingScreen(QWidget):
    """The welcome page shown while the library has no folder and no track."""

    title = "Welcome"
    object_name = "welcome"
    wants_screen = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.folder_jobs = FolderJobs(state, self)
        self.import_job: Job | None = None

        welcome = QLabel("Welcome to Tonearm")
        font = welcome.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        welcome.setFont(font)
        intro = QLabel(
            "Tonearm reads your music folders, measures every track (tempo, key, loudness), and links your "
            "listening history to the files you own. Everything stays on this computer."
        )
        intro.setWordWrap(True)

        self.folder_button = QPushButton("Choose your music folder…")
        self.folder_button.setObjectName("chooseFolder")
        self.folder_button.setMinimumHeight(44)
        self.folder_button.setDefault(True)
        self.folder_button.clicked.connect(self.choose_folder)
        folder_hint = QLabel("Tonearm scans it now and keeps it up to date; your files are never changed.")
        folder_hint.setWordWrap(True)

        self.import_button = QPushButton("Import a listening history…")
        self.import_button.setObjectName("importHistory")
        self.import_button.setMinimumHeight(36)
        self.import_button.clicked.connect(self.choose_history)
        import_hint = QLabel(
            "An export from ListenBrainz, Last.fm or Spotify, a Maloja backup, or a player's .scrobbler.log."
        )
        import_hint.setWordWrap(True)

        self.details_button = QPushButton("Details…")
        self.details_button.setToolTip("Why rows were skipped or failed")
        self.details_button.clicked.connect(self.show_details)
        self.details_button.hide()
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        self.location = QLabel()
        self.location.setObjectName("dataLocation")
        self.location.setWordWrap(True)
        self.location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # One vertical box, centred by its side margins (resizeEvent): a box honours the height wrapped
        # labels need, while a widget placed with an alignment only gets its plain size hint and overlaps.
        layout = self._column = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addStretch(1)
        layout.addWidget(welcome)
        layout.addWidget(intro)
        layout.addSpacing(18)
        layout.addWidget(self.folder_button)
        layout.addWidget(folder_hint)
        layout.addSpacing(12)
        layout.addWidget(self.import_button)
        layout.addWidget(import_hint)
        layout.addSpacing(8)
        layout.addWidget(self.message)
        layout.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(18)
        layout.addWidget(line)
        layout.addWidget(self.location)
        layout.addStretch(2)

        state.database_changed.connect(self._show_location)
        self._show_location()

    def activated(self) -> None:
        self._show_location()

    def resizeEvent(self, event: QResizeEvent) -> None:
        side = max(32, (event.size().width() - COLUMN_WIDTH) // 2)
        self._column.setContentsMargins(side, 24, side, 24)
        super().resizeEvent(event)

    def _show_location(self) -> None:
        self.location.setText(
            f"Your library is kept in {data_location(self.state.db)}. Choose another database in Settings."
        )

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(outcome_style(self, False if error else None))
        self.message.setVisible(bool(text))

    # -- the music folder ------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose your music folder")
        if path:
            self.start_library(path)

    def start_library(self, path: str) -> None:
        """Add ``path`` as a library folder, start its scan and go to the Library screen."""
        from analyzer.scan.folders import FolderError, add_folder

        try:
            with self.state.db.session() as session:
                folder = add_folder(session, path)
        except FolderError as error:
            self._say(f"Could not use {path}: {error}", error=True)
            return
        if self.folder_jobs.start_scan([folder.path]) is not None:
            self._say(f"Scanning {folder.path}…")
        else:  # one scan at a time: the one running was started elsewhere
            self._say(f"Added {folder.path}; press Scan on the Folders screen when the running scan ends.")
        self.state.library_changed.emit()  # the folder is in: the window can leave the landing
        self.wants_screen.emit("library")

    # -- listening history -----------------------------------------------------------------------------
    def choose_history(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            "Import a listening history",
            "",
            "Listening histories (*.json *.jsonl *.csv *.log *.tsv *.txt *.zip);;All files (*)",
        )
        if paths:
            self.start_import(paths)

    def start_import(self, paths: Sequence[str]) -> Job | None:
        if self.import_job is not None and self.import_job.running:
            return None
        db, files = self.state.db, list(paths)
        title = f"Import {Path(files[0]).name}" if len(files) == 1 else f"Import {len(files)} history files"
        job = self.state.jobs.start(title, lambda token: import_histories(db, files, token), kind=IMPORT_KIND)
        self.import_job = job
        self.import_button.setEnabled(False)
        self._say(
            f"Importing {len(files):,} file{'s' if len(files) != 1 else ''}… (progress in the jobs panel)"
        )
        job.ended.connect(lambda: self._imported(job))
        return job

    def _imported(self, job: Job) -> None:
        self.import_button.setEnabled(True)
        if job.outcome == "failed":
            self._say(f"Import failed: {error_text(job.result)}", error=True)
        elif job.result is None:
            self._say("Import stopped; the listens read so far were imported.")
        else:
            self._say("\n".join(import_lines(job.result)))
            details = import_details(job.result)
            self.message.setToolTip(details)
            self.details_button.setVisible(bool(details))
        self.state.listens_changed.emit()

    def show_details(self) -> None:
        """The skipped and failed rows of the last import, in a message box a person can copy from."""
        box = QMessageBox(QMessageBox.Icon.Information, "Import details", "Rows not imported", parent=self)
        box.setDetailedText(self.message.toolTip())
        box.setInformativeText(self.message.text())
        box.exec()
