"""The Organize screen's table: one row per proposal (current path, proposed path, reason, confidence, status),
filtered by status and sorted inside the model, and the delegate that draws the confidence as a bar.

A preview holds one row per file the template would move (up to the library's size); the rows are plain
:class:`analyzer.curation.organize_status.ProposalRow` values, so sorting and filtering stay in Python lists.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from analyzer.curation.organize_status import ProposalRow
from app.gui.sorted_rows import SortedRowsModel

_Index = QModelIndex | QPersistentModelIndex
STATUS_LABELS = {"pending": "Pending", "applied": "Moved", "failed": "Failed", "rejected": "Rejected",
                 "undone": "Moved back", "moving": "In flight"}  # fmt: skip
_STATUS_COLOURS = {"applied": ("#2e7d32", "#81c784"), "failed": ("#c62828", "#ff8a80"),
                   "rejected": ("#6d6d6d", "#a0a0a0"), "moving": ("#b26a00", "#ffd54f")}  # fmt: skip
CONFIDENCE_COLUMN = 3
STATUS_COLUMN = 4
REASON_COLUMN = 2


def _dark() -> bool:
    # Asked at paint time, so a switch between light and dark shows at once.
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def confidence_colour(confidence: int) -> QColor:
    """Green from 80 (complete tags, confirmed by an id or nearly), yellow from 50, red below."""
    light, dark = ("#43a047", "#66bb6a") if confidence >= 80 else (
        ("#f9a825", "#ffd54f") if confidence >= 50 else ("#e53935", "#ef5350"))  # fmt: skip
    return QColor(dark if _dark() else light)


def _reason(row: ProposalRow) -> str:
    return f"✗ {row.error}" if row.status == "failed" and row.error else row.reason


class ProposalTableModel(SortedRowsModel):
    """Proposals of the shown preview; :meth:`set_status` shows one status only."""

    columns = (
        ("Current path", lambda r: r.current_path, lambda r: r.current_path, False),
        ("Proposed path", lambda r: r.proposed_path, lambda r: r.proposed_path, False),
        ("Reason", _reason, lambda r: _reason(r).casefold(), False),
        # The path columns show the path under :attr:`base` (data() below); the full path is the tooltip.
        ("Confidence", lambda r: f"{r.confidence} %", lambda r: r.confidence, True),
        ("Status", lambda r: STATUS_LABELS.get(r.status, r.status), lambda r: r.status, False),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[ProposalRow] = []
        self._status: str | None = None
        self._sorted: tuple[int, Qt.SortOrder] | None = None
        self.base = ""  # the folder every shown path lies under ("" when they share none)

    def set_proposals(self, rows: Sequence[ProposalRow]) -> None:
        self._all = list(rows)
        folders = {os.path.dirname(p) for r in self._all for p in (r.current_path, r.proposed_path)}
        try:
            base = os.path.commonpath(list(folders)) if folders else ""
        except ValueError:  # relative and absolute paths, or different drives
            base = ""
        self.base = "" if base in ("", os.sep) else base
        self._refill()

    def shown_path(self, path: str) -> str:
        """``path`` under :attr:`base`, as the path columns show it."""
        return os.path.relpath(path, self.base) if self.base else path

    def set_status(self, status: str | None) -> None:
        """Show the proposals in ``status`` only (None: all)."""
        self._status = status
        self._refill()

    def _refill(self) -> None:
        self.set_rows([r for r in self._all if self._status is None or r.status == self._status])
        if self._sorted is not None:
            super().sort(*self._sorted)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sorted = (column, order) if 0 <= column < len(self.columns) else None
        super().sort(column, order)

    def counts(self) -> dict[str, int]:
        """How many proposals of the preview are in each status (every status listed, zeros too)."""
        found = dict.fromkeys(STATUS_LABELS, 0)
        for row in self._all:
            found[row.status] = found.get(row.status, 0) + 1
        return found

    def all_rows(self) -> list[ProposalRow]:
        return list(self._all)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row: ProposalRow = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.ForegroundRole and column in (REASON_COLUMN, STATUS_COLUMN):
            if column == REASON_COLUMN and row.status != "failed":
                return None
            light, dark = _STATUS_COLOURS.get(row.status, ("", ""))
            return QColor(dark if _dark() else light) if light else None
        if role == Qt.ItemDataRole.DisplayRole and column in (0, 1):
            return self.shown_path(row.current_path if column == 0 else row.proposed_path)
        if role == Qt.ItemDataRole.ToolTipRole and column == CONFIDENCE_COLUMN:
            return "How complete and trustworthy the file's tags are (placeholders and guesses lower it)"
        if role == Qt.ItemDataRole.UserRole:
            return row.confidence if column == CONFIDENCE_COLUMN else row.id
        return super().data(index, role)


class ElideRightDelegate(QStyledItemDelegate):
    """Cuts a long text at its end (the table cuts paths in the middle, where a reason would lose its sense)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: _Index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


class ConfidenceDelegate(QStyledItemDelegate):
    """Draws the confidence as a bar (green, yellow, red) with the percentage beside it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        value = index.data(Qt.ItemDataRole.UserRole)
        if not isinstance(value, int):
            super().paint(painter, option, index)
            return
        text_option = QStyleOptionViewItem(option)
        self.initStyleOption(text_option, index)
        text_option.text = ""
        style = option.widget.style() if option.widget is not None else None
        if style is not None:  # the row's background and selection, without the text
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, text_option, painter, option.widget)
        rect = option.rect.adjusted(6, 0, -6, 0)
        label_width = option.fontMetrics.horizontalAdvance("100 %") + 6
        track = QRectF(rect.left(), rect.center().y() - 4, max(rect.width() - label_width, 10), 8)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(option.palette.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(track, 3, 3)
        filled = QRectF(track)
        filled.setWidth(track.width() * max(0, min(100, value)) / 100)
        painter.setBrush(confidence_colour(value))
        painter.drawRoundedRect(filled, 3, 3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(option.palette.color(role))
        label = rect.adjusted(rect.width() - label_width, 0, 0, 0)
        painter.drawText(label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{value} %")
        painter.restore()
