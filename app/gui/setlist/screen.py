"""The Set builder screen: pick a start track (a search in the Library's syntax, or "Build a set from this"
on a track in the Library), choose how many tracks and how far the tempo may move per mix, and build a
harmonic DJ set as ``tonearm setlist`` does — each next track a sound-alike in the BPM window that mixes on
the Camelot wheel, with how to mix into it. Save it as a playlist.

Layout and wiring only; :class:`SetlistController` does the reading, the building and the saving.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from analyzer.curation.setlist import DEFAULT_BPM_WINDOW
from analyzer.similarity.seeds import Seed
from app.gui.message_page import MessagePage
from app.gui.outcomes import outcome_style, plural
from app.gui.setlist.controller import SetlistController
from app.gui.setlist.faces import jobs_panel_as_before
from app.gui.setlist.model import SetlistModel
from app.gui.state import AppState
from app.gui.track_picker import TrackPicker

SEARCH_PLACEHOLDER = (
    "Find the track the set starts from — the Library's search: air  artist:bjork  bpm:120..130  key:8A"
)
NOT_ANALYSED = (
    "No track is analysed yet.\n\nA set follows how tracks sound, their tempo and their key: run Analyze on the "
    "Folders screen to measure them, then come back."
)
NO_START = (
    "Pick the track the set starts from: search above, or choose “Build a set from this” on a track in the "
    "Library. Each next track sounds like the one before, stays in the BPM window and mixes on the Camelot wheel."
)
DEFAULT_COUNT = 10
COUNT_KEY = "setlist/count"
WINDOW_KEY = "setlist/bpm_window"


class SetlistScreen(QWidget):
    title = "Set builder"
    object_name = "setlist"
    wants_screen = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self.state = state
        self.controller = SetlistController(state, self)
        self.model = SetlistModel(self)
        self.saved_playlist: int | None = None

        heading = QLabel("Set builder")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        self.picker = TrackPicker(state, SEARCH_PLACEHOLDER)
        self.picker.picked.connect(self.start_from)

        self.start_label = QLabel()
        self.start_label.setObjectName("setStart")
        self.start_label.setTextFormat(Qt.TextFormat.PlainText)
        start_font = QFont(self.start_label.font())
        start_font.setPointSizeF(start_font.pointSizeF() * 1.1)
        self.start_label.setFont(start_font)
        self.start_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        start_frame = QFrame()
        start_frame.setObjectName("setStartFrame")
        start_frame.setFrameShape(QFrame.Shape.StyledPanel)
        QHBoxLayout(start_frame).addWidget(self.start_label, 1)

        settings = state.settings
        self.count_box = QSpinBox()
        self.count_box.setObjectName("setCount")
        self.count_box.setRange(2, 100)
        self.count_box.setValue(_number(settings.value(COUNT_KEY), DEFAULT_COUNT))
        self.count_box.setSuffix(" tracks")
        self.window_box = QDoubleSpinBox()
        self.window_box.setObjectName("setBpmWindow")
        self.window_box.setRange(0.5, 50.0)
        self.window_box.setSingleStep(0.5)
        self.window_box.setDecimals(1)
        self.window_box.setPrefix("± ")
        self.window_box.setSuffix(" %")
        self.window_box.setValue(_number(settings.value(WINDOW_KEY), DEFAULT_BPM_WINDOW))
        self.window_box.setToolTip(
            "How far the tempo may move from one track to the next (6 % is what a DJ's pitch fader covers "
            "without the track sounding off)"
        )
        self.build_button = QPushButton("Build")
        self.build_button.setObjectName("setBuild")
        self.build_button.setToolTip(
            "Build the set again from the start track with these settings (Ctrl+Enter)"
        )
        self.build_button.clicked.connect(self.build)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self).activated.connect(self.build)

        self.table = QTableView()
        self.table.setObjectName("setTracks")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda index: self.show_in_library(index.row()))

        self.message_page = MessagePage("setlist", NO_START, "Go to Folders", self._go_to_folders)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.message_page)
        self.pages.addWidget(self.table)

        self.note = QLabel()
        self.note.setObjectName("setNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.status = QLabel()
        self.status.setObjectName("setStatus")
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save as playlist…")
        self.save_button.setObjectName("setSave")
        self.save_button.setToolTip(
            "Keep this set as a playlist (the Playlists screen lists it; export it from there)"
        )
        self.save_button.clicked.connect(self.ask_save)
        self.playlists_button = QPushButton("Show in Playlists")
        self.playlists_button.setObjectName("setShowPlaylist")
        self.playlists_button.clicked.connect(self.show_saved_playlist)
        self.playlists_button.hide()

        self.controls = QWidget()
        controls = QHBoxLayout(self.controls)
        controls.setContentsMargins(0, 0, 0, 0)
        for caption, widget in (("Set of", self.count_box), ("BPM window", self.window_box)):
            label = QLabel(caption)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget)
            controls.addSpacing(12)
        controls.addWidget(self.build_button)
        controls.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.save_button)
        actions.addWidget(self.playlists_button)
        actions.addWidget(self.status, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(self.picker)
        layout.addWidget(start_frame)
        layout.addWidget(self.controls)
        layout.addWidget(self.note)
        layout.addWidget(self.pages, 1)
        layout.addLayout(actions)

        c = self.controller
        c.readiness.connect(self._on_readiness)
        c.start_changed.connect(self._show_start)
        c.built.connect(self._on_built)
        c.build_failed.connect(self._on_build_failed)
        c.said.connect(self._say)
        c.saved.connect(self._on_saved)
        state.library_changed.connect(self._library_changed)
        state.database_changed.connect(self._library_changed)
        self._show_start(None)
        self._update_buttons()

    # -- what the window and tests use ---------------------------------------------------------------------

    def activated(self) -> None:
        if self.controller.ready is None:
            self.controller.check_ready()

    def navigate(self, payload: object) -> None:
        """{"track_id": id}: build a set starting from that track."""
        if isinstance(payload, dict) and payload.get("track_id") is not None:
            self.start_from(int(payload["track_id"]))

    def start_from(self, track_id: int) -> None:
        self.status.clear()
        self.controller.set_start(track_id, self.count_box.value(), self.window_box.value())

    def build(self) -> None:
        """Build again from the start track with the N and BPM window shown."""
        self.state.settings.setValue(COUNT_KEY, self.count_box.value())
        self.state.settings.setValue(WINDOW_KEY, self.window_box.value())
        if self.controller.build(self.count_box.value(), self.window_box.value()) is not None:
            self.status.setText("Building the set…")
            self.status.setStyleSheet("")

    def save_dialog(self) -> QInputDialog:
        """The name prompt of Save as playlist (not shown yet), filled with a name from the start track."""
        dialog = QInputDialog(self)
        dialog.setObjectName("setSaveDialog")
        dialog.setWindowTitle("Save as playlist")
        dialog.setLabelText("Name of the playlist:")
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        start = self.controller.start
        if start is not None:
            dialog.setTextValue(
                f"Set from {start.artist} - {start.title}" if start.artist else f"Set from {start.title}"
            )
        dialog.setOkButtonText("Save")
        dialog.resize(max(dialog.sizeHint().width(), 460), dialog.sizeHint().height())
        return dialog

    def ask_save(self) -> None:
        if self.controller.setlist is None:
            return
        dialog = self.save_dialog()
        if dialog.exec():
            self.controller.save(dialog.textValue())

    def show_saved_playlist(self) -> None:
        if self.saved_playlist is not None:
            self.state.navigate("playlists", {"playlist_id": self.saved_playlist})

    def show_in_library(self, row: int) -> None:
        if 0 <= row < self.model.rowCount() and self.state.has_screen("library"):
            self.state.navigate("library", {"track_id": self.model.item(row).track_id})

    def screenshot_states(self) -> Iterator[str | tuple[str, QWidget]]:
        """ "set": a set of ten from the first analysed track of the library; "save": its name prompt."""
        restore_panel = jobs_panel_as_before(self)
        self.activated()
        self.state.jobs.wait_idle(30000)
        if not self.controller.ready:
            return
        self.picker.search.setText("bpm:>0")
        self.picker.run_search()
        self.state.jobs.wait_idle(30000)
        if not self.picker.model.rowCount():
            return
        self.picker.search.clear()
        best = (0, 0)  # (set length, row): the longest set among the first few tracks shows the most
        for row in range(min(8, self.picker.model.rowCount())):
            self._build_for_screenshot(row)
            best = max(best, (self.model.rowCount(), -row))
            if best[0] >= self.count_box.value():
                break
        if best[1] != -row:
            self._build_for_screenshot(-best[1])
        restore_panel()
        yield "set"
        if self.controller.setlist is not None:
            dialog = self.save_dialog()
            dialog.show()
            yield "save", dialog
            dialog.reject()

    def _build_for_screenshot(self, row: int) -> None:
        self.picker.pick(row)
        for _ in range(3):  # the start track's read, then the build it starts
            self.state.jobs.wait_idle(60000)
            QApplication.processEvents()

    # -- reacting ------------------------------------------------------------------------------------------

    def _on_readiness(self, ready: bool) -> None:
        if not ready:
            self._show_message(NOT_ANALYSED, button=self.state.has_screen("folders"))
        elif self.controller.start is None:
            self._show_message(NO_START)
        self._update_buttons()

    def _show_start(self, seed: Seed | None) -> None:
        if seed is None:
            self.start_label.setText("No start track picked yet.")
            self.model.set_setlist(None)
            self.note.hide()
            if self.controller.ready is not False:
                self._show_message(NO_START)
            self._update_buttons()
            return
        parts = [f"{seed.title} — {seed.artist}" if seed.artist else seed.title]
        if seed.bpm is not None and seed.bpm == seed.bpm:
            parts.append(f"{seed.bpm:.1f} BPM")
        if seed.camelot:
            parts.append(f"key {seed.camelot}")
        self.start_label.setText("Starts with:  " + "  ·  ".join(parts))

    def _on_built(self, setlist: Any, asked: int) -> None:
        self.model.set_setlist(setlist)
        self.pages.setCurrentIndex(1)
        self.table.selectRow(0)
        count = len(setlist.tracks)
        self.status.clear()
        self.playlists_button.hide()
        if setlist.stopped_early:
            self.note.setText(
                f"Only {count} of {asked} tracks: {setlist.stopped_early}. A wider BPM window, or another start "
                "track, may find more."
            )
            self.note.setStyleSheet(outcome_style(self, False))
            self.note.show()
        else:
            self.note.hide()
        self.status.setText(
            f"A set of {plural(count, 'track')}. Double-click a track to see it in the Library."
        )
        self._update_buttons()

    def _on_build_failed(self, message: str) -> None:
        self.model.set_setlist(None)
        self.note.hide()
        self.status.clear()
        self._show_message(message, button="Analyze" in message and self.state.has_screen("folders"))
        self._update_buttons()

    def _on_saved(self, playlist_id: int, _title: str) -> None:
        self.saved_playlist = playlist_id
        self.playlists_button.setVisible(self.state.has_screen("playlists") and _playlists_take_payload())

    def _show_message(self, text: str, *, button: bool = False) -> None:
        self.message_page.message.setText(text)
        self.message_page.button.setVisible(button)
        self.pages.setCurrentIndex(0)

    def _say(self, text: str, ok: object) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(outcome_style(self, ok if isinstance(ok, bool) else None))

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(self.controller.setlist is not None and self.model.rowCount() > 0)
        self.build_button.setEnabled(self.controller.start is not None)
        self.controls.setEnabled(self.controller.ready is not False)

    def _library_changed(self) -> None:
        if self.isVisible():
            self.controller.check_ready()

    def _go_to_folders(self) -> None:
        self.wants_screen.emit("folders")


def _number(value: object, default: float) -> Any:
    """A remembered number from the settings (stored as text in an INI file), else ``default``."""
    try:
        return type(default)(str(value))
    except (TypeError, ValueError):
        return default


def _playlists_take_payload() -> bool:
    """Whether the Playlists screen can open a given playlist (else the saved message says where it is)."""
    from app.gui.playlists import PlaylistsScreen

    return callable(getattr(PlaylistsScreen, "navigate", None))
