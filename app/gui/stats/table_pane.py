"""The lower half of the Stats screen: the view's title and notes, a tab per table of the view, and the table.

Title and notes sit below the chart, so the chart keeps its size from view to view (a chart of another size
is rendered again, not taken from the cache).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.stats.export_menu import table_label
from app.gui.stats.model import StatsTableModel
from scrobbler.stats.tables import StatsTable
from scrobbler.stats.views import StatsView

WIDTH_SAMPLE_ROWS = 60
"""Rows (besides the visible ones) column widths are measured on: a ten-year daily trend measured 1,000
rows through the Python model on every view change (~90 ms of the UI thread)."""


class StatsTablePane(QWidget):
    """Shows the tables of one view; the screen says which view (:meth:`show_view`)."""

    def __init__(self, model: StatsTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view: StatsView | None = None
        self.heading = QLabel("")
        self.heading.setObjectName("statsTitle")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        self.notes = QLabel("")
        self.notes.setObjectName("statsNotes")
        self.notes.setWordWrap(True)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tabs = QTabBar()
        self.tabs.setObjectName("statsTables")
        self.tabs.setDocumentMode(True)
        self.tabs.setExpanding(False)
        self.tabs.currentChanged.connect(self.show_table)
        self.table = _make_table(model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.heading)
        layout.addWidget(self.notes)
        layout.addSpacing(4)
        layout.addWidget(self.tabs)
        layout.addWidget(self.table)

    def show_view(self, view: StatsView) -> None:
        """Title, notes (the title only for a view without a chart: a chart carries it), one tab per table,
        the first table shown."""
        self.view = view
        self.heading.setText(view.title)
        self.heading.setVisible(view.chart_kind is None)
        self.notes.setText("\n".join(view.notes))
        self.notes.setVisible(bool(view.notes))
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)
        for table in view.tables:
            self.tabs.addTab(table_label(table.name))
        self.tabs.setVisible(len(view.tables) > 1)
        self.tabs.setCurrentIndex(0)
        self.tabs.blockSignals(False)
        self.show_table(0)

    def show_table(self, index: int) -> None:
        """Table ``index`` of the view; columns that are always empty (or internal ids) hidden."""
        if self.view is None or not 0 <= index < len(self.view.tables):
            self.model.set_table(StatsTable("", [], []))
            return
        table = self.view.tables[index]
        self.model.set_table(table)
        for column in range(len(table.columns)):  # e.g. "artist" of top artists: always empty
            empty = bool(table.rows) and all(row[column] is None for row in table.rows[:500])
            self.table.setColumnHidden(column, empty or table.columns[column] == "catalog_id")
        header = self.table.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            header.resizeSection(column, min(max(header.sectionSize(column), 70), 360))


def _make_table(model: StatsTableModel) -> QTableView:
    table = QTableView()
    table.setObjectName("statsTable")
    table.setModel(model)
    table.setSortingEnabled(True)
    table.horizontalHeader().setSortIndicatorShown(False)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.setShowGrid(False)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
    table.horizontalHeader().setHighlightSections(False)
    table.verticalHeader().setResizeContentsPrecision(WIDTH_SAMPLE_ROWS)
    table.horizontalHeader().setResizeContentsPrecision(WIDTH_SAMPLE_ROWS)
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    return table
