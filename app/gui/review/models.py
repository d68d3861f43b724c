"""Item models of the Review screen: the queue of groups, a group's candidates, its listens (tickable) and
the learned aliases. Small lists (a page of groups, a few candidates, one group's listens): plain Python
lists behind QAbstract*Models, reset in one step when the group changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from app.gui.outcomes import local_time

if TYPE_CHECKING:
    from analyzer.aliases import LearnedAlias
    from analyzer.review_evidence import CandidateEvidence
    from analyzer.review_queue import GroupListen, QueueGroup

_Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
"""data(index, KEY_ROLE): the row's group key (queue), track id (candidates), listen id (listens)."""

# (light, dark) backgrounds of the confidence bands, with text that reads on both palettes
BAND_COLOURS = {
    "green": ("#c8e6c9", "#2e5e31"),
    "yellow": ("#fff3b0", "#6b5a12"),
    "red": ("#ffcdd2", "#7a2a2a"),
}


def is_dark() -> bool:
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def band_colour(band: str) -> QColor:
    light, dark = BAND_COLOURS[band]
    return QColor(dark if is_dark() else light)


class _ListTable(QAbstractTableModel):
    """A table over a Python list with fixed headers; subclasses say what a cell shows."""

    headers: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        return self.cell(self.rows[index.row()], index.row(), index.column(), role)

    def cell(self, row: Any, number: int, column: int, role: int) -> Any:
        raise NotImplementedError


class QueueModel(_ListTable):
    """The groups of the queue page: how many listens, and what was heard."""

    headers = ("Listens", "Heard as")

    def set_rows(self, rows: Sequence[Any]) -> None:
        """A page that only lost groups (decisions) loses those rows; anything else resets the model (a row
        removal repaints one row, a reset re-measures every row)."""
        new = list(rows)
        kept = iter(group.key for group in new)
        expected = next(kept, None)
        gone: list[int] = []
        for row, group in enumerate(self.rows):
            if group.key == expected:
                expected = next(kept, None)
            else:
                gone.append(row)
        if expected is not None or len(self.rows) - len(gone) != len(new):
            super().set_rows(new)
            return
        for row in reversed(gone):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.rows[row]
            self.endRemoveRows()
        changed = [row for row, (old, group) in enumerate(zip(self.rows, new, strict=True)) if old != group]
        self.rows = new
        if changed:  # the same groups read again may have other counts
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(self.headers) - 1))

    def cell(self, group: QueueGroup, number: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{group.listens:,}" if column == 0 else group.label
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return group.label
        if role == KEY_ROLE:
            return group.key
        return None

    def row_of(self, key: Any) -> int | None:
        return next((row for row, group in enumerate(self.rows) if group.key == key), None)


class CandidateModel(_ListTable):
    """A group's candidates, best first: key, confidence (coloured by band), the track, what differs."""

    headers = ("Key", "Sure", "Title", "Artist", "Album", "Length", "Differs")

    def cell(self, candidate: CandidateEvidence, number: int, column: int, role: int) -> Any:
        from analyzer.review_evidence import format_duration

        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                str(number + 1) if number < 9 else "",
                f"{candidate.confidence:.0%}",
                candidate.title,
                candidate.artist,
                candidate.album,
                format_duration(candidate.duration_secs),
                ("linked now · " if candidate.linked else "")
                + ("≠ " + ", ".join(candidate.differing) if candidate.differing else "all agree"),
            )
            return values[column]
        if role == Qt.ItemDataRole.BackgroundRole and column == 1:
            return band_colour(candidate.band)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 1, 5):
            return _CENTER if column < 2 else _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return f"{candidate.confidence:.1%} likely to be the right track ({candidate.band})"
        if role == KEY_ROLE:
            return candidate.track_id
        return None


class ListenModel(QAbstractListModel):
    """The listens of the current group, each with a tick: unticked listens are left out of a decision.
    The ticks live in the controller (``is_ticked``/``toggle``), so a decision reads them from one place."""

    def __init__(self, is_ticked: Callable[[int], bool], toggle: Callable[[int], None], parent: Any = None):
        super().__init__(parent)
        self._is_ticked = is_ticked
        self._toggle = toggle
        self.rows: list[GroupListen] = []

    def set_rows(self, rows: Sequence[GroupListen]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        listen = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            from analyzer.review_evidence import format_duration

            parts = [local_time(listen.listened_at), f"{listen.artist_name} – {listen.track_name}"]
            if listen.release_name:
                parts.append(f"[{listen.release_name}]")
            if listen.duration_secs:
                parts.append(format_duration(listen.duration_secs))
            return "   ".join(parts)
        if role == Qt.ItemDataRole.CheckStateRole:
            ticked = self._is_ticked(listen.listen_id)
            return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        if role == KEY_ROLE:
            return listen.listen_id
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        listen = self.rows[index.row()]
        wanted = Qt.CheckState(value) == Qt.CheckState.Checked
        if wanted != self._is_ticked(listen.listen_id):
            self._toggle(listen.listen_id)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True


class AliasModel(_ListTable):
    """Aliases learned from review decisions, newest first."""

    headers = ("Kind", "Heard as", "Now means", "Learned from", "When")

    def cell(self, alias: LearnedAlias, number: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                alias.kind.capitalize(),
                alias.alias,
                alias.target,
                alias.decision,
                local_time(alias.reviewed_at or alias.created_at),
            )
            return values[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{alias.alias} → {alias.target}: {alias.decision}"
        if role == KEY_ROLE:
            return (alias.kind, alias.alias_id)
        return None
