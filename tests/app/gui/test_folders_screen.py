"""The Folders screen driven as a person does: add a folder (the dialog patched, the core real), watch the
scan's summary, stop a big scan halfway, remove a folder after the confirmation, analyze in worker processes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from analyzer.scan.folders import add_folder, list_folders
from app.gui import scan_jobs
from app.gui.folders import FoldersScreen
from app.gui.state import AppState
from models.engine import Database
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("folders-screen-templates"), duration=0.3)


@pytest.fixture
def state(sqlite_db: Database, tmp_path: Path) -> AppState:
    return AppState.for_tests(sqlite_db, tmp_path / "settings")


def music_folder(root: Path, templates: dict[str, Path], *, truncated: bool = False) -> Path:
    for number, (artist, title) in enumerate([("Björk", "Jóga"), ("Air", "Talisman"), ("Air", "Venus")]):
        place(templates, root / artist / f"{number} {title}.flac", artist=artist, title=title, album="Hits")
    if truncated:
        wav = templates[".wav"].read_bytes()
        (root / "broken.wav").write_bytes(wav[: len(wav) // 3])
    return root


def open_screen(qtbot: QtBot, state: AppState) -> FoldersScreen:
    screen = FoldersScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    return screen


def test_empty_state_then_add_folder_scans_it(
    qtbot: QtBot, state: AppState, tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    music = music_folder(tmp_path / "music", templates, truncated=True)
    screen = open_screen(qtbot, state)
    assert screen.stack.currentIndex() == 0 and screen.add_first_button.isVisible()
    assert not screen.scan_summary.isVisible()

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(music))
    changed: list[bool] = []
    state.library_changed.connect(lambda: changed.append(True))
    qtbot.mouseClick(screen.add_first_button, Qt.MouseButton.LeftButton)

    assert screen.stack.currentIndex() == 1
    assert screen.table.topLevelItem(0).text(0) == str(music)
    assert "Scanning it now" in screen.message.text()
    assert screen.scan_button.text() == "Stop"  # the scan started by adding the folder
    assert state.jobs.wait_idle(60000)
    assert screen.scan_button.text() == "Scan" and changed
    text = screen.scan_summary.text()
    assert text.startswith("Scanned 4 files: 3 added, 1 unreadable — ") and "Show problems" in text
    assert not screen.message.isVisible()  # "Scanning it now" is gone once the summary is there
    with qtbot.waitSignal(screen.wants_screen) as wanted:
        screen.scan_summary.linkActivated.emit("problems")
    assert wanted.args == ["problems"]

    # Scan again: nothing changed, and the summary says so.
    qtbot.mouseClick(screen.scan_button, Qt.MouseButton.LeftButton)
    assert state.jobs.wait_idle(60000)
    assert screen.scan_summary.text() == "Scanned 4 files: nothing changed."

    # Another database: the summary was about the old one, and its folder list is empty.
    state.open_database(f"sqlite:///{tmp_path / 'other.db'}")
    assert not screen.scan_summary.isVisible() and screen.stack.currentIndex() == 0


def test_a_folder_that_cannot_be_added_says_why(
    qtbot: QtBot, state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = open_screen(qtbot, state)
    missing = tmp_path / "nowhere"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(missing))
    qtbot.mouseClick(screen.add_first_button, Qt.MouseButton.LeftButton)
    assert screen.message.isVisible()
    assert f"no such folder: {missing}" in screen.message.text()
    assert screen.stack.currentIndex() == 0 and not state.jobs.running()
    # A cancelled dialog does nothing at all.
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: "")
    screen.message.clear()
    qtbot.mouseClick(screen.add_first_button, Qt.MouseButton.LeftButton)
    assert screen.message.text() == ""


def test_stop_halfway_shows_what_was_done(
    qtbot: QtBot, state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    music = tmp_path / "big"
    (tmp_path / "tiny").mkdir()
    small = make_templates(tmp_path / "tiny", duration=0.05)[".wav"]
    for number in range(3000):
        folder = music / f"album {number // 20:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(small, folder / f"track {number:04d}.wav")
    with state.db.session() as session:
        add_folder(session, music)
    screen = open_screen(qtbot, state)
    assert screen.scan_button.isEnabled()

    monkeypatch.setattr(scan_jobs, "LIVE_RELOAD_SECS", 0.0)
    reloads: list[bool] = []
    state.library_changed.connect(lambda: reloads.append(job.running))
    qtbot.mouseClick(screen.scan_button, Qt.MouseButton.LeftButton)
    job = screen.jobs.running("scan")
    assert job is not None and screen.scan_button.text() == "Stop"
    assert not screen.analyze_button.isEnabled()  # analysis waits for the scan to find every file
    # Stop once the first batch of 1,000 files is committed: the Library was told to show it.
    qtbot.waitUntil(lambda: any(reloads), timeout=60000)
    qtbot.mouseClick(screen.scan_button, Qt.MouseButton.LeftButton)
    assert screen.scan_button.text() == "Stopping…" and not screen.scan_button.isEnabled()
    assert state.jobs.wait_idle(60000)

    assert job.outcome == "cancelled"
    text = screen.scan_summary.text()
    assert text.startswith("Stopped after "), text
    stopped_at = int(text.removeprefix("Stopped after ").split(" of ")[0].replace(",", ""))
    assert 1000 <= stopped_at < 3000
    assert reloads[-1] is False  # and once more when it ended
    assert f"of 3,000 files ({stopped_at:,} added). What was read is kept" in text  # the summary came back
    assert screen.scan_button.text() == "Scan" and screen.scan_button.isEnabled()
    assert screen.analyze_button.isEnabled()


def test_remove_asks_first_and_keeps_the_folder_on_no(
    qtbot: QtBot, state: AppState, tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    music = music_folder(tmp_path / "music", templates)
    screen = open_screen(qtbot, state)
    screen.add_folder(str(music))
    assert state.jobs.wait_idle(60000)
    screen.table.setCurrentItem(screen.table.topLevelItem(0))
    assert screen.remove_button.isEnabled()
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    item = screen.table.topLevelItem(0)
    where = screen.table.visualItemRect(item).center()
    qtbot.mouseClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=where)  # a double click's press
    qtbot.mouseDClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert [url.toLocalFile() for url in opened] == [str(music)]

    asked: list[str] = []

    def answer(reply: QMessageBox.StandardButton):
        def question(_parent: object, _title: str, text: str, *args: object) -> QMessageBox.StandardButton:
            asked.append(text)
            return reply

        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    qtbot.mouseClick(screen.remove_button, Qt.MouseButton.LeftButton)
    assert "listening history is kept" in asked[0] and "Nothing on disk is deleted" in asked[0]
    assert screen.table.topLevelItemCount() == 1

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    with qtbot.waitSignal(state.library_changed, timeout=20000):
        qtbot.mouseClick(screen.remove_button, Qt.MouseButton.LeftButton)
        assert screen.message.text() == f"Removing {music} from the library…"  # in the background
        assert not screen.remove_button.isEnabled()
    assert f"Removed {music}: 3 files and 3 tracks left the library." == screen.message.text()
    assert screen.stack.currentIndex() == 0
    with state.db.session() as session:
        assert list_folders(session) == []
    assert all(p.exists() for p in music.rglob("*.flac"))  # nothing on disk touched


ANALYZE_IN_A_FRESH_PROCESS = """
import json, sys
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtTest import QTest
from app.gui import scan_jobs
from app.gui.folders import FoldersScreen
from app.gui.state import AppState
from models.bootstrap import init_database
from models.engine import open_database
from models.schemas import SchemaConfig

app = QApplication([])
db = open_database("sqlite:///" + sys.argv[1], SchemaConfig())
init_database(db)
state = AppState.for_tests(db, sys.argv[3])
screen = FoldersScreen(state)
screen.show()
screen.add_folder(sys.argv[2])
assert state.jobs.wait_idle(60000)
before = "essentia" in sys.modules
QTest.mouseClick(screen.analyze_button, Qt.MouseButton.LeftButton)
assert state.jobs.wait_idle(180000)
print(json.dumps({"before": before, "after": "essentia" in sys.modules, "summary": screen.analyze_summary.text()}))
"""


def test_analyze_runs_in_worker_processes(tmp_path: Path, templates: dict[str, Path]) -> None:
    """In a fresh process (other tests in this one may have imported Essentia): the window's process
    analyzes three files and never imports Essentia itself."""
    music = music_folder(tmp_path / "music", templates)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            ANALYZE_IN_A_FRESH_PROCESS,
            str(tmp_path / "db.sqlite"),
            str(music),
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["summary"].startswith("Analyzed 3 files: 3 analyzed"), outcome
    assert outcome["before"] is False and outcome["after"] is False  # decoded in the worker processes only


def test_analyze_twice_has_nothing_left(
    qtbot: QtBot, state: AppState, tmp_path: Path, templates: dict[str, Path]
) -> None:
    music = music_folder(tmp_path / "music", templates)
    screen = open_screen(qtbot, state)
    screen.add_folder(str(music))
    assert state.jobs.wait_idle(60000)
    qtbot.mouseClick(screen.analyze_button, Qt.MouseButton.LeftButton)
    assert screen.analyze_button.text() == "Stop"
    assert state.jobs.wait_idle(180000)
    assert screen.analyze_summary.text().startswith("Analyzed 3 files: 3 analyzed"), (
        screen.analyze_summary.text()
    )

    qtbot.mouseClick(screen.analyze_button, Qt.MouseButton.LeftButton)
    assert state.jobs.wait_idle(60000)
    assert screen.analyze_summary.text() == "Nothing to analyze: every readable file is analyzed."


def test_stop_an_analysis(qtbot: QtBot, state: AppState, tmp_path: Path, templates: dict[str, Path]) -> None:
    music = tmp_path / "music"
    for number in range(40):
        place(templates, music / f"{number:02d}.flac", artist="A", title=f"Song {number}", album="B")
    screen = open_screen(qtbot, state)
    screen.add_folder(str(music))
    assert state.jobs.wait_idle(60000)

    qtbot.mouseClick(screen.analyze_button, Qt.MouseButton.LeftButton)
    job = screen.jobs.running("analyze")
    assert job is not None
    qtbot.waitUntil(lambda: job.last is not None and job.last.done >= 1, timeout=120000)
    qtbot.mouseClick(screen.analyze_button, Qt.MouseButton.LeftButton)
    assert screen.analyze_button.text() == "Stopping…"
    assert state.jobs.wait_idle(120000)
    text = screen.analyze_summary.text()
    assert text.startswith("Stopped after ") and text.endswith(
        " of 40 files. What was analyzed is kept; Analyze again to continue."
    ), text
    assert 0 < int(text.removeprefix("Stopped after ").split(" of ")[0]) < 40


def test_a_folder_gone_from_disk_says_so_and_a_scan_keeps_its_files(
    qtbot: QtBot, state: AppState, tmp_path: Path, templates: dict[str, Path]
) -> None:
    music = music_folder(tmp_path / "music", templates)
    screen = open_screen(qtbot, state)
    screen.add_folder(str(music))
    assert state.jobs.wait_idle(60000)
    assert screen.table.topLevelItem(0).text(1) == "" and screen.table.isColumnHidden(1)
    music.rename(tmp_path / "unplugged")

    qtbot.mouseClick(screen.scan_button, Qt.MouseButton.LeftButton)
    assert state.jobs.wait_idle(60000)
    assert screen.table.topLevelItem(0).text(1) == "not found: connect its drive, or remove it"
    assert not screen.table.isColumnHidden(1)
    assert screen.scan_summary.text().startswith(
        "Scanned 0 files: nothing changed; 1 folder could not be opened"
    )
