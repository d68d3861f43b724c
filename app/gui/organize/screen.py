"""The Organize files screen: rename and move files from their tags with a path template, as
``tonearm organize`` does. Preview first (a table of current path, proposed path, reason, confidence and
status), reject what should not move (never proposed again), then Apply as a job after a confirmation; Undo
last run moves the files back; a run that was killed halfway is offered to Resume.

Layout and wiring only; :class:`OrganizeController` does the reading, the writing and the jobs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from analyzer.curation.organize import DEFAULT_TEMPLATE, FIELDS
from app.gui.message_page import MessagePage
from app.gui.organize.controller import OrganizeController
from app.gui.organize.dialogs import confirm_apply, confirm_undo
from app.gui.organize.model import (
    CONFIDENCE_COLUMN,
    REASON_COLUMN,
    STATUS_LABELS,
    ConfidenceDelegate,
    ElideRightDelegate,
    ProposalTableModel,
)
from app.gui.outcomes import outcome_style, plural
from app.gui.setlist.faces import jobs_panel_as_before
from app.gui.state import AppState

TEMPLATE_KEY = "organize/template"
ROOT_KEY = "organize/root"
FIELDS_HELP = (
    "Fields: " + "  ".join("$" + f for f in FIELDS) + ".  The file keeps its extension; the path goes under "
    "each file's library folder (or the target folder). Write $$ for a dollar sign."
)
NOT_PREVIEWED = (
    "Choose a path template and press Preview to see where each file would go.\n\n"
    "Nothing moves until you press Apply, nothing is ever overwritten, and Undo last run moves the files back."
)
NO_FILES = (
    "The library has no files yet. Add a music folder and scan it on the Folders screen, then come back."
)
NOTHING_TO_MOVE = "Nothing to move: every file is already where this template puts it ({count})."
NONE_IN_STATUS = "No proposal of this preview is “{status}”. Choose another status under Show."


class OrganizeScreen(QWidget):
    title = "Organize files"
    object_name = "organize"
    wants_screen = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self.state = state
        self.controller = OrganizeController(state, self)
        self.model = ProposalTableModel(self)
        self._loaded = False
        self._summary: Any = None  # the last preview's summary (for the empty-state wording)
        self._organize_state: Any = None  # the last OrganizeState read

        heading = QLabel("Organize files")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)

        settings = state.settings
        self.template = QLineEdit(str(settings.value(TEMPLATE_KEY, "", type=str) or DEFAULT_TEMPLATE))
        self.template.setObjectName("organizeTemplate")
        self.template.setToolTip(FIELDS_HELP)
        self.template.returnPressed.connect(self.preview)
        self.default_button = QPushButton("Default")
        self.default_button.setToolTip(f"Back to {DEFAULT_TEMPLATE}")
        self.default_button.clicked.connect(lambda: self.template.setText(DEFAULT_TEMPLATE))
        self.root = QLineEdit(str(settings.value(ROOT_KEY, "", type=str) or ""))
        self.root.setObjectName("organizeRoot")
        self.root.setPlaceholderText("each file's own library folder")
        self.root.setClearButtonEnabled(True)
        self.root.returnPressed.connect(self.preview)
        self.choose_root_button = QPushButton("Choose…")
        self.choose_root_button.clicked.connect(self.choose_root)
        self.preview_button = QPushButton("Preview")
        self.preview_button.setObjectName("organizePreview")
        self.preview_button.setDefault(True)
        self.preview_button.setToolTip(
            "Propose a move for every file the template would place elsewhere (Enter)"
        )
        self.preview_button.clicked.connect(self.preview)
        fields = QLabel(FIELDS_HELP)
        fields.setObjectName("organizeFields")
        fields.setWordWrap(True)
        fields.setEnabled(False)  # the dimmed colour of a hint, in either theme

        self.banner = QFrame()
        self.banner.setObjectName("organizeInterrupted")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setObjectName("organizeResume")
        self.resume_button.clicked.connect(self.resume)
        banner_row = QHBoxLayout(self.banner)
        banner_row.addWidget(self.banner_text, 1)
        banner_row.addWidget(self.resume_button)
        self.banner.hide()

        self.status_filter = QComboBox()
        self.status_filter.setObjectName("organizeStatus")
        self.status_filter.addItem("All", None)
        for status, label in STATUS_LABELS.items():
            if status != "moving":
                self.status_filter.addItem(label, status)
        self.status_filter.currentIndexChanged.connect(self._filter_changed)
        self.counts = QLabel()
        self.counts.setObjectName("organizeCounts")
        self.counts.setWordWrap(True)
        self.min_confidence = QSpinBox()
        self.min_confidence.setObjectName("organizeMinConfidence")
        self.min_confidence.setRange(0, 100)
        self.min_confidence.setSingleStep(10)
        self.min_confidence.setSuffix(" %")
        self.min_confidence.setSpecialValueText("any")
        self.min_confidence.setToolTip("Apply only the proposals at least this sure (as --min-confidence)")
        self.min_confidence.valueChanged.connect(lambda _value: self._update_buttons())
        self.reject_button = QPushButton("Reject")
        self.reject_button.setObjectName("organizeReject")
        self.reject_button.setToolTip("Never propose the selected moves again (Delete)")
        self.reject_button.clicked.connect(self.reject_selected)
        self.apply_button = QPushButton("Apply…")
        self.apply_button.setObjectName("organizeApply")
        self.apply_button.clicked.connect(self.ask_apply)
        self.undo_button = QPushButton("Undo last run…")
        self.undo_button.setObjectName("organizeUndo")
        self.undo_button.clicked.connect(self.ask_undo)

        self.table = QTableView()
        self.table.setObjectName("organizeProposals")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setItemDelegateForColumn(CONFIDENCE_COLUMN, ConfidenceDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(REASON_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.setItemDelegateForColumn(REASON_COLUMN, ElideRightDelegate(self.table))
        header.resizeSection(CONFIDENCE_COLUMN, 120)
        header.resizeSection(4, 90)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        reject_key = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table)
        reject_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        reject_key.activated.connect(self.reject_selected)

        self.message_page = MessagePage("organize", NOT_PREVIEWED, "Go to Folders", self._go_to_folders)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.message_page)
        self.pages.addWidget(self.table)

        self.status = QLabel()
        self.status.setObjectName("organizeMessage")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        template_row = QHBoxLayout()
        template_row.addWidget(QLabel("Template"))
        template_row.addWidget(self.template, 1)
        template_row.addWidget(self.default_button)
        root_row = QHBoxLayout()
        root_row.addWidget(QLabel("Target folder"))
        root_row.addWidget(self.root, 1)
        root_row.addWidget(self.choose_root_button)
        root_row.addSpacing(12)
        root_row.addWidget(self.preview_button)
        bar = QHBoxLayout()
        show = QLabel("Show")
        show.setBuddy(self.status_filter)
        bar.addWidget(show)
        bar.addWidget(self.status_filter)
        bar.addStretch(1)
        bar.addWidget(self.reject_button)
        bar.addSpacing(12)
        least = QLabel("Confidence at least")
        least.setBuddy(self.min_confidence)
        bar.addWidget(least)
        bar.addWidget(self.min_confidence)
        bar.addWidget(self.apply_button)
        bar.addSpacing(12)
        bar.addWidget(self.undo_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addLayout(template_row)
        layout.addLayout(root_row)
        layout.addWidget(fields)
        layout.addWidget(self.banner)
        layout.addLayout(bar)
        layout.addWidget(self.counts)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status)

        c = self.controller
        c.loaded.connect(self._on_loaded)
        c.said.connect(self._say)
        c.busy_changed.connect(lambda _busy: self._update_buttons())
        c.previewed.connect(self._on_previewed)
        state.database_changed.connect(self._database_changed)
        state.library_changed.connect(self._library_changed)
        self._update_buttons()

    # -- what the window and tests use ---------------------------------------------------------------------

    def activated(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.controller.load()

    def preview(self) -> None:
        template, root = self.template.text().strip(), self.root.text().strip()
        if self.controller.preview(template, root) is not None:
            self.state.settings.setValue(TEMPLATE_KEY, template)
            self.state.settings.setValue(ROOT_KEY, root)
            self._say("Reading the tags of every file… (progress in the jobs panel)", None)

    def choose_root(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Put the organized files under", self.root.text())
        if folder:
            self.root.setText(folder)

    def selected_pending(self) -> list[int]:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return [self.model.item(r).id for r in sorted(rows) if self.model.item(r).status == "pending"]

    def reject_selected(self) -> None:
        ids = self.selected_pending()
        if ids and not self.controller.busy:
            self.controller.reject(ids)

    def to_apply(self) -> list[int]:
        """The pending proposals of the preview at least as sure as the chosen minimum."""
        least = self.min_confidence.value()
        return [r.id for r in self.model.all_rows() if r.status == "pending" and r.confidence >= least]

    def apply_box(self) -> QMessageBox:
        """The confirmation Apply asks for (not shown yet)."""
        least = self.min_confidence.value()
        below = sum(1 for r in self.model.all_rows() if r.status == "pending" and r.confidence < least)
        previewed = self.controller.previewed_template
        changed = previewed if previewed is not None and previewed != self.template.text().strip() else None
        return confirm_apply(self, len(self.to_apply()), below, least, changed)

    def ask_apply(self) -> None:
        ids = self.to_apply()
        if not ids or self.controller.busy:
            return
        box = self.apply_box()
        box.exec()
        if box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.AcceptRole:
            self.controller.apply(ids)
            self._say(f"Moving {plural(len(ids), 'file')}… (progress and Stop in the jobs panel)", None)

    def undo_box(self) -> QMessageBox | None:
        """The confirmation Undo last run asks for (None: no run to undo)."""
        last = self._organize_state.last_run if self._organize_state is not None else None
        return None if last is None else confirm_undo(self, last)

    def ask_undo(self) -> None:
        box = self.undo_box()
        if box is None or self.controller.busy:
            return
        box.exec()
        if box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.AcceptRole:
            self.controller.undo()
            self._say("Moving the files of the last run back… (progress in the jobs panel)", None)

    def resume(self) -> None:
        self.controller.resume()

    def screenshot_states(self) -> Iterator[str | tuple[str, QWidget]]:
        """ "preview": the default template's proposals; "confirm": Apply's confirmation."""
        restore_panel = jobs_panel_as_before(self)
        self.activated()
        self.state.jobs.wait_idle(30000)
        self.preview()
        for _ in range(2):  # the preview job, then the read of its rows
            self.state.jobs.wait_idle(60000)
            QApplication.processEvents()
        restore_panel()
        if not self.model.rowCount():
            return
        self.table.selectRow(min(2, self.model.rowCount() - 1))
        yield "preview"
        box = self.apply_box()
        box.show()
        yield "confirm", box
        box.reject()

    # -- reacting ------------------------------------------------------------------------------------------

    def _on_previewed(self, summary: Any) -> None:
        self._summary = summary
        self.status_filter.setCurrentIndex(0)

    def _on_loaded(self, organize_state: Any, rows: list[Any]) -> None:
        self._organize_state = organize_state
        self.model.set_proposals(rows)
        moving = organize_state.interrupted
        self.banner.setVisible(bool(moving))
        self.banner_text.setText(
            f"A previous run was interrupted with {plural(moving, 'move')} in flight. Resume finishes the moves "
            "whose new file is in place and puts the others back to pending; no file is lost either way."
        )
        self._show_rows()

    def _show_rows(self) -> None:
        counts = self.model.counts()
        shown = [f"{counts[s]:,} {STATUS_LABELS[s].lower()}" for s in STATUS_LABELS if counts.get(s)]
        text = f"{plural(sum(counts.values()), 'proposal')}" + (f": {', '.join(shown)}" if shown else "")
        self.counts.setText(text + (f" · paths under {self.model.base}" if self.model.base else ""))
        self.counts.setVisible(bool(sum(counts.values())))
        for index in range(1, self.status_filter.count()):
            status = self.status_filter.itemData(index)
            self.status_filter.setItemText(index, f"{STATUS_LABELS[status]} ({counts.get(status, 0):,})")
        if self.model.rowCount():
            self.pages.setCurrentIndex(1)
        else:
            self._show_empty(counts)
        self._update_buttons()

    def _show_empty(self, counts: dict[str, int]) -> None:
        button = False
        if sum(counts.values()):
            text = NONE_IN_STATUS.format(status=self.status_filter.currentText().split(" (")[0])
        elif self._organize_state is not None and not self._organize_state.files:
            text, button = NO_FILES, self.state.has_screen("folders")
        elif self._summary is None:
            text = NOT_PREVIEWED
        elif self._summary.unchanged:
            text = NOTHING_TO_MOVE.format(count=plural(self._summary.unchanged, "file"))
        elif self._summary.outside_library:
            text = (f"None of the library's {plural(self._summary.outside_library, 'file')} lies in a library "
                    "folder: choose a target folder to organize them under.")  # fmt: skip
        else:
            text, button = NO_FILES, self.state.has_screen("folders")
        self.message_page.message.setText(text)
        self.message_page.button.setVisible(button)
        self.pages.setCurrentIndex(0)

    def _filter_changed(self) -> None:
        self.model.set_status(self.status_filter.currentData())
        self._show_rows()

    def _update_buttons(self) -> None:
        busy = self.controller.busy
        count = len(self.to_apply())
        self.apply_button.setText(f"Apply {count:,}…" if count else "Apply…")
        self.apply_button.setEnabled(bool(count) and not busy)
        self.reject_button.setEnabled(bool(self.selected_pending()) and not busy)
        last = self._organize_state.last_run if self._organize_state is not None else None
        self.undo_button.setEnabled(last is not None and not busy)
        self.undo_button.setToolTip(
            f"Move the {plural(last.files, 'file')} of the last run back" if last else "No run to undo"
        )
        self.preview_button.setEnabled(not busy)
        self.resume_button.setEnabled(not busy)

    def _say(self, text: str, ok: object) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(outcome_style(self, ok if isinstance(ok, bool) else None))

    def _database_changed(self) -> None:
        self.controller.preview_ids = None
        self._summary = None
        self._loaded = False
        if self.isVisible():
            self.activated()

    def _library_changed(self) -> None:
        """A scan changed files elsewhere: the paths shown may be stale; read them again when the screen shows
        next (this screen's own moves are read again by the controller at once)."""
        self._loaded = False

    def _go_to_folders(self) -> None:
        self.wants_screen.emit("folders")
