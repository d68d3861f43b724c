"""The Similar screen on a real analysed library (generated audio, scanned and analysed once per session):
the empty state before analysis, a seed from "More like this", from a search typed into the box and from a
dropped file, the BPM and key filters, Play, and saving the list as M3U8 and XSPF."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QObject, QPoint, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QDropEvent
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.gui.similar import SimilarScreen
from app.gui.similar.controller import SimilarController
from app.gui.similar.screen import NO_MATCH, NO_SEED, NOT_ANALYSED
from app.gui.state import AppState
from models.engine import Database, open_database
from models.media import MediaFile
from models.schemas import SchemaConfig

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")
VARIANTS = {"song.mp3", "song.ogg", "song-trimmed.flac"}


@pytest.fixture
def state(analysed_library: tuple[Path, Path], tmp_path: Path) -> Iterator[AppState]:
    """A window state on a copy of the analysed database (and its similarity index)."""
    source, _ = analysed_library
    for suffix in ("", ".similarity.faiss", ".similarity.json"):
        shutil.copyfile(f"{source}{suffix}", tmp_path / f"library.db{suffix}")
    db = open_database(f"sqlite:///{tmp_path / 'library.db'}", SchemaConfig())
    app_state = AppState.for_tests(db, tmp_path / "settings")
    app_state.screen_names = frozenset({"library", "folders", "similar"})
    yield app_state
    app_state.jobs.cancel_all()
    app_state.jobs.wait_idle(10000)
    db.dispose()


@pytest.fixture
def music(analysed_library: tuple[Path, Path]) -> Path:
    return analysed_library[1]


def open_screen(qtbot: QtBot, state: AppState) -> SimilarScreen:
    screen = SimilarScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1100, 720)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activated()
    assert state.jobs.wait_idle(20000)
    return screen


def track_of(state: AppState, path: Path) -> int:
    with state.db.session() as session:
        found = session.execute(select(MediaFile.track_id).where(MediaFile.file_path == str(path))).scalar()
    assert found is not None
    return int(found)


def result_names(screen: SimilarScreen) -> list[str]:
    return [Path(track.path).name for track in screen.results_model.tracks()]


def cells(screen: SimilarScreen, row: int) -> list[str]:
    model = screen.results_model
    return [model.data(model.index(row, column)) for column in range(model.columnCount())]


def settle(qtbot: QtBot, state: AppState) -> None:
    qtbot.wait(FILTER_WAIT_MS)
    assert state.jobs.wait_idle(30000)


FILTER_WAIT_MS = 350  # past the filter and search debounce


class OpenedUrls(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def opened() -> Iterator[OpenedUrls]:
    handler = OpenedUrls()
    QDesktopServices.setUrlHandler("file", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("file")


def test_before_any_analysis_the_screen_says_to_run_it_and_leads_to_folders(
    qtbot: QtBot, sqlite_db: Database, tmp_path: Path
) -> None:
    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    state.screen_names = frozenset({"folders", "similar"})
    screen = open_screen(qtbot, state)
    assert screen.message.text() == NOT_ANALYSED and screen.pages.currentIndex() == 0
    assert screen.message_button.isVisible() and not screen.controls.isEnabled()
    with qtbot.waitSignal(screen.wants_screen) as asked:
        qtbot.mouseClick(screen.message_button, Qt.MouseButton.LeftButton)
    assert asked.args == ["folders"]


def test_building_the_screen_loads_neither_faiss_nor_essentia() -> None:
    code = (
        "import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]);"
        "from app.gui.state import AppState; from app.gui.similar import SimilarScreen;"
        "from models.engine import open_database; from models.bootstrap import init_database;"
        "db = open_database('sqlite://'); init_database(db); SimilarScreen(AppState.for_tests(db));"
        "print(sorted(m for m in ('faiss', 'essentia') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_more_like_this_lists_the_nearest_tracks_with_tempo_key_and_mix(
    qtbot: QtBot, qtmodeltester: object, state: AppState, music: Path
) -> None:
    screen = open_screen(qtbot, state)
    assert screen.message.text() == NO_SEED
    screen.navigate({"track_id": track_of(state, music / "song.flac")})
    assert state.jobs.wait_idle(20000)

    assert screen.seed_label.text().startswith("More like:  song.flac — Generator")
    assert "BPM" in screen.seed_label.text()
    assert len(result_names(screen)) == 5 and "song.flac" not in result_names(screen)
    assert set(result_names(screen)[:3]) == VARIANTS  # its own encodings sound nearest
    first = cells(screen, 0)
    assert first[0] == "1" and first[2] == "Generator" and abs(float(first[4]) - 100) <= 2
    distances = [t.distance for t in screen.results_model.tracks()]
    assert distances == sorted(distances)
    seed = screen.controller.seed
    assert seed is not None and seed.camelot
    for row, track in enumerate(screen.results_model.tracks()):
        mix = cells(screen, row)[6]
        assert (mix == "✓ same key") == (track.camelot == seed.camelot)
    qtmodeltester.check(screen.results_model)  # type: ignore[attr-defined]

    # Sorting by BPM (a header click) keeps every row; the rank column keeps the nearest-first number.
    header = screen.results.horizontalHeader()
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(header.sectionViewportPosition(4) + 5, 5)
    )
    bpms = [t.bpm for t in screen.results_model.tracks()]
    assert bpms == sorted(bpms) and sorted(int(cells(screen, r)[0]) for r in range(5)) == [1, 2, 3, 4, 5]

    state.database_changed.emit()  # another database: the list of this one goes
    assert screen.results_model.rowCount() == 0 and screen.message.text() == NO_SEED
    assert screen.seed_label.text() == "No track picked yet." and not screen.save_button.isEnabled()


def test_a_search_typed_in_the_box_picks_the_seed(
    qtbot: QtBot, qtmodeltester: object, state: AppState, music: Path
) -> None:
    screen = open_screen(qtbot, state)
    picker = screen.picker
    qtbot.keyClicks(picker.search, "title:third")
    settle(qtbot, state)
    assert picker.list.isVisible()
    names = [picker.model.item(r).title for r in range(picker.model.rowCount())]
    assert names == ["third.mp3"]
    qtmodeltester.check(picker.model)  # type: ignore[attr-defined]
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert state.jobs.wait_idle(20000)
    assert not picker.list.isVisible()
    assert screen.controller.seed is not None and screen.controller.seed.title == "third.mp3"
    assert "third.mp3" not in result_names(screen) and result_names(screen)
    assert screen.results.hasFocus()  # the list to look through next

    picker.search.clear()
    qtbot.keyClicks(picker.search, "year:abc")
    settle(qtbot, state)
    assert picker.note.isVisible() and picker.note.text().startswith("Not a valid search:")
    assert "year" in picker.note.text()


def test_enter_right_after_typing_picks_the_seed_once_the_search_answers(
    qtbot: QtBot, state: AppState, music: Path
) -> None:
    screen = open_screen(qtbot, state)
    qtbot.keyClicks(screen.picker.search, "title:other")
    qtbot.keyClick(screen.picker.search, Qt.Key.Key_Return)  # before the debounce, before any answer
    assert screen.controller.seed is None and screen.picker.waiting_to_pick
    qtbot.waitUntil(lambda: screen.controller.seed is not None, timeout=20000)
    assert screen.controller.seed is not None and screen.controller.seed.title == "other.flac"
    assert state.jobs.wait_idle(20000)
    assert result_names(screen) and "other.flac" not in result_names(screen)


def test_bpm_window_and_key_filters_query_again(qtbot: QtBot, state: AppState, music: Path) -> None:
    screen = open_screen(qtbot, state)
    screen.navigate({"track_id": track_of(state, music / "song.flac")})
    assert state.jobs.wait_idle(20000)
    assert len(result_names(screen)) == 5

    screen.bpm_box.setFocus()
    screen.bpm_box.selectAll()
    qtbot.keyClicks(screen.bpm_box, "5")
    settle(qtbot, state)
    assert set(result_names(screen)) == VARIANTS  # 128 and 80 BPM are outside ±5 % of 100

    screen.results.selectRow(2)
    chosen = screen.selected_track()
    with qtbot.waitSignal(screen.controller.results_ready, timeout=20000):
        state.library_changed.emit()  # e.g. a scan or analysis ended: the list is asked again, selection kept
    assert state.jobs.wait_idle(20000)
    assert set(result_names(screen)) == VARIANTS and screen.selected_track().track_id == chosen.track_id

    seed = screen.controller.seed
    assert seed is not None
    screen.key_box.setCurrentIndex(screen.key_box.findData("same"))
    settle(qtbot, state)
    assert all(t.camelot == seed.camelot for t in screen.results_model.tracks())

    screen.bpm_box.setValue(0)
    settle(qtbot, state)
    same_key_any_tempo = screen.results_model.tracks()
    assert same_key_any_tempo and all(t.camelot == seed.camelot for t in same_key_any_tempo)

    screen.bpm_box.setValue(1)  # ±1 % of 100 BPM while the key must match: maybe nothing, never noise
    settle(qtbot, state)
    if not screen.results_model.rowCount():
        assert screen.message.text() == NO_MATCH and not screen.save_button.isEnabled()


def test_a_dropped_file_is_found_by_path_or_by_its_audio(
    qtbot: QtBot, state: AppState, music: Path, tmp_path: Path
) -> None:
    screen = open_screen(qtbot, state)

    def drop(path: Path) -> None:
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                           Qt.KeyboardModifier.NoModifier)  # fmt: skip
        # QApplication delivers drop events only during a real drag: hand the event to the handler.
        screen.dropEvent(event)
        assert event.isAccepted()
        assert state.jobs.wait_idle(60000)

    drop(music / "other.flac")
    assert screen.controller.seed is not None and screen.controller.seed.title == "other.flac"

    outside = tmp_path / "elsewhere" / "renamed.ogg"
    outside.parent.mkdir()
    shutil.copyfile(music / "song.ogg", outside)  # same audio, a path the library does not know
    drop(outside)
    assert screen.controller.seed is not None and screen.controller.seed.title == "song.ogg"
    assert set(result_names(screen)[:3]) == {"song.flac", "song.mp3", "song-trimmed.flac"}

    notes = tmp_path / "elsewhere" / "notes.mp3"
    notes.write_text("not audio at all\n" * 50)
    drop(notes)
    assert "notes.mp3 is not in your library and cannot be read as audio" in screen.status.text()
    assert screen.controller.seed.title == "song.ogg"  # the list shown before stays


def test_play_and_save_the_list_as_m3u8_and_xspf(
    qtbot: QtBot,
    state: AppState,
    music: Path,
    tmp_path: Path,
    opened: OpenedUrls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = open_screen(qtbot, state)
    screen.navigate({"track_id": track_of(state, music / "song.flac")})
    assert state.jobs.wait_idle(20000)
    screen.results.setFocus()
    screen.results.selectRow(1)
    qtbot.keyClick(screen.results, Qt.Key.Key_Return)
    assert [Path(url.toLocalFile()).name for url in opened.urls] == [result_names(screen)[1]]

    target = tmp_path / "out" / "mix"
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "M3U8 playlist (*.m3u8)")
    )
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    lines = (tmp_path / "out" / "mix.m3u8").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U" and Path(lines[2]).name == "song.flac"  # the seed first
    assert [Path(p).name for p in lines[4::2]] == result_names(screen)
    assert screen.status.text() == "Saved 6 tracks to mix.m3u8."

    xspf = tmp_path / "out" / "mix.xspf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(xspf), "M3U8 playlist (*.m3u8)"))
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    text = xspf.read_text(encoding="utf-8")
    assert text.count("<track>") == 6 and "<title>More like song.flac</title>" in text

    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "out" / "mix.m3u8" / "x.m3u8"), "")
    )
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    assert screen.status.text().startswith("Could not save the playlist:")  # its folder is a file


def test_a_track_that_is_not_analysed_says_so(qtbot: QtBot, state: AppState, music: Path) -> None:
    controller = SimilarController(state)
    with state.db.session() as session:
        media = session.execute(
            select(MediaFile).where(MediaFile.file_path == str(music / "third.mp3"))
        ).scalar_one()
        track_id = media.track_id
        from models.media import AudioFeatures

        session.query(AudioFeatures).filter(AudioFeatures.media_file_id == media.id).delete()
    failures: list[str] = []
    controller.query_failed.connect(failures.append)
    controller.set_seed(int(track_id))  # type: ignore[arg-type]
    assert state.jobs.wait_idle(20000)
    assert failures == ["This track is not analysed yet: run Analyze to find tracks that sound like it."]
