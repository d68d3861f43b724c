"""The evidence pane: for the selected candidate, each field as heard against the library's, the
matcher's agreement for it, and the differing characters highlighted."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.gui.review.models import is_dark

if TYPE_CHECKING:
    from analyzer.review_evidence import CandidateEvidence, FieldEvidence

FIELD_LABELS = {"title": "Title", "artist": "Artist", "album": "Album", "duration": "Length"}


def highlighted(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` as rich text with the characters in ``spans`` marked (escaped; "—" when empty)."""
    if not text:
        return "<span style='color:gray'>—</span>"
    colour = "#8a5a00" if is_dark() else "#ffe08a"
    parts: list[str] = []
    at = 0
    for start, end in spans:
        parts.append(html.escape(text[at:start]))
        chunk = html.escape(text[start:end]).replace(" ", "&nbsp;")
        parts.append(f"<span style='background-color:{colour}'><b>{chunk}</b></span>")
        at = end
    parts.append(html.escape(text[at:]))
    return "".join(parts)


def agreement_text(item: FieldEvidence) -> str:
    if item.agreement is None:
        return "not compared" if not (item.heard and item.library) else "—"
    mark = "✓" if not item.differs else "≠"
    return f"{mark} {max(item.agreement, 0.0):.0%}"


class EvidencePane(QFrame):
    """A grid: field | as heard | in the library | agreement, plus a note line per field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewEvidence")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 8, 10, 8)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        for column, text in enumerate(("", "As heard", "In your library", "Agreement")):
            header = QLabel(f"<b>{text}</b>")
            grid.addWidget(header, 0, column)
        self.cells: dict[str, tuple[QLabel, QLabel, QLabel]] = {}
        for row, (name, label) in enumerate(FIELD_LABELS.items(), start=1):
            grid.addWidget(QLabel(label), row, 0)
            cells = (QLabel(), QLabel(), QLabel())
            for column, cell in enumerate(cells, start=1):
                cell.setTextFormat(Qt.TextFormat.RichText)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                grid.addWidget(cell, row, column)
            self.cells[name] = cells
        self.note = QLabel()
        self.note.setObjectName("reviewEvidenceNote")
        self.note.setWordWrap(True)
        grid.addWidget(self.note, len(FIELD_LABELS) + 1, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)

    def show_candidate(self, candidate: CandidateEvidence | None) -> None:
        for name, (heard, library, agreement) in self.cells.items():
            item = None if candidate is None else next((f for f in candidate.fields if f.name == name), None)
            if item is None:
                heard.setText("")
                library.setText("")
                agreement.setText("")
                continue
            heard.setText(highlighted(item.heard, item.heard_diff))
            library.setText(highlighted(item.library, item.library_diff))
            text = agreement_text(item)
            if item.note and name == "duration":
                text += f" ({html.escape(item.note)})"
            agreement.setText(text)
        notes = (
            [] if candidate is None else [f.note for f in candidate.fields if f.note and f.name != "duration"]
        )
        if candidate is not None and candidate.via:
            notes.append(f"found by the {candidate.via.replace('_', ' ')} stage")
        self.note.setText("; ".join(notes).capitalize())


class BandDelegate(QStyledItemDelegate):
    """Paints the confidence as a coloured badge that stays visible on a selected row."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.backgroundBrush = QBrush()  # the badge, not the whole cell
        option.text = ""  # the badge draws it

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        colour = index.data(Qt.ItemDataRole.BackgroundRole)
        if not isinstance(colour, QColor):
            super().paint(painter, option, index)
            return
        super().paint(painter, option, index)  # the row's selection behind the badge
        rect = option.rect.adjusted(3, 3, -3, -3)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(QColor("#ffffff") if is_dark() else QColor("#1b1b1b"))
        painter.drawText(
            rect, Qt.AlignmentFlag.AlignCenter, str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        )
        painter.restore()
