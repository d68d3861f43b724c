"""The Review screen's two dialogs: the key sheet (``?``) and the link search popup (``L``).

The search popup reuses the library's query syntax (:func:`analyzer.catalog.search.parse_query`) over the
library's columns (:func:`analyzer.catalog.library.load_library`), read once in the background and kept
until the library changes."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.review.models import _ListTable

if TYPE_CHECKING:
    from analyzer.catalog.library import LibraryColumns

KEYS = (
    ("1 – 9", "Accept candidate N for the ticked listens of the group"),
    ("Enter", "Accept the top candidate"),
    ("R", "Not in my library (none of the candidates)"),
    ("S", "Skip for later (kept across restarts); in Skipped, bring it back"),
    ("L", "Link to any track of the library through a search"),
    ("Ctrl+Z", "Undo the last decision (press again for the one before)"),
    ("Space", "Tick or untick the selected listen (in the listens list)"),
    ("↑ / ↓", "Choose a candidate to see its evidence"),
    ("?", "Show this sheet"),
)
MAX_RESULTS = 200


class KeySheet(QDialog):
    """Every key of the Review screen, in one small table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewKeys")
        self.setWindowTitle("Review keys")
        table = QTableWidget(len(KEYS), 2)
        table.setHorizontalHeaderLabels(["Key", "What it does"])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for row, (key, text) in enumerate(KEYS):
            key_item = QTableWidgetItem(key)
            font = key_item.font()
            font.setBold(True)
            key_item.setFont(font)
            table.setItem(row, 0, key_item)
            table.setItem(row, 1, QTableWidgetItem(text))
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel("One key per decision; the next group appears at once.")
        layout.addWidget(intro)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(560, 330)


class TrackResults(_ListTable):
    headers = ("Title", "Artist", "Album", "Length")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns: LibraryColumns | None = None

    def cell(self, row: int, number: int, column: int, role: int) -> Any:
        from analyzer.review_evidence import format_duration

        if role != Qt.ItemDataRole.DisplayRole or self.columns is None:
            return None
        columns = self.columns
        if column == 3:
            length = float(columns.length[row])
            return "" if np.isnan(length) else format_duration(length)
        return (columns.title, columns.artist, columns.album)[column][row]

    def track_id(self, number: int) -> int:
        assert self.columns is not None
        return int(self.columns.ids[self.rows[number]])

    def label(self, number: int) -> str:
        assert self.columns is not None
        row = self.rows[number]
        return f"{self.columns.artist[row]} – {self.columns.title[row]}"


class LinkSearch(QDialog):
    """Type to find a track (the library's search syntax), arrows to choose, Enter to link."""

    def __init__(self, columns: LibraryColumns | None, heard: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewLinkSearch")
        self.setWindowTitle("Link to a track")
        self.chosen: tuple[int, str] | None = None
        self.results = TrackResults(self)
        self.search = QLineEdit()
        self.search.setObjectName("reviewLinkQuery")
        self.search.setPlaceholderText("Search the library — e.g. creep  artist:radiohead  length:3:00..5:00")
        self.search.setClearButtonEnabled(True)
        self.status = QLabel()
        self.status.setObjectName("reviewLinkStatus")
        self.view = QTableView()
        self.view.setObjectName("reviewLinkResults")
        self.view.setModel(self.results)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.doubleClicked.connect(lambda _index: self.accept_current())
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Link <b>{html.escape(heard)}</b> to:"))
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.apply)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.installEventFilter(self)
        self.resize(720, 440)
        self.set_columns(columns)

    def set_columns(self, columns: LibraryColumns | None) -> None:
        self.results.columns = columns
        self.status.setText("Reading the library…" if columns is None else "")
        if columns is not None:
            self.apply()

    def apply(self) -> None:
        """Filter now (the debounce calls this 150 ms after the last keystroke)."""
        from analyzer.catalog.search import QuerySyntaxError, parse_query

        self._debounce.stop()
        columns = self.results.columns
        if columns is None:
            return
        text = self.search.text().strip()
        if not text:
            self.results.set_rows([])
            self.status.setText(f"Type to search {len(columns):,} tracks.")
            return
        try:
            mask = parse_query(text).mask(columns)
        except QuerySyntaxError as error:
            self.results.set_rows([])
            self.status.setText(f"Not a valid search: {error}")
            return
        rows = np.flatnonzero(mask)
        self.results.set_rows(rows[:MAX_RESULTS].tolist())
        if not len(rows):
            self.status.setText(f"No track matches “{text}”. Try fewer words, or part of a word.")
            return
        more = f" (the first {MAX_RESULTS} shown)" if len(rows) > MAX_RESULTS else ""
        self.status.setText(f"{len(rows):,} tracks{more}. ↑/↓ to choose, Enter to link, Esc to cancel.")
        if len(rows):
            self.view.selectRow(0)

    def accept_current(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid():
            self.status.setText("Choose a track first (type, then ↓).")
            return
        self.chosen = (self.results.track_id(index.row()), self.results.label(index.row()))
        self.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.rowCount():
                row = self.view.currentIndex().row()
                row = max(0, min(self.results.rowCount() - 1, row + (1 if key == Qt.Key.Key_Down else -1)))
                self.view.selectRow(row)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.apply()
                if self.results.rowCount():  # else the status line says why nothing can be linked
                    self.accept_current()
                return True
        return super().eventFilter(watched, event)
