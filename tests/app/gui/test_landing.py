"""The first-run landing: choose the music folder (scan starts, the window is asked for the Library), import a
listening history through the same core function as `tonearm import`, and see where the data lives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from analyzer.scan.folders import list_folders
from app.gui.landing import LandingScreen, data_location
from app.gui.state import AppState
from models.engine import Database, open_database
from models.listens import Listen
from models.schemas import SchemaConfig
from models.tracks import Track
from tests.scan_audio import make_templates, place

HISTORY = Path(__file__).resolve().parents[2] / "data" / "imports" / "rockbox_utc.scrobbler.log"


@pytest.fixture
def state(sqlite_db: Database, tmp_path: Path) -> AppState:
    return AppState.for_tests(sqlite_db, tmp_path / "settings")


def open_landing(qtbot: QtBot, state: AppState) -> LandingScreen:
    screen = LandingScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    return screen


def test_it_says_where_the_data_lives(qtbot: QtBot, state: AppState, sqlite_db: Database) -> None:
    screen = open_landing(qtbot, state)
    assert f"Your library is kept in {sqlite_db.url.database}." in screen.location.text()
    assert screen.folder_button.isVisible() and screen.import_button.isVisible()


def test_data_location_names_the_split_files_and_hides_a_password(tmp_path: Path) -> None:
    split = open_database(f"sqlite:///{tmp_path / 'lib.db'}", SchemaConfig("media", "plays"))
    assert data_location(split) == (
        f"{tmp_path / 'lib.db'} (and {tmp_path / 'lib-media.db'}, {tmp_path / 'lib-plays.db'})"
    )
    server = open_database("mariadb+pymysql://me:secret@db.example/tonearm", SchemaConfig())
    assert "secret" not in data_location(server) and "db.example/tonearm" in data_location(server)
    split.dispose()
    server.dispose()


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")
def test_choosing_the_music_folder_scans_it_and_opens_the_library(
    qtbot: QtBot, state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "templates").mkdir()
    templates = make_templates(tmp_path / "templates")
    music = tmp_path / "Music"
    for title in ("Teardrop", "Angel"):
        place(templates, music / f"{title}.flac", artist="Massive Attack", title=title, album="Mezzanine")
    screen = open_landing(qtbot, state)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(music))
    changes: list[bool] = []
    state.library_changed.connect(lambda: changes.append(True))

    with qtbot.waitSignal(screen.wants_screen) as wanted:
        qtbot.mouseClick(screen.folder_button, Qt.MouseButton.LeftButton)
    assert wanted.args == ["library"]
    assert [job.kind for job in state.jobs.running()] == ["scan"]
    assert state.jobs.wait_idle(60000)
    assert len(changes) == 2  # the folder was added, then the scan ended
    with state.db.session() as session:
        assert [folder.path for folder in list_folders(session)] == [str(music)]
        assert session.scalar(select(func.count()).select_from(Track)) == 2


def test_a_folder_that_cannot_be_used_says_why(
    qtbot: QtBot, state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "song.mp3"
    not_a_folder.write_bytes(b"ID3")
    screen = open_landing(qtbot, state)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(not_a_folder))
    with qtbot.assertNotEmitted(screen.wants_screen):
        qtbot.mouseClick(screen.folder_button, Qt.MouseButton.LeftButton)
    assert screen.message.isVisible()
    assert (
        screen.message.text()
        == f"Could not use {not_a_folder}: not a folder: {not_a_folder} (add the folder that holds it)"
    )
    assert not state.jobs.running()


def test_importing_a_history_reports_each_file(
    qtbot: QtBot, state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = tmp_path / "rockbox.scrobbler.log"
    shutil.copyfile(HISTORY, history)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a listening history\n")
    screen = open_landing(qtbot, state)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *args, **kwargs: ([str(history), str(notes)], "")
    )
    listens_changed: list[bool] = []
    state.listens_changed.connect(lambda: listens_changed.append(True))

    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    assert not screen.import_button.isEnabled()
    assert "Importing 2 files" in screen.message.text()
    assert state.jobs.wait_idle(60000)

    assert screen.import_button.isEnabled() and listens_changed
    with state.db.session() as session:
        stored = session.scalar(select(func.count()).select_from(Listen))
    lines = screen.message.text().splitlines()
    assert lines[0].startswith(f"rockbox.scrobbler.log (scrobbler_log): {stored:,} imported, ")
    assert "skipped" in lines[0] and "failed" in lines[0]  # the fixture has a skip and bad rows
    assert lines[1] == "notes.txt: not imported, format not recognised"
    assert stored > 0
    details = screen.message.toolTip()
    assert details.startswith("rockbox.scrobbler.log\n  skipped (skipped by player): 1\n")
    assert "  failed rockbox.scrobbler.log:12: unknown rating 'X' (expected L or S)" in details
    assert screen.details_button.isVisible()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.detailedText()) or 0)
    qtbot.mouseClick(screen.details_button, Qt.MouseButton.LeftButton)
    assert shown == [details]

    # The same file again: every listen is already there.
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    assert state.jobs.wait_idle(60000)
    assert (
        screen.message.text()
        .splitlines()[0]
        .startswith(f"rockbox.scrobbler.log (scrobbler_log): 0 imported, {stored:,} already there")
    )
