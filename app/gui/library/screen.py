"""The Library screen: a search box, artist and album panes, every track in one sortable table, and the
selected track's detail. Layout and wiring only; the logic is in :class:`LibraryController`.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.library.browse import VALUE_ROLE
from app.gui.library.columns import ColumnLayout
from app.gui.library.controller import LibraryController
from app.gui.library.detail import DetailPane
from app.gui.library.model import TRACK_ID_ROLE
from app.gui.library.tag_copy import TagCopyOffer
from app.gui.message_page import MessagePage
from app.gui.scan_jobs import FolderJobs
from app.gui.state import AppState

SEARCH_DEBOUNCE_MS = 200
SEARCH_PLACEHOLDER = "Search — try  artist:bjork  year:>2000  bpm:120..130  key:8A  format:flac  missing:yes"
EMPTY_MESSAGE = (
    "Your library is empty.\n\nAdd a music folder and scan it: every track found shows up here, "
    "and you can sort, search and browse them."
)
SEARCH_HELP = (
    "Words match title, artist, album or album artist, ignoring case and accents.\n"
    '"Quoted words" match as a phrase.\n'
    "Fields: artist:  album:  albumartist:  title:  year:2001  year:1990..1999  year:>2000\n"
    "bpm:120..130  key:8A  format:flac  missing:yes  plays:>10  length:3:00..5:00\n"
    "A leading - excludes: -live  -format:mp3.  Esc clears the search, Ctrl+F comes back to it."
)
_SPLITTER_KEYS = ("library/split-browse", "library/split-detail")
_ERROR_STYLE = "QLineEdit#librarySearch { border: 1px solid #d9534f; border-radius: 3px; padding: 2px; }"


# Other screens a track can be opened in from its context menu, shown only where the window has them.
_TRACK_JUMPS = (("similar", "More like this"), ("setlist", "Build a set from this"), ("listens", "Show listens"),
                ("duplicates", "Show duplicates"))  # fmt: skip


class LibraryScreen(QWidget):
    title = "Library"
    object_name = "library"
    wants_screen = Signal(str)  # the object_name of another screen to show ("folders" from the empty state)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self.state = state
        self.controller = LibraryController(state, self)
        self.model = self.controller.model

        self.search = QLineEdit()
        self.search.setObjectName("librarySearch")
        self.search.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(SEARCH_HELP)
        self.search_error = QLabel()
        self.search_error.setObjectName("librarySearchError")
        self.search_error.setStyleSheet("color: #d9534f;")
        self.search_error.setWordWrap(True)
        self.search_error.hide()
        self.count_label = QLabel()
        self.count_label.setObjectName("libraryCount")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _text: self._debounce.start())

        self.artists = self._browse_list(self.controller.artists, "Artists")
        self.albums = self._browse_list(self.controller.albums, "Albums")
        self.artists.selectionModel().currentChanged.connect(self._on_artist)
        self.albums.selectionModel().currentChanged.connect(self._on_album)

        self.table = self._make_table()
        self.detail = DetailPane()
        self.tag_offer = TagCopyOffer(state)
        self.tag_offer.copied.connect(self._rescan_file)
        self.detail.add_notice(self.tag_offer)
        self._folder_jobs: FolderJobs | None = None

        message_page = MessagePage(
            "library", "Loading the library…", "Add a music folder…", self._on_message_button
        )
        self.message, self.message_button = message_page.message, message_page.button
        self.pages = QStackedWidget()
        self.pages.addWidget(message_page)
        self.pages.addWidget(self.table)

        self.browse_split = QSplitter(Qt.Orientation.Vertical)
        self.browse_split.addWidget(self.artists)
        self.browse_split.addWidget(self.albums)
        self.detail_split = QSplitter(Qt.Orientation.Vertical)
        self.detail_split.addWidget(self.pages)
        self.detail_split.addWidget(self.detail)
        self.detail_split.setStretchFactor(0, 3)
        self.detail_split.setStretchFactor(1, 1)
        self.detail_split.setSizes([440, 260])
        main_split = QSplitter(Qt.Orientation.Horizontal)
        main_split.addWidget(self.browse_split)
        main_split.addWidget(self.detail_split)
        main_split.setStretchFactor(1, 1)
        main_split.setSizes([170, 830])
        self.main_split = main_split

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.search_error)
        layout.addWidget(main_split, 1)

        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        clear = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search)
        clear.setContext(Qt.ShortcutContext.WidgetShortcut)
        clear.activated.connect(self.clear_search)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            play = QShortcut(QKeySequence(key), self.table)
            play.setContext(Qt.ShortcutContext.WidgetShortcut)
            play.activated.connect(self.detail.play)

        self.controller.loaded.connect(self._on_loaded)
        self.controller.load_failed.connect(self._on_load_failed)
        self.model.layoutChanged.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)
        self._restore_layout()
        self._update_count()
        self.controller.reload()

    # -- what the window and tests use ---------------------------------------------------------------------

    def visible_row_count(self) -> int:
        return self.model.rowCount()

    def activated(self) -> None:
        self.table.setFocus()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def clear_search(self) -> None:
        self.search.clear()
        self.apply_search()

    def apply_search(self) -> None:
        """Filter by the search box now (the debounce timer calls this ~200 ms after the last keystroke)."""
        self._debounce.stop()
        error = self.controller.set_query(self.search.text())
        if error is None:
            self.search.setStyleSheet("")
            self.search.setToolTip(SEARCH_HELP)
            self.search_error.hide()
        else:
            self.search.setStyleSheet(_ERROR_STYLE)
            self.search.setToolTip(error)
            self.search_error.setText(f"Not a valid search: {error}")
            self.search_error.show()

    def current_track_id(self) -> int | None:
        index = self.table.currentIndex()
        return None if not index.isValid() else int(self.model.data(index, TRACK_ID_ROLE))

    def navigate(self, payload: object) -> None:
        """Another screen asked to show a track: {"track_id": id}. A filter that hides it is cleared."""
        if not isinstance(payload, dict) or "track_id" not in payload:
            return
        track_id = int(payload["track_id"])
        if not self.select_track(track_id) and self.search.text():
            self.clear_search()
            self.select_track(track_id)

    def select_track(self, track_id: int) -> bool:
        """Make a track the current, selected row (False when it is not shown)."""
        row = self.model.row_of_track(track_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    # -- building ------------------------------------------------------------------------------------------

    def _browse_list(self, model: object, name: str) -> QListView:
        view = QListView()
        view.setObjectName(f"library{name}")
        view.setModel(model)  # type: ignore[arg-type]
        view.setUniformItemSizes(True)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # long names are elided
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAccessibleName(name)
        return view

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("libraryTable")
        table.setModel(self.model)
        table.setSortingEnabled(True)
        table.setAlternatingRowColors(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # One track at a time: every action here is about one track. (With Ctrl+A on 100,000 rows Qt's header
        # asks whether each column is fully selected, row by row: ~2 million model calls, 3-4 s per change.)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._track_menu)
        table.doubleClicked.connect(lambda _index: self.detail.play())
        table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.columns = ColumnLayout(table, self.model, self.state.settings)
        return table

    # -- layout memory and menus ---------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        self.columns.restore()
        for key, splitter in zip(_SPLITTER_KEYS, (self.main_split, self.detail_split), strict=True):
            state = self.state.settings.value(key)
            if isinstance(state, QByteArray | bytes):
                splitter.restoreState(QByteArray(state))

    def _save_layout(self) -> None:
        self.columns.save()
        for key, splitter in zip(_SPLITTER_KEYS, (self.main_split, self.detail_split), strict=True):
            self.state.settings.setValue(key, splitter.saveState())

    def hideEvent(self, event: object) -> None:
        self._save_layout()
        super().hideEvent(event)  # type: ignore[arg-type]

    def column_menu(self) -> QMenu:
        """The column chooser (also on the header's context menu)."""
        return self.columns.menu(self)

    def track_menu(self) -> QMenu:
        menu = QMenu(self)
        has_file = self.detail.selected_path() is not None
        for text, slot, enabled in (
            ("Play", self.detail.play, self.detail.play_button.isEnabled()),
            ("Open containing folder", self.detail.open_folder, self.detail.folder_button.isEnabled()),
            ("Copy path", self.detail.copy_path, has_file),
        ):
            action = menu.addAction(text)
            action.setEnabled(enabled)
            action.triggered.connect(lambda _checked=False, s=slot: s())
        track_id = self.current_track_id()
        jumps = [(name, text) for name, text in _TRACK_JUMPS if self.state.has_screen(name)]
        if track_id is not None and jumps:
            menu.addSeparator()
            for name, text in jumps:
                action = menu.addAction(text)
                action.setObjectName(f"jump-{name}")
                action.triggered.connect(
                    lambda _checked=False, n=name, t=track_id: self.state.navigate(n, {"track_id": t})
                )
        return menu

    def _track_menu(self, position: QPoint) -> None:
        if self.table.indexAt(position).isValid():
            self.track_menu().popup(self.table.viewport().mapToGlobal(position))

    # -- reacting ------------------------------------------------------------------------------------------

    def _on_loaded(self) -> None:
        if self.model.total == 0:
            self.message.setText(EMPTY_MESSAGE)
            self.message_button.setText("Add a music folder…")
            self.message_button.show()
            self.pages.setCurrentIndex(0)
        else:
            self.pages.setCurrentIndex(1)
        self._reselect_browse()
        self._on_current_row(self.table.currentIndex())  # the track may have changed (analysis, tags)
        self._update_count()

    def _on_load_failed(self, message: str) -> None:
        if self.controller.loads == 0:
            self.message.setText(message)
            self.message_button.setText("Try again")
            self.message_button.show()
            self.pages.setCurrentIndex(0)
        else:  # keep showing the rows we have; say why they may be stale
            self.count_label.setText(message)

    def _on_message_button(self) -> None:
        if self.controller.loads == 0 and self.message_button.text() == "Try again":
            self.message.setText("Loading the library…")
            self.message_button.hide()
            self.controller.reload()
        else:
            self.wants_screen.emit("folders")

    def _reselect_browse(self) -> None:
        for view, value in ((self.artists, self.controller.artist), (self.albums, self.controller.album)):
            model = view.model()
            row = model.row_of(value)  # type: ignore[attr-defined]
            view.selectionModel().blockSignals(True)
            view.setCurrentIndex(model.index(row, 0))
            view.selectionModel().blockSignals(False)

    def _on_artist(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.controller.set_artist(current.data(VALUE_ROLE) if current.isValid() else None)
        self._reselect_browse()

    def _on_album(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.controller.set_album(current.data(VALUE_ROLE) if current.isValid() else None)

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        track_id = None if not current.isValid() else current.data(TRACK_ID_ROLE)
        detail = None if track_id is None else self.controller.detail(int(track_id))
        self.detail.show_detail(detail)
        readable = [] if detail is None else [f.path for f in detail.files if f.scan_status != "error"]
        self.tag_offer.check(readable)

    def _rescan_file(self, path: str) -> None:
        """Read a file again after its tags changed (the library updates when the scan ends)."""
        if self._folder_jobs is None:
            self._folder_jobs = FolderJobs(self.state, self)
        self._folder_jobs.start_scan([path])

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total
        noun = "track" if total == 1 else "tracks"
        self.count_label.setText(f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}")
