"""The shared track picker (the Similar screen's seed, the Set builder's start) on a real scanned library,
driven by keys and clicks: Enter right after typing picks once the answer arrives while the window keeps
running, a newer keystroke drops that pick, ↑/↓ choose another row, a double-click picks, searches that find
nothing or are not valid say so, and a library change is read again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.gui.state import AppState
from app.gui.track_picker import READING_LIBRARY, SEARCH_DEBOUNCE_MS, WAITING_TO_PICK, TrackPicker
from models.engine import Database
from models.progress import run_to_end
from models.tracks import Track
from tests.app.gui.conftest import LibraryTrack, place_track

AIR_BY_TITLE = ["Cherry Blossom Girl", "La femme d'argent", "Talisman"]  # unanalysed: by artist, then title


def track_id(db: Database, title: str) -> int:
    with db.session() as session:
        found = session.scalars(select(Track.id).where(Track.title == title)).one()
    return int(found)


def open_picker(qtbot: QtBot, state: AppState) -> tuple[TrackPicker, list[int]]:
    picker = TrackPicker(state, "Find a track")
    qtbot.addWidget(picker)
    picker.resize(700, 320)
    picker.show()
    qtbot.waitExposed(picker)
    picked: list[int] = []
    picker.picked.connect(picked.append)
    return picker, picked


def listed(picker: TrackPicker) -> list[str]:
    return [picker.model.item(row).title for row in range(picker.model.rowCount())]


def answered(qtbot: QtBot, state: AppState) -> None:
    """Past the debounce, and every search's answer in."""
    qtbot.wait(SEARCH_DEBOUNCE_MS + 100)
    assert state.jobs.wait_idle(20000)


def test_enter_right_after_typing_picks_once_the_answer_arrives_and_the_window_never_waits(
    qtbot: QtBot, gui_state: AppState, populated_db: Database
) -> None:
    picker, picked = open_picker(qtbot, gui_state)
    ticks: list[int] = []
    clock = QTimer(interval=1)
    clock.timeout.connect(lambda: ticks.append(len(picked)))
    clock.start()
    picker.search.setFocus()
    qtbot.keyClicks(picker.search, "one more time")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # before the debounce, before any answer

    # Enter returned at once: nothing is picked yet, the pick waits for the answer to this very text.
    assert picked == [] and picker.waiting_to_pick
    ticks_at_enter = len(ticks)
    qtbot.waitUntil(lambda: picked != [], timeout=20000)
    assert picked == [track_id(populated_db, "One More Time")]
    # The event loop ran between Enter and the pick: the clock fired with nothing picked yet.
    assert ticks[ticks_at_enter:].count(0) > 0
    assert not picker.list.isVisible() and not picker.note.isVisible() and not picker.waiting_to_pick
    clock.stop()
    answered(qtbot, gui_state)
    assert picked == [track_id(populated_db, "One More Time")]  # picked once


def test_enter_while_the_search_runs_picks_its_first_row_when_it_arrives(
    qtbot: QtBot, gui_state: AppState, populated_db: Database
) -> None:
    picker, picked = open_picker(qtbot, gui_state)
    qtbot.keyClicks(picker.search, "artist:air")
    answered(qtbot, gui_state)
    assert listed(picker) == AIR_BY_TITLE and picked == []  # the library is read; nothing picked by typing

    picker.search.clear()
    qtbot.keyClicks(picker.search, "artist:bjork")
    picker.run_search()  # what the debounce does: the search is on its way
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert picked == [] and picker.note.text() == WAITING_TO_PICK
    qtbot.waitUntil(lambda: picked != [], timeout=20000)
    assert picked == [track_id(populated_db, "Bachelorette")]  # Björk's first by title


def test_a_newer_keystroke_drops_the_pick_that_enter_asked_for(
    qtbot: QtBot, gui_state: AppState, populated_db: Database
) -> None:
    picker, picked = open_picker(qtbot, gui_state)
    qtbot.keyClicks(picker.search, "artist:air")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert picker.waiting_to_pick
    qtbot.keyClicks(picker.search, " talis")  # typing on: Enter meant "artist:air", which is not in the box
    assert not picker.waiting_to_pick
    answered(qtbot, gui_state)
    assert picked == [] and listed(picker) == ["Talisman"] and picker.list.isVisible()
    assert picker.note.text() == "1 track match. Enter or a double-click picks one."

    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # the answer is shown: Enter picks at once
    assert picked == [track_id(populated_db, "Talisman")] and not picker.list.isVisible()


def test_arrows_choose_a_row_enter_or_a_double_click_picks_it(
    qtbot: QtBot, qtmodeltester: object, gui_state: AppState, populated_db: Database
) -> None:
    picker, picked = open_picker(qtbot, gui_state)
    qtbot.keyClicks(picker.search, "artist:air")
    answered(qtbot, gui_state)
    qtmodeltester.check(picker.model)  # type: ignore[attr-defined]
    view = picker.list  # as tall as its three rows: all seen, no empty box under them
    row_height = view.verticalHeader().defaultSectionSize()
    assert view.visualRect(picker.model.index(2, 0)).bottom() < view.viewport().height() <= 3 * row_height + 2
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Up):  # stops at the last
        qtbot.keyClick(picker.search, key)
    assert picker.list.currentIndex().row() == 1 and picker.search.hasFocus()
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert picked == [track_id(populated_db, "La femme d'argent")]

    qtbot.keyClicks(picker.search, " ")  # a new answer opens the list again
    answered(qtbot, gui_state)
    assert listed(picker) == AIR_BY_TITLE and picker.list.isVisible()
    cell = view.visualRect(picker.model.index(2, 0)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert picked[1:] == [track_id(populated_db, "Talisman")] and not view.isVisible()


def test_searches_that_find_nothing_or_are_not_valid_say_so_and_pick_nothing(
    qtbot: QtBot, gui_state: AppState, populated_db: Database
) -> None:
    picker, picked = open_picker(qtbot, gui_state)
    qtbot.keyClicks(picker.search, "artist:nobody")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    answered(qtbot, gui_state)
    assert picked == [] and not picker.waiting_to_pick and not picker.list.isVisible()
    assert picker.note.isVisible() and picker.note.text() == "No track matches this search."

    picker.search.clear()
    qtbot.keyClicks(picker.search, "year:abc")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    answered(qtbot, gui_state)
    assert picked == [] and not picker.waiting_to_pick
    assert picker.note.text().startswith("Not a valid search:") and "year" in picker.note.text()
    assert "color:" in picker.note.styleSheet()  # said as an error

    picker.search.clear()
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # an empty box: nothing to pick, the list closed
    answered(qtbot, gui_state)
    assert picked == [] and not picker.list.isVisible() and not picker.note.isVisible()


def test_a_library_change_is_read_again_even_with_a_search_on_its_way(
    qtbot: QtBot,
    gui_state: AppState,
    populated_db: Database,
    audio_templates: dict[str, Path],
    music_dir: Path,
) -> None:
    from analyzer.scan import scan_folders

    picker, picked = open_picker(qtbot, gui_state)
    qtbot.keyClicks(picker.search, "artist:air")
    answered(qtbot, gui_state)  # the library's columns are read and kept
    place_track(
        audio_templates, music_dir, LibraryTrack("Portishead", "Dummy", "Roads", 1994, "01 Roads.flac")
    )
    assert run_to_end(scan_folders(populated_db, [music_dir])).added == 1

    qtbot.keyClicks(picker.search, " talisman")
    picker.run_search()  # answered from the columns read before the scan...
    gui_state.library_changed.emit()  # ...while the scan's end reaches the window
    answered(qtbot, gui_state)
    picker.search.clear()
    qtbot.keyClicks(picker.search, "roads")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: picked != [], timeout=20000)
    assert picked == [track_id(populated_db, "Roads")]


def test_typing_on_while_the_library_is_read_reads_it_once(
    qtbot: QtBot, gui_state: AppState, populated_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analyzer.catalog import library

    reads: list[int] = []
    read_library = library.load_library

    def counted(session: Any) -> Any:
        reads.append(1)
        return read_library(session)

    monkeypatch.setattr(library, "load_library", counted)
    picker, picked = open_picker(qtbot, gui_state)
    qtbot.keyClicks(picker.search, "artist:air")
    assert picker.run_search() is not None  # the first search reads the library
    qtbot.keyClicks(picker.search, " talis")
    assert picker.run_search() is None  # waits for those columns instead of reading them again
    assert picker.note.text() == READING_LIBRARY
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: picked != [], timeout=20000)
    assert picked == [track_id(populated_db, "Talisman")]
    answered(qtbot, gui_state)
    assert len(reads) == 1
