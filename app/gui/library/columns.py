"""The library table's columns as the person arranges them: which are shown (the chooser on the header's
context menu), their order, widths and sort, remembered in the settings.

Until the person sizes a column by hand, the text columns share whatever width the table has, so the
default layout fills the window without a horizontal scroll bar at any size.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QTableView, QWidget

from app.gui.library.model import LibraryTableModel

HEADER_KEY = "library/header"
AUTO_WIDTHS_KEY = "library/header-follows-width"  # false once the person sized a column
DEFAULT_HIDDEN = frozenset({"album_artist", "missing"})
DEFAULT_WIDTHS = {"title": 190, "artist": 130, "album": 150, "year": 44, "length": 52, "formats": 80, "bpm": 40,
                  "key": 36, "plays": 42, "last_played": 76, "added": 76}  # fmt: skip
_SHARING = ("title", "artist", "album", "album_artist")  # the columns that grow and shrink with the table
_MIN_SHARED_WIDTH = 70


class ColumnLayout(QObject):
    """Owns the header of one library table: restore, save, fit and the column chooser."""

    def __init__(self, table: QTableView, model: LibraryTableModel, settings: QSettings) -> None:
        super().__init__(table)
        self.table = table
        self.model = model
        self.settings = settings
        self.header = table.horizontalHeader()
        self.follows_width = False  # True until the person sizes a column (set by restore)
        self._fitting = False  # resizes made here, not by the person
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(500)
        self._save_timer.timeout.connect(self.save)
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)  # once the resizes of one layout pass are over
        self._fit_timer.timeout.connect(self.fit)
        self.header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.header.customContextMenuRequested.connect(self._popup_menu)
        for signal in (self.header.sectionMoved, self.header.sortIndicatorChanged):
            signal.connect(lambda *_args: self._save_timer.start())
        self.header.sectionResized.connect(self._on_section_resized)
        self._viewport = table.viewport()
        self._viewport.installEventFilter(self)

    def restore(self) -> None:
        """The saved layout (or the defaults), and the model sorted as the header says."""
        saved = self.settings.value(HEADER_KEY)
        self._fitting = True
        try:
            restored = isinstance(saved, QByteArray | bytes) and self.header.restoreState(QByteArray(saved))
            if not restored:
                for column, name in enumerate(self.model.column_names()):
                    self.header.resizeSection(column, DEFAULT_WIDTHS.get(name, 100))
                    self.header.setSectionHidden(column, name in DEFAULT_HIDDEN)
                self.header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        finally:
            self._fitting = False
        self.follows_width = not restored or bool(self.settings.value(AUTO_WIDTHS_KEY, True, type=bool))
        self.model.sort(self.header.sortIndicatorSection(), self.header.sortIndicatorOrder())

    def save(self) -> None:
        self._save_timer.stop()
        self.settings.setValue(HEADER_KEY, self.header.saveState())
        self.settings.setValue(AUTO_WIDTHS_KEY, self.follows_width)

    def fit(self) -> None:
        """Share the table's width among the visible columns: the text columns grow or shrink (not below
        70 px), the others keep their width. Does nothing once the person has sized a column."""
        width = self.table.viewport().width()
        if not self.follows_width or not self.table.isVisible() or width < 200:
            return
        names = self.model.column_names()
        visible = [c for c in range(len(names)) if not self.header.isSectionHidden(c)]
        sharing = [c for c in visible if names[c] in _SHARING]
        spare = width - sum(self.header.sectionSize(c) for c in visible)
        shared = sum(self.header.sectionSize(c) for c in sharing)
        if not shared or abs(spare) < 2:
            return
        self._fitting = True
        try:
            for column in sharing:
                size = self.header.sectionSize(column)
                self.header.resizeSection(column, max(_MIN_SHARED_WIDTH, int(size + spare * size / shared)))
        finally:
            self._fitting = False

    def menu(self, parent: QWidget) -> QMenu:
        """The column chooser: one checkable entry per column (the last visible one cannot be hidden)."""
        menu = QMenu(parent)
        count = self.model.columnCount()
        visible = [c for c in range(count) if not self.header.isSectionHidden(c)]
        for column in range(count):
            action = QAction(str(self.model.headerData(column, Qt.Orientation.Horizontal)), menu)
            action.setCheckable(True)
            action.setChecked(column in visible)
            action.setEnabled(visible != [column])
            action.toggled.connect(lambda shown, c=column: self.set_visible(c, shown))
            menu.addAction(action)
        return menu

    def set_visible(self, column: int, shown: bool) -> None:
        self._fitting = True
        try:
            self.header.setSectionHidden(column, not shown)
            if shown and self.header.sectionSize(column) < 20:
                self.header.resizeSection(column, DEFAULT_WIDTHS.get(self.model.column_names()[column], 100))
        finally:
            self._fitting = False
        self.fit()
        self.save()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The viewport's events arrive while the table is being destroyed too: touch nothing else first.
        if event.type() == QEvent.Type.Resize and watched is self._viewport and self.follows_width:
            self._fit_timer.start()
        return super().eventFilter(watched, event)

    def _on_section_resized(self) -> None:
        if not self._fitting:  # the person sized a column: from now on the widths are theirs
            self.follows_width = False
        self._save_timer.start()

    def _popup_menu(self, position: QPoint) -> None:
        self.menu(self.table).popup(self.header.mapToGlobal(position))
