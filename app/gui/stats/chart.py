"""The chart of a stats view on a matplotlib canvas, in the window's light or dark palette.

matplotlib (about 0.5-1 s and 75 MiB to import) is imported when the first chart pane is built, i.e. when the
Stats screen first opens, never at start-up. The drawing is the core's (:mod:`scrobbler.exports.view_charts`),
so the chart on screen is the file an export writes, in the theme of the window.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from scrobbler.stats.views import StatsView

_TOP_ROW_INCHES = 0.24
"""Height of one bar of a top list on screen; a longer list scrolls instead of squeezing its labels."""


def is_dark(widget: QWidget) -> bool:
    """Whether ``widget`` is drawn on a dark palette (the window colour's lightness below half)."""
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


class ChartPane(QWidget):
    """A scrollable matplotlib canvas showing one view's chart; redrawn when the palette changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self.figure = Figure(layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setObjectName("statsChartCanvas")
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.scroller = QScrollArea()
        self.scroller.setObjectName("statsChartScroll")
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setWidget(self.canvas)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroller)
        self.view: StatsView | None = None
        self.dark: bool | None = None
        self.draws = 0  # how many times a chart was drawn (tests and the benchmark read it)

    def show_view(self, view: StatsView) -> None:
        """Draw ``view``'s chart now (the caller only calls this for views that have one)."""
        self.view = view
        self._draw()

    def theme(self) -> Any:
        from scrobbler.exports.charts import DARK, LIGHT

        return DARK if is_dark(self) else LIGHT

    def _draw(self) -> None:
        from scrobbler.exports.view_charts import draw_view_chart

        if self.view is None:
            return
        self.dark = is_dark(self)
        if self.view.chart_kind == "top":
            needed = int((1.1 + _TOP_ROW_INCHES * max(len(self.view.chart), 1)) * self.figure.dpi)
            self.canvas.setMinimumHeight(needed)
        else:
            self.canvas.setMinimumHeight(0)
        self.scroller.verticalScrollBar().setValue(0)
        draw_view_chart(self.figure, self.view, self.theme())
        self.canvas.draw()
        self.draws += 1

    def changeEvent(self, event: QEvent) -> None:
        changed = event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if changed and self.view is not None and self.dark != is_dark(self):
            self._draw()
        super().changeEvent(event)
