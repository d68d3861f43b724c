"""Every track of the library in one table model that sorts and filters itself.

The model keeps ``rows``, a numpy array of the visible rows of the loaded columns in display order. A sort
is one stable ``argsort`` of the column's precomputed key over the tie order (artist, album, title); a filter
is a boolean mask per row; both end in ONE layoutAboutToBeChanged/layoutChanged pair with the persistent
indexes moved to their tracks, so the view's selection and current row follow the tracks. No
QSortFilterProxyModel: over a Python model it calls data() for every comparison (21 s to sort 100,000 rows,
measured in design/gui.md); here a sort of 100,000 rows takes a few milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from app.gui.library.table import LibraryTable, prepare_table

if TYPE_CHECKING:
    from analyzer.catalog.library import LibraryColumns

TRACK_ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""data(index, TRACK_ID_ROLE) is the row's tracks.id (an int)."""

MISSING_TOOLTIP = (
    "No readable file of this track is on disk (moved or deleted?). Rescan its folder to update it."
)

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
AnyIndex = QModelIndex | QPersistentModelIndex
_KEPT_ORDERS = 6  # the last sorts' row orders are kept (0.8 MB each on 100k rows): clicking back is free


class RowFilter(Protocol):
    """Anything that picks rows: :class:`analyzer.catalog.search.TrackQuery` adapted, or a browse pick."""

    def mask(self, table: LibraryTable) -> np.ndarray: ...


def format_length(seconds: float) -> str:
    """m:ss, or h:mm:ss from an hour; '' when unknown."""
    if math.isnan(seconds) or seconds < 0:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _greyed_text() -> QColor:
    """The palette's disabled text colour, read each time so a switch to dark mode applies at once."""
    palette = QGuiApplication.palette()
    greyed = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    return greyed if greyed != palette.color(QPalette.ColorRole.Text) else QColor(Qt.GlobalColor.gray)


def _column_specs() -> list[tuple[str, str, str]]:
    from analyzer.catalog.library import COLUMNS

    return [(spec.name, spec.label, spec.kind) for spec in COLUMNS]


class LibraryTableModel(QAbstractTableModel):
    """The library table: one row per track, columns as the core's ``COLUMNS`` lists them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._specs = _column_specs()
        self._names = [name for name, _, _ in self._specs]
        self._right = [kind != "text" for _, _, kind in self._specs]
        self._table: LibraryTable | None = None
        self._rows = np.zeros(0, dtype=np.int64)
        self._order = np.zeros(0, dtype=np.int64)  # every row in the current sort order
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._orders: dict[tuple[int, Qt.SortOrder], np.ndarray] = {}  # sorts done on this load, kept
        self._filters: list[RowFilter] = []
        self._text: list[Sequence[str] | None] = []  # text columns: the core's lists, shown as they are
        self._cache: list[list[str | None]] = []  # other columns: formatted on first display, then kept
        self._locale = QLocale()

    # -- what callers read ---------------------------------------------------------------------------------

    @property
    def table(self) -> LibraryTable | None:
        return self._table

    @property
    def rows(self) -> np.ndarray:
        """The visible rows (positions in the loaded columns), in display order. Do not modify."""
        return self._rows

    @property
    def total(self) -> int:
        """Tracks loaded, before any filter."""
        return 0 if self._table is None else len(self._table)

    def column_names(self) -> list[str]:
        return list(self._names)

    def column_of(self, name: str) -> int:
        return self._names.index(name)

    def track_id(self, row: int) -> int:
        assert self._table is not None
        return int(self._table.columns.ids[self._rows[row]])

    def row_of_track(self, track_id: int) -> int | None:
        """The visible row of a track, or None when it is filtered out or not loaded."""
        if self._table is None:
            return None
        found = np.flatnonzero(self._table.columns.ids[self._rows] == track_id)
        return int(found[0]) if found.size else None

    # -- Qt model contract ---------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._specs)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._specs):
            if role == Qt.ItemDataRole.DisplayRole:
                return self._specs[section][1]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _RIGHT if self._right[section] else _LEFT
            return None
        return super().headerData(section, orientation, role)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._table is None:
            return None
        row = int(self._rows[index.row()])
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            text = self._text[column]
            if text is not None:
                return text[row]
            cache = self._cache[column]
            shown = cache[row]
            if shown is None:
                shown = cache[row] = self._format(column, row)
            return shown
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if self._right[column] else _LEFT
        if role == TRACK_ID_ROLE:
            return int(self._table.columns.ids[row])
        if self._table.columns.missing[row]:
            if role == Qt.ItemDataRole.ForegroundRole:
                return _greyed_text()
            if role == Qt.ItemDataRole.ToolTipRole:
                return MISSING_TOOLTIP
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order) if 0 <= column < len(self._specs) else None
        if self._table is not None:  # before the first load, only remember it
            self._relayout(
                self._sorted_order() if self._sort else self._default_order(), self._current_mask()
            )

    # -- filtering and reloading ---------------------------------------------------------------------------

    def set_filters(self, filters: Sequence[RowFilter]) -> None:
        """Show only the rows every filter keeps (none: all rows), in the current sort order."""
        self._filters = list(filters)
        self._relayout(self._order, self._current_mask())

    def set_columns(
        self, new_columns: LibraryColumns | LibraryTable, filters: Sequence[RowFilter] | None = None
    ) -> None:
        """Replace the data, keeping the sort, the filters (or applying ``filters`` instead, in the same
        relayout) and the selection (persistent indexes follow the track ids; a track that is gone loses
        its index). Pass a LibraryTable prepared in a worker to keep the main thread free of the sort-key
        pass."""
        table = new_columns if isinstance(new_columns, LibraryTable) else prepare_table(new_columns)
        if filters is not None:
            self._filters = list(filters)
        old_ids = None if self._table is None else self._table.columns.ids
        first = self._table is None
        if first:
            self.beginResetModel()
            self._install(table)
            self._order = self._sorted_order() if self._sort else self._default_order()
            self._rows = self._filtered(self._order, self._current_mask())
            self.endResetModel()
            return
        self.layoutAboutToBeChanged.emit()
        saved = self.persistentIndexList()
        saved_ids = [int(old_ids[self._rows[index.row()]]) for index in saved] if old_ids is not None else []
        self._install(table)
        self._order = self._sorted_order() if self._sort else self._default_order()
        self._rows = self._filtered(self._order, self._current_mask())
        if saved:
            self._move_persistent(saved, self.rows_of_tracks(np.asarray(saved_ids, np.int64)).tolist())
        self.layoutChanged.emit()

    # -- internals -----------------------------------------------------------------------------------------

    def _install(self, table: LibraryTable) -> None:
        self._table = table
        self._orders = {}
        columns = table.columns
        self._text = [getattr(columns, name) if kind == "text" else None for name, _, kind in self._specs]
        self._cache = [[] if kind == "text" else [None] * len(columns) for _, _, kind in self._specs]

    def _format(self, column: int, row: int) -> str:
        assert self._table is not None
        name, _, kind = self._specs[column]
        value = getattr(self._table.columns, name)[row]
        if kind == "duration":
            return format_length(float(value))
        if kind == "date":
            seconds = float(value)
            if math.isnan(seconds):
                return ""
            moment = QDateTime.fromSecsSinceEpoch(int(seconds))
            if self._locale.language() == QLocale.Language.C:  # no locale set (LANG=C): ISO, not "4 12 2026"
                return moment.date().toString("yyyy-MM-dd")
            return self._locale.toString(moment.date(), QLocale.FormatType.ShortFormat)
        if isinstance(value, np.bool_ | bool):
            return "yes" if value else ""
        if isinstance(value, float | np.floating):
            return "" if math.isnan(value) else str(round(float(value)))
        if isinstance(value, str):
            return value
        number = int(value)
        return "" if name == "year" and number <= 0 else str(number)

    def _default_order(self) -> np.ndarray:
        assert self._table is not None
        return self._table.base_order

    def _sorted_order(self) -> np.ndarray:
        assert self._table is not None and self._sort is not None
        found = self._orders.get(self._sort)
        if found is not None:
            return found
        column, order = self._sort
        key = self._table.sort_keys[self._names[column]][self._table.base_order]
        if order == Qt.SortOrder.DescendingOrder:
            key = -key  # nan stays nan: missing values stay last either way
        if len(self._orders) >= _KEPT_ORDERS:
            del self._orders[next(iter(self._orders))]
        found = self._orders[self._sort] = self._table.base_order[np.argsort(key, kind="stable")]
        return found

    def _current_mask(self) -> np.ndarray | None:
        if self._table is None or not self._filters:
            return None
        mask = np.ones(len(self._table), dtype=bool)
        for row_filter in self._filters:
            mask &= row_filter.mask(self._table)
        return mask

    @staticmethod
    def _filtered(order: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        return order if mask is None else order[mask[order]]

    def _relayout(self, order: np.ndarray, mask: np.ndarray | None) -> None:
        if self._table is None:
            return
        self.layoutAboutToBeChanged.emit()
        saved = self.persistentIndexList()
        saved_rows = self._rows[[index.row() for index in saved]] if saved else None
        self._order = order
        self._rows = self._filtered(order, mask)
        if saved and saved_rows is not None:
            position = np.full(len(self._table), -1, dtype=np.int64)
            position[self._rows] = np.arange(len(self._rows))
            self._move_persistent(saved, position[saved_rows].tolist())
        self.layoutChanged.emit()

    def rows_of_tracks(self, track_ids: np.ndarray) -> np.ndarray:
        """Visible row of each track id, -1 where it is not shown (filtered out or gone)."""
        if self._table is None or not len(self._rows):
            return np.full(len(track_ids), -1, dtype=np.int64)
        visible_ids = self._table.columns.ids[self._rows]
        by_id = np.argsort(visible_ids, kind="stable")
        spot = np.minimum(np.searchsorted(visible_ids[by_id], track_ids), len(by_id) - 1)
        return np.where(visible_ids[by_id[spot]] == track_ids, by_id[spot], -1)

    def _move_persistent(self, saved: list[QModelIndex], new_rows: list[int]) -> None:
        """Point each saved persistent index at its new row (an invalid index for -1: the track is gone)."""
        moved = [
            self.index(row, index.column()) if row >= 0 else QModelIndex()
            for index, row in zip(saved, new_rows, strict=True)
        ]
        self.changePersistentIndexList(saved, moved)
