"""A small table model over a list of row objects, sorted in Python inside the model (no proxy): for the
lists of tens to a few thousand rows the Similar and Duplicates screens show.

A subclass describes its columns as (header, text of a row, sort key of a row or None when unknown,
right-aligned); unknown values sort last either way, and the view's selection follows its rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

TRACK_ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""data(index, TRACK_ID_ROLE) is the row's ``track_id`` (rows that have one)."""
_Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class SortedRowsModel(QAbstractTableModel):
    """Rows of objects, columns described by (header, text of a row, sort key of a row, right-aligned)."""

    columns: Sequence[tuple[str, Callable[[Any], str], Callable[[Any], Any], bool]] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return super().headerData(section, orientation, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][0]
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[section][3]:
            return _RIGHT
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        _, text, _, right = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text(item)
        if role == Qt.ItemDataRole.TextAlignmentRole and right:
            return _RIGHT
        if role == TRACK_ID_ROLE:
            track_id = getattr(item, "track_id", None)
            return None if track_id is None else int(track_id)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column][2]
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(self._rows[index.row()], index.column()) for index in persistent]
        # Unknown values (None) sort last either way.
        known = [item for item in self._rows if key(item) is not None]
        unknown = [item for item in self._rows if key(item) is None]
        self._rows = sorted(known, key=key, reverse=order == Qt.SortOrder.DescendingOrder) + unknown
        rows = {id(item): row for row, item in enumerate(self._rows)}
        self.changePersistentIndexList(persistent, [self.index(rows[id(item)], col) for item, col in held])
        self.layoutChanged.emit()

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def item(self, row: int) -> Any:
        return self._rows[row]

    @property
    def items(self) -> list[Any]:
        return list(self._rows)
