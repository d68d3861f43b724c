"""Moving between screens with something in hand: AppState.navigate, the library's jumps, and files dropped
on the window (folders join the library, audio opens in Similar, anything else goes to Import)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from analyzer.scan.folders import list_folders
from app.gui.folders import FoldersScreen
from app.gui.library.screen import LibraryScreen
from app.gui.state import AppState
from app.gui.window import MainWindow, drop_targets
from models.engine import Database
from tests.app.gui.conftest import LIBRARY_TRACKS


def _window(qtbot: QtBot, state: AppState) -> MainWindow:
    window = MainWindow(state, [LibraryScreen, FoldersScreen], start_screen="folders")
    window.remember = False
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_navigate_shows_the_library_with_the_track_selected_even_behind_a_search(
    qtbot: QtBot, populated_db: Database, tmp_path: Path
) -> None:
    state = AppState.for_tests(populated_db, tmp_path / "settings")
    window = _window(qtbot, state)
    library = window.screens["library"]
    window.show_screen("library")
    qtbot.waitUntil(lambda: library.visible_row_count() == len(LIBRARY_TRACKS), timeout=10000)
    qtbot.keyClicks(library.search, "Air")
    library.apply_search()
    qtbot.waitUntil(lambda: library.visible_row_count() == 3, timeout=5000)
    library.table.selectRow(0)
    air_track = library.current_track_id()
    assert air_track is not None
    # A track the search hides: navigating to it clears the search and selects it.
    from analyzer.catalog.library import load_library

    with populated_db.session() as session:
        columns = load_library(session)
    daft = int(columns.ids[columns.artist.index("Daft Punk")])
    window.show_screen("folders")
    state.navigate("library", {"track_id": daft})
    assert window.current_screen() == "library"
    assert library.search.text() == ""
    assert library.current_track_id() == daft
    # The track menu offers only jumps to screens this window has (none here).
    texts = [action.text() for action in library.track_menu().actions()]
    assert "More like this" not in texts and "Show listens" not in texts
    state.screen_names = frozenset({*state.screen_names, "similar"})
    menu = library.track_menu()
    jump = next(action for action in menu.actions() if action.text() == "More like this")
    seen: list[tuple[str, object]] = []
    state.navigation_requested.connect(lambda name, payload: seen.append((name, payload)))
    jump.trigger()
    assert seen == [("similar", {"track_id": daft})]


def test_dropping_a_folder_adds_it_and_scans_it(
    qtbot: QtBot, sqlite_db: Database, tmp_path: Path, music_dir: Path, audio_templates: dict[str, Path]
) -> None:
    from tests.app.gui.conftest import place_track

    place_track(audio_templates, music_dir, LIBRARY_TRACKS[0])
    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    window = _window(qtbot, state)
    window.show_screen("library")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(music_dir))])
    drop = QDropEvent(
        QPointF(300, 300),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)  # what Qt calls when the person lets go over the window
    assert drop.isAccepted()
    assert window.current_screen() == "folders"
    assert state.jobs.wait_idle(30000)
    with sqlite_db.session() as session:
        assert [f.path for f in list_folders(session)] == [str(music_dir)]
    library = window.screens["library"]
    window.show_screen("library")
    qtbot.waitUntil(lambda: library.visible_row_count() == 1, timeout=10000)


def test_drop_targets_sort_paths_by_kind(tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    paths = [
        str(folder),
        str(tmp_path / "song.FLAC"),
        str(tmp_path / "listens.json"),
        str(tmp_path / "a.opus"),
    ]
    every = drop_targets(paths, lambda _name: True)
    assert every == {
        "folders": [str(folder)],
        "similar": [paths[1], paths[3]],
        "import": [paths[2]],
    }
    assert drop_targets(paths, lambda name: name == "import") == {"import": [paths[2]]}
    assert drop_targets(paths, lambda _name: False) == {}


def test_closing_the_window_while_the_server_serves_follows_the_setting(
    qtbot: QtBot, sqlite_db: Database, tmp_path: Path
) -> None:
    import socket

    from app.gui.server import PORT_KEY
    from app.gui.tray import CLOSE_ACTION_KEY
    from app.gui.window import LazyScreen

    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        state.settings.setValue(PORT_KEY, int(probe.getsockname()[1]))
    server_entry = LazyScreen("server", "Scrobble server", "app.gui.server", "ServerScreen")
    window = MainWindow(state, [LibraryScreen, server_entry], start_screen="library")
    window.remember = False
    qtbot.addWidget(window)
    window.show()
    assert "server" in window._waiting  # never shown: closing does not build it
    window.show_screen("server")
    controller = window.screens["server"].controller
    controller.start()
    qtbot.waitUntil(lambda: controller.phase == "running", timeout=30000)
    state.settings.setValue(CLOSE_ACTION_KEY, "stop")
    assert window.close()
    assert controller.phase == "off" and not state.jobs.running()
