"""Where a stats view's chart is shown: a picture rendered by matplotlib in a worker, at this pane's size and in
the window's light or dark palette.

Why a picture and not a live FigureCanvasQTAgg: drawing a top-20 chart took 0.5-1.2 s on the UI thread of the
shared 2-core machine (text layout and font lookups, measured in bench/bench_stats_gui.py), longer than the
300 ms a switch may take, and the window froze meanwhile. Rendered in a worker (Agg, the core's drawing
functions: :func:`scrobbler.exports.view_charts.render_view_chart`), the UI thread only shows pixels, charts
can be rendered ahead for the views a person has not opened yet, and matplotlib is imported by the worker
when the Stats screen first opens, never in the UI thread. The charts have no interaction to lose.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPalette, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy, QStyle, QVBoxLayout, QWidget

from scrobbler.stats.views import StatsView

RESIZE_DEBOUNCE_MS = 150


def is_dark(widget: QWidget) -> bool:
    """Whether ``widget`` is drawn on a dark palette (the window colour's lightness below half)."""
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


class ChartPane(QWidget):
    """Shows a rendered chart; asks for another rendering (``render_wanted``) when its size or palette
    changes, and keeps showing the old picture until the new one arrives."""

    render_wanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picture = QLabel()
        self.picture.setObjectName("statsChartPicture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.scroller = QScrollArea()
        self.scroller.setObjectName("statsChartScroll")
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setWidget(self.picture)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroller)
        self.view: StatsView | None = None
        self.image: QImage | None = None
        self.dark = False
        self.draws = 0  # pictures shown (tests and the benchmark read it)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(RESIZE_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._maybe_render)

    def target(self) -> tuple[int, int, float, bool]:
        """What the next rendering should be: width and height in logical pixels, device pixel ratio, dark."""
        # The scroll bar's width is always left free: a tall top list scrolls, a clock does not, and both
        # are rendered for one width (the cache holds charts by size).
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        width = self.scroller.width() - bar if self.scroller.width() > 150 + bar else 800
        height = self.scroller.height() if self.scroller.height() > 100 else 380
        return width, height, self.devicePixelRatioF(), is_dark(self)

    def show_chart(self, view: StatsView, rgba: bytes, width: int, height: int, scale: float) -> None:
        """Show ``view``'s chart rendered as ``width`` x ``height`` device pixels of RGBA."""
        image = QImage(rgba, width, height, width * 4, QImage.Format.Format_RGBA8888).copy()
        image.setDevicePixelRatio(scale)
        self.view, self.image, self.dark = view, image, is_dark(self)
        self.picture.setPixmap(QPixmap.fromImage(image))
        self.picture.setMinimumSize(QSize(0, int(height / scale)))
        self.scroller.verticalScrollBar().setValue(0)
        self.draws += 1

    def show_drawing(self) -> None:
        """No picture yet: the first view's table is shown while its chart is drawn."""
        self.view, self.image = None, None
        self.picture.setPixmap(QPixmap())
        self.picture.setText("Drawing the chart…")

    def theme(self) -> object:
        from scrobbler.exports.charts import DARK, LIGHT

        return DARK if is_dark(self) else LIGHT

    def check_size_soon(self) -> None:
        """Render again (``render_wanted``) after the debounce if the pane's size no longer fits the picture."""
        self._debounce.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.view is not None and self.dark != is_dark(self):  # the palette changed while hidden
            self.render_wanted.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.view is not None:
            self._debounce.start()

    def changeEvent(self, event: QEvent) -> None:
        changed = event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if changed and self.view is not None and self.isVisible() and self.dark != is_dark(self):
            self.dark = is_dark(self)
            self.render_wanted.emit()
        super().changeEvent(event)

    def _maybe_render(self) -> None:
        from scrobbler.exports.view_charts import screen_height

        if self.image is None or self.view is None or not self.isVisible():
            return
        width, height, scale, _dark = self.target()
        wanted_height = screen_height(self.view, height) * scale
        if abs(width * scale - self.image.width()) > 4 or abs(wanted_height - self.image.height()) > 4:
            self.render_wanted.emit()
