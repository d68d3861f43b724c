"""The Stats screen: a user and a range, a list of views (top lists, clock, trend, discoveries, streaks,
taste, compatibility, library, recommendations), each shown as a chart above its table, and an Export
button (and context menus) that saves what is shown as CSV, JSON, Parquet, PNG or SVG through a job.

Layout and wiring only; :class:`StatsController` decides what to compute and when. matplotlib is imported
when the screen is first shown, while its first view computes in a worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.message_page import MessagePage
from app.gui.outcomes import outcome_style
from app.gui.state import AppState
from app.gui.stats.chart import ChartPane
from app.gui.stats.controller import StatsController, StatsStart, ViewRequest
from app.gui.stats.export_menu import StatsExports
from app.gui.stats.model import StatsTableModel
from app.gui.stats.range_picker import RangePicker
from app.gui.stats.table_pane import StatsTablePane
from scrobbler.stats.views import VIEWS, StatsView

_KEYS = {"user": "stats/user", "range": "stats/range", "view": "stats/view", "by": "stats/by"}
NO_USERS = (
    "No listening history yet.\n\nImport your listens (a ListenBrainz, Last.fm or Spotify export) or let a "
    "player scrobble to Tonearm: your top lists, listening clock and trends show up here."
)
NO_LISTENS = "{user} has no listens yet. Pick another user, or import listening history for {user}."


class StatsScreen(QWidget):
    title = "Stats"
    object_name = "stats"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self.state = state
        self.settings: QSettings = state.settings
        self.controller = StatsController(state, self)
        self.model = StatsTableModel(self)
        self.chart = ChartPane()
        self.chart.setObjectName("statsChart")
        self.view: StatsView | None = None  # what is on screen
        self.users: list[Any] = []
        self._opened = False
        self._loading_users = False
        self.last_export: Any = None  # the last export Job (tests wait on it)
        self._shown_request: ViewRequest | None = None  # what ``view`` answers
        self._pending: StatsView | None = (
            None  # a view waiting for its chart before it replaces the shown one
        )

        self.user_combo = QComboBox()
        self.user_combo.setObjectName("statsUser")
        self.user_combo.setAccessibleName("User")
        self.range_picker = RangePicker()
        self.by_combo = QComboBox()
        self.by_combo.setObjectName("statsBy")
        self.by_combo.addItem("by plays", "plays")
        self.by_combo.addItem("by listening time", "time")
        self.other_label = QLabel("compared with")
        self.other_combo = QComboBox()
        self.other_combo.setObjectName("statsOtherUser")
        self.other_combo.setAccessibleName("Second user")
        self.busy_label = QLabel("")
        self.busy_label.setObjectName("statsBusy")
        self.export_button = QToolButton()
        self.export_button.setObjectName("statsExport")
        self.export_button.setText("Export")
        self.export_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self.export_button)
        self.exports = StatsExports(self)
        self.export_menu.aboutToShow.connect(lambda: self.exports.fill_menu(self.export_menu))
        self.export_button.setMenu(self.export_menu)

        top = QHBoxLayout()
        top.addWidget(QLabel("User"))
        top.addWidget(self.user_combo)
        top.addSpacing(8)
        top.addWidget(self.range_picker)
        top.addWidget(self.by_combo)
        top.addWidget(self.other_label)
        top.addWidget(self.other_combo)
        top.addStretch(1)
        top.addWidget(self.busy_label)
        top.addWidget(self.export_button)

        self.status = QLabel("")
        self.status.setObjectName("statsStatus")
        self.status.setWordWrap(True)
        self.status.hide()

        self.views = QListWidget()
        self.views.setObjectName("statsViews")
        self.views.setAccessibleName("Views")
        for name, spec in VIEWS.items():
            item = QListWidgetItem(spec.label)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.views.addItem(item)
        self.views.setMinimumWidth(140)
        self.views.setSpacing(2)

        message_page = MessagePage("stats", "Loading stats…", "", self._on_message_button)
        self.message, self.message_button = message_page.message, message_page.button

        self.tables = StatsTablePane(self.model)
        self.heading, self.notes, self.tabs, self.table = (
            self.tables.heading,
            self.tables.notes,
            self.tables.tabs,
            self.tables.table,
        )
        self.table.customContextMenuRequested.connect(self.exports.popup_table_menu)
        self.chart.picture.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.chart.picture.customContextMenuRequested.connect(self.exports.popup_chart_menu)
        self.chart.render_wanted.connect(self._on_chart_target)
        self.content = QSplitter(Qt.Orientation.Vertical)
        self.content.setObjectName("statsContent")
        self.content.addWidget(self.chart)
        self.content.addWidget(self.tables)
        self.content.setStretchFactor(0, 3)
        self.content.setStretchFactor(1, 2)
        self.content.setSizes([380, 260])
        self.pages = QStackedWidget()
        self.pages.addWidget(message_page)
        self.pages.addWidget(self.content)
        self.pages.setCurrentIndex(1)  # laid out from the start: the first chart is rendered at its size

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        right_layout.addWidget(self.pages, 1)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.views)
        body.addWidget(right)
        body.setStretchFactor(1, 1)
        body.setSizes([170, 1000])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(body, 1)

        self.controller.started.connect(self._on_started)
        self.controller.start_failed.connect(self._on_start_failed)
        self.controller.view_ready.connect(self._on_view_ready)
        self.controller.chart_ready.connect(self._on_chart_ready)
        self.controller.view_failed.connect(self._on_view_failed)
        self.controller.busy_changed.connect(self._on_busy)
        self.state.database_changed.connect(self._on_database_changed)
        self.user_combo.currentIndexChanged.connect(self._on_user)
        self.other_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.by_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.range_picker.range_changed.connect(lambda _text: self.refresh())
        self.range_picker.error.connect(self._on_range_error)
        self.views.currentRowChanged.connect(lambda _row: self.refresh())
        self._select_view(str(self.settings.value(_KEYS["view"], "top-artists", type=str)))
        by = self.by_combo.findData(self.settings.value(_KEYS["by"], "plays", type=str))
        self.by_combo.setCurrentIndex(max(by, 0))
        self.range_picker.set_text(str(self.settings.value(_KEYS["range"], "all", type=str)))
        self._update_choices()

    # -- what the window and tests use ---------------------------------------------------------------------

    def activated(self) -> None:
        """First show: load the users and the first view (and matplotlib, beside it) in workers."""
        if self._opened:
            return
        self._opened = True
        # Lay out now (the window showed this screen a moment ago), so the first chart is rendered at its size.
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self._start()

    def current_view_name(self) -> str:
        item = self.views.currentItem()
        return "top-artists" if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def select_view(self, name: str) -> None:
        """Show view ``name`` (a key of scrobbler.stats.views.VIEWS), as a click in the list does."""
        self._select_view(name)

    def current_request(self) -> ViewRequest | None:
        user_id = self.user_combo.currentData()
        if user_id is None:
            return None
        other = self.other_combo.currentData() if self.other_combo.count() else None
        return ViewRequest(
            int(user_id),
            self.range_picker.text(),
            self.current_view_name(),
            str(self.by_combo.currentData()),
            None if other is None else int(other),
        )

    def refresh(self) -> None:
        """Ask for the view the pickers describe; the old one stays on screen until the new one arrives."""
        self._update_choices()
        if self._loading_users:
            return
        request = self.current_request()
        if request is None:
            return
        if self.chart.isVisibleTo(self):
            # A hidden pane (a view without a chart is shown) has no size of its own: the charts are wanted
            # at the size it comes back with, the last one (a resize meanwhile renders again once shown).
            self.controller.target = self.chart.target()
        for key, value in (
            ("view", request.view),
            ("range", request.range_text),
            ("by", request.by),
            ("user", self.user_combo.currentText()),
        ):
            self.settings.setValue(_KEYS[key], value)
        self.controller.request(request)

    def navigate(self, payload: object) -> None:
        """{"view": name} and/or {"range": text} from another screen."""
        if not isinstance(payload, dict):
            return
        if isinstance(payload.get("range"), str):
            self.range_picker.set_text(payload["range"])
        if isinstance(payload.get("view"), str) and payload["view"] in VIEWS:
            self._select_view(payload["view"])
        self.refresh()

    def export_to(self, part: str, fmt: str, path: Path) -> Any:
        """Export ``part`` of the view on screen to ``path`` as a job (what the menu does after the dialog)."""
        return self.exports.export_to(part, fmt, path)

    def ask_export(self, part: str, fmt: str) -> None:
        """Ask where to save ``part`` as ``fmt``, then export it."""
        self.exports.ask_export(part, fmt)

    def table_menu(self) -> QMenu:
        """The table's context menu: export it; "Show in Library" for a track row."""
        return self.exports.table_menu()

    def chart_menu(self) -> QMenu:
        return self.exports.chart_menu()

    def screenshot_states(self) -> Any:
        """Extra faces for `tonearm-gui --screenshots`: clock, trend, taste, compat, and dark."""
        from app.gui.appearance import APPEARANCE_KEY, apply_appearance

        original = self.current_view_name()
        for name, suffix in (
            ("clock", "clock"),
            ("daily", "trend"),
            ("taste", "taste"),
            ("compat", "compat"),
        ):
            self._select_view(name)
            if name == "compat" and self.other_combo.count() > 1 and self.other_combo.currentIndex() <= 0:
                self.other_combo.setCurrentIndex(1)
            yield suffix
        self._select_view(original)
        before = self.settings.value(APPEARANCE_KEY, "system", type=str)
        self.settings.setValue(APPEARANCE_KEY, "dark")
        apply_appearance(self.settings)
        QApplication.processEvents()  # the palette reaches the chart, which starts drawing in the dark theme
        yield "dark"
        self.settings.setValue(APPEARANCE_KEY, before)
        apply_appearance(self.settings)
        QApplication.processEvents()

    # -- loading -------------------------------------------------------------------------------------------

    def _start(self) -> None:
        self._loading_users = True
        self.heading.setText("Loading stats…")
        self.heading.show()
        self.controller.target = self.chart.target()
        wanted_user = str(self.settings.value(_KEYS["user"], "", type=str)) or None
        self.controller.start(
            wanted_user, self.range_picker.text(), self.current_view_name(), str(self.by_combo.currentData())
        )

    def _on_started(self, start: StatsStart) -> None:
        self.users = start.users
        self.spans = start.spans
        self.user_combo.blockSignals(True)
        self.user_combo.clear()
        for user in start.users:
            self.user_combo.addItem(user.username, user.id)
        if start.user_id is not None:
            self.user_combo.setCurrentIndex(self.user_combo.findData(start.user_id))
        self.user_combo.blockSignals(False)
        self._fill_other_users()
        self._loading_users = False
        self._update_choices()
        if not start.users:
            self._show_message(NO_USERS, button="Import listening history…" if self._can_import() else None)
            return
        self._apply_span()
        self._show_no_listens_or_refresh()  # the first view is in the cache by now: shown at once

    def _on_start_failed(self, message: str) -> None:
        self._loading_users = False
        self._show_message(f"Could not read the stats: {message}", button="Try again")

    def _on_database_changed(self) -> None:
        if self._opened:
            self._start()

    def _fill_other_users(self) -> None:
        """Everyone but the chosen user, to compare with; the earlier pick is kept when still there."""
        kept = self.other_combo.currentData()
        self.other_combo.blockSignals(True)
        self.other_combo.clear()
        self.other_combo.addItem("(pick a user)", None)
        for user in self.users:
            if user.id != self.user_combo.currentData():
                self.other_combo.addItem(user.username, user.id)
        self.other_combo.setCurrentIndex(max(self.other_combo.findData(kept), 0) if kept is not None else 0)
        self.other_combo.blockSignals(False)

    def _on_user(self, _index: int) -> None:
        if self._loading_users:
            return
        self._fill_other_users()
        self._apply_span()
        self._show_no_listens_or_refresh()

    def _apply_span(self) -> None:
        span = getattr(self, "spans", {}).get(self.user_combo.currentData())
        if span is not None:
            self.range_picker.set_span(*span)

    def _show_no_listens_or_refresh(self) -> None:
        user_id = self.user_combo.currentData()
        if user_id is not None and getattr(self, "spans", {}).get(user_id) is None and self._needs_listens():
            name = self.user_combo.currentText()
            self._show_message(NO_LISTENS.format(user=name))
            return
        self.refresh()

    def _needs_listens(self) -> bool:
        return self.current_view_name() != "library"

    # -- showing -------------------------------------------------------------------------------------------

    def _on_chart_target(self) -> None:
        if not self._loading_users and self.view is not None:
            self.controller.set_target(self.chart.target())

    def _on_view_ready(self, view: StatsView, pixels: Any) -> None:
        """A view arrived; one whose chart is still being drawn replaces what is on screen only when
        nothing is (the first view: its table shows at once), else it waits for its chart."""
        if view is self.view:  # the same view at another size or palette: its chart, now or later
            if pixels is not None:
                self._show_chart(view, pixels)
            return
        showing = self.view is not None and self.view.message is None and self.pages.currentIndex() == 1
        if pixels is None and view.chart_kind is not None and view.message is None and showing:
            self._pending = view
            return
        self._pending = None
        self._show_view(view, pixels)

    def _on_chart_ready(self, view: StatsView, pixels: Any) -> None:
        if view is self._pending:
            self._pending = None
            self._show_view(view, pixels)
        elif view is self.view:
            self._show_chart(view, pixels)

    def _show_chart(self, view: StatsView, pixels: Any) -> None:
        self.chart.show_chart(view, pixels.rgba, pixels.width, pixels.height, self.chart.target()[2])
        if self.chart.target() != self.controller.target:  # the pane changed size meanwhile
            self.chart.check_size_soon()

    def _show_view(self, view: StatsView, pixels: Any = None) -> None:
        self.view = view
        self._shown_request = self.controller.wanted
        self.content.setEnabled(True)
        if view.message is not None:
            self.heading.setText(view.title)
            self.notes.setText("\n".join(view.notes))
            self.notes.setVisible(bool(view.notes))
            button = {"analyze": "Open Folders to analyze…", "other-user": None}.get(view.next_step or "")
            self._show_message(view.message, button=button if self.state.has_screen("folders") else None)
            self.export_button.setEnabled(False)
            return
        self.pages.setCurrentIndex(1)
        self.export_button.setEnabled(True)
        self._show_chart_pane(view.chart_kind is not None)
        if pixels is not None:
            self._show_chart(view, pixels)
        elif view.chart_kind is not None:
            self.chart.show_drawing()
        self.tables.show_view(view)

    def _show_chart_pane(self, shown: bool) -> None:
        """Hide the chart for views without one, and give it back the exact same size afterwards: charts
        are cached by size, so a pane a few pixels off would draw every chart again."""
        if shown == self.chart.isVisibleTo(self):
            return
        if not shown:
            self._chart_sizes = self.content.sizes()
            self.chart.hide()
        else:
            self.chart.show()
            if self._chart_sizes:
                self.content.setSizes(self._chart_sizes)

    def _on_view_failed(self, message: str) -> None:
        self.show_status(f"Could not compute this view: {message}", False)

    def _on_busy(self, busy: bool) -> None:
        """While the wanted view computes, say which one, and grey the view still on screen: it is the
        previous answer, kept so the screen does not flash empty, and it must not pass for the new one."""
        wanted = self.controller.wanted
        stale = busy and wanted is not None and wanted != self._shown_request
        if busy and wanted is not None:
            when = "all time" if wanted.range_text == "all" else wanted.range_text
            what = VIEWS[wanted.view].label if stale else "chart"
            self.busy_label.setText(f"Computing {what}, {when}…" if stale else f"Drawing the {what}…")
        else:
            self.busy_label.setText("")
        self.content.setEnabled(not stale)

    def _on_range_error(self, message: str) -> None:
        if message:
            self.show_status(message, False)
        else:
            self.status.hide()

    def _show_message(self, text: str, button: str | None = None) -> None:
        self.heading.setVisible(bool(self.heading.text()))
        self.message.setText(text)
        self.message_button.setVisible(button is not None)
        self.message_button.setText(button or "")
        self.pages.setCurrentIndex(0)

    def _on_message_button(self) -> None:
        text = self.message_button.text()
        if text == "Try again":
            self._start()
        elif text.startswith("Import"):
            self.state.navigate("landing")
        else:
            self.state.navigate("folders")

    def _can_import(self) -> bool:
        return self.state.has_screen("landing")

    def show_status(self, text: str, ok: bool | None) -> None:
        """One line above the views: an outcome (ok True/False) or news (None)."""
        self.status.setText(text)
        self.status.setStyleSheet(outcome_style(self, ok))
        self.status.show()

    def _update_choices(self) -> None:
        spec = VIEWS[self.current_view_name()]
        self.by_combo.setVisible(spec.ranked)
        self.other_label.setVisible(spec.needs_other_user)
        self.other_combo.setVisible(spec.needs_other_user)
        self.range_picker.setEnabled(spec.uses_range)

    def _select_view(self, name: str) -> None:
        for row in range(self.views.count()):
            if self.views.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.views.setCurrentRow(row)
                return
