"""The Listens screen: the listening history in one table (a million listens scroll like a hundred), its
filters, the selected listen in a line below with a jump to its track and its raw payload. Layout and
wiring only; the logic is in :class:`ListensController`.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QByteArray, QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.listens.controller import FilterChoice, ListensController
from app.gui.listens.filters import FilterBar
from app.gui.listens.model import COLUMNS, STATUS_LABELS, format_confidence, format_time
from app.gui.listens.payload import PayloadDialog
from app.gui.outcomes import outcome_style
from app.gui.state import AppState

EMPTY_MESSAGE = (
    "No listens yet.\n\nImport your listening history (ListenBrainz, Last.fm, Libre.fm, Spotify or Maloja "
    "exports, a .scrobbler.log), or switch the scrobble server on and point your player's ListenBrainz URL "
    "at it: every listen then shows up here, matched to your library."
)
NO_MATCH_MESSAGE = "No listens match these filters."
_HEADER_KEY = "listens/header"
_DEFAULT_WIDTHS = {"time": 116, "artist": 135, "title": 165, "release": 135, "source": 128, "status": 80,
                   "track": 150, "confidence": 72}  # fmt: skip
# Fits a 1,000 px table without a horizontal scroll bar; the last column takes what is left.


class ListensScreen(QWidget):
    title = "Listens"
    object_name = "listens"
    wants_screen = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self.state = state
        self.controller = ListensController(state, self)
        self.model = self.controller.model
        self._dialog: PayloadDialog | None = None

        self.filters = FilterBar()
        self.filters.show_choice(self.controller.choice)
        self.filters.changed.connect(lambda: self.controller.set_choice(self.filters.choice(), from_bar=True))
        self.filters.track_cleared.connect(self.controller.clear_track)
        self.filters.clear_all.connect(self.controller.clear_filters)
        self.error = QLabel()
        self.error.setObjectName("listensError")
        self.error.setWordWrap(True)
        self.error.hide()

        self.table = self._make_table()
        self.message = QLabel("Reading the listening history…")
        self.message.setObjectName("listensMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setFixedWidth(600)  # a fixed width lets the wrapped text get its full height
        self.message_button = QPushButton()
        self.message_button.setObjectName("listensMessageButton")
        self.message_button.clicked.connect(self._on_message_button)
        self.message_button.hide()
        self.server_button = QPushButton("Scrobble server…")
        self.server_button.setObjectName("listensServerButton")
        self.server_button.setToolTip(
            "Let your players scrobble to Tonearm (a ListenBrainz-compatible server)"
        )
        self.server_button.clicked.connect(lambda: self.state.navigate("server"))
        self.server_button.hide()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.message_button)
        buttons.addWidget(self.server_button)
        buttons.addStretch(1)
        message_page = QWidget()
        message_layout = QVBoxLayout(message_page)
        message_layout.addStretch(1)
        message_layout.addWidget(self.message, 0, Qt.AlignmentFlag.AlignHCenter)
        message_layout.addLayout(buttons)
        message_layout.addStretch(2)
        self.pages = QStackedWidget()
        self.pages.addWidget(message_page)
        self.pages.addWidget(self.table)

        self.summary = QLabel()
        self.summary.setObjectName("listensSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.library_button = QPushButton("Show in library")
        self.library_button.setObjectName("listensShowInLibrary")
        self.library_button.setToolTip("Show the track this listen is linked to in the library (Enter)")
        self.library_button.clicked.connect(self.show_in_library)
        self.payload_button = QPushButton("Raw payload…")
        self.payload_button.setObjectName("listensRawPayload")
        self.payload_button.setToolTip("What the source sent for this listen (Ctrl+I)")
        self.payload_button.clicked.connect(self.show_payload)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.library_button)
        bottom.addWidget(self.payload_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.filters)
        layout.addWidget(self.error)
        layout.addWidget(self.pages, 1)
        layout.addLayout(bottom)

        for key, slot, widget in (
            (QKeySequence.StandardKey.Find, self.focus_search, self),
            (QKeySequence(Qt.Key.Key_Return), self.show_in_library, self.table),
            (QKeySequence(Qt.Key.Key_Enter), self.show_in_library, self.table),
            (QKeySequence("Ctrl+I"), self.show_payload, self),
            (QKeySequence(Qt.Key.Key_Escape), self.clear_search, self.filters.search),
        ):
            shortcut = QShortcut(QKeySequence(key), widget)
            shortcut.setContext(
                Qt.ShortcutContext.WidgetWithChildrenShortcut
                if widget is self
                else Qt.ShortcutContext.WidgetShortcut
            )
            shortcut.activated.connect(slot)

        self.controller.loaded.connect(self._on_loaded)
        self.controller.load_failed.connect(self._on_load_failed)
        self.controller.filter_invalid.connect(self._on_filter_invalid)
        self.controller.options_loaded.connect(self._on_options)
        self.controller.choice_replaced.connect(lambda: self.filters.show_choice(self.controller.choice))
        self.controller.busy_changed.connect(lambda _busy: self._update_count())
        self.model.read_failed.connect(self._show_error)
        self.model.layoutChanged.connect(self._on_current_row)
        self.model.sort_requested.connect(lambda *_: self._update_count())
        self._restore_header()
        self._show_selected(None)

    # -- what the window and tests use ---------------------------------------------------------------------

    def activated(self) -> None:
        """Shown: the first time, start reading (nothing is read before, so start-up stays fast)."""
        self.controller.start()
        self.table.setFocus()

    def navigate(self, payload: object) -> None:
        """{"track_id": id}: that track's listens (a removable "Track: ..." filter); {"listen_id": id}: that
        listen selected (the filters are cleared when they hide it)."""
        if not isinstance(payload, dict):
            return
        if "track_id" in payload:
            self.controller.start()
            self.controller.show_track(int(payload["track_id"]))
        elif "listen_id" in payload:
            self.controller.start()
            listen_id = int(payload["listen_id"])
            row = self.controller.show_listen(listen_id)
            if row is not None:
                self.select_row(row)
            elif self.controller.select_after_load is None:
                self._show_error(f"Listen {listen_id} is not in the history (any more).")

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)

    def current_row(self) -> int | None:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else None

    def focus_search(self) -> None:
        self.filters.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.search.selectAll()

    def clear_search(self) -> None:
        if self.filters.search.text():
            self.filters.search.clear()
            self.filters.apply_text_now()

    def show_in_library(self) -> None:
        row = self.current_row()
        listen = None if row is None else self.model.row_at(row)
        if listen is not None and listen.track_id is not None and self.state.has_screen("library"):
            self.state.navigate("library", {"track_id": listen.track_id})

    def show_payload(self) -> PayloadDialog | None:
        """Open the selected listen's raw payload (not modal: the table stays usable)."""
        row = self.current_row()
        if row is None:
            return None
        try:
            payload = self.controller.payload(self.model.listen_id(row))
        except Exception as error:  # the database went away under the window: say so
            self._show_error(f"Could not read this listen's payload: {str(error).splitlines()[0]}")
            return None
        if payload is None:
            self._show_error("This listen is no longer in the history.")
            return None
        if self._dialog is not None:
            self._dialog.close()
        self._dialog = PayloadDialog(payload, self)
        self._dialog.show()
        return self._dialog

    def listen_menu(self) -> QMenu:
        menu = QMenu(self)
        row = self.current_row()
        listen = None if row is None else self.model.row_at(row)
        linked = listen is not None and listen.track_id is not None
        show = menu.addAction("Show in library")
        show.setEnabled(linked and self.state.has_screen("library"))
        show.triggered.connect(self.show_in_library)
        payload = menu.addAction("Raw payload…")
        payload.setEnabled(listen is not None)
        payload.triggered.connect(self.show_payload)
        only = menu.addAction("Only this track's listens")
        only.setEnabled(linked)
        if listen is not None and listen.track_id is not None:
            track_id = listen.track_id
            only.triggered.connect(lambda: self.navigate({"track_id": track_id}))
        menu.addSeparator()
        copy = menu.addAction("Copy artist – title")
        copy.setEnabled(listen is not None)
        if listen is not None:
            text = f"{listen.artist} – {listen.title}"
            copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(text))
        return menu

    def screenshot_states(self) -> Iterator[str | tuple[str, QWidget]]:
        """Extra faces for ``tonearm-gui --screenshots``: the table filtered by status, a raw payload, and
        one track's listens as the library's "Show listens" opens them (the chip). The person's filters
        are back afterwards."""
        saved = self.controller.choice
        shown = (self.model.row_at(row) for row in range(min(50, self.model.rowCount())))
        linked = next((row.track_id for row in shown if row is not None and row.track_id), None)
        options = self.controller.options
        status = "matched"
        if options is not None:
            status = next((s for s in ("ambiguous", "unmatched") if options.statuses.get(s)), status)
        self.controller.set_choice(FilterChoice(status=status))
        yield "filtered"
        if self.model.rowCount():
            self.select_row(0)
            dialog = self.show_payload()
            if dialog is not None:
                yield "payload", dialog
                dialog.close()
        if linked is not None:
            self.navigate({"track_id": linked})
            yield "track"
        self.controller.set_choice(saved)

    # -- building ------------------------------------------------------------------------------------------

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("listensTable")
        table.setModel(self.model)
        table.setAlternatingRowColors(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
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
        header.setStretchLastSection(True)
        key, descending = self.controller.sort_key, self.controller.descending
        column = next(number for number, spec in enumerate(COLUMNS) if spec[2] == key)
        header.setSortIndicator(
            column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        )
        table.setSortingEnabled(True)  # a click asks the controller: the model sorts nothing itself
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._popup_menu)
        table.doubleClicked.connect(lambda _index: self.show_in_library())
        table.selectionModel().currentRowChanged.connect(self._on_current_row)
        header.sectionResized.connect(lambda *_: self._save_header())
        header.sectionMoved.connect(lambda *_: self._save_header())
        return table

    def _restore_header(self) -> None:
        header = self.table.horizontalHeader()
        saved = self.state.settings.value(_HEADER_KEY)
        restored = isinstance(saved, QByteArray | bytes) and header.restoreState(QByteArray(saved))
        if not restored:
            for column, (name, _label, _key) in enumerate(COLUMNS):
                header.resizeSection(column, _DEFAULT_WIDTHS[name])
        # the sort is the controller's (restoreState brings back an indicator of its own)
        key, descending = self.controller.sort_key, self.controller.descending
        column = next(number for number, spec in enumerate(COLUMNS) if spec[2] == key)
        header.setSortIndicator(
            column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        )

    def _save_header(self) -> None:
        self.state.settings.setValue(_HEADER_KEY, self.table.horizontalHeader().saveState())

    def _popup_menu(self, position: QPoint) -> None:
        if self.table.indexAt(position).isValid():
            self.listen_menu().popup(self.table.viewport().mapToGlobal(position))

    # -- reacting ------------------------------------------------------------------------------------------

    def _on_loaded(self) -> None:
        self.error.hide()  # what went wrong before this list (a failed read, a listen not found) is over
        wanted = self.controller.select_after_load
        if wanted is not None and self.controller.loads:
            self.controller.select_after_load = None
            row = self.model.row_of_listen(wanted)
            if row is None:
                self._show_error(f"Listen {wanted} is not in the history (any more).")
            else:
                self.select_row(row)
        if self.model.rowCount():
            self.pages.setCurrentIndex(1)
        elif self.controller.loads:
            self._show_empty()
        self._on_current_row()
        self._update_count()

    def _show_empty(self) -> None:
        filtered = not self.controller.choice.is_default()
        if filtered:
            self.message.setText(NO_MATCH_MESSAGE)
            self.message_button.setText("Clear filters")
            self.message_button.show()
        else:
            self.message.setText(EMPTY_MESSAGE)
            self.message_button.setText("Import history…")
            self.message_button.setVisible(self.state.has_screen("import"))
        self.server_button.setVisible(not filtered and self.state.has_screen("server"))
        # A centred word-wrapped label is not given its height for its width by the layout: ask for it.
        self.message.setMinimumHeight(self.message.heightForWidth(self.message.width()))
        self.pages.setCurrentIndex(0)

    def _on_message_button(self) -> None:
        text = self.message_button.text()
        if text == "Clear filters":
            self.controller.clear_filters()
        elif text == "Try again":
            self.message.setText("Reading the listening history…")
            self.message_button.hide()
            self.controller.reload()
        else:
            self.state.navigate("import")

    def _on_load_failed(self, message: str) -> None:
        if not self.controller.loads and not self.model.rowCount():
            self.message.setText(message)
            self.message_button.setText("Try again")
            self.message_button.show()
            self.server_button.hide()
            self.pages.setCurrentIndex(0)
        else:
            self._show_error(message)

    def _on_filter_invalid(self, message: str) -> None:
        if message:
            self._show_error(f"Filters not applied: {message}")
        else:
            self.error.hide()

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setStyleSheet(outcome_style(self, False))
        self.error.show()

    def _on_options(self) -> None:
        self.filters.set_options(self.controller.options, self.controller.choice)
        if self.model.zones_shown:  # times carry their zone: make room for it
            header = self.table.horizontalHeader()
            at = self.model.column_of("time")
            wanted = self.table.fontMetrics().horizontalAdvance("2024-03-31 14:00 CEST") + 14
            if header.sectionSize(at) < wanted:
                header.resizeSection(at, wanted)
        self._update_count()

    def _on_current_row(self, *_args: object) -> None:
        row = self.current_row()
        self._show_selected(row)

    def _show_selected(self, row: int | None) -> None:
        listen = None if row is None or row >= self.model.rowCount() else self.model.row_at(row)
        self.payload_button.setEnabled(listen is not None)
        self.library_button.setEnabled(
            listen is not None and listen.track_id is not None and self.state.has_screen("library")
        )
        if listen is None:
            self.summary.setText(
                "Select a listen to see how it was matched." if self.model.rowCount() else ""
            )
            return
        heard = f"{listen.artist} – {listen.title}" + (f" ({listen.release})" if listen.release else "")
        status = STATUS_LABELS.get(listen.status, listen.status)
        if listen.track_id is not None:
            by = f" by {listen.track_artist}" if listen.track_artist else ""
            confidence = format_confidence(listen.confidence)
            status += f" to “{listen.track_title}”{by}" + (f", {confidence}" if confidence else "")
        self.summary.setText(f"{format_time(listen)} · {listen.user_name} · {heard} · {status}")

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        options = self.controller.options
        total = options.total if options is not None else None
        if not self.controller.loads:
            text = "Reading…" if shown or self.controller.loading else ""
        elif total is not None and (
            self.controller.shown_filter is None or not self.controller.shown_filter.is_default()
        ):
            text = f"{shown:,} of {total:,} listens"
        else:
            text = f"{shown:,} listen" + ("" if shown == 1 else "s")
        if self.controller.loading and self.controller.loads:
            text += " · reading…"
        self.filters.count.setText(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # light <-> dark: the status colours follow
            self.model.refresh_colors()
        super().changeEvent(event)

    def hideEvent(self, event: object) -> None:
        self.controller.active = False
        self._save_header()
        super().hideEvent(event)  # type: ignore[arg-type]

    def showEvent(self, event: object) -> None:
        self.controller.active = True
        super().showEvent(event)  # type: ignore[arg-type]
