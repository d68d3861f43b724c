"""The Duplicates screen: the groups the core finds (biggest waste of space first), each with its evidence
and files, the file to keep marked with its reason (the person may pick another), and "Move the others to
the trash…" after a confirmation that lists the exact files. A "Moved files" tab shows the record.

Layout and wiring only; :class:`DuplicatesController` reads and moves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from PySide6.QtCore import QModelIndex, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from analyzer.duplicates.overview import GroupOverview
from app.gui.duplicates.controller import DuplicatesController
from app.gui.duplicates.model import GroupFilesModel, GroupRow, GroupsModel, MovedFilesModel, size_text
from app.gui.duplicates.trash_dialog import ConfirmTrashDialog
from app.gui.outcomes import outcome_style, plural
from app.gui.state import AppState

NO_DUPLICATES = (
    "No duplicates: no two analysed files hold the same audio or the same recording.\n\n"
    "Files are compared by their audio hash and fingerprint, which Analyze computes: files not analysed yet "
    "are not compared."
)
FILE_NAME_WIDTH = 220
MOVED_PATH_WIDTH = 240
NO_MOVES = "Nothing was moved to the trash yet. Files you move from a duplicate group are listed here."


def _table(model: object, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)  # type: ignore[arg-type]
    view.setSortingEnabled(True)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.setShowGrid(False)
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.horizontalHeader().setHighlightSections(False)
    return view


class DuplicatesScreen(QWidget):
    title = "Duplicates"
    object_name = "duplicates"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self.state = state
        self.controller = DuplicatesController(state, self)
        self.groups_model = GroupsModel(self)
        self.files_model = GroupFilesModel(self)
        self.moved_model = MovedFilesModel(self)
        self._stale = True

        heading = QLabel("Duplicates")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        self.count_label = QLabel()
        self.count_label.setObjectName("duplicatesCount")

        self.groups = _table(self.groups_model, "duplicateGroups")
        header = self.groups.horizontalHeader()
        header.setStretchLastSection(True)
        self.groups.selectionModel().currentRowChanged.connect(self._on_group)

        self.evidence = QLabel()
        self.evidence.setObjectName("groupEvidence")
        evidence_font = self.evidence.font()
        evidence_font.setBold(True)
        self.evidence.setFont(evidence_font)
        self.evidence.setWordWrap(True)
        self.keep_label = QLabel()
        self.keep_label.setObjectName("keepReason")
        self.keep_label.setWordWrap(True)
        self.keep_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.files = _table(self.files_model, "groupFiles")
        self.files.horizontalHeader().setStretchLastSection(True)  # the folder takes what is left
        self.files.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.files.doubleClicked.connect(lambda _index: self.play())

        self.keep_button = QPushButton("Keep this file")
        self.keep_button.setObjectName("keepThis")
        self.keep_button.setToolTip("Keep the selected file of this group instead of the suggested one")
        self.keep_button.clicked.connect(self.keep_selected)
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self.play)
        self.folder_button = QPushButton("Open containing folder")
        self.folder_button.clicked.connect(self.open_folder)
        self.trash_button = QPushButton("Move the others to the trash…")
        self.trash_button.setObjectName("moveOthers")
        self.trash_button.clicked.connect(self.ask_move_others)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(8, 0, 0, 0)
        detail_layout.addWidget(self.evidence)
        detail_layout.addWidget(self.keep_label)
        detail_layout.addWidget(self.files, 1)
        buttons = QHBoxLayout()
        for button in (self.keep_button, self.play_button, self.folder_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.trash_button)
        detail_layout.addLayout(buttons)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.groups)
        self.split.addWidget(detail)
        self.split.setStretchFactor(1, 2)
        self.split.setSizes([370, 730])

        self.message = QLabel("Looking for duplicates…")
        self.message.setObjectName("duplicatesMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.group_pages = QStackedWidget()
        self.group_pages.addWidget(self.message)
        self.group_pages.addWidget(self.split)

        self.moved = _table(self.moved_model, "movedFiles")
        self.moved.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.moved.horizontalHeader().setStretchLastSection(True)
        self.moved_empty = QLabel(NO_MOVES)
        self.moved_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.moved_empty.setWordWrap(True)
        self.moved_pages = QStackedWidget()
        self.moved_pages.addWidget(self.moved_empty)
        self.moved_pages.addWidget(self.moved)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("duplicatesTabs")
        self.tabs.addTab(self.group_pages, "Groups")
        self.tabs.addTab(self.moved_pages, "Moved files")

        self.status = QLabel()
        self.status.setObjectName("duplicatesStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)

        self.controller.loaded.connect(self._on_loaded)
        self.controller.load_failed.connect(self._on_load_failed)
        self.controller.trash_ended.connect(self._on_trash_ended)
        state.library_changed.connect(self._library_changed)
        state.database_changed.connect(self._library_changed)
        self._update_buttons()

    # -- what the window and tests use ---------------------------------------------------------------------

    def activated(self) -> None:
        if self._stale:
            self._stale = False
            self.controller.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.activated()

    def navigate(self, payload: object) -> None:
        """{"track_id": id}: select the group holding a file of that track (after the groups are read)."""
        if isinstance(payload, dict) and payload.get("track_id") is not None:
            self._wanted_track = int(payload["track_id"])
            if self.controller.loads:
                self._select_wanted()

    def current_group(self) -> GroupRow | None:
        index = self.groups.currentIndex()
        return self.groups_model.item(index.row()) if index.isValid() else None

    def select_group(self, row: int) -> None:
        self.groups.selectRow(row)

    def selected_file_row(self) -> int | None:
        index = self.files.currentIndex()
        return index.row() if index.isValid() else None

    def keep_selected(self) -> None:
        """Keep the selected file of the current group instead (the group's waste and plan follow)."""
        group, row = self.current_group(), self.selected_file_row()
        if group is None or row is None:
            return
        item = self.files_model.item(row).file
        self.controller.keep(group.overview, item)
        group.keep = self.controller.kept_file(group.overview)
        self.groups_model.refresh_row(self.groups.currentIndex().row())
        self._show_group(group, select=item.media_file_id)
        self._update_count()

    def confirm_dialog(self) -> ConfirmTrashDialog | None:
        """The confirmation for the current group (None without one)."""
        group = self.current_group()
        if group is None:
            return None
        plan = self.controller.plan(group.overview)
        return ConfirmTrashDialog(plan, group.overview.sizes, self)

    def ask_move_others(self) -> None:
        group = self.current_group()
        dialog = self.confirm_dialog()
        if group is None or dialog is None:
            return
        if dialog.exec() != QDialog.DialogCode.Accepted:
            self._say("Nothing was moved.", None)
            return
        plan = self.controller.plan(group.overview)
        if self.controller.move_to_trash(plan) is None:
            self._say("Files are being moved to the trash; wait for that to end.", None)
            return
        self._say(f"Moving {plural(len(plan.others), 'file')} to the trash…", None)
        self._update_buttons()

    def play(self) -> bool:
        path = self._selected_path()
        if path is None or not os.path.exists(path):
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def open_folder(self) -> bool:
        path = self._selected_path()
        if path is None or not os.path.exists(path):
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))

    def screenshot_states(self) -> Iterator[str | tuple[str, QWidget]]:
        """ "group": the first group selected; "confirm": its confirmation dialog."""
        self.activated()
        self.state.jobs.wait_idle(30000)
        if not self.groups_model.rowCount():
            return
        self.select_group(0)
        self.files.selectRow(1 if self.files_model.rowCount() > 1 else 0)
        yield "group"
        dialog = self.confirm_dialog()
        if dialog is not None:
            dialog.show()
            yield "confirm", dialog
            dialog.reject()
        self.tabs.setCurrentIndex(1)
        yield "moved"
        self.tabs.setCurrentIndex(0)

    # -- reacting ------------------------------------------------------------------------------------------

    _wanted_track: int | None = None

    def _selected_path(self) -> str | None:
        row = self.selected_file_row()
        return None if row is None else self.files_model.item(row).file.path

    def _library_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self.activated()

    def _on_loaded(self) -> None:
        previous = self.current_group()
        keep_key = None if previous is None else previous.overview.group.keep.path
        rows = [GroupRow(g, self.controller.kept_file(g)) for g in self.controller.groups]
        self.groups_model.set_rows(rows)
        self._fit_columns(self.groups, FILE_NAME_WIDTH)
        self.moved_model.set_rows(self.controller.moved)
        self._fit_columns(self.moved, MOVED_PATH_WIDTH)
        self.moved_pages.setCurrentIndex(1 if self.controller.moved else 0)
        self.tabs.setTabText(
            1, f"Moved files ({len(self.controller.moved):,})" if self.controller.moved else "Moved files"
        )
        if rows:
            self.group_pages.setCurrentIndex(1)
            again = next((r for r, g in enumerate(rows) if g.overview.group.keep.path == keep_key), 0)
            self.select_group(again)
        else:
            self.message.setText(NO_DUPLICATES)
            self.group_pages.setCurrentIndex(0)
            self._show_group(None)
        self._select_wanted()
        self._update_count()
        self._update_buttons()

    def _select_wanted(self) -> None:
        if self._wanted_track is None:
            return
        wanted, self._wanted_track = self._wanted_track, None
        for row in range(self.groups_model.rowCount()):
            if any(f.track_id == wanted for f in self.groups_model.item(row).overview.group.files):
                self.tabs.setCurrentIndex(0)
                self.select_group(row)
                return
        self._say("This track has no duplicate among the analysed files.", None)

    def _on_load_failed(self, message: str) -> None:
        if not self.controller.loads:
            self.message.setText(message)
            self.group_pages.setCurrentIndex(0)
        else:
            self._say(message, False)

    def _on_trash_ended(self, text: str, ok: bool) -> None:
        self._say(text, ok)
        self._update_buttons()

    def _on_group(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_group(self.groups_model.item(current.row()) if current.isValid() else None)

    def _show_group(self, group: GroupRow | None, select: int | None = None) -> None:
        self.files_model.show_group(group)
        self._fit_columns(self.files, FILE_NAME_WIDTH)
        if group is None:
            self.evidence.clear()
            self.keep_label.clear()
            self._update_buttons()
            return
        overview: GroupOverview = group.overview
        self.evidence.setText(
            f"{plural(len(overview.group.files), 'file')}: {overview.group.explanation}. "
            f"The extra copies take {size_text(group.waste)}."
        )
        self.keep_label.setText(
            f"Keep {os.path.basename(group.keep.path)} — {self.controller.keep_reason(overview)}"
        )
        self.keep_label.setToolTip(group.keep.path)
        rows = [
            r
            for r in range(self.files_model.rowCount())
            if self.files_model.item(r).file.media_file_id == select
        ]
        if rows:
            self.files.selectRow(rows[0])
        self._update_buttons()

    @staticmethod
    def _fit_columns(view: QTableView, widest: int) -> None:
        """Columns as wide as their contents, none but the last (which stretches) wider than ``widest``."""
        view.resizeColumnsToContents()
        header = view.horizontalHeader()
        for column in range(header.count() - 1):
            header.resizeSection(column, min(header.sectionSize(column), widest))
        header.resizeSection(header.count() - 1, 60)  # stretched to what is left, elided when short

    def _update_count(self) -> None:
        rows = [self.groups_model.item(r) for r in range(self.groups_model.rowCount())]
        if not rows:
            self.count_label.setText("")
            return
        waste = sum(row.waste for row in rows)
        self.count_label.setText(f"{plural(len(rows), 'group')} · {size_text(waste)} in extra copies")

    def _update_buttons(self) -> None:
        group, row = self.current_group(), self.selected_file_row()
        moving = self.controller.trash_job is not None and self.controller.trash_job.running
        selected = None if row is None else self.files_model.item(row)
        self.keep_button.setEnabled(selected is not None and not selected.kept and not moving)
        on_disk = selected is not None and os.path.exists(selected.file.path)
        self.play_button.setEnabled(on_disk)
        self.folder_button.setEnabled(on_disk)
        self.trash_button.setEnabled(group is not None and not moving)

    def _say(self, text: str, ok: bool | None) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(outcome_style(self, ok))
