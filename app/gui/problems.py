"""The Problems screen: files the scan could not read, files gone from disk, analyses that failed.

Each row says what is wrong and why (``analyzer.catalog.problems.list_problems``, the same list as
``tonearm files``). A person filters by kind or text, rescans the selected files as a job (a scan accepts
files as roots), opens the containing folder or copies the paths. The list is read again when the library
changes, but only while the screen is visible: a scan emits many changes and nobody reads a hidden table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
)
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.jobs import Job
from app.gui.outcomes import error_text, local_time
from app.gui.scan_jobs import SCAN_KIND
from app.gui.state import AppState
from models.engine import Database

KIND_LABELS = {"unreadable": "Unreadable", "missing": "Missing", "analysis_failed": "Analysis failed"}
HEADERS = ("Kind", "File", "Reason", "When")
_Index = QModelIndex | QPersistentModelIndex


def _read_problems(db: Database) -> list[Any]:
    from analyzer.catalog.problems import list_problems

    with db.session() as session:
        return list_problems(session)


def _files(count: int) -> str:
    return f"{count:,} file" if count == 1 else f"{count:,} files"


class ProblemTableModel(QAbstractTableModel):
    """The problem files, filtered inside the model (a list comprehension; these lists stay small)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[Any] = []
        self._shown: list[Any] = []
        self._kind: str | None = None
        self._text = ""
        self._sort: tuple[int, Qt.SortOrder] | None = None  # None: by path, as the core lists them

    def set_problems(self, problems: Sequence[Any]) -> None:
        self.beginResetModel()
        self._all = list(problems)
        self._shown = self._filtered()
        self.endResetModel()

    def set_filter(self, kind: str | None, text: str) -> None:
        """Show ``kind`` only (None: all) and rows whose path or reason contains ``text`` (any case)."""
        self.beginResetModel()
        self._kind, self._text = kind, text.strip().casefold()
        self._shown = self._filtered()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows by a column (the list is small: a Python sort of the shown rows)."""
        if not 0 <= column < len(HEADERS):
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(self._shown[index.row()], index.column()) for index in persistent]
        self._sort = (column, order)
        self._shown = self._sorted(self._shown)
        rows = {id(problem): row for row, problem in enumerate(self._shown)}
        self.changePersistentIndexList(
            persistent, [self.index(rows[id(problem)], column) for problem, column in held]
        )
        self.layoutChanged.emit()

    def _sorted(self, rows: list[Any]) -> list[Any]:
        if self._sort is None:
            return rows
        column, order = self._sort
        reverse = order == Qt.SortOrder.DescendingOrder
        if column == 3:  # unknown times last whichever way
            known = sorted((p for p in rows if p.when is not None), key=lambda p: p.when, reverse=reverse)
            return known + [p for p in rows if p.when is None]
        keys = (lambda p: KIND_LABELS.get(p.kind, p.kind), lambda p: p.path, lambda p: p.reason.casefold())
        return sorted(rows, key=keys[column], reverse=reverse)

    def _filtered(self) -> list[Any]:
        words = self._text.split()
        return self._sorted(
            [
                p
                for p in self._all
                if (self._kind is None or p.kind == self._kind)
                and all(w in f"{p.path}\n{p.reason}".casefold() for w in words)
            ]
        )

    def problem(self, row: int) -> Any:
        return self._shown[row]

    @property
    def total(self) -> int:
        return len(self._all)

    @property
    def problems(self) -> list[Any]:
        """Every problem read, whatever the filter shows."""
        return list(self._all)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        problem = self._shown[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return KIND_LABELS.get(problem.kind, problem.kind)
            if column == 1:
                return problem.path
            if column == 2:
                return problem.reason
            if column == 3:
                return local_time(problem.when)
        if role == Qt.ItemDataRole.ToolTipRole and column in (1, 2):
            return problem.path if column == 1 else problem.reason
        return None


class ProblemsScreen(QWidget):
    """Problem files with a kind filter, a text filter, Rescan, Open containing folder and Copy path."""

    title = "Problems"
    object_name = "problems"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = ProblemTableModel(self)
        self._stale = True
        self._loading: Job | None = None  # the background read in flight
        self._read_again = False
        self._after_load: list[Callable[[], None]] = []
        self.rescan_job: Job | None = None

        heading = QLabel("Problems")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        self.count_label = QLabel()

        self.kind_box = QComboBox()
        self.kind_box.setObjectName("kindFilter")
        self.kind_box.addItem("All problems", None)
        for kind, label in KIND_LABELS.items():
            self.kind_box.addItem(label, kind)
        self.filter_box = QLineEdit()
        self.filter_box.setObjectName("problemFilter")
        self.filter_box.setPlaceholderText("Filter by path or reason")
        self.filter_box.setClearButtonEnabled(True)
        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(self._apply_filter)
        self.filter_box.textChanged.connect(lambda _text: self._debounce.start())
        self.kind_box.currentIndexChanged.connect(lambda _i: self._apply_filter())

        self.rescan_button = QPushButton("Rescan")
        self.rescan_button.setToolTip("Read the selected files again (after fixing or replacing them)")
        self.rescan_button.clicked.connect(self.rescan_selected)
        self.open_button = QPushButton("Open containing folder")
        self.open_button.clicked.connect(self.open_folder)
        self.copy_button = QPushButton("Copy path")
        self.copy_button.clicked.connect(self.copy_paths)

        self.filter_row = QWidget()
        filters = QHBoxLayout(self.filter_row)
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.kind_box)
        filters.addWidget(self.filter_box, 1)
        self.action_row = QWidget()
        actions = QHBoxLayout(self.action_row)
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.rescan_button)
        actions.addWidget(self.open_button)
        actions.addWidget(self.copy_button)
        actions.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        actions.addWidget(self.status, 2)

        self.view = QTableView()
        self.view.setObjectName("problemTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a long path keeps its file name
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, 420)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._show_buttons())
        self.view.doubleClicked.connect(lambda _index: self.open_folder())
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the core's order (by path) until a click
        self.view.setSortingEnabled(True)
        self.view.installEventFilter(self)  # Ctrl+C copies the selected paths, not one cell's text

        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty_font = self.empty.font()
        empty_font.setPointSizeF(empty_font.pointSizeF() * 1.15)
        self.empty.setFont(empty_font)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.count_label)
        layout.addLayout(top)
        layout.addWidget(self.filter_row)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.action_row)

        state.library_changed.connect(self._library_changed)
        state.database_changed.connect(self._library_changed)
        self.empty.setText("Reading the problem files…")
        self.stack.setCurrentWidget(self.empty)
        self.filter_row.hide()
        self.action_row.hide()
        self._show_buttons()

    # -- reading ---------------------------------------------------------------------------------------
    def reload(self, then: Callable[[], None] | None = None) -> None:
        """Read the problem list again in a background read, keeping the filter; ``then`` runs once the
        newest list is on screen (reloads asked for while one runs are merged into one more read)."""
        self._stale = False
        if then is not None:
            self._after_load.append(then)
        if self._loading is not None:
            self._read_again = True
            return
        db = self.state.db
        job = self.state.jobs.call("Read the problem files", lambda: _read_problems(db))
        self._loading = job
        job.ended.connect(lambda: self._loaded(job))

    def _loaded(self, job: Job) -> None:
        self._loading = None
        if self._read_again:
            self._read_again = False
            self.reload()
            return
        if job.outcome == "finished":
            self.model.set_problems(job.result)
        else:
            self.model.set_problems([])
            self.status.setText(f"Could not read the problems: {error_text(job.result)}")
        self._show_rows()
        waiting, self._after_load = self._after_load, []
        for then in waiting:
            then()

    def activated(self) -> None:
        if self._stale:
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.activated()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Copy)
        ):
            self.copy_paths()
            return True
        return super().eventFilter(watched, event)

    def _library_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self.reload()

    def _apply_filter(self) -> None:
        self.model.set_filter(self.kind_box.currentData(), self.filter_box.text())
        self._show_rows()

    # -- actions ---------------------------------------------------------------------------------------
    def selected_paths(self) -> list[str]:
        rows = sorted({index.row() for index in self.view.selectionModel().selectedRows()})
        return [self.model.problem(row).path for row in rows]

    def rescan_selected(self) -> None:
        paths = self.selected_paths()
        if not paths or (self.rescan_job is not None and self.rescan_job.running):
            return
        if self.state.jobs.running(SCAN_KIND):
            self.status.setText("A scan is running; rescan when it ends.")
            return
        from analyzer.scan import scan_folders

        db = self.state.db
        title = f"Rescan {os.path.basename(paths[0])}" if len(paths) == 1 else f"Rescan {len(paths)} files"
        job = self.state.jobs.start(
            title, lambda token: scan_folders(db, paths, cancel=token), kind=SCAN_KIND
        )
        self.rescan_job = job
        self.status.setText(f"Rescanning {len(paths):,} file{'s' if len(paths) != 1 else ''}…")
        job.ended.connect(lambda: self._rescanned(job, paths))
        self._show_buttons()

    def _rescanned(self, job: Job, paths: list[str]) -> None:
        if job.outcome == "failed":
            self.status.setText(f"Rescan failed: {error_text(job.result)}")
        self.state.library_changed.emit()  # every screen reloads; this one also when hidden, to report
        if job.outcome != "failed":
            self.reload(then=lambda: self._report_rescan(job, paths))

    def _report_rescan(self, job: Job, paths: list[str]) -> None:
        # The list read after the scan is the truth: a file is fixed when it is no longer a problem.
        listed = {problem.path for problem in self.model.problems}
        still = sum(path in listed for path in paths)
        stopped = "Rescan stopped: " if job.outcome == "cancelled" else ""
        self.status.setText(
            f"{stopped}Rescanned {len(paths):,}: {len(paths) - still:,} fixed, {still:,} still a problem."
        )
        self._show_buttons()

    def open_folder(self) -> None:
        paths = self.selected_paths()
        if paths:
            QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(paths[0])))

    def copy_paths(self) -> None:
        paths = self.selected_paths()
        if paths:
            QGuiApplication.clipboard().setText("\n".join(paths))
            self.status.setText(f"Copied {len(paths):,} path{'s' if len(paths) != 1 else ''}.")

    # -- showing ---------------------------------------------------------------------------------------
    def _show_rows(self) -> None:
        shown, total = self.model.rowCount(), self.model.total
        self.count_label.setText(
            "" if not total else (_files(total) if shown == total else f"{shown:,} of {_files(total)}")
        )
        if not total:
            self.empty.setText(
                "No problems: every file Tonearm found could be read, and none has gone missing.\n\n"
                "Files that cannot be read or analyzed, or that vanish from disk, show up here with the reason."
            )
        elif not shown:
            self.empty.setText("No problem matches this filter.")
        self.stack.setCurrentWidget(self.view if shown else self.empty)
        # Nothing on screen that does nothing: no filters or actions without a problem to act on.
        self.filter_row.setVisible(bool(total))
        self.action_row.setVisible(bool(total))
        self._show_buttons()

    def _show_buttons(self) -> None:
        selected = bool(self.view.selectionModel().selectedRows())
        rescanning = self.rescan_job is not None and self.rescan_job.running
        self.rescan_button.setEnabled(selected and not rescanning)
        self.open_button.setEnabled(selected)
        self.copy_button.setEnabled(selected)
