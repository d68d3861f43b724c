"""The whole window as a person meets it: first run on an empty database, the library on a populated one,
the sidebar and its shortcuts, the window's memory across restarts, and nothing heavy before the first paint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.gui.main import HEAVY_MODULES, build_window
from app.gui.state import AppState
from models.engine import Database
from tests.app.gui.conftest import LIBRARY_TRACKS


def _open(qtbot: QtBot, state: AppState):
    window = build_window(state)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert state.jobs.wait_idle(20000)
    return window


def test_first_run_opens_the_landing_and_only_finished_screens(
    qtbot: QtBot, sqlite_db: Database, tmp_path: Path
) -> None:
    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    window = _open(qtbot, state)
    assert window.current_screen() == "welcome"
    names = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert names == [
        "Welcome", "Library", "Listens", "Review", "Stats", "Similar", "Duplicates", "Playlists", "Set builder",
        "Organize files", "Import", "Scrobble server",
        "Folders", "Problems", "Settings",
    ]  # fmt: skip
    assert str(sqlite_db.url.database) in window.location.text()
    shot = window.grab()
    assert not shot.isNull() and shot.width() >= 1000


def test_populated_library_opens_on_the_library_and_shortcuts_switch_screens(
    qtbot: QtBot, populated_db: Database, tmp_path: Path
) -> None:
    state = AppState.for_tests(populated_db, tmp_path / "settings")
    window = _open(qtbot, state)
    assert window.current_screen() == "library"
    assert window.sidebar.item(0).isHidden()  # no landing once there is a library
    library = window.screens["library"]
    qtbot.waitUntil(lambda: library.visible_row_count() == len(LIBRARY_TRACKS), timeout=10000)
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_screen() == "listens"
    qtbot.keyClick(window, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)
    assert window.current_screen() == "setlist"
    qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert window.jobs_dock.isVisible()


def test_the_window_remembers_its_geometry_and_screen(
    qtbot: QtBot, populated_db: Database, tmp_path: Path
) -> None:
    settings_dir = tmp_path / "settings"
    state = AppState.for_tests(populated_db, settings_dir)
    window = _open(qtbot, state)
    window.resize(701, 523)  # inside the offscreen screen, which restoreGeometry clamps to
    window.show_screen("problems")
    window.close()
    again = _open(qtbot, AppState.for_tests(populated_db, settings_dir))
    assert again.current_screen() == "problems"
    assert (again.width(), again.height()) == (701, 523)


def test_startup_imports_nothing_heavy_and_paints_rows(populated_db: Database) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "app.gui.main", "--startup-probe", "--database-url", str(populated_db.url)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["rows"] == len(LIBRARY_TRACKS)
    assert probe["heavy_modules"] == [] and set(HEAVY_MODULES) >= {"essentia", "faiss", "matplotlib"}


def test_screenshots_render_every_screen(populated_db: Database, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.gui.main",
            "--screenshots",
            str(out),
            "--database-url",
            str(populated_db.url),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    timings = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(timings["screens"]) == {
        "welcome", "library", "listens", "review", "stats", "similar", "duplicates", "playlists", "setlist",
        "organize", "import", "server", "folders", "problems", "settings",
    }  # fmt: skip
    for name in timings["screens"]:
        image = out / f"{name}.png"
        assert image.stat().st_size > 5000, name  # a real picture, not an empty grab
