"""A track picker: a search box in the Library's query syntax (``artist:air bpm:90..110 key:8A``) over a short
list of matching tracks, analysed ones first; Enter or a double-click picks one. The same search as the
Similar screen's seed picker (``analyzer.similarity.seeds.search_seeds``), in one widget a screen can place.

The library's columns are read once, in the background, on the first search, and again after the library
changed; an answer to a search that a newer keystroke replaced is dropped.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.jobs import Job
from app.gui.outcomes import error_text, outcome_style, plural
from app.gui.similar.model import SeedCandidatesModel
from app.gui.state import AppState

SEARCH_DEBOUNCE_MS = 250


def _search(db: Any, columns: Any, text: str) -> tuple[Any, Any]:
    from analyzer.catalog.search import QuerySyntaxError
    from analyzer.similarity.seeds import search_seeds

    if columns is None:
        from analyzer.catalog.library import load_library

        with db.session() as session:
            columns = load_library(session)
    try:
        return columns, search_seeds(columns, text)
    except QuerySyntaxError as error:
        return columns, str(error)


class TrackPicker(QWidget):
    """Emits ``picked(track_id)``; the list closes once a track is picked."""

    picked = Signal(int)

    def __init__(self, state: AppState, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = SeedCandidatesModel(self)
        self._columns: Any = None
        self._serial = 0

        self.search = QLineEdit()
        self.search.setObjectName("trackSearch")
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.note = QLabel()
        self.note.setObjectName("trackSearchNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.list = QTableView()
        self.list.setObjectName("trackCandidates")
        self.list.setModel(self.model)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setShowGrid(False)
        self.list.setWordWrap(False)
        self.list.verticalHeader().hide()
        self.list.verticalHeader().setDefaultSectionSize(self.list.fontMetrics().height() + 8)
        self.list.setMaximumHeight(self.list.verticalHeader().defaultSectionSize() * 7 + 4)
        header = self.list.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.list.hide()
        self.list.activated.connect(lambda index: self.pick(index.row()))

        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self._enter)
        state.library_changed.connect(self._forget_library)
        state.database_changed.connect(self._forget_library)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.note)
        layout.addWidget(self.list)

    def run_search(self) -> Job | None:
        """Search now (the debounce timer calls this after the last keystroke); None for an empty box."""
        self._timer.stop()
        text = self.search.text().strip()
        self._serial += 1
        if not text:
            self.close_list()
            return None
        if self._columns is None:
            self._say("Reading the library for the search (the first search only)…", None)
        serial, db, columns = self._serial, self.state.db, self._columns
        job = self.state.jobs.call("Search the library", lambda: _search(db, columns, text))

        def done(result: tuple[Any, Any]) -> None:
            self._columns, found = result
            if serial != self._serial:
                return
            if isinstance(found, str):
                self.list.hide()
                self._say(f"Not a valid search: {found}", False)
            else:
                self._show(*found)

        job.finished.connect(done)
        job.failed.connect(
            lambda error: self._say(f"Could not search the library: {error_text(error)}", False)
        )
        return job

    def pick(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            track_id = self.model.item(row).track_id
            self.close_list()
            self.picked.emit(track_id)

    def close_list(self) -> None:
        self.list.hide()
        self.note.hide()

    def _enter(self) -> None:
        if self._timer.isActive():
            self.run_search()
            self.state.jobs.wait_idle(5000)  # Enter right after typing: pick from the answer to this text
        if self.list.isVisible() and self.model.rowCount():
            self.pick(max(self.list.currentIndex().row(), 0))

    def _show(self, found: list[Any], total: int) -> None:
        self.model.set_rows(found)
        self.list.setVisible(bool(found))
        if not total:
            note = "No track matches this search."
        elif total > len(found):
            note = (
                f"{total:,} tracks match; the first {len(found):,} are listed (analysed first). Enter picks."
            )
        else:
            note = f"{plural(total, 'track')} match. Enter or a double-click picks one."
        self._say(note, None)
        if found:
            self.list.selectRow(0)

    def _say(self, text: str, ok: bool | None) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(outcome_style(self, ok))
        self.note.show()

    def _forget_library(self) -> None:
        self._columns = None
