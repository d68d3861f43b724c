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
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.gui.folders import FolderJobs, error_text, outcome_style
from app.gui.jobs import Job
from app.gui.state import AppState
from models.engine import Database
from models.progress import CancelToken, Progress

IMPORT_KIND = "import"


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
            error = "format not recognised (Tonearm reads ListenBrainz, Last.fm, Spotify, Maloja and .scrobbler.log)"
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

        column = QWidget()
        column.setFixedWidth(600)  # a readable measure; wrapped labels need a width to compute their height
        inner = QVBoxLayout(column)
        inner.setSpacing(8)
        inner.addWidget(welcome)
        inner.addWidget(intro)
        inner.addSpacing(18)
        inner.addWidget(self.folder_button)
        inner.addWidget(folder_hint)
        inner.addSpacing(12)
        inner.addWidget(self.import_button)
        inner.addWidget(import_hint)
        inner.addSpacing(8)
        inner.addWidget(self.message)
        inner.addSpacing(18)
        inner.addWidget(line)
        inner.addWidget(self.location)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

        state.database_changed.connect(self._show_location)
        self._show_location()

    def activated(self) -> None:
        self._show_location()

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
        self.folder_jobs.start_scan([folder.path])
        self._say(f"Scanning {folder.path}…")
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
        self.state.listens_changed.emit()
