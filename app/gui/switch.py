"""An on/off switch: a checkbox drawn as a rounded track with a knob, its text beside it (Qt has no switch
widget; a checkable button reads as an action, not as a state)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QCheckBox


class Switch(QCheckBox):
    """An on/off switch: a checkbox drawn as a track with a knob, its text beside it."""

    def sizeHint(self) -> QSize:
        text = self.fontMetrics().horizontalAdvance(self.text())
        return QSize(52 + text + 8, max(self.fontMetrics().height() + 8, 26))

    def hitButton(self, pos: Any) -> bool:
        return self.rect().contains(pos)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        track = QRectF(1, (self.height() - 22) / 2, 42, 22)
        on = self.isChecked()
        colour = palette.color(QPalette.ColorRole.Highlight) if on else palette.color(QPalette.ColorRole.Mid)
        if not self.isEnabled():
            colour.setAlpha(110)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(track, 11, 11)
        knob = QRectF(track.right() - 20 if on else track.left() + 2, track.top() + 2, 18, 18)
        painter.setBrush(QColor("#ffffff"))
        painter.drawEllipse(knob)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        text_rect = self.rect().adjusted(52, 0, 0, 0)
        painter.drawText(
            text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), self.text()
        )
        if self.hasFocus():
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(track.adjusted(-1, -1, 1, 1), 12, 12)
        painter.end()

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()
