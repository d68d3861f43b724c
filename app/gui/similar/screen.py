"""The Similar screen: pick a track (a search in the library's syntax, "More like this" in the Library, or
a file dropped here) and see the tracks that sound most like it, with distance, BPM and Camelot key;
filter by a BPM window and harmonic compatibility, play a result, save the list as a playlist.

Layout and wiring only; :class:`SimilarController` does the reading and writing, the shared
:class:`~app.gui.track_picker.TrackPicker` the search for a seed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QGuiApplication,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from analyzer.similarity.seeds import Seed
from app.gui.message_page import MessagePage
from app.gui.outcomes import outcome_style
from app.gui.similar.controller import DEFAULT_COUNT, SimilarController
from app.gui.similar.model import SimilarResultsModel
from app.gui.state import AppState
from app.gui.track_picker import TrackPicker

SEARCH_PLACEHOLDER = (
    "Find a track to start from — the Library's search: air  artist:bjork  bpm:90..110  key:8A"
)
NOT_ANALYSED = (
    "No track is analysed yet.\n\nSimilar tracks are found by how they sound: run Analyze on the Folders "
    "screen to measure the tempo, key and timbre of your files, then come back."
)
NO_SEED = (
    "Pick a track to start from: search above, choose “More like this” on a track in the Library, "
    "or drop an audio file here."
)
NO_MATCH = "No track passes these filters. Widen the BPM window or allow any key."
KEY_MODES = (("Any key", "any"), ("Same key", "same"), ("Compatible keys", "adjacent"))
PLAYLIST_FILTERS = {"M3U8 playlist (*.m3u8)": "m3u8", "XSPF playlist (*.xspf)": "xspf"}
FILTER_DEBOUNCE_MS = 200


def _table(model: Any, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSortingEnabled(True)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.setShowGrid(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    return view


class SimilarScreen(QWidget):
    title = "Similar"
    object_name = "similar"
    wants_screen = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self.setAcceptDrops(True)
        self.state = state
        self.controller = SimilarController(state, self)
        self.results_model = SimilarResultsModel(self)

        heading = QLabel("Similar")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        self.seed_label = QLabel()
        self.seed_label.setObjectName("seedLabel")
        self.seed_label.setTextFormat(Qt.TextFormat.PlainText)
        seed_font = QFont(self.seed_label.font())
        seed_font.setPointSizeF(seed_font.pointSizeF() * 1.1)
        self.seed_label.setFont(seed_font)
        self.seed_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.picker = TrackPicker(state, SEARCH_PLACEHOLDER)
        self.picker.picked.connect(self._seed_picked)

        self.bpm_box = QSpinBox()
        self.bpm_box.setObjectName("bpmWindow")
        self.bpm_box.setRange(0, 50)
        self.bpm_box.setSuffix(" %")
        self.bpm_box.setPrefix("± ")
        self.bpm_box.setSpecialValueText("any tempo")
        self.bpm_box.setToolTip("Keep tracks whose BPM is within this share of the seed's (0: any tempo)")
        self.key_box = QComboBox()
        self.key_box.setObjectName("keyMode")
        for mode_label, mode in KEY_MODES:
            self.key_box.addItem(mode_label, mode)
        self.key_box.setToolTip(
            "Same key, or keys that mix harmonically with the seed's on the Camelot wheel (±1 step, or the "
            "relative major/minor)"
        )
        self.count_box = QSpinBox()
        self.count_box.setObjectName("resultCount")
        self.count_box.setRange(5, 200)
        self.count_box.setSingleStep(5)
        self.count_box.setValue(DEFAULT_COUNT)
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DEBOUNCE_MS)
        self._filter_timer.timeout.connect(self.apply_filters)
        self.bpm_box.valueChanged.connect(lambda _v: self._filter_timer.start())
        self.count_box.valueChanged.connect(lambda _v: self._filter_timer.start())
        self.key_box.currentIndexChanged.connect(lambda _i: self.apply_filters())

        self.results = _table(self.results_model, "similarResults")
        header = self.results.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.results.doubleClicked.connect(lambda _index: self.play())
        self.results.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.results.customContextMenuRequested.connect(self._result_menu)
        self.results.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            play = QShortcut(QKeySequence(key), self.results)
            play.setContext(Qt.ShortcutContext.WidgetShortcut)
            play.activated.connect(self.play)

        message_page = MessagePage("similar", "", "Go to Folders", self._go_to_folders)
        self.message, self.message_button = message_page.message, message_page.button
        self.pages = QStackedWidget()
        self.pages.addWidget(message_page)
        self.pages.addWidget(self.results)

        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play the selected track with the system's music player (Enter)")
        self.play_button.clicked.connect(self.play)
        self.library_button = QPushButton("Show in Library")
        self.library_button.clicked.connect(self.show_in_library)
        self.library_button.setVisible(state.has_screen("library"))
        self.save_button = QPushButton("Save as playlist…")
        self.save_button.setObjectName("savePlaylist")
        self.save_button.setToolTip(
            "Save the seed and these tracks, in this order, as an M3U8 or XSPF playlist"
        )
        self.save_button.clicked.connect(self.ask_save_playlist)
        self.status = QLabel()
        self.status.setObjectName("similarStatus")
        self.status.setWordWrap(True)

        self.controls = QWidget()
        controls = QVBoxLayout(self.controls)
        controls.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        for caption, widget in (
            ("BPM within", self.bpm_box),
            ("Key", self.key_box),
            ("Show", self.count_box),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
            filters.addSpacing(12)
        filters.addStretch(1)
        controls.addLayout(filters)
        actions = QHBoxLayout()
        for button in (self.play_button, self.library_button, self.save_button):
            actions.addWidget(button)
        actions.addWidget(self.status, 1)

        seed_frame = QFrame()
        seed_frame.setObjectName("seedFrame")
        seed_frame.setFrameShape(QFrame.Shape.StyledPanel)
        seed_row = QHBoxLayout(seed_frame)
        seed_row.addWidget(self.seed_label, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(self.picker)
        layout.addWidget(seed_frame)
        layout.addWidget(self.controls)
        layout.addWidget(self.pages, 1)
        layout.addLayout(actions)

        c = self.controller
        c.readiness.connect(self._on_readiness)
        c.seed_changed.connect(self._show_seed)
        c.results_ready.connect(self._on_results)
        c.query_failed.connect(self._on_query_failed)
        c.file_not_found.connect(lambda message: self._say(message, False))
        c.seed_changed.connect(lambda _seed: self.status.clear())
        state.library_changed.connect(self._on_library_changed)
        state.database_changed.connect(self._on_library_changed)
        self._show_seed(None)
        self._show_message(NO_SEED)
        self._update_buttons()

    # -- what the window and tests use ---------------------------------------------------------------------

    def activated(self) -> None:
        if self.controller.ready is None:
            self.controller.check_ready()

    def navigate(self, payload: object) -> None:
        """{"track_id": id} starts from that track; {"paths": [file, ...]} from the first file (found in the
        library by its path, else by its audio)."""
        if not isinstance(payload, dict):
            return
        if payload.get("track_id") is not None:
            self.status.clear()
            self.controller.set_seed(int(payload["track_id"]))
        elif payload.get("paths"):
            path = str(payload["paths"][0])
            self.status.setText(f"Looking for {os.path.basename(path)} in the library…")
            self.status.setStyleSheet("")
            self.controller.seed_from_file(path)

    def apply_filters(self) -> None:
        self._filter_timer.stop()
        window = self.bpm_box.value()
        self.controller.set_filters(
            bpm_window=float(window) if window else None,
            key_mode=self.key_box.currentData(),
            count=self.count_box.value(),
        )

    def selected_track(self) -> Any:
        rows = self.results.selectionModel().selectedRows()
        index = rows[0] if rows else self.results.currentIndex()
        return self.results_model.item(index.row()).track if index.isValid() else None

    def play(self) -> bool:
        """Open the selected result with the system's player; False when it has no file on disk."""
        track = self.selected_track()
        if track is None or not track.path or not os.path.exists(track.path):
            if track is not None:
                self._say("This track's file is not on disk any more: rescan its folder.", False)
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(track.path))

    def show_in_library(self) -> None:
        track = self.selected_track()
        if track is not None:
            self.state.navigate("library", {"track_id": track.track_id})

    def ask_save_playlist(self) -> None:
        if self.controller.seed is None:
            return
        name = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in self.controller.seed.title)
        start = os.path.join(os.path.expanduser("~"), f"More like {name.strip() or 'this'}.m3u8")
        path, chosen = QFileDialog.getSaveFileName(
            self, "Save as playlist", start, ";;".join(PLAYLIST_FILTERS)
        )
        if not path:
            return
        fmt = PLAYLIST_FILTERS.get(chosen, "m3u8")
        ending = os.path.splitext(path)[1].lower().lstrip(".")
        if ending in PLAYLIST_FILTERS.values():
            fmt = ending  # the name typed wins over the filter left selected
        else:
            path += f".{fmt}"
        self.save_playlist(path, fmt)

    def save_playlist(self, path: str, fmt: str) -> None:
        text = self.controller.save_playlist(path, fmt, self.results_model.tracks())
        self._say(text, text.startswith("Saved"))

    def screenshot_states(self) -> Iterator[str]:
        """ "results": the first analysed track of the library as the seed; "search": the seed picker open."""
        self.activated()
        self.picker.search.setText("bpm:>0")  # analysed tracks, in the order the search lists them
        self.picker.run_search()
        self.state.jobs.wait_idle(30000)
        if self.picker.model.rowCount():
            self.picker.pick(0)
            self.state.jobs.wait_idle(30000)
        self.picker.search.clear()
        self.picker.run_search()
        _let_the_clear_button_fade()
        yield "results"
        self.picker.search.setText("bpm:>100")  # the seed picker open on a search
        self.picker.run_search()
        self.state.jobs.wait_idle(30000)
        yield "search"
        self.picker.search.clear()
        self.picker.run_search()

    # -- drag and drop -------------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and all(url.isLocalFile() for url in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.navigate({"paths": paths})

    # -- reacting ------------------------------------------------------------------------------------------

    def _seed_picked(self, track_id: int) -> None:
        self.status.clear()
        self.controller.set_seed(track_id)
        self.results.setFocus()

    def _on_readiness(self, ready: bool) -> None:
        if not ready:
            self._show_message(NOT_ANALYSED, button=self.state.has_screen("folders"))
        elif self.controller.seed is None:
            self._show_message(NO_SEED)
        self._update_buttons()

    def _show_seed(self, seed: Seed | None) -> None:
        if seed is None:  # none yet, or another database was opened
            self.seed_label.setText("No track picked yet.")
            if self.results_model.rowCount():
                self.results_model.set_rows([])
                self._show_message(NO_SEED)
                self._update_buttons()
            return
        parts = [f"{seed.title} — {seed.artist}" if seed.artist else seed.title]
        if seed.bpm is not None and not math.isnan(seed.bpm):
            parts.append(f"{seed.bpm:.0f} BPM")
        if seed.camelot:
            parts.append(f"key {seed.camelot}")
        self.seed_label.setText("More like:  " + "  ·  ".join(parts))

    def _on_results(self, tracks: list[Any]) -> None:
        seed = self.controller.seed
        held = self.selected_track()
        self.results_model.set_results(tracks, seed.camelot if seed else None)
        self.results.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        if tracks:
            self.pages.setCurrentIndex(1)
            ids = [track.track_id for track in tracks]
            # The same list asked again (filters, a library change): the selected track stays selected.
            self.results.selectRow(
                ids.index(held.track_id) if held is not None and held.track_id in ids else 0
            )
        else:
            self._show_message(NO_MATCH)
        self._update_buttons()

    def _on_query_failed(self, message: str) -> None:
        self.results_model.set_rows([])
        self._show_message(message)
        self._update_buttons()

    def _on_library_changed(self) -> None:
        """Analysis may have made lists possible, or changed this one: ask again while the screen shows."""
        if self.isVisible():
            self.controller.check_ready()
            self.controller.requery()

    def _show_message(self, text: str, *, button: bool = False) -> None:
        self.message.setText(text)
        self.message_button.setVisible(button)
        self.pages.setCurrentIndex(0)

    def _say(self, text: str, ok: bool | None) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(outcome_style(self, ok))

    def _update_buttons(self) -> None:
        has_results = self.results_model.rowCount() > 0
        selected = self.selected_track() is not None
        self.play_button.setEnabled(selected)
        self.library_button.setEnabled(selected)
        self.save_button.setEnabled(has_results and self.controller.seed is not None)
        self.controls.setEnabled(self.controller.ready is not False)

    def _go_to_folders(self) -> None:
        self.wants_screen.emit("folders")

    def _result_menu(self, position: QPoint) -> None:
        index = self.results.indexAt(position)
        if not index.isValid():
            return
        track = self.results_model.item(index.row()).track
        menu = QMenu(self)
        menu.addAction("Play", self.play)
        menu.addAction("More like this", lambda: self.controller.set_seed(track.track_id))
        if self.state.has_screen("library"):
            menu.addAction("Show in Library", self.show_in_library)
        copy = menu.addAction("Copy path", lambda: QGuiApplication.clipboard().setText(track.path or ""))
        copy.setEnabled(bool(track.path))
        menu.popup(self.results.viewport().mapToGlobal(position))


def _let_the_clear_button_fade() -> None:
    """For a screenshot: the search box's clear button fades out (~160 ms) after the box was cleared; a
    person looking at the screen never sees that in-between, so the screenshot waits it out."""
    loop = QEventLoop()
    QTimer.singleShot(300, loop.quit)
    loop.exec()
