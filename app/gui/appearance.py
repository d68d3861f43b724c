"""Light and dark: follow the system scheme live, or keep the one the user chose; and the app icon.

Qt 6.8+ reports the system scheme (``styleHints().colorScheme()``) and can be asked for one
(``setColorScheme``), but where no platform theme answers (plain X11, offscreen) the request changes nothing.
So the palette is set here as well: Fusion with a dark palette when dark is wanted, the style's own palette
otherwise. The choice lives in QSettings under :data:`APPEARANCE_KEY`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette

APPEARANCE_KEY = "appearance/scheme"
SCHEMES = ("system", "light", "dark")
RESOURCES = Path(__file__).resolve().parents[2] / "resources"

_following: list[bool] = [False]  # connected to colorSchemeChanged once per process


def app_icon() -> QIcon:
    return QIcon(str(RESOURCES / "tonearm.svg"))


def chosen_scheme(settings: QSettings) -> str:
    value = settings.value(APPEARANCE_KEY, "system", type=str)
    return value if value in SCHEMES else "system"


def effective_dark(settings: QSettings) -> bool:
    """Whether the window should be dark now: the user's choice, or the system's when following it."""
    choice = chosen_scheme(settings)
    if choice != "system":
        return choice == "dark"
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def apply_appearance(settings: QSettings) -> None:
    """Apply the saved choice now, and keep following the system while the choice is "system"."""
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return
    choice = chosen_scheme(settings)
    hints = app.styleHints()
    if choice != "system":
        hints.setColorScheme(Qt.ColorScheme.Dark if choice == "dark" else Qt.ColorScheme.Light)
    else:
        hints.unsetColorScheme()
    _set_palette(app, effective_dark(settings))
    if not _following[0]:
        _following[0] = True
        hints.colorSchemeChanged.connect(lambda _scheme: _follow_system(settings))


def _follow_system(settings: QSettings) -> None:
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication) and chosen_scheme(settings) == "system":
        _set_palette(app, effective_dark(settings))


def _set_palette(app: QGuiApplication, dark: bool) -> None:
    from PySide6.QtWidgets import QApplication

    if not isinstance(app, QApplication):
        return
    if not dark:
        app.setPalette(app.style().standardPalette())
        return
    palette = QPalette()
    base, window, text, dim = QColor("#1e2128"), QColor("#272b33"), QColor("#e6e8ec"), QColor("#8a909c")
    for role, color in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor("#242830")),
        (QPalette.ColorRole.ToolTipBase, window),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, QColor("#2f343d")),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor("#ff6b6b")),
        (QPalette.ColorRole.Highlight, QColor("#3d6fb6")),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.Link, QColor("#7fb0ff")),
        (QPalette.ColorRole.PlaceholderText, dim),
        (QPalette.ColorRole.Mid, QColor("#3a3f4a")),
        (QPalette.ColorRole.Dark, QColor("#15171c")),
    ):
        palette.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, dim)
    app.setPalette(palette)
