"""The main window opens offscreen on a fresh database and says what it holds."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.gui.main import MainWindow
from models.engine import Database


def test_main_window_shows_library_summary(qtbot: QtBot, sqlite_db: Database, tmp_path: Path) -> None:
    window = MainWindow(sqlite_db)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Tonearm"
    assert window.summary.text() == "0 tracks in the library · 0 listens"
    assert str(sqlite_db.url.database) in window.statusBar().currentMessage()
    shot = window.grab()
    assert not shot.isNull() and shot.width() >= 900
    shot.save(str(tmp_path / "main-window.png"))
