"""The Duplicates screen on a real analysed library (generated audio: four encodings of one piece and two
identical copies of another): groups biggest waste first with their evidence and files, the kept file and
its reason, choosing another file to keep, and "Move the others to the trash…" through the confirmation into
the real system trash of a temporary home (QFile.moveToTrash), or into none where there is no trash."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from analyzer.analysis import run_analysis
from analyzer.duplicates.trash import trash_records
from analyzer.scan import run_scan
from app.gui.duplicates import DuplicatesScreen
from app.gui.duplicates.controller import NO_TRASH
from app.gui.duplicates.model import KEEP_MARK
from app.gui.duplicates.screen import NO_DUPLICATES
from app.gui.duplicates.trash_dialog import ConfirmTrashDialog
from app.gui.state import AppState
from models.engine import Database
from tests.audio_signals import make_library

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("duplicates-screen-audio"))


@pytest.fixture
def music(sqlite_db: Database, generated: Path, tmp_path: Path) -> Path:
    root = shutil.copytree(generated, tmp_path / "music")
    shutil.copyfile(root / "third.mp3", root / "third-copy.mp3")
    run_scan(sqlite_db, [root], workers=1)
    run_analysis(sqlite_db, workers=1)
    return root


@pytest.fixture
def state(sqlite_db: Database, tmp_path: Path) -> Iterator[AppState]:
    app_state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    yield app_state
    app_state.jobs.cancel_all()
    app_state.jobs.wait_idle(10000)


def open_screen(qtbot: QtBot, state: AppState) -> DuplicatesScreen:
    screen = DuplicatesScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1150, 700)
    screen.show()
    qtbot.waitExposed(screen)
    assert state.jobs.wait_idle(30000)
    return screen


def file_names(screen: DuplicatesScreen) -> list[str]:
    model = screen.files_model
    return [Path(model.item(r).file.path).name for r in range(model.rowCount())]


def file_cells(screen: DuplicatesScreen, name: str) -> list[str]:
    model = screen.files_model
    row = file_names(screen).index(name)
    return [model.data(model.index(row, c)) for c in range(model.columnCount())]


def answer_confirmation(qtbot: QtBot, accept: bool, seen: list[list[str]]) -> None:
    """Click the confirmation's button the way a person would, once the modal dialog is up."""

    def click() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ConfirmTrashDialog):
            QTimer.singleShot(20, click)
            return
        seen.append(dialog.listed_paths())
        if accept:
            qtbot.mouseClick(dialog.move_button, Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter hits Cancel, the default button

    QTimer.singleShot(0, click)


def test_groups_come_biggest_waste_first_with_evidence_files_and_the_kept_file(
    qtbot: QtBot, qtmodeltester: object, state: AppState, music: Path
) -> None:
    screen = open_screen(qtbot, state)
    model = screen.groups_model
    assert model.rowCount() == 2
    assert [model.data(model.index(r, 0)) for r in range(2)] == ["4", "2"]
    assert model.item(0).waste > model.item(1).waste > 0
    assert model.data(model.index(0, 1)).startswith("fingerprint 0.")
    assert model.data(model.index(1, 1)) == "identical audio"
    assert screen.count_label.text().startswith("2 groups · ")

    assert screen.current_group() is model.item(0)  # the first group is shown at once
    assert "same recording by fingerprint" in screen.evidence.text()
    assert sorted(file_names(screen)) == ["song-trimmed.flac", "song.flac", "song.mp3", "song.ogg"]
    kept = file_cells(screen, "song.flac")
    assert kept[:3] == [KEEP_MARK, "song.flac", "FLAC"] and kept[5] == "3/5" and kept[7] == str(music)
    mp3 = file_cells(screen, "song.mp3")
    assert mp3[0] == "" and mp3[3] == "128 kbps" and mp3[4] in ("0:40", "0:41")
    assert screen.keep_label.text().startswith("Keep song.flac — suggested: ")
    for item_model in (model, screen.files_model, screen.moved_model):
        qtmodeltester.check(item_model)  # type: ignore[attr-defined]

    # The person keeps the MP3 instead: the mark, the reason and the waste follow.
    before = model.item(0).waste
    screen.files.setFocus()
    screen.files.selectRow(file_names(screen).index("song.mp3"))
    qtbot.mouseClick(screen.keep_button, Qt.MouseButton.LeftButton)
    assert file_cells(screen, "song.mp3")[0] == KEEP_MARK and file_cells(screen, "song.flac")[0] == ""
    assert screen.keep_label.text().startswith("Keep song.mp3 — your choice (Tonearm suggested song.flac")
    assert model.item(0).waste > before  # the big FLACs are now the extra copies
    assert not screen.keep_button.isEnabled()  # the kept file is selected


def test_moving_the_others_to_the_trash_keeps_the_chosen_file_and_records_the_rest(
    qtbot: QtBot, qtmodeltester: object, state: AppState, music: Path
) -> None:
    Path(os.environ["XDG_DATA_HOME"]).mkdir(parents=True)  # the temporary home's data folder, as on a desktop
    screen = open_screen(qtbot, state)
    screen.select_group(1)  # the two identical MP3s
    keep = screen.controller.kept_file(screen.current_group().overview)  # type: ignore[union-attr]
    other = next(f.path for f in screen.current_group().overview.group.files if f.path != keep.path)  # type: ignore[union-attr]

    seen: list[list[str]] = []
    answer_confirmation(qtbot, accept=False, seen=seen)
    qtbot.mouseClick(screen.trash_button, Qt.MouseButton.LeftButton)
    assert seen == [[other]] and screen.status.text() == "Nothing was moved."
    assert os.path.exists(other)

    answer_confirmation(qtbot, accept=True, seen=seen)
    with qtbot.waitSignal(state.library_changed, timeout=20000):
        qtbot.mouseClick(screen.trash_button, Qt.MouseButton.LeftButton)
    assert state.jobs.wait_idle(20000)

    trash = Path(os.environ["XDG_DATA_HOME"]) / "Trash" / "files"
    assert os.path.exists(keep.path) and not os.path.exists(other)
    assert [p.name for p in trash.iterdir()] == [Path(other).name]
    assert screen.status.text().startswith("Moved 1 file to the trash (")
    assert screen.groups_model.rowCount() == 1  # the group is gone; the other remains
    assert screen.tabs.tabText(1) == "Moved files (1)"
    qtmodeltester.check(screen.moved_model)  # type: ignore[attr-defined]
    record = screen.moved_model.item(0)
    assert (record.path, record.kept_path) == (other, keep.path)
    assert Path(record.trashed_to) == trash / Path(other).name
    with state.db.session() as session:
        assert [r.path for r in trash_records(session)] == [other]


def test_where_there_is_no_trash_nothing_moves_and_the_screen_says_so(
    qtbot: QtBot, state: AppState, music: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker / "share"))  # Qt cannot make a trash under a file
    monkeypatch.setenv("HOME", str(blocker))
    screen = open_screen(qtbot, state)
    names_before = sorted(p.name for p in music.iterdir())
    answer_confirmation(qtbot, accept=True, seen=[])
    qtbot.mouseClick(screen.trash_button, Qt.MouseButton.LeftButton)
    assert state.jobs.wait_idle(20000)
    assert screen.status.text() == NO_TRASH
    assert sorted(p.name for p in music.iterdir()) == names_before
    assert screen.groups_model.rowCount() == 2 and screen.moved_model.rowCount() == 0


def test_an_empty_library_says_what_finds_duplicates(qtbot: QtBot, state: AppState) -> None:
    screen = open_screen(qtbot, state)
    assert screen.message.text() == NO_DUPLICATES and screen.group_pages.currentIndex() == 0
    assert screen.tabs.tabText(1) == "Moved files"


def test_the_confirmation_lists_each_file_and_defaults_to_cancel(
    qtbot: QtBot, state: AppState, music: Path
) -> None:
    screen = open_screen(qtbot, state)
    dialog = screen.confirm_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    listed = dialog.listed_paths()
    assert sorted(Path(p).name for p in listed) == ["song-trimmed.flac", "song.mp3", "song.ogg"]
    assert dialog.move_button.text() == "Move 3 files to the trash"
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_show_duplicates_from_the_library_selects_the_tracks_group(
    qtbot: QtBot, state: AppState, music: Path
) -> None:
    screen = open_screen(qtbot, state)
    copy = next(
        f
        for row in range(screen.groups_model.rowCount())
        for f in screen.groups_model.item(row).overview.group.files
        if Path(f.path).name == "third-copy.mp3"
    )
    assert screen.current_group() is screen.groups_model.item(0)
    screen.navigate({"track_id": copy.track_id})
    group = screen.current_group()
    assert group is not None and Path(copy.path).name in [
        Path(f.path).name for f in group.overview.group.files
    ]
    assert screen.current_group() is screen.groups_model.item(1)
