"""The listening history table: every listen's id in display order, rows read by page as they are shown.

A million listens are a numpy array of ids (8 MB); the rows themselves are read a page at a time when the
view first asks for one of them, and kept in a bounded cache by listen id, so a re-sort reuses the rows it
already read. The model never sorts or filters: the controller reads a new id list in a worker and hands it
over with :meth:`ListensTableModel.set_ids`, in ONE layout change that moves the selection with its listen.
(``fetchMore`` does not suit a sortable table: jumping to the end would fetch everything; see gui.md.)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette

if TYPE_CHECKING:
    from scrobbler.history_pages import HistoryRow

LISTEN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""data(index, LISTEN_ID_ROLE): the row's listens.id (an int)."""
TRACK_ID_ROLE = Qt.ItemDataRole.UserRole + 2
"""data(index, TRACK_ID_ROLE): the linked track's id, or None."""

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)

PAGE_ROWS = 64
"""Rows read at once when the view needs one that is not cached (a screen shows ~30): a jump reads one
window of 64 (~2.3 ms of main-thread CPU, against ~3.9 ms for 128 and a jump 9.6 against 12.6 ms);
scrolling on reads again every ~1.5 screens."""
CACHED_ROWS = 16_384
"""Rows kept (~10 MB); the oldest read are dropped first."""

# (name, header, sort key of scrobbler.history_filter.SORT_KEYS)
COLUMNS = (
    ("time", "Time", "time"),
    ("artist", "Artist", "artist"),
    ("title", "Title", "title"),
    ("release", "Release", "release"),
    ("source", "Source", "source"),
    ("status", "Status", "status"),
    ("track", "Track", "track"),
    ("confidence", "Confidence", "confidence"),
)
STATUS_LABELS = {
    "matched": "Matched",
    "ambiguous": "Ambiguous",
    "unmatched": "Unmatched",
    "manual": "Manual",
    "pending": "Pending",
}
STATUS_HELP = {
    "matched": "Linked to a track of your library by the matcher.",
    "ambiguous": "Several tracks of your library fit; review it to choose one.",
    "unmatched": "No track of your library fits (not in the library, or named too differently).",
    "manual": "Decided by a person in review.",
    "pending": "Not matched yet: the next matching run looks at it.",
}
# (light palette, dark palette) per status: readable on both
_STATUS_COLORS = {
    "matched": ("#2e7d32", "#81c784"),
    "ambiguous": ("#b26a00", "#ffb74d"),
    "unmatched": ("#c62828", "#ff8a80"),
    "manual": ("#1565c0", "#90caf9"),
}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
AnyIndex = QModelIndex | QPersistentModelIndex
RowReader = Callable[[np.ndarray], Sequence["HistoryRow | None"]]


def format_time(row: HistoryRow, with_zone: bool = False) -> str:
    """The listener's wall-clock time; ``with_zone`` adds the zone's abbreviation (listeners in different
    zones: their times side by side would look out of order without it)."""
    return row.listened_at.strftime("%Y-%m-%d %H:%M %Z" if with_zone else "%Y-%m-%d %H:%M")


def time_tooltip(row: HistoryRow) -> str:
    moment = row.listened_at
    zone = getattr(moment.tzinfo, "key", None) or moment.strftime("%Z")
    return f"{moment.strftime('%A %d %B %Y, %H:%M:%S %Z')} ({zone}, {row.user_name}'s time)"


def format_confidence(value: float | None) -> str:
    if value is None:
        return ""
    percent = value * 100
    return f"{percent:.0f} %" if percent < 99.5 or percent >= 100 else f"{percent:.1f} %"


class ListensTableModel(QAbstractTableModel):
    """Listens in the order the controller read them. ``read_rows(ids)`` returns their rows in that order
    (None for a listen deleted since); it runs on the main thread when a row first shows, a page at a time."""

    sort_requested = Signal(str, bool)  # (sort key, descending): the header was clicked
    read_failed = Signal(str)  # a page could not be read (shown once per failure, rows stay blank)

    def __init__(self, read_rows: RowReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._read_rows = read_rows
        self._ids = np.zeros(0, dtype=np.int64)
        # listen id -> [its row or None when gone, display texts, foreground colours]: formatted when first
        # shown, so a paint only looks cells up (a jump repaints ~240 cells, each asked for 7 roles)
        self._rows: OrderedDict[int, _Entry] = OrderedDict()
        self._memo_row: int = -1  # the row data() looked up last, and what it found
        self._memo_entry: _Entry | None = None
        self._colors: dict[str, QColor] = {}
        self.refresh_colors()
        self._sort: tuple[str, bool] = ("time", True)
        self.pages_read = 0  # for tests and the benchmark
        self.zones_shown = False  # listeners live in different zones: times carry their zone

    # -- what callers read ---------------------------------------------------------------------------------

    @property
    def ids(self) -> np.ndarray:
        """The listen ids in display order. Do not modify."""
        return self._ids

    def listen_id(self, row: int) -> int:
        return int(self._ids[row])

    def row_of_listen(self, listen_id: int) -> int | None:
        found = np.flatnonzero(self._ids == listen_id)
        return int(found[0]) if found.size else None

    def row_at(self, row: int) -> HistoryRow | None:
        """The listen shown at ``row`` (read with its page when not cached); None when it is gone."""
        entry = self._entry(row)
        return None if entry is None else entry[0]

    def _entry(self, row: int) -> _Entry | None:
        if not 0 <= row < len(self._ids):
            return None
        self._memo_row = -1
        listen_id = self._ids.item(row)
        entry = self._rows.get(listen_id)
        if entry is None:
            self._read_page(row)
            entry = self._rows.get(listen_id)
            if entry is None:
                return None
        if entry[1] is None:  # formatted when first shown: a read brings 64 rows, a screen shows ~30
            entry[1], entry[2] = self._format(entry[0])
        return entry

    def refresh_colors(self) -> None:
        """Take the status colours and the greyed text from the palette now (light or dark); the screen
        calls this when the palette changes."""
        palette = QGuiApplication.palette()
        dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
        self._colors = {status: QColor(pair[dark]) for status, pair in _STATUS_COLORS.items()}
        self._colors["greyed"] = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        self.forget_rows()

    def column_of(self, name: str) -> int:
        return [column[0] for column in COLUMNS].index(name)

    # -- changing what is shown ----------------------------------------------------------------------------

    def set_ids(
        self, ids: np.ndarray, rows: Sequence[HistoryRow] = (), *, sort: tuple[str, bool] | None = None
    ) -> None:
        """Show ``ids`` (and cache ``rows`` already read, e.g. the first page). When the new list starts with
        the old one (the first page, then the whole list), the rows are appended and nothing moves;
        otherwise one layout change moves every persistent index (selection, current row) to its listen's
        new row, or drops it when the listen is no longer shown."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        self._memo_row = -1
        if sort is not None:
            self._sort = sort
        for row in rows:
            self._remember(row.listen_id, row)
        old = self._ids
        if len(ids) >= len(old) and np.array_equal(ids[: len(old)], old):
            if len(ids) > len(old):
                self.beginInsertRows(QModelIndex(), len(old), len(ids) - 1)
                self._ids = ids
                self.endInsertRows()
            return
        self.layoutAboutToBeChanged.emit()
        saved = self.persistentIndexList()
        saved_ids = old[[index.row() for index in saved]] if saved else np.zeros(0, np.int64)
        self._ids = ids
        if saved:
            new_rows = _rows_of(ids, saved_ids).tolist()
            moved = [
                self.index(row, index.column()) if row >= 0 else QModelIndex()
                for index, row in zip(saved, new_rows, strict=True)
            ]
            self.changePersistentIndexList(saved, moved)
        self.layoutChanged.emit()

    def forget_rows(self) -> None:
        """Drop every cached row (listens were matched or reviewed): the shown ones are read again."""
        self._rows.clear()
        self._memo_row = -1
        if len(self._ids):
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    # -- Qt model contract ---------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][1]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _RIGHT if COLUMNS[section][0] == "confidence" else _LEFT
            return None
        return super().headerData(section, orientation, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A header click: ask the controller for that order (read in a worker; the rows stay meanwhile)."""
        if not 0 <= column < len(COLUMNS):
            return
        wanted = (COLUMNS[column][2], order == Qt.SortOrder.DescendingOrder)
        if wanted != self._sort:
            self._sort = wanted
            self.sort_requested.emit(*wanted)

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        # The hot path of every paint (a jump repaints ~240 cells, each asked for 7 roles): plain int
        # comparisons, the unused roles answered first, and the cell's row looked up once per row. (An
        # override of multiData, one call per cell, was slower in PySide: ~21 calls on the span per cell.)
        if role in (_DISPLAY, _FOREGROUND):
            entry = self._entry_of(index)
            if entry is None:
                return None
            return entry[1 if role == _DISPLAY else 2][index.column()]
        if role == _ALIGNMENT:
            column = index.column()
            return _ALIGNMENTS[column] if 0 <= column < len(_ALIGNMENTS) else None
        if role not in _ROLES:
            return None
        if role == LISTEN_ID_ROLE:
            row = index.row()
            return self._ids.item(row) if 0 <= row < len(self._ids) else None
        entry = self._entry_of(index)
        if entry is None:
            return None
        listen = entry[0]
        if listen is None:
            if role == TRACK_ID_ROLE:
                return None
            return _UNREAD_TOOLTIP if entry[1] is _UNREAD_TEXTS else _GONE_TOOLTIP
        if role == TRACK_ID_ROLE:
            return listen.track_id
        return _tooltip(listen, COLUMNS[index.column()][0])

    def _entry_of(self, index: AnyIndex) -> _Entry | None:
        row = index.row()
        if row == self._memo_row:
            return self._memo_entry
        entry = self._entry(row)
        self._memo_row, self._memo_entry = row, entry
        return entry

    # -- internals -----------------------------------------------------------------------------------------

    def _read_page(self, row: int) -> None:
        """Read the rows around ``row`` not cached yet: mostly below it (a view paints top down, so the
        first missing row is usually the top of the screen), a quarter page above (scrolling up)."""
        start = max(0, row - PAGE_ROWS // 4)
        window = self._ids[start : start + PAGE_ROWS]
        cached = self._rows
        wanted = np.fromiter((i for i in window.tolist() if i not in cached), np.int64)
        try:
            rows = self._read_rows(wanted)
        except Exception as error:  # a lost connection, a moved file: say so, do not crash the paint
            unread = (self._colors["greyed"],) * len(COLUMNS)
            for listen_id in wanted.tolist():  # blank until the next list (forget_rows), not read per paint
                self._rows[listen_id] = [None, _UNREAD_TEXTS, unread]
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            self.read_failed.emit(
                f"Could not read these listens ({first_line}); they are read again with the next list."
            )
            return
        self.pages_read += 1
        for listen_id, found in zip(wanted.tolist(), rows, strict=True):
            self._remember(listen_id, found)

    def _remember(self, listen_id: int, row: HistoryRow | None) -> None:
        self._rows[listen_id] = [row, None, None]
        if len(self._rows) > CACHED_ROWS:
            self._rows.popitem(last=False)

    def _format(self, row: HistoryRow | None) -> tuple[tuple[str, ...], tuple[QColor | None, ...]]:
        if row is None:
            return _GONE_TEXTS, (self._colors["greyed"],) * len(COLUMNS)
        texts = tuple(
            format_time(row, self.zones_shown) if name == "time" else _shown(row, name)
            for name, _, _ in COLUMNS
        )
        colors = tuple(
            self._colors.get(row.status) if name == "status"
            else self._colors["greyed"] if name == "track" and row.track_id is None
            else None
            for name, _, _ in COLUMNS
        )  # fmt: skip
        return texts, colors


def _rows_of(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Row of each wanted id in ``ids``, -1 where absent. A few ids (a selection): one comparison pass each
    (~0.5 ms on a million); many: one argsort."""
    distinct = np.unique(wanted)
    if len(distinct) <= 32:
        where = {}
        for listen_id in distinct.tolist():
            found = np.flatnonzero(ids == listen_id)
            where[listen_id] = int(found[0]) if found.size else -1
        return np.array([where[listen_id] for listen_id in wanted.tolist()], dtype=np.int64)
    if not len(ids):
        return np.full(len(wanted), -1, dtype=np.int64)
    by_id = np.argsort(ids, kind="stable")
    found = by_id[np.minimum(np.searchsorted(ids[by_id], wanted), len(ids) - 1)]
    return np.where(ids[found] == wanted, found, -1)


_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.TextAlignmentRole,
        LISTEN_ID_ROLE,
        TRACK_ID_ROLE,
    }
)
_ALIGNMENTS = tuple(_RIGHT if name == "confidence" else _LEFT for name, _, _ in COLUMNS)
_Entry = list[Any]  # [row or None, display texts or None until shown, foreground colours or None]
_GONE_TEXTS = tuple("(no longer in the history)" if name == "title" else "" for name, _, _ in COLUMNS)
_GONE_TOOLTIP = "This listen was removed after the list was read; it disappears at the next reload."
_UNREAD_TEXTS = ("…",) + ("",) * (len(COLUMNS) - 1)
_UNREAD_TOOLTIP = "This listen could not be read from the database (see the message above the table)."


def _shown(row: HistoryRow, name: str) -> str:
    if name == "artist":
        return row.artist
    if name == "title":
        return row.title
    if name == "release":
        return row.release or ""
    if name == "source":
        return row.source
    if name == "status":
        return STATUS_LABELS.get(row.status, row.status)
    if name == "track":
        return row.track_title or "—"
    return format_confidence(row.confidence)


def _tooltip(row: HistoryRow, name: str) -> str | None:
    if name == "time":
        return time_tooltip(row)
    if name == "status":
        why = STATUS_HELP.get(row.status, "")
        if row.reviewed_by:
            why += f" (by {row.reviewed_by})"
        reason = (row.match_reason or "").replace("_", " ")
        return f"{why}\nWhy: {reason}" if reason else why
    if name == "track":
        if row.track_id is None:
            return "Not linked to a track of your library."
        by = f" by {row.track_artist}" if row.track_artist else ""
        return f"{row.track_title}{by}. Enter or double-click shows it in the library."
    if name in ("artist", "title", "release"):
        return "As the source sent it."
    return None
