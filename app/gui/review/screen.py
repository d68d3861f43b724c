"""The Review screen: fix every listen match in minutes, by keyboard.

Left, the queue (groups of listens by what was heard, biggest first, with the counts left); right, the
current group: the raw names as heard, how many listens and their span, why the matcher did not link it,
the candidates best first with their confidence coloured, the evidence of the selected candidate, and the
group's listens with a tick each. One key per decision (``?`` lists them); the next group appears at once.
Tabs switch to the suspicious automatic links, the skipped songs, and the aliases decisions taught.
Layout and key wiring only: the logic is :class:`ReviewController`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.outcomes import local_time, outcome_style, plural
from app.gui.review.aliases_view import AliasesView
from app.gui.review.controller import Mode, ReviewController
from app.gui.review.dialogs import KeySheet, LinkSearch
from app.gui.review.evidence import BandDelegate, EvidencePane
from app.gui.review.link_library import LibraryForLinks
from app.gui.review.models import KEY_ROLE, CandidateModel, ListenModel, QueueModel
from app.gui.state import AppState

TABS: tuple[tuple[str, Mode | None], ...] = (
    ("To review", "pending"),
    ("Suspicious links", "suspicious"),
    ("Skipped", "skipped"),
    ("Learned aliases", None),
)
HINT = "1–9 accept · Enter accept top · R not in library · S skip · L link… · Ctrl+Z undo · ? all keys"
EMPTY = {
    "pending": "Nothing to review: every listen is linked or decided.\n\nAfter a scan adds tracks, "
    "“Match again” re-tries the listens that found nothing.",
    "suspicious": "No suspicious links: every automatic link is strong, with no close rival.",
    "skipped": "No skipped songs. Press S on a group to put it aside for later.",
}
_DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}


def _heading(text: str, scale: float = 1.3) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


class ReviewScreen(QWidget):
    title = "Review"
    object_name = "review"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self.state = state
        self.controller = ReviewController(state, self)
        self.controller.is_shown = self.isVisible
        self.library = LibraryForLinks(state, self)
        self._started = False
        self.key_sheet: KeySheet | None = None
        self.link_dialog: LinkSearch | None = None

        self.tabs = QTabBar()
        self.tabs.setObjectName("reviewTabs")
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for text, _mode in TABS:
            self.tabs.addTab(text)
        self.tabs.currentChanged.connect(self._on_tab)
        self.by_release = QCheckBox("Group by release too")
        self.by_release.setObjectName("reviewByRelease")
        self.by_release.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.by_release.toggled.connect(self.controller.set_by_release)
        self.match_button = QPushButton("Match again")
        self.match_button.setObjectName("reviewMatchAgain")
        self.match_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.match_button.setToolTip(
            "Re-try the unsure listens against the library (after a scan added tracks)"
        )
        self.match_button.clicked.connect(self.controller.rerun_matching)
        self.left_label = QLabel()
        self.left_label.setObjectName("reviewLeft")

        self.queue_model = QueueModel(self)
        self.queue_view = self._table(self.queue_model, "reviewQueue")
        digits = self.queue_view.fontMetrics().horizontalAdvance("99,999") + 16
        self.queue_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self.queue_view.horizontalHeader().resizeSection(0, digits)
        self.queue_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.queue_view.clicked.connect(self._on_queue_click)
        self.queue_view.selectionModel().currentRowChanged.connect(
            lambda index, _old: self._on_queue_click(index)
        )

        self.heard = _heading("", 1.25)
        self.heard.setObjectName("reviewHeard")
        self.heard.setWordWrap(True)
        self.heard.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel()
        self.facts.setObjectName("reviewFacts")
        self.why = QLabel()
        self.why.setObjectName("reviewWhy")
        self.why.setWordWrap(True)
        self.candidate_model = CandidateModel(self)
        self.candidates = self._table(self.candidate_model, "reviewCandidates")
        header = self.candidates.horizontalHeader()
        # Fixed widths, not ResizeToContents: measuring every cell of every column on each group is paint
        # time a key press pays for.
        metrics = self.candidates.fontMetrics()
        for column, sample in ((0, "Key"), (1, " 100% "), (5, "00:00:00"), (6, "≠ version, album, duration")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 18)
        for column in (2, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.candidates.setItemDelegateForColumn(1, BandDelegate(self.candidates))
        rows = self.candidates.verticalHeader().defaultSectionSize()
        self.candidates.setMaximumHeight(
            rows * 6 + self.candidates.horizontalHeader().sizeHint().height() + 4
        )
        self.candidates.selectionModel().currentRowChanged.connect(self._on_candidate)
        self.candidates.doubleClicked.connect(
            lambda index: self._decide(lambda: self.controller.accept(index.row() + 1))
        )
        self.evidence = EvidencePane()
        self.listen_model = ListenModel(
            lambda i: i not in self.controller.unticked, self.controller.toggle_listen, self
        )
        self.listens = QListView()
        self.listens.setObjectName("reviewListens")
        self.listens.setModel(self.listen_model)
        self.listens.setUniformItemSizes(True)
        self.listens_label = QLabel()
        self.listens_label.setObjectName("reviewListensLabel")

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(8, 0, 0, 0)
        detail_layout.addWidget(self.heard)
        detail_layout.addWidget(self.facts)
        detail_layout.addWidget(self.why)
        detail_layout.addWidget(
            QLabel("<b>Candidates</b> — best first; the number is the key that accepts it")
        )
        detail_layout.addWidget(self.candidates)
        detail_layout.addWidget(self.evidence)
        detail_layout.addWidget(self.listens_label)
        detail_layout.addWidget(self.listens, 1)
        self.empty = QLabel()
        self.empty.setObjectName("reviewEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.detail_stack = QStackedWidget()
        self.detail_stack.addWidget(self.empty)
        self.detail_stack.addWidget(detail)

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.queue_view)
        self.split.addWidget(self.detail_stack)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([330, 830])
        self.aliases = AliasesView(state)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.split)
        self.pages.addWidget(self.aliases)

        self.status = QLabel()
        self.status.setObjectName("reviewStatus")
        self.status.setWordWrap(True)
        self.hint = QLabel(HINT)
        self.hint.setObjectName("reviewHint")
        self.hint.setStyleSheet("color: gray;")

        top = QHBoxLayout()
        top.addWidget(_heading("Review"))
        top.addSpacing(12)
        top.addWidget(self.tabs)
        top.addStretch(1)
        top.addWidget(self.by_release)
        top.addWidget(self.match_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 10)
        layout.addLayout(top)
        layout.addWidget(self.left_label)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.hint)

        for watched in (self, self.queue_view, self.candidates, self.listens):
            watched.installEventFilter(self)
        self.controller.page_changed.connect(self._show_page)
        self.controller.current_changed.connect(self._show_current)
        self.controller.message.connect(self._say)
        self._show_page()
        self._show_current()

    def _table(self, model: Any, name: str) -> QTableView:
        view = QTableView()
        view.setObjectName(name)
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setWordWrap(False)
        view.setShowGrid(False)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
        view.horizontalHeader().setHighlightSections(False)
        return view

    # -- the window's contract -----------------------------------------------------------------------------

    def activated(self) -> None:
        """Read the queue the first time the screen is shown (not at start-up), and again when listens
        changed while it was hidden."""
        self._started = True
        self.controller.refresh_if_stale()
        self.candidates.setFocus(Qt.FocusReason.OtherFocusReason)

    def navigate(self, payload: object) -> None:
        """{"listen_id": id}: show the group holding that listen (read on its own when it ranks below the
        page), once the queue is read; a listen that does not wait for review is said so."""
        self.activated()
        if not isinstance(payload, dict) or "listen_id" not in payload:
            return
        listen_id = int(payload["listen_id"])
        if self.controller.loaded and not self.controller.stale:
            self.controller.find_listen(listen_id)
            return

        def when_read() -> None:
            if not self.controller.loaded or self.controller.stale:
                return  # a change before the page is in: wait for the page
            self.controller.page_changed.disconnect(when_read)
            self.controller.find_listen(listen_id)

        self.controller.page_changed.connect(when_read)

    def hideEvent(self, event: Any) -> None:
        self.controller.flush()  # a decision made just before leaving is written now
        super().hideEvent(event)

    def screenshot_states(self) -> Iterator[str | tuple[str, QWidget]]:
        """Faces for ``tonearm-gui --screenshots``: a group, the key sheet, the suspicious queue, aliases."""
        from PySide6.QtWidgets import QApplication

        def settle() -> None:
            self.state.jobs.wait_idle(30000)
            QApplication.processEvents()

        self.activated()
        settle()
        yield "group"
        sheet = self.show_keys()
        settle()
        yield ("keys", sheet)
        sheet.close()
        self.tabs.setCurrentIndex(1)
        settle()
        yield "suspicious"
        self.tabs.setCurrentIndex(3)
        settle()
        yield "aliases"
        self.tabs.setCurrentIndex(0)
        settle()

    # -- keys ----------------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and self.handle_key(event):
            return True
        if (
            kind == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._is_review_key(event)
        ):
            event.accept()  # ours, not a window shortcut: the key press follows
            return True
        return super().eventFilter(watched, event)

    def _is_review_key(self, event: QKeyEvent) -> bool:
        if self.pages.currentWidget() is not self.split:
            return False
        return (
            event.matches(QKeySequence.StandardKey.Undo)
            or event.text() in ("?",)
            or (
                not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
                and (event.key() in _DIGITS or event.key() in (Qt.Key.Key_R, Qt.Key.Key_S, Qt.Key.Key_L))
            )
        )

    def handle_key(self, event: QKeyEvent) -> bool:
        """One key per decision (see :data:`app.gui.review.dialogs.KEYS`); True when the key was ours."""
        if self.pages.currentWidget() is not self.split:
            return False
        key = event.key()
        plain = not event.modifiers() & ~(
            Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier
        )
        controller = self.controller
        if event.matches(QKeySequence.StandardKey.Undo):
            controller.undo()
        elif event.text() == "?":
            self.show_keys()
        elif not plain:
            return False
        elif key in _DIGITS and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._decide(lambda: controller.accept(_DIGITS[key]))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._decide(lambda: controller.accept(1))
        elif key == Qt.Key.Key_R:
            self._decide(controller.reject)
        elif key == Qt.Key.Key_S:
            self._decide(controller.skip)
        elif key == Qt.Key.Key_L:
            self.open_link_search()
        else:
            return False
        return True

    def press_key(self, text: str) -> None:
        """Act as if ``text`` (one key, e.g. "2", "R", "Return") was pressed (benchmarks)."""
        key = QKeySequence(text)[0].key()  # type: ignore[index]
        self.handle_key(QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text))

    def _decide(self, action: Any) -> None:
        if self.controller.current is None:
            self._say(
                "Wait for the group to be read, or pick one in the queue."
                if self.controller.groups
                else "Nothing to decide here.",
                None,
            )
            return
        action()

    def show_keys(self) -> KeySheet:
        if self.key_sheet is None:
            self.key_sheet = KeySheet(self)
        self.key_sheet.show()
        self.key_sheet.raise_()
        return self.key_sheet

    def open_link_search(self) -> LinkSearch | None:
        """The L key: a search over the library; the chosen track gets the ticked listens."""
        group = self.controller.current_group
        if group is None or self.controller.current is None:
            self._say("Nothing to link here.", None)
            return None
        dialog = LinkSearch(self.library.columns, group.label, self)
        self.link_dialog = dialog
        if self.library.columns is None:
            self.library.load(dialog.set_columns)
        dialog.finished.connect(lambda _result: self._linked(dialog))
        dialog.open()
        return dialog

    def _linked(self, dialog: LinkSearch) -> None:
        self.link_dialog = None
        if dialog.chosen is not None:
            track_id, label = dialog.chosen
            self.controller.link(track_id, label)
        self.candidates.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- showing -------------------------------------------------------------------------------------------

    def _on_tab(self, index: int) -> None:
        mode = TABS[index][1]
        if mode is None:
            self.pages.setCurrentWidget(self.aliases)
            self.aliases.reload()
            self.by_release.setEnabled(False)
            for label in (self.left_label, self.hint, self.status):
                label.hide()
            return
        for label in (self.left_label, self.hint, self.status):
            label.show()
        self.pages.setCurrentWidget(self.split)
        self.by_release.setEnabled(mode == "pending")
        self.controller.set_mode(mode)
        if not self._started:
            self.activated()

    def _on_queue_click(self, index: QModelIndex) -> None:
        key = index.data(KEY_ROLE)
        if key is not None:
            self.controller.show_group(key)

    def _show_page(self) -> None:
        controller = self.controller
        self.queue_model.set_rows(controller.groups)
        if not controller.loaded:
            self.left_label.setText("Reading the queue…")
        else:
            noun = "suspicious links" if controller.mode == "suspicious" else "listens"
            text = f"{controller.total_listens:,} {noun} in {plural(controller.total_groups, 'group')} left"
            if controller.skipped_groups:
                text += f" · {plural(controller.skipped_groups, 'song')} skipped for later"
            self.left_label.setText(text)
        self._select_current_row()

    def _select_current_row(self) -> None:
        row = self.queue_model.row_of(self.controller.current_key)
        if row is not None:
            self.queue_view.selectRow(row)
            self.queue_view.scrollTo(self.queue_model.index(row, 0))

    def _show_current(self) -> None:
        controller = self.controller
        detail, group = controller.current, controller.current_group
        if group is None or detail is None:
            self.candidate_model.set_rows([])
            self.listen_model.set_rows([])
            self.evidence.show_candidate(None)
            self.empty.setText(
                EMPTY[controller.mode]
                if controller.loaded and not controller.groups
                else "Reading the group…"
            )
            self.detail_stack.setCurrentWidget(self.empty)
            return
        self.heard.setText(group.label)
        span = local_time(group.first_at, "%Y-%m-%d")
        last = local_time(group.last_at, "%Y-%m-%d")
        span = span if span == last else f"{span} → {last}"
        self.facts.setText(f"{plural(len(detail.listens), 'listen')} · {span}")
        self.why.setText(
            f"<b>Why not linked:</b> {detail.why}"
            if controller.mode != "suspicious"
            else f"<b>Why look again:</b> {detail.why}"
        )
        self.candidate_model.set_rows(detail.candidates)
        self._fit_candidates(len(detail.candidates))
        self.listen_model.set_rows(detail.listens)
        self.listens_label.setText("<b>Listens</b> — untick the ones a decision should leave alone (Space)")
        if detail.candidates:
            self.candidates.selectRow(0)
        else:
            self.evidence.show_candidate(None)
        self.detail_stack.setCurrentIndex(1)
        self._select_current_row()

    def _fit_candidates(self, rows: int) -> None:
        """As tall as its candidates (two to nine rows): the evidence and the listens get the rest."""
        row = self.candidates.verticalHeader().defaultSectionSize()
        header = self.candidates.horizontalHeader().sizeHint().height()
        self.candidates.setFixedHeight(header + row * max(2, min(rows, 9)) + 2 * self.candidates.frameWidth())

    def _on_candidate(self, current: QModelIndex, _previous: QModelIndex) -> None:
        rows = self.candidate_model.rows
        self.evidence.show_candidate(
            rows[current.row()] if current.isValid() and current.row() < len(rows) else None
        )

    def _say(self, text: str, ok: object) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(outcome_style(self, ok if isinstance(ok, bool) else None))
