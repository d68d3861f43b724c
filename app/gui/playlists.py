"""The Playlists screen: imported playlists and DJ tracklists, each entry with its status and score.

A person imports a playlist file (M3U/M3U8, PLS, XSPF, JSPF, the Spotify export, a tracklist or a CUE sheet)
through a file picker; the import runs as a job (``analyzer.curation.playlists.import_playlist_file``, the
same as ``tonearm playlist import``). Picking a playlist shows its entries; the status filter lists what is
missing or unsure; Export writes the matched entries as M3U8 or XSPF with local paths; Match again re-runs
matching after the library changed. The screen holds layout; :class:`PlaylistsController` the logic; reads
and writes go through core functions only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.jobs import Job
from app.gui.outcomes import error_text, outcome_style, plural
from app.gui.playlist_models import STATUS_LABELS, EntryTableModel, PlaylistListModel
from app.gui.state import AppState
from models.engine import Database

IMPORT_KIND = "playlist-import"
PICKER_FILTER = (
    "Playlists and tracklists (*.m3u *.m3u8 *.pls *.xspf *.jspf *.json *.txt *.cue);;All files (*)"
)


def _read_playlists(db: Database) -> list[Any]:
    from analyzer.curation.playlists import list_playlists

    with db.session() as session:
        return list_playlists(session)


def _read_entries(db: Database, playlist_id: int) -> list[Any]:
    from analyzer.curation.playlist_entries import playlist_entries

    with db.session() as session:
        return playlist_entries(session, playlist_id)


def _export(db: Database, playlist_id: int, path: str, fmt: str) -> Any:
    from analyzer.curation.playlists import playlist_track_ids
    from models.curation import Playlist
    from scrobbler.exports.playlists import write_playlist

    with db.session() as session:
        title = session.get_one(Playlist, playlist_id).title
        return write_playlist(session, playlist_track_ids(session, playlist_id), path, fmt, title)


def _read_candidates(db: Database, entry_id: int) -> list[Any]:
    from analyzer.curation.playlist_entries import entry_candidates

    with db.session() as session:
        return entry_candidates(session, entry_id)


def _decide(db: Database, entry_id: int, track_id: int | None) -> None:
    from analyzer.curation.playlist_entries import decide_entry

    with db.session() as session:
        decide_entry(session, entry_id, track_id)


def import_outcome(job: Job) -> tuple[str, bool | None]:
    """One line for an ended import job, and whether it went well (None: neutral)."""
    if job.outcome == "failed":
        from analyzer.curation.playlist_formats import PlaylistFormatError

        error = job.result
        text = str(error) if isinstance(error, PlaylistFormatError) else error_text(error)
        return f"Import failed: {text}", False
    summary = job.result
    if summary is None or summary.cancelled:
        return "Import stopped: nothing was written.", None
    lines = []
    for item in summary.playlists:
        counts = item.counts
        verb = "Updated" if item.updated else "Imported"
        skipped = sum(1 for p in item.problems if p.skipped)
        tail = f"; {plural(skipped, 'line')} could not be read" if skipped else ""
        lines.append(f"{verb} “{item.title}”: {counts['matched']:,} matched, {counts['ambiguous']:,} unsure, "
                     f"{counts['missing']:,} missing{tail}.")  # fmt: skip
    return " ".join(lines) or "The file held no playlist.", True


class PlaylistsController(QObject):
    """Reads and jobs of the screen: playlists, one playlist's entries, import, export, match again."""

    playlists_loaded = Signal(list)
    entries_loaded = Signal(int, list)
    said = Signal(str, object)  # a line for the person, and ok (True/False/None)

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.import_job: Job | None = None

    def load_playlists(self) -> None:
        db = self.state.db
        job = self.state.jobs.call("Read playlists", lambda: _read_playlists(db))
        job.finished.connect(self.playlists_loaded.emit)

    def load_entries(self, playlist_id: int) -> None:
        db = self.state.db
        job = self.state.jobs.call("Read playlist entries", lambda: _read_entries(db, playlist_id))
        job.finished.connect(lambda entries: self.entries_loaded.emit(playlist_id, entries))

    def start_import(self, paths: Sequence[str]) -> Job | None:
        """Import files one after the other in one job; None while another import runs."""
        if self.import_job is not None and self.import_job.running:
            return None
        from analyzer.curation.playlists import import_playlist_file

        db, files = self.state.db, list(paths)

        def operation(token: Any) -> Any:
            summary = None
            for file in files:
                result = yield from import_playlist_file(db, file, cancel=token)
                if summary is None:
                    summary = result
                else:
                    summary.playlists.extend(result.playlists)
                    summary.cancelled = result.cancelled
                if result.cancelled:
                    break
            return summary

        title = f"Import {Path(files[0]).name}" if len(files) == 1 else f"Import {len(files)} playlists"
        job = self.state.jobs.start(title, operation, kind=IMPORT_KIND)
        self.import_job = job
        self.said.emit(f"Importing {plural(len(files), 'file')}… (progress in the jobs panel)", None)
        job.ended.connect(lambda: self._imported(job))
        return job

    def _imported(self, job: Job) -> None:
        text, ok = import_outcome(job)
        self.said.emit(text, ok)
        self.load_playlists()

    def export(self, playlist_id: int, path: str) -> None:
        fmt = "xspf" if path.lower().endswith(".xspf") else "m3u8"
        db = self.state.db
        job = self.state.jobs.call("Export playlist", lambda: _export(db, playlist_id, path, fmt))
        job.finished.connect(lambda result: self.said.emit(
            f"Wrote {plural(result.entries, 'entry', 'entries')} to {path}"
            + (f" ({plural(result.without_file, 'track')} without a file left out)." if result.without_file else "."),
            True))  # fmt: skip
        job.failed.connect(lambda error: self.said.emit(f"Export failed: {error_text(error)}", False))

    def load_candidates(self, entry_id: int) -> Job:
        db = self.state.db
        return self.state.jobs.call("Read candidates", lambda: _read_candidates(db, entry_id))

    def decide(self, playlist_id: int, entry_id: int, track_id: int | None) -> Job:
        """Link an entry to a track, or (None) mark it not in the library; the entries are read again."""
        db = self.state.db
        job = self.state.jobs.call("Decide playlist entry", lambda: _decide(db, entry_id, track_id))
        job.finished.connect(lambda _result: self.load_entries(playlist_id))
        job.finished.connect(lambda _result: self.load_playlists())
        job.failed.connect(lambda error: self.said.emit(f"Could not decide: {error_text(error)}", False))
        return job

    def match_again(self) -> Job:
        from analyzer.curation.playlist_entries import rematch_playlists

        db = self.state.db
        job = self.state.jobs.start(
            "Match playlists again", lambda token: rematch_playlists(db, cancel=token)
        )
        job.finished.connect(lambda s: self.said.emit(
            f"Matched {plural(s.entries, 'entry', 'entries')} again: {s.changed:,} changed.", True))  # fmt: skip
        job.ended.connect(self.load_playlists)
        return job


class PlaylistsScreen(QWidget):
    title = "Playlists"
    object_name = "playlists"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self.state = state
        self.controller = PlaylistsController(state, self)
        self.current_id: int | None = None
        self.entry_menu: QMenu | None = None
        self.playlists = PlaylistListModel(self)
        self.entries = EntryTableModel(self)

        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("M3U/M3U8, PLS, XSPF, JSPF (ListenBrainz), Spotify's Playlist1.json, "
                                      "'Artist - Title' tracklists, CUE sheets")  # fmt: skip
        self.export_button = QPushButton("Export…")
        self.match_button = QPushButton("Match again")
        self.status_filter = QComboBox()
        self.status_filter.addItem("All entries", None)
        for status, label in STATUS_LABELS.items():
            self.status_filter.addItem(label, status)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.playlist_view = self._table(self.playlists)
        self.entry_view = self._table(self.entries)
        self.entry_view.doubleClicked.connect(self._open_track)
        self.entry_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.entry_view.customContextMenuRequested.connect(self._entry_menu_at)
        self.entry_view.setToolTip(
            "Right-click an unsure or missing entry to link it or mark it not in your library"
        )
        self.empty = QLabel("No playlists yet. Import a playlist file (M3U, XSPF, JSPF, Spotify's export, a "
                            "DJ tracklist or a CUE sheet) and every entry is matched to your library.")  # fmt: skip
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.counts = QLabel("")

        bar = QHBoxLayout()
        for widget in (self.import_button, self.export_button, self.match_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.status_filter)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.counts)
        right_layout.addWidget(self.entry_view)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.playlist_view)
        self.splitter.addWidget(right)
        self.splitter.setSizes([480, 720])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.empty)
        layout.addWidget(self.splitter, 1)

        self.import_button.clicked.connect(self.choose_files)
        self.export_button.clicked.connect(self.choose_export)
        self.match_button.clicked.connect(self.controller.match_again)
        self.status_filter.currentIndexChanged.connect(self._filter_changed)
        self.playlist_view.selectionModel().currentRowChanged.connect(self._playlist_chosen)
        self.controller.playlists_loaded.connect(self._show_playlists)
        self.controller.entries_loaded.connect(self._show_entries)
        self.controller.said.connect(self._say)
        state.database_changed.connect(self.reload)
        state.library_changed.connect(self._library_changed)
        self._update_buttons()

    def _table(self, model: Any) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.verticalHeader().hide()
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 4) if model is self.entries else (0,):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        return view

    # -- loading ---------------------------------------------------------------------------------------
    def activated(self) -> None:
        # Re-read on every show: other screens (the set builder) and `tonearm playlist import` add playlists
        # while this one is hidden; the list is one small query in a worker.
        self.reload()

    def navigate(self, payload: object) -> None:
        """{"playlist_id": id}: show that playlist (for example one the set builder just saved)."""
        if isinstance(payload, dict) and payload.get("playlist_id") is not None:
            self.current_id = int(payload["playlist_id"])
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.activated()

    def reload(self) -> None:
        self.controller.load_playlists()

    def _library_changed(self) -> None:
        if self.isVisible():
            self.controller.load_playlists()

    def _show_playlists(self, rows: list[Any]) -> None:
        keep = self.current_id
        self.playlists.set_playlists(rows)
        self.empty.setVisible(not rows)
        self.splitter.setVisible(bool(rows))
        row = self.playlists.row_of(keep) if keep is not None else (0 if rows else None)
        if row is not None:
            self.playlist_view.selectRow(row)
            self.controller.load_entries(self.playlists.playlist(row).id)
        self._update_buttons()

    def _playlist_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            playlist = self.playlists.playlist(current.row())
            if playlist.id != self.current_id:
                self.current_id = playlist.id
                self.controller.load_entries(playlist.id)
        self._update_buttons()

    def _show_entries(self, playlist_id: int, entries: list[Any]) -> None:
        if playlist_id != self.current_id and self.current_id is not None:
            return  # a newer choice is loading
        self.current_id = playlist_id
        self.entries.set_entries(entries)
        counts = self.entries.counts()
        self.counts.setText(f"{plural(len(entries), 'entry', 'entries')}: {counts['matched']:,} matched, "
                            f"{counts['ambiguous']:,} unsure, {counts['missing']:,} missing (not in your library)")  # fmt: skip
        self._update_buttons()

    def _filter_changed(self) -> None:
        self.entries.set_status(self.status_filter.currentData())

    def _update_buttons(self) -> None:
        self.export_button.setEnabled(self.current_id is not None)
        self.match_button.setEnabled(self.playlists.rowCount() > 0)

    def _say(self, text: str, ok: object) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setStyleSheet(outcome_style(self, ok if isinstance(ok, bool) else None))

    # -- actions ---------------------------------------------------------------------------------------
    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "Import playlists", "", PICKER_FILTER)
        if paths:
            self.controller.start_import(paths)

    def choose_export(self) -> None:
        if self.current_id is None:
            return
        row = self.playlists.row_of(self.current_id)
        name = self.playlists.playlist(row).title if row is not None else "playlist"
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export playlist", f"{name}.m3u8", "M3U8 playlist (*.m3u8);;XSPF playlist (*.xspf)"
        )
        if path:
            self.controller.export(self.current_id, path)

    def _entry_menu_at(self, point: QPoint) -> None:
        index = self.entry_view.indexAt(point)
        if index.isValid():
            self.show_entry_menu(index.row(), self.entry_view.viewport().mapToGlobal(point))

    def show_entry_menu(self, row: int, where: QPoint | None = None) -> Job:
        """Read the entry's candidates, then offer: link to one of them, or not in my library."""
        entry = self.entries.entry(row)
        job = self.controller.load_candidates(entry.id)
        job.finished.connect(lambda candidates: self._popup(entry, candidates, where))
        return job

    def _popup(self, entry: Any, candidates: list[Any], where: QPoint | None) -> None:
        self.entry_menu = self.entry_menu_for(entry, candidates)
        if where is not None:
            self.entry_menu.popup(where)

    def entry_menu_for(self, entry: Any, candidates: list[Any]) -> QMenu:
        menu = QMenu(self)
        playlist_id = self.current_id
        for candidate in candidates:
            name = f"{candidate.artist} - {candidate.title}" if candidate.artist else candidate.title
            action = menu.addAction(f"Link to {name} ({candidate.score})")
            action.triggered.connect(
                lambda _checked=False, t=candidate.track_id: self.controller.decide(
                    playlist_id or 0, entry.id, t
                )
            )
        if not candidates:
            menu.addAction("No candidates in the library").setEnabled(False)
        menu.addSeparator()
        reject = menu.addAction("Not in my library")
        reject.triggered.connect(
            lambda _checked=False: self.controller.decide(playlist_id or 0, entry.id, None)
        )
        reject.setEnabled(entry.reason != "review_reject")
        return menu

    def _open_track(self, index: QModelIndex) -> None:
        entry = self.entries.entry(index.row())
        if entry.track_id is not None and self.state.has_screen("library"):
            self.state.navigate("library", {"track_id": entry.track_id})

    def screenshot_states(self) -> Iterator[str]:
        """The missing entries of the shown playlist ("what you don't have")."""
        if self.playlists.rowCount():
            self.status_filter.setCurrentIndex(self.status_filter.findData("missing"))
            yield "missing"
            self.status_filter.setCurrentIndex(0)
