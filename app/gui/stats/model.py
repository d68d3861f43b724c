"""A read-only Qt table over one :class:`scrobbler.stats.tables.StatsTable` (rows of plain values).

Sorting happens in the model (an index permutation and one ``layoutChanged``), as in the Library screen:
stats tables reach ~100,000 rows (all-time discoveries), where a QSortFilterProxyModel over Python
``data()`` would be slow.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from scrobbler.stats.tables import StatsTable

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_SECONDS = {"listening_secs", "duration_secs"}


def column_title(name: str) -> str:
    """``listening_secs`` -> ``Listening time``: what a header shows for a table's column name."""
    special = {
        "listening_secs": "Listening time",
        "catalog_id": "Catalog id",
        "last_played_days_ago": "Last played (days ago)",
        "first_listened_at": "First heard",
        "unique_tracks": "Tracks",
        "unique_artists": "Artists",
        "size_bytes": "Size",
        "duration_secs": "Duration",
    }
    return special.get(name, name.replace("_", " ").capitalize())


def display(column: str, value: Any) -> str:
    """A cell as text: thousands separators, hours and minutes for seconds, shares as percent. No seconds
    at all reads "—": plays whose listens carry no length anywhere (docs/stats-and-exports.md), not a time
    someone listened."""
    if value is None:
        return ""
    if column in _SECONDS and isinstance(value, int | float):
        if value <= 0:
            return "—"
        hours, rest = divmod(int(value), 3600)
        return f"{hours:,}h {rest // 60:02d}m" if hours else f"{rest // 60}m {rest % 60:02d}s"
    if column == "first_listened_at" and isinstance(value, str):
        return value[:16].replace("T", " ")
    if column == "share" and isinstance(value, float):
        return f"{value:.1%}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


class StatsTableModel(QAbstractTableModel):
    """Shows one table; :meth:`set_table` swaps it (one model reset), :meth:`sort` orders it in place."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._table = StatsTable("", [], [])
        self._order: list[int] = []

    @property
    def table(self) -> StatsTable:
        return self._table

    def set_table(self, table: StatsTable) -> None:
        self.beginResetModel()
        self._table = table
        self._order = list(range(len(table.rows)))
        self.endResetModel()

    def row_values(self, row: int) -> tuple[Any, ...]:
        """The plain values of a shown row (in the shown order)."""
        return self._table.rows[self._order[row]]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._table.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._order):
            return None
        column = self._table.columns[index.column()]
        value = self._table.rows[self._order[index.row()]][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display(column, value)
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(value, str) and len(value) > 40:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float):
            return _RIGHT
        if role == SORT_ROLE:
            return value
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return (
                column_title(self._table.columns[section])
                if 0 <= section < len(self._table.columns)
                else None
            )
        return section + 1

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Numbers by value, text by case-folded value; empty cells last in either order."""
        if not 0 <= column < len(self._table.columns):
            return
        rows = self._table.rows
        present = [i for i in range(len(rows)) if rows[i][column] is not None]
        missing = [i for i in range(len(rows)) if rows[i][column] is None]

        def key(i: int) -> Any:
            value = rows[i][column]
            return value.casefold() if isinstance(value, str) else value

        try:
            present.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        except TypeError:  # mixed types in one column (a metric/value table): compare as text
            present.sort(key=lambda i: str(rows[i][column]), reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutAboutToBeChanged.emit()
        old, self._order = self._order, present + missing
        position = {source: row for row, source in enumerate(self._order)}
        persistent = self.persistentIndexList()
        moved = [self.index(position[old[p.row()]], p.column()) for p in persistent]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()
