"""The Playlists screen on a real database: import through the file picker as a job, the entries with
status and score, the missing list, export with local paths, match again; both item models checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from analyzer.curation.playlists import import_playlist_file
from app.gui.playlist_models import EntryTableModel, PlaylistListModel
from app.gui.playlists import PlaylistsScreen
from app.gui.state import AppState
from models.curation import Playlist
from models.engine import Database
from models.progress import run_to_end
from tests import matching_fixtures as fx
from tests.curation_fixtures import build_library

DATA = Path(__file__).parent.parent.parent / "data" / "playlists"


@pytest.fixture
def state(sqlite_db: Database, tmp_path: Path) -> AppState:
    with sqlite_db.session() as session:
        build_library(session, tmp_path)
    return AppState.for_tests(sqlite_db, tmp_path / "settings")


def open_screen(qtbot: QtBot, state: AppState) -> PlaylistsScreen:
    screen = PlaylistsScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1200, 650)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activated()
    assert state.jobs.wait_idle(20000)
    return screen


def shown_entries(screen: PlaylistsScreen) -> list[tuple[str, ...]]:
    model = screen.entries
    return [tuple(str(model.data(model.index(r, c))) for c in (1, 2, 3, 4)) for r in range(model.rowCount())]


def test_import_through_the_picker_then_read_filter_and_export(
    qtbot: QtBot, state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtmodeltester
):
    screen = open_screen(qtbot, state)
    assert screen.empty.isVisible() and not screen.splitter.isVisible()
    assert not screen.export_button.isEnabled()

    lists = tmp_path / "lists"
    lists.mkdir()
    shutil.copy(DATA / "sunday-sessions-042.txt", lists)
    picked = str(lists / "sunday-sessions-042.txt")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([picked], ""))
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    assert state.jobs.wait_idle(30000)
    qtbot.waitUntil(lambda: screen.entries.rowCount() == 7, timeout=10000)
    assert screen.message.text() == (
        "Imported “sunday-sessions-042”: 5 matched, 1 unsure, 1 missing; 2 lines could not be read."
    )
    assert screen.splitter.isVisible() and screen.export_button.isEnabled()
    rows = shown_entries(screen)
    assert rows[0] == ("Röyksopp - Eple", "Matched", "100", "Röyksopp - Eple")
    assert rows[3][:2] == ("Daft Punk - One More Time (Live)", "Unsure")
    assert "7 entries: 5 matched, 1 unsure, 1 missing" in screen.counts.text()
    qtmodeltester.check(screen.entries)
    qtmodeltester.check(screen.playlists)

    # "What you don't have": a person picks Missing in the filter.
    screen.status_filter.setFocus()
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("missing"))
    assert shown_entries(screen) == [("ID - ID", "Missing", "0", "")]
    screen.status_filter.setCurrentIndex(0)

    target = tmp_path / "out" / "set.m3u8"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(screen.export_button, Qt.MouseButton.LeftButton)
    assert state.jobs.wait_idle(20000)
    qtbot.waitUntil(lambda: screen.message.text().startswith("Wrote"), timeout=5000)
    assert screen.message.text() == f"Wrote 5 entries to {target}."
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U" and lines[2] == str(
        tmp_path / "music" / "Röyksopp" / "Melody A.M." / "01 Eple.flac"
    )

    screen.grab().save(str(tmp_path / "playlists.png"))


def test_a_broken_file_says_why_and_match_again_picks_up_new_tracks(
    qtbot: QtBot, state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    screen = open_screen(qtbot, state)
    bad = tmp_path / "bad.jspf"
    bad.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(bad)], ""))
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    assert state.jobs.wait_idle(20000)
    qtbot.waitUntil(lambda: "Import failed" in screen.message.text(), timeout=5000)
    assert (
        screen.message.text()
        == "Import failed: not a JSPF playlist: invalid JSON at line 1: Expecting property name enclosed in double quotes"
    )

    good = tmp_path / "anna.m3u"
    shutil.copy(DATA / "anna-windows.m3u", good)
    screen.controller.start_import([str(good)])
    assert state.jobs.wait_idle(30000)
    qtbot.waitUntil(lambda: screen.entries.rowCount() == 5, timeout=10000)
    assert shown_entries(screen)[4][1] == "Missing"
    with state.db.session() as session:
        fx.track(session, "Artist We Do Not Have", "Some Song", duration=200)
    qtbot.mouseClick(screen.match_button, Qt.MouseButton.LeftButton)
    assert state.jobs.wait_idle(30000)
    qtbot.waitUntil(lambda: shown_entries(screen)[4][1] == "Matched", timeout=10000)
    assert "1 changed" in screen.message.text()


def test_models_on_their_own(qtmodeltester):
    qtmodeltester.check(PlaylistListModel())
    qtmodeltester.check(EntryTableModel())


def test_an_unsure_entry_is_linked_from_its_menu_and_a_missing_one_rejected(
    qtbot: QtBot, state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    screen = open_screen(qtbot, state)
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "intro.m3u").write_text(
        "#EXTM3U\n/old/disk/01 Intro.mp3\n#EXTINF:200,Nobody - Nothing\n/x.mp3\n"
    )
    screen.controller.start_import([str(lists / "intro.m3u")])
    assert state.jobs.wait_idle(30000)
    qtbot.waitUntil(lambda: screen.entries.rowCount() == 2, timeout=10000)
    assert shown_entries(screen)[0][1] == "Unsure"

    screen.show_entry_menu(0)  # what a right-click on the row opens
    assert state.jobs.wait_idle(10000)
    qtbot.waitUntil(lambda: screen.entry_menu is not None, timeout=5000)
    labels = [a.text() for a in screen.entry_menu.actions() if a.text()]
    assert labels == ["Link to Air - Intro (60)", "Link to Moby - Intro (60)", "Not in my library"]
    screen.entry_menu.actions()[1].trigger()  # Moby's
    assert state.jobs.wait_idle(10000)
    qtbot.waitUntil(lambda: shown_entries(screen)[0][1] == "Matched", timeout=5000)
    assert shown_entries(screen)[0][2:] == ("100", "Moby - Intro")

    screen.entry_menu = None
    screen.show_entry_menu(1)
    assert state.jobs.wait_idle(10000)
    qtbot.waitUntil(lambda: screen.entry_menu is not None, timeout=5000)
    reject = next(a for a in screen.entry_menu.actions() if a.text() == "Not in my library")
    reject.trigger()
    assert state.jobs.wait_idle(10000)
    qtbot.waitUntil(
        lambda: screen.entries.data(screen.entries.index(1, 5)) == "you said: not in the library",
        timeout=5000,
    )


def test_a_playlist_saved_elsewhere_shows_on_return_and_navigate_opens_it(
    qtbot: QtBot, state: AppState, tmp_path: Path
):
    """The set builder saves a playlist while this screen is hidden, then sends {"playlist_id": id}."""
    screen = open_screen(qtbot, state)
    assert screen.playlists.rowCount() == 0
    screen.hide()
    first = tmp_path / "anna.m3u"
    shutil.copy(DATA / "anna-windows.m3u", first)
    second = tmp_path / "sunday.txt"
    shutil.copy(DATA / "sunday-sessions-042.txt", second)
    for path in (first, second):
        run_to_end(import_playlist_file(state.db, path))
    with state.db.session() as session:
        wanted = session.scalars(select(Playlist.id).where(Playlist.title.like("%sunday%"))).one()
    screen.show()  # shown again: the list is read again
    qtbot.waitUntil(lambda: screen.playlists.rowCount() == 2, timeout=10000)
    screen.navigate({"playlist_id": wanted})
    qtbot.waitUntil(lambda: screen.entries.rowCount() == 7, timeout=10000)
    assert screen.playlist_view.currentIndex().row() == screen.playlists.row_of(wanted)
