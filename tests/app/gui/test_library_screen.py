"""The Library screen driven the way a person uses it, on a library scanned from real files: search, sort,
browse, select, the detail pane's actions, reloads while a scan runs, the empty state and bad queries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from analyzer.scan import scan_folders
from app.gui.library.model import TRACK_ID_ROLE
from app.gui.library.screen import SEARCH_DEBOUNCE_MS, LibraryScreen
from app.gui.state import AppState
from models.engine import Database
from models.progress import run_to_end
from tests.app.gui.conftest import LIBRARY_TRACKS, LibraryTrack, place_track

WAIT = SEARCH_DEBOUNCE_MS * 3 + 200


def open_screen(qtbot: QtBot, state: AppState) -> LibraryScreen:
    screen = LibraryScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1100, 720)
    screen.show()
    qtbot.waitExposed(screen)
    qtbot.waitUntil(lambda: screen.controller.loads >= 1, timeout=20000)
    assert state.jobs.wait_idle(20000)  # the search index too
    return screen


def shot(widget: QWidget, name: str) -> None:
    """Save what the person sees to $LIBRARY_SCREEN_SHOTS/<name>.png when set (to look at it), and check
    that something was painted."""
    QApplication.processEvents()  # let pending layout requests run, as the event loop would before a paint
    image = widget.grab()
    assert not image.isNull() and image.width() > 500
    folder = os.environ.get("LIBRARY_SCREEN_SHOTS")
    if folder:
        image.save(str(Path(folder) / f"{name}.png"))


def titles(screen: LibraryScreen) -> list[str]:
    model = screen.model
    at = model.column_of("title")
    return [model.data(model.index(row, at)) for row in range(model.rowCount())]


def row_of_title(screen: LibraryScreen, title: str) -> int:
    return titles(screen).index(title)


def click_header(qtbot: QtBot, screen: LibraryScreen, name: str) -> None:
    header = screen.table.horizontalHeader()
    column = screen.model.column_of(name)
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def click_row(qtbot: QtBot, screen: LibraryScreen, row: int) -> None:
    rect = screen.table.visualRect(screen.model.index(row, screen.model.column_of("title")))
    qtbot.mouseClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def type_search(qtbot: QtBot, screen: LibraryScreen, text: str) -> None:
    screen.search.clear()
    qtbot.keyClicks(screen.search, text)
    qtbot.waitUntil(lambda: not screen._debounce.isActive(), timeout=WAIT)


class OpenedUrls(QObject):
    """Stands in for the desktop's file handler (QDesktopServices hands it every file:// URL)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def opened() -> OpenedUrls:
    handler = OpenedUrls()
    QDesktopServices.setUrlHandler("file", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("file")


def test_the_library_lists_every_scanned_track_and_counts_them(
    qtbot: QtBot, populated_db: Database, gui_state: AppState
) -> None:
    screen = open_screen(qtbot, gui_state)
    assert sorted(titles(screen)) == sorted(track.title for track in LIBRARY_TRACKS)
    assert screen.count_label.text() == "6 tracks"
    assert screen.pages.currentWidget() is screen.table
    assert screen.visible_row_count() == 6
    artists = screen.artists.model()
    assert artists.data(artists.index(0, 0)) == "All artists (3)"
    assert [artists.data(artists.index(row, 0)) for row in range(1, 4)] == [
        "Air (3)",
        "Björk (2)",
        "Daft Punk (1)",
    ]
    shot(screen, "library")


def test_typing_a_query_filters_after_the_debounce(
    qtbot: QtBot, populated_db: Database, gui_state: AppState
) -> None:
    screen = open_screen(qtbot, gui_state)
    qtbot.keyClicks(screen.search, "artist:air")
    assert screen.visible_row_count() == 6  # nothing happens while the person is typing
    qtbot.waitUntil(lambda: screen.visible_row_count() == 3, timeout=WAIT)
    assert sorted(titles(screen)) == ["Cherry Blossom Girl", "La femme d'argent", "Talisman"]
    assert screen.count_label.text() == "3 of 6 tracks"
    type_search(qtbot, screen, "year:>2000")
    assert sorted(titles(screen)) == ["Cherry Blossom Girl", "One More Time"]
    type_search(qtbot, screen, "joga")  # free text ignores case and accents
    assert titles(screen) == ["Jóga"]
    qtbot.keyClick(screen.search, Qt.Key.Key_Escape)
    assert screen.search.text() == "" and screen.visible_row_count() == 6


def test_a_bad_query_says_why_and_keeps_the_rows(
    qtbot: QtBot, populated_db: Database, gui_state: AppState
) -> None:
    screen = open_screen(qtbot, gui_state)
    type_search(qtbot, screen, "artist:air")
    assert screen.visible_row_count() == 3
    type_search(qtbot, screen, "year:>abc")
    assert screen.visible_row_count() == 3  # unchanged
    assert screen.search_error.isVisible() and screen.search_error.text().startswith("Not a valid search: ")
    assert len(screen.search_error.text()) > len("Not a valid search: ") + 5
    assert screen.search.toolTip() and "border" in screen.search.styleSheet()
    type_search(qtbot, screen, "artist:daft")
    assert titles(screen) == ["One More Time"]
    assert not screen.search_error.isVisible() and screen.search.styleSheet() == ""
    assert "bpm:120..130" in screen.search.toolTip()  # the syntax again, not the old error


def test_clicking_a_header_sorts_and_again_reverses(
    qtbot: QtBot, populated_db: Database, gui_state: AppState
) -> None:
    screen = open_screen(qtbot, gui_state)
    click_header(qtbot, screen, "title")
    expected = sorted(
        (track.title for track in LIBRARY_TRACKS), key=lambda title: title.replace("ó", "o").lower()
    )
    assert titles(screen) == expected
    click_header(qtbot, screen, "title")
    assert titles(screen) == list(reversed(expected))
    click_header(qtbot, screen, "year")
    years = [screen.model.data(screen.model.index(row, screen.model.column_of("year"))) for row in range(6)]
    assert years == sorted(years)


def test_selecting_a_track_shows_its_detail_and_the_actions_work(
    qtbot: QtBot, populated_db: Database, gui_state: AppState, music_dir: Path, opened: OpenedUrls
) -> None:
    screen = open_screen(qtbot, gui_state)
    click_row(qtbot, screen, row_of_title(screen, "Talisman"))
    path = music_dir / "Air" / "Moon Safari" / "02 Talisman.ogg"
    detail = screen.detail
    assert detail.heading.text() == "Talisman"
    assert "Air" in detail.subheading.text() and "Moon Safari" in detail.subheading.text()
    assert detail.files.item(0, 0).text() == str(path)
    assert "OGG" in detail.file_facts.text() and "Audio hash: not analyzed yet" in detail.file_facts.text()
    tags = {
        detail.tags.item(row, 0).text(): detail.tags.item(row, 1).text()
        for row in range(detail.tags.rowCount())
    }
    assert tags.get("title") == "Talisman" or "Talisman" in tags.values()

    qtbot.mouseClick(detail.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == str(path)
    qtbot.mouseClick(detail.play_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(detail.folder_button, Qt.MouseButton.LeftButton)
    assert [url.toLocalFile() for url in opened.urls] == [str(path), str(path.parent)]
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_Return)  # Enter in the table plays the current track
    assert opened.urls[-1].toLocalFile() == str(path)
    shot(screen, "library-detail")
    actions = {action.text(): action for action in screen.track_menu().actions()}
    assert set(actions) == {"Play", "Open containing folder", "Copy path"}
    QGuiApplication.clipboard().clear()
    actions["Copy path"].trigger()
    assert QGuiApplication.clipboard().text() == str(path)


def test_a_reload_during_a_scan_keeps_filter_sort_and_selection(
    qtbot: QtBot,
    populated_db: Database,
    gui_state: AppState,
    music_dir: Path,
    audio_templates: dict[str, Path],
) -> None:
    screen = open_screen(qtbot, gui_state)
    type_search(qtbot, screen, "artist:air")
    click_header(qtbot, screen, "title")
    click_row(qtbot, screen, row_of_title(screen, "Talisman"))
    selected = screen.current_track_id()
    place_track(
        audio_templates,
        music_dir,
        LibraryTrack("Air", "Moon Safari", "Kelly Watch the Stars", 1998, "03 Kelly.flac"),
    )
    place_track(
        audio_templates, music_dir, LibraryTrack("Moby", "Play", "Porcelain", 1999, "01 Porcelain.mp3")
    )
    run_to_end(scan_folders(populated_db, [music_dir]))
    loads = screen.controller.loads
    gui_state.library_changed.emit()
    qtbot.waitUntil(lambda: screen.controller.loads > loads, timeout=20000)
    assert titles(screen) == ["Cherry Blossom Girl", "Kelly Watch the Stars", "La femme d'argent", "Talisman"]
    assert screen.search.text() == "artist:air" and screen.count_label.text() == "4 of 8 tracks"
    assert screen.current_track_id() == selected
    assert screen.table.selectionModel().isRowSelected(row_of_title(screen, "Talisman"))
    assert screen.detail.heading.text() == "Talisman"


def test_browse_panes_filter_together_with_the_search(
    qtbot: QtBot, populated_db: Database, gui_state: AppState
) -> None:
    screen = open_screen(qtbot, gui_state)
    artists, albums = screen.artists, screen.albums
    air = artists.model().index(1, 0)
    qtbot.mouseClick(artists.viewport(), Qt.MouseButton.LeftButton, pos=artists.visualRect(air).center())
    assert sorted(titles(screen)) == ["Cherry Blossom Girl", "La femme d'argent", "Talisman"]
    album_names = [
        albums.model().data(albums.model().index(row, 0)) for row in range(albums.model().rowCount())
    ]
    assert album_names == ["All albums (2)", "Moon Safari (2)", "Talkie Walkie (1)"]
    moon = albums.model().index(1, 0)
    qtbot.mouseClick(albums.viewport(), Qt.MouseButton.LeftButton, pos=albums.visualRect(moon).center())
    assert sorted(titles(screen)) == ["La femme d'argent", "Talisman"]
    type_search(qtbot, screen, "talis")
    assert titles(screen) == ["Talisman"]
    everyone = artists.model().index(0, 0)
    qtbot.mouseClick(artists.viewport(), Qt.MouseButton.LeftButton, pos=artists.visualRect(everyone).center())
    assert titles(screen) == ["Talisman"] and screen.count_label.text() == "1 of 6 tracks"
    assert albums.currentIndex().row() == 0  # back to all albums


def test_an_empty_library_says_what_to_do_and_leads_to_the_folders(
    qtbot: QtBot, sqlite_db: Database, gui_state: AppState
) -> None:
    screen = open_screen(qtbot, gui_state)
    assert screen.pages.currentIndex() == 0 and "empty" in screen.message.text()
    assert screen.message_button.isVisible()
    with qtbot.waitSignal(screen.wants_screen, timeout=1000) as wanted:
        qtbot.mouseClick(screen.message_button, Qt.MouseButton.LeftButton)
    assert wanted.args == ["folders"]
    assert screen.count_label.text() == "0 tracks"
    shot(screen, "library-empty")


def test_keyboard_and_the_column_chooser_remembered_in_settings(
    qtbot: QtBot, populated_db: Database, gui_state: AppState
) -> None:
    screen = open_screen(qtbot, gui_state)
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(screen.table.selectionModel().selectedRows()) <= 1  # one track at a time
    qtbot.keyClick(screen.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert screen.search.hasFocus()
    header = screen.table.horizontalHeader()
    plays = screen.model.column_of("plays")
    assert not header.isSectionHidden(plays) and header.isSectionHidden(
        screen.model.column_of("album_artist")
    )
    menu = screen.column_menu()
    by_label = {action.text(): action for action in menu.actions()}
    assert by_label["Plays"].isChecked() and not by_label["Album artist"].isChecked()
    by_label["Plays"].trigger()
    assert header.isSectionHidden(plays)
    click_header(qtbot, screen, "year")
    screen.close()
    again = open_screen(qtbot, gui_state)
    again_header = again.table.horizontalHeader()
    assert again_header.isSectionHidden(plays)
    assert again_header.sortIndicatorSection() == again.model.column_of("year")
    years = [again.model.data(again.model.index(row, again.model.column_of("year"))) for row in range(6)]
    assert years == sorted(years)
    assert again.model.data(again.model.index(0, 0), TRACK_ID_ROLE) is not None


def test_a_track_whose_file_is_gone_is_greyed_and_cannot_be_played(
    qtbot: QtBot, populated_db: Database, gui_state: AppState, music_dir: Path, opened: OpenedUrls
) -> None:
    screen = open_screen(qtbot, gui_state)
    path = music_dir / "Air" / "Moon Safari" / "02 Talisman.ogg"
    path.unlink()
    run_to_end(scan_folders(populated_db, [music_dir]))
    loads = screen.controller.loads
    gui_state.library_changed.emit()
    qtbot.waitUntil(lambda: screen.controller.loads > loads, timeout=20000)
    row = row_of_title(screen, "Talisman")
    title = screen.model.index(row, screen.model.column_of("title"))
    assert "Rescan" in screen.model.data(title, Qt.ItemDataRole.ToolTipRole)
    assert screen.model.data(title, Qt.ItemDataRole.ForegroundRole) is not None
    assert (
        screen.model.data(screen.model.index(row_of_title(screen, "Jóga"), 0), Qt.ItemDataRole.ToolTipRole)
        is None
    )
    click_row(qtbot, screen, row)
    detail = screen.detail
    assert detail.files.item(0, 0).text() == str(path)
    assert "not on disk any more" in detail.file_facts.text()
    assert not detail.play_button.isEnabled() and not detail.folder_button.isEnabled()
    assert "not on disk" in detail.play_button.toolTip()
    actions = {action.text(): action for action in screen.track_menu().actions()}
    assert not actions["Play"].isEnabled() and actions["Copy path"].isEnabled()
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    assert opened.urls == []  # nothing to open: the person sees why on the disabled button
    actions["Copy path"].trigger()
    assert QGuiApplication.clipboard().text() == str(path)


def test_reload_requests_during_a_load_end_in_one_more_load(
    qtbot: QtBot, populated_db: Database, gui_state: AppState
) -> None:
    screen = open_screen(qtbot, gui_state)
    loads = screen.controller.loads
    for _ in range(5):  # a scan signals every committed batch
        gui_state.library_changed.emit()
    assert screen.controller.loading
    assert gui_state.jobs.wait_idle(20000)
    qtbot.waitUntil(lambda: not screen.controller.loading, timeout=20000)
    assert screen.controller.loads - loads == 2  # the one running, then one for everything asked meanwhile
    assert screen.visible_row_count() == len(LIBRARY_TRACKS)


def test_a_library_that_cannot_be_read_says_why_and_can_be_retried(
    qtbot: QtBot, populated_db: Database, gui_state: AppState
) -> None:
    from sqlalchemy import text

    def rename(old: str, new: str) -> None:
        with populated_db.engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))

    rename("audio_features", "audio_features_away")  # a damaged database: a table the library reads is gone
    screen = LibraryScreen(gui_state)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.message.text().startswith("Could not read the library:"), timeout=20000)
    assert screen.message_button.text() == "Try again" and screen.message_button.isVisible()
    rename("audio_features_away", "audio_features")
    qtbot.mouseClick(screen.message_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.visible_row_count() == len(LIBRARY_TRACKS), timeout=20000)
    assert screen.pages.currentWidget() is screen.table


def test_switching_the_database_reloads_the_library(
    qtbot: QtBot, populated_db: Database, gui_state: AppState, tmp_path: Path
) -> None:
    screen = open_screen(qtbot, gui_state)
    assert screen.visible_row_count() == len(LIBRARY_TRACKS)
    loads = screen.controller.loads
    gui_state.open_database(f"sqlite:///{tmp_path / 'other.db'}")
    qtbot.waitUntil(lambda: screen.controller.loads > loads, timeout=20000)
    assert screen.visible_row_count() == 0 and "empty" in screen.message.text()
    assert screen.pages.currentIndex() == 0 and screen.count_label.text() == "0 tracks"


def test_an_analysed_track_shows_its_features_in_the_table_and_the_detail(
    qtbot: QtBot, sqlite_db: Database, gui_state: AppState, tmp_path: Path
) -> None:
    from analyzer.analysis import run_analysis
    from tests.analyzer.test_audio_fingerprint import synth_music, write_wav
    from tests.audio_signals import encode
    from tests.scan_audio import tag

    music = tmp_path / "music"
    music.mkdir()
    song = encode(write_wav(tmp_path / "song.wav", synth_music(20.0, seed=11, bpm=100)), music / "song.flac")
    tag(song, title="Generated", artist="Synth", album="Tests", date="2020")
    run_to_end(scan_folders(sqlite_db, [music]))
    assert run_analysis(sqlite_db, workers=1).analyzed == 1
    screen = open_screen(qtbot, gui_state)
    bpm = screen.model.data(screen.model.index(0, screen.model.column_of("bpm")))
    key = screen.model.data(screen.model.index(0, screen.model.column_of("key")))
    assert bpm.isdigit() and 60 <= int(bpm) <= 200  # whole beats per minute
    assert key[:-1].isdigit() and key[-1] in "AB"  # a Camelot code
    click_row(qtbot, screen, 0)
    labels = screen.detail.feature_labels
    assert labels["BPM"].text() == bpm
    assert labels["Key"].text().endswith(f"({key})")  # "A minor (8A)"
    assert labels["Loudness"].text().endswith(" LUFS")
    assert labels["Energy"].text() != "—" and labels["Danceability"].text() != "—"
    facts = screen.detail.file_facts.text()
    assert "FLAC" in facts and "kHz" in facts and ("KiB" in facts or "MiB" in facts)  # the file's size
    audio_hash = facts.split("Audio hash: ")[1]
    assert len(audio_hash) == 32 and int(audio_hash, 16) >= 0
    shot(screen, "library-analysed")


def test_columns_fill_the_table_until_the_person_sizes_one(
    qtbot: QtBot, populated_db: Database, gui_state: AppState
) -> None:
    screen = open_screen(qtbot, gui_state)
    header, viewport = screen.table.horizontalHeader(), screen.table.viewport()
    qtbot.waitUntil(lambda: abs(header.length() - viewport.width()) <= 4, timeout=2000)
    screen.resize(1300, 720)
    qtbot.waitUntil(lambda: abs(header.length() - viewport.width()) <= 4, timeout=2000)
    assert not screen.table.horizontalScrollBar().isVisible()
    title = screen.model.column_of("title")
    header.resizeSection(title, 400)  # what dragging the section edge does
    widths = [header.sectionSize(c) for c in range(header.count())]
    screen.resize(1000, 720)
    qtbot.wait(50)
    assert [header.sectionSize(c) for c in range(header.count())] == widths  # the person's widths stay


def test_rows_come_before_the_search_index_and_a_search_waits_for_it(
    qtbot: QtBot, populated_db: Database, gui_state: AppState
) -> None:
    from app.gui.library.controller import LibraryController

    controller = LibraryController(gui_state)
    seen: list[tuple[bool, int]] = []

    def on_first_load() -> None:  # runs before the index job can report back (both are main-thread events)
        seen.append((controller.searchable, controller.model.rowCount()))
        assert controller.set_query("artist:air") is None
        seen.append((controller.searchable, controller.model.rowCount()))

    controller.loaded.connect(on_first_load)
    with qtbot.waitSignal(controller.loaded, timeout=20000):
        controller.reload()
    assert seen == [(False, 6), (False, 6)]  # rows on screen, the search not applied yet
    assert gui_state.jobs.wait_idle(20000)
    assert controller.searchable and controller.model.rowCount() == 3
    controller.loaded.disconnect(on_first_load)
    with qtbot.waitSignal(controller.loaded, timeout=20000):
        controller.reload()  # with a search in the box the load builds the index: filtered at once
    assert controller.searchable and controller.model.rowCount() == 3


def test_closing_the_screen_while_it_loads_leaves_nothing_behind(
    qtbot: QtBot, populated_db: Database, gui_state: AppState
) -> None:
    from shiboken6 import Shiboken

    screen = LibraryScreen(gui_state)  # the load starts at once
    assert screen.controller.loading
    Shiboken.delete(screen)  # the window goes away before the load ends
    assert gui_state.jobs.wait_idle(20000)  # its end reaches nothing deleted (pytest-qt fails on any error)
    QApplication.processEvents()


def test_the_library_loads_searches_and_shows_detail_on_every_database_layout(
    qtbot: QtBot, db: Database, audio_templates: dict[str, Path], music_dir: Path, tmp_path: Path
) -> None:
    for track in LIBRARY_TRACKS:
        place_track(audio_templates, music_dir, track)
    run_to_end(scan_folders(db, [music_dir]))
    state = AppState.for_tests(db, tmp_path / "settings")
    try:
        screen = open_screen(qtbot, state)
        assert sorted(titles(screen)) == sorted(track.title for track in LIBRARY_TRACKS)
        type_search(qtbot, screen, "artist:bjork")
        assert sorted(titles(screen)) == ["Bachelorette", "Jóga"]
        click_row(qtbot, screen, row_of_title(screen, "Jóga"))
        assert screen.detail.files.item(0, 0).text() == str(
            music_dir / "Björk" / "Homogenic" / "01 Jóga.flac"
        )
    finally:
        state.jobs.wait_idle(20000)
