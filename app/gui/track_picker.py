"""A track picker for any screen that starts from one track (the Similar screen's seed, the Set builder's
start): a search box in the Library's query syntax (``artist:air bpm:90..110 key:8A``) over a short list of
matching tracks, analysed ones first (``analyzer.similarity.seeds.search_seeds``). Enter, or a double-click
on a row, picks one; ↑/↓ in the box move through the list. ``picked(track_id)`` says which.

The window never waits for a search: Enter before the answer to the text in the box has arrived marks
"pick when it arrives", and that answer (for that very text) picks its current row, the first unless
↑/↓ moved it; a newer keystroke drops the mark. The library's columns are read once, in the background, on
the first search (a search typed while they are read waits for them instead of reading them again), and
again after the library changed; an answer to a search that a newer keystroke replaced is dropped.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
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
from app.gui.sorted_rows import SortedRowsModel
from app.gui.state import AppState

SEARCH_DEBOUNCE_MS = 250
LIST_ROWS = 7
"""Rows the list shows before it scrolls: the picker sits above a screen's own table and must not push it away."""
SCREEN_SPACING = 10
"""Between the box, its note and the list: the spacing of the screens that place the picker in their column."""
READING_LIBRARY = "Reading the library for the search (the first search only)…"
WAITING_TO_PICK = "Searching… the first match is picked as soon as the answer is in."


def bpm_text(bpm: float | None) -> str:
    """A tempo as a table shows it: whole BPM, blank when unknown (None or NaN, not analysed)."""
    return "" if bpm is None or math.isnan(bpm) else f"{bpm:.0f}"


def known_number(value: float | None) -> float | None:
    """``value`` as a sort key: None (sorted last) when unknown, NaN included."""
    return None if value is None or math.isnan(value) else value


class SeedCandidatesModel(SortedRowsModel):
    """The tracks a search found (``SeedCandidate`` rows): title, artist, BPM, key ("not analysed" when
    the track has neither tempo nor key yet, since such a track starts no list and no set)."""

    columns = (
        ("Title", lambda c: c.title, lambda c: c.title.casefold(), False),
        ("Artist", lambda c: c.artist, lambda c: c.artist.casefold() or None, False),
        ("BPM", lambda c: bpm_text(c.bpm), lambda c: known_number(c.bpm), True),
        (
            "Key",
            lambda c: c.key or ("not analysed" if math.isnan(c.bpm) else ""),
            lambda c: c.key or None,
            False,
        ),
    )


def _search(db: Any, columns: Any, text: str) -> tuple[Any, Any]:
    """In a worker: (the library's columns, read now when not given; the matches or the syntax error)."""
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
    """Emits ``picked(track_id)``; the list closes once a track is picked.

    ``search`` (the box), ``note`` (the line under it), ``list`` and ``model`` (the matches) are the parts a
    screen or a test may look at; ``run_search()`` searches at once, ``pick(row)`` picks a listed row.
    """

    picked = Signal(int)

    def __init__(self, state: AppState, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = SeedCandidatesModel(self)
        self._columns: Any = None
        self._library_generation = 0  # columns read before a library change are not kept
        self._serial = 0  # the search for the text in the box
        self._answered = 0  # the search whose answer is shown
        self._pick_on_answer: int | None = None  # Enter came before this search's answer
        self._reading: Job | None = None  # the search reading the library's columns, while it runs
        self._waiting: tuple[int, str] | None = None  # (serial, text) of a search waiting for those columns

        self.search = QLineEdit()
        self.search.setObjectName("trackSearch")
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(
            "The Library's search (artist:, title:, bpm:, key:, year: ...). ↑/↓ choose a track in the list, "
            "Enter picks it, even before the list is in."
        )
        self.search.installEventFilter(self)
        self.note = QLabel()
        self.note.setObjectName("trackSearchNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.list = QTableView()
        self.list.setObjectName("trackCandidates")
        self.list.setModel(self.model)
        self.list.setSortingEnabled(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setShowGrid(False)
        self.list.setWordWrap(False)
        self.list.verticalHeader().hide()
        self.list.verticalHeader().setDefaultSectionSize(self.list.fontMetrics().height() + 8)
        self.list.setMaximumHeight(self.list.verticalHeader().defaultSectionSize() * LIST_ROWS + 4)
        header = self.list.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # analysed first, as the search answers
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.list.hide()
        self.list.activated.connect(lambda index: self.pick(index.row()))

        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(self._typed)
        self.search.returnPressed.connect(self._enter)
        state.library_changed.connect(self._forget_library)
        state.database_changed.connect(self._forget_library)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SCREEN_SPACING)
        layout.addWidget(self.search)
        layout.addWidget(self.note)
        layout.addWidget(self.list)

    # -- what a screen uses --------------------------------------------------------------------------------

    def run_search(self) -> Job | None:
        """Search now (the debounce timer calls this after the last keystroke). None for an empty box, and
        while an earlier search is still reading the library: this text is searched once those columns are
        in (reading them twice at once would make both wait)."""
        self._timer.stop()
        text = self.search.text().strip()
        self._serial += 1
        if not text:
            self._answered = self._serial
            self.close_list()
            return None
        if self._columns is None:
            self._say(READING_LIBRARY, None)
            if self._reading is not None:
                self._waiting = (self._serial, text)
                return None
        return self._start(self._serial, text)

    def pick(self, row: int) -> None:
        """Pick the listed row ``row`` (as shown, after any sorting): the list closes, ``picked`` tells."""
        if 0 <= row < self.model.rowCount():
            track_id = self.model.item(row).track_id
            self.close_list()
            self.picked.emit(track_id)

    def close_list(self) -> None:
        self.list.hide()
        self.note.hide()

    @property
    def waiting_to_pick(self) -> bool:
        """Enter was pressed and the answer it picks from has not arrived yet."""
        return self._pick_on_answer is not None

    # -- reacting ------------------------------------------------------------------------------------------

    def _start(self, serial: int, text: str) -> Job:
        generation, db, columns = self._library_generation, self.state.db, self._columns
        job = self.state.jobs.call("Search the library", lambda: _search(db, columns, text))
        if columns is None:
            self._reading = job

        def done(result: tuple[Any, Any]) -> None:
            if job is self._reading:
                self._reading = None
            if generation == self._library_generation:
                self._columns = result[0]
            if serial == self._serial:
                self._answer(serial, result[1])
            else:
                self._search_what_waited()

        def failed(error: BaseException) -> None:
            if job is self._reading:
                self._reading = None
            if serial == self._serial:
                self._answered, self._pick_on_answer = serial, None
                self.list.hide()
                self._say(f"Could not search the library: {error_text(error)}", False)
            else:
                self._search_what_waited()

        job.finished.connect(done)
        job.failed.connect(failed)
        return job

    def _search_what_waited(self) -> None:
        """The text in the box waited for the library that an earlier search was reading: search it now."""
        if self._waiting is not None and self._waiting[0] == self._serial and self._reading is None:
            serial, text = self._waiting
            self._waiting = None
            self._start(serial, text)

    def _typed(self, _text: str) -> None:
        self._pick_on_answer = None  # Enter meant the text before this keystroke
        self._timer.start()

    def _enter(self) -> None:
        if self._timer.isActive():
            self.run_search()
        if not self.search.text().strip():
            return
        if self._answered != self._serial:  # the answer to this text is on its way: pick when it comes
            self._pick_on_answer = self._serial
            if self._columns is not None:
                self._say(WAITING_TO_PICK, None)
            return
        self._pick_current()

    def _answer(self, serial: int, found: Any) -> None:
        self._answered = serial
        pick = self._pick_on_answer == serial
        self._pick_on_answer = None
        if isinstance(found, str):
            self.list.hide()
            self._say(f"Not a valid search: {found}", False)
            return
        self._show(*found)
        if pick:
            self._pick_current()

    def _pick_current(self) -> None:
        if self.list.isVisible() and self.model.rowCount():
            self.pick(max(self.list.currentIndex().row(), 0))

    def _show(self, found: list[Any], total: int) -> None:
        self.list.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.model.set_rows(found)
        self._fit_list(len(found))
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

    def _fit_list(self, rows: int) -> None:
        """As tall as its rows, up to :data:`LIST_ROWS`: a short answer leaves no empty box above the screen."""
        row = self.list.verticalHeader().defaultSectionSize()
        fitted = self.list.horizontalHeader().sizeHint().height() + rows * row + 2 * self.list.frameWidth()
        self.list.setMaximumHeight(min(fitted, row * LIST_ROWS + 4))

    def _say(self, text: str, ok: bool | None) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(outcome_style(self, ok))
        self.note.show()

    def _forget_library(self) -> None:
        self._library_generation += 1
        self._columns = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """↑/↓ in the search box move through the list, so the keyboard alone can pick any row."""
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up)
            and self.list.isVisible()
            and self.model.rowCount()
        ):
            step = 1 if event.key() == Qt.Key.Key_Down else -1
            row = min(max(self.list.currentIndex().row() + step, 0), self.model.rowCount() - 1)
            self.list.selectRow(row)
            return True
        return super().eventFilter(watched, event)
