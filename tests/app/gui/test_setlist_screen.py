"""The Set builder screen on a real analysed library (the Similar screen's session fixture: generated audio,
scanned and analysed once): a start picked by typing a search, the set table against ``build_setlist``'s own
answer, a rebuild with another N or BPM window from the same start, saving as a playlist, the Library's
"Build a set from this", and the words shown for no analysis, an unanalysed start and a short set."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from analyzer.curation.playlists import playlist_track_ids
from analyzer.curation.setlist import Setlist, build_setlist
from analyzer.scan import run_scan
from app.gui.main import build_window
from app.gui.setlist import SetlistScreen
from app.gui.setlist.controller import NOT_ANALYSED_START
from app.gui.setlist.screen import NO_START, NOT_ANALYSED
from app.gui.sorted_rows import TRACK_ID_ROLE
from app.gui.state import AppState
from models.curation import Playlist
from models.engine import Database, open_database
from models.media import MediaFile
from models.schemas import SchemaConfig
from tests.app.gui.conftest import LIBRARY_TRACKS, place_track

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")


@pytest.fixture
def state(analysed_library: tuple[Path, Path], tmp_path: Path) -> Iterator[AppState]:
    """A window state on a copy of the analysed database (and its similarity index)."""
    source, _ = analysed_library
    for suffix in ("", ".similarity.faiss", ".similarity.json"):
        shutil.copyfile(f"{source}{suffix}", tmp_path / f"library.db{suffix}")
    db = open_database(f"sqlite:///{tmp_path / 'library.db'}", SchemaConfig())
    app_state = AppState.for_tests(db, tmp_path / "settings")
    app_state.screen_names = frozenset({"library", "folders", "setlist", "playlists"})
    yield app_state
    app_state.jobs.cancel_all()
    app_state.jobs.wait_idle(10000)
    db.dispose()


def open_screen(qtbot: QtBot, state: AppState) -> SetlistScreen:
    screen = SetlistScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1100, 720)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activated()
    settle(state)
    return screen


def settle(state: AppState) -> None:
    for _ in range(3):  # a read that starts a job that starts a read
        assert state.jobs.wait_idle(60000)
        QApplication.processEvents()


def track_named(db: Database, name: str) -> int:
    with db.session() as session:
        found = session.scalars(
            select(MediaFile.track_id).where(MediaFile.file_path.like(f"%/{name}"))
        ).first()
    assert found is not None
    return int(found)


def shown(screen: SetlistScreen) -> list[list[str]]:
    model = screen.model
    return [
        [model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())
    ]


def expected(setlist: Setlist) -> list[list[str]]:
    """The rows the table must show for ``setlist``, from the core's own values."""
    rows = [["1", setlist.start.artist or "", setlist.start.title, f"{setlist.start.bpm:.1f}", setlist.start.camelot,
             "start", "", ""]]  # fmt: skip
    for number, step in enumerate(setlist.transitions, start=2):
        t = step.track
        rows.append([str(number), t.artist or "", t.title, f"{t.bpm:.1f}", t.camelot,
                     step.recommendation.split("; ")[0], f"{step.bpm_change_pct:+.1f} %", f"{step.distance:.2f}"])  # fmt: skip
    return rows


def pick_by_typing(qtbot: QtBot, screen: SetlistScreen, text: str) -> None:
    screen.picker.search.setFocus()
    qtbot.keyClicks(screen.picker.search, text)
    qtbot.keyClick(screen.picker.search, Qt.Key.Key_Return)
    settle(screen.state)


def test_a_set_built_from_a_searched_track_shows_the_cores_set_and_rebuilds_from_the_same_start(
    qtbot: QtBot, qtmodeltester: object, state: AppState
) -> None:
    screen = open_screen(qtbot, state)
    started: list[str] = []
    state.jobs.job_started.connect(lambda job: started.append(job.title))
    assert screen.pages.currentIndex() == 0 and screen.message_page.message.text() == NO_START
    assert not screen.build_button.isEnabled() and not screen.save_button.isEnabled()

    pick_by_typing(qtbot, screen, "song.flac")
    start = track_named(state.db, "song.flac")
    assert screen.controller.start is not None and screen.controller.start.track_id == start
    assert screen.start_label.text().startswith("Starts with:  song.flac — Generator  ·  100.0 BPM  ·  key ")
    core = build_setlist(state.db, start, 10, bpm_window=6.0)
    assert (
        len(core.tracks) == 4 and core.stopped_early
    )  # the library has four versions of one song at 100 BPM
    assert screen.pages.currentIndex() == 1 and shown(screen) == expected(core)
    assert shown(screen)[1][5] == "same key" and shown(screen)[1][6] in ("+0.0 %", "-0.0 %")
    assert screen.model.data(screen.model.index(1, 0), TRACK_ID_ROLE) == core.tracks[1].track_id
    assert screen.note.isVisible() and screen.note.text().startswith("Only 4 of 10 tracks: no unused track")
    assert "wider BPM window" in screen.note.text()
    assert started == ["Build a set from song.flac"]  # listed in the jobs panel
    qtmodeltester.check(screen.model)  # type: ignore[attr-defined]
    qtmodeltester.check(screen.picker.model)  # type: ignore[attr-defined]

    # Fewer tracks: the start stays.
    screen.count_box.setFocus()
    screen.count_box.selectAll()
    qtbot.keyClicks(screen.count_box, "3")
    qtbot.mouseClick(screen.build_button, Qt.MouseButton.LeftButton)
    settle(state)
    assert shown(screen) == expected(build_setlist(state.db, start, 3, bpm_window=6.0))
    assert not screen.note.isVisible() and shown(screen)[0][2] == "song.flac"

    # A wider window reaches the 80 and 128 BPM tracks; Ctrl+Enter builds too.
    screen.count_box.selectAll()
    qtbot.keyClicks(screen.count_box, "10")
    screen.window_box.setFocus()
    screen.window_box.selectAll()
    qtbot.keyClicks(screen.window_box, "30")
    qtbot.keyClick(screen.window_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(state)
    wide = build_setlist(state.db, start, 10, bpm_window=30.0)
    assert len(wide.tracks) > 4 and shown(screen) == expected(wide)
    assert shown(screen)[0][2] == "song.flac"
    assert state.settings.value("setlist/count") in (10, "10")  # remembered for the next start


def answer_name(qtbot: QtBot, name: str | None, seen: list[str]) -> None:
    """Type a name into the save prompt and press Enter (None: Escape), once the prompt is up."""

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append(dialog.textValue())
        if name is None:
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
            return
        dialog.setTextValue(name)
        qtbot.keyClick(dialog, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)


def test_saving_the_set_makes_a_playlist_with_its_tracks_in_order(qtbot: QtBot, state: AppState) -> None:
    screen = open_screen(qtbot, state)
    screen.navigate({"track_id": track_named(state.db, "song.ogg")})
    settle(state)
    order = screen.model.track_ids()
    assert len(order) == 4

    seen: list[str] = []
    answer_name(qtbot, None, seen)  # Escape: nothing is saved
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    settle(state)
    assert seen == ["Set from Generator - song.ogg"]  # the default name comes from the start track
    answer_name(qtbot, "   ", seen)
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    settle(state)
    assert screen.status.text() == "Give the playlist a name."
    with state.db.session() as session:
        assert session.scalar(select(Playlist.id)) is None

    answer_name(qtbot, "Warm-up", seen)
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    settle(state)
    assert screen.status.text() == "Saved as the playlist “Warm-up” (4 tracks)."
    with state.db.session() as session:
        playlist = session.scalars(select(Playlist)).one()
        assert playlist.title == "Warm-up" and playlist.platform == "local"
        assert playlist_track_ids(session, playlist.id) == order
    assert screen.saved_playlist == playlist.id


def test_the_library_sends_a_track_to_the_set_builder(qtbot: QtBot, state: AppState) -> None:
    window = build_window(state, start_screen="library")
    window.remember = False
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    library = window.screens["library"]
    qtbot.waitUntil(lambda: library.visible_row_count() > 0, timeout=20000)
    settle(state)
    start = track_named(state.db, "song.mp3")
    library.select_track(start)
    jump = next(action for action in library.track_menu().actions() if action.objectName() == "jump-setlist")
    assert jump.text() == "Build a set from this"
    jump.trigger()
    settle(state)
    assert window.current_screen() == "setlist"
    screen = window.screens["setlist"]
    assert shown(screen) == expected(build_setlist(state.db, start, 10, bpm_window=6.0))


def test_a_start_without_analysis_is_said_and_no_job_runs(
    qtbot: QtBot, state: AppState, audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    place_track(audio_templates, tmp_path / "new", LIBRARY_TRACKS[0])
    run_scan(state.db, [tmp_path / "new"], workers=1)  # scanned, never analysed
    screen = open_screen(qtbot, state)
    started: list[str] = []
    state.jobs.job_started.connect(lambda job: started.append(job.title))
    screen.navigate({"track_id": track_named(state.db, LIBRARY_TRACKS[0].file_name)})
    settle(state)
    assert screen.pages.currentIndex() == 0
    assert screen.message_page.message.text() == NOT_ANALYSED_START.format(title="Jóga")
    assert screen.message_page.button.isVisible()  # Go to Folders
    assert started == []
    assert not screen.save_button.isEnabled()


def test_a_library_without_analysis_says_to_analyze(
    qtbot: QtBot, gui_state: AppState, populated_db: Database
) -> None:
    gui_state.screen_names = frozenset({"folders", "setlist"})
    screen = open_screen(qtbot, gui_state)
    assert screen.message_page.message.text() == NOT_ANALYSED
    with qtbot.waitSignal(screen.wants_screen) as blocker:
        qtbot.mouseClick(screen.message_page.button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["folders"]
    assert not screen.controls.isEnabled()
