"""The Problems screen on a real scan: unreadable and missing files with their reasons, the kind and text
filters, Rescan of a fixed file as a job, Copy path and Open containing folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QHeaderView
from pytestqt.qtbot import QtBot

from analyzer.scan import run_scan
from analyzer.scan.folders import add_folder
from app.gui.problems import ProblemsScreen, ProblemTableModel
from app.gui.state import AppState
from models.engine import Database
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("problems-screen-templates"))


@pytest.fixture
def state(sqlite_db: Database, tmp_path: Path) -> AppState:
    return AppState.for_tests(sqlite_db, tmp_path / "settings")


@pytest.fixture
def music(state: AppState, tmp_path: Path, templates: dict[str, Path]) -> Path:
    """A scanned library with one truncated file, one that is not audio, and one gone from disk."""
    root = tmp_path / "music"
    for title in ("Teardrop", "Angel", "Gone"):
        place(templates, root / f"{title}.flac", artist="Massive Attack", title=title, album="Mezzanine")
    wav = templates[".wav"].read_bytes()
    (root / "truncated.wav").write_bytes(wav[: len(wav) // 3])
    (root / "notes.ogg").write_text("not a song\n" * 100)
    with state.db.session() as session:
        add_folder(session, root)
    run_scan(state.db, [root])
    (root / "Gone.flac").unlink()
    run_scan(state.db, [root])
    return root


def open_problems(qtbot: QtBot, state: AppState) -> ProblemsScreen:
    screen = ProblemsScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    qtbot.waitExposed(screen)
    assert screen.empty.text() == "Reading the problem files…" or not state.jobs.busy()
    assert state.jobs.wait_idle(20000)  # the list is read in the background
    return screen


def rows(screen: ProblemsScreen) -> list[tuple[str, str, str]]:
    model = screen.model
    return [
        tuple(model.data(model.index(row, column)) for column in range(3))  # type: ignore[misc]
        for row in range(model.rowCount())
    ]


def section_centre(header: QHeaderView, section: int) -> QPoint:
    return QPoint(
        header.sectionViewportPosition(section) + header.sectionSize(section) // 2, header.height() // 2
    )


def select_row(screen: ProblemsScreen, name: str) -> None:
    model = screen.model
    row = next(r for r in range(model.rowCount()) if Path(model.problem(r).path).name == name)
    screen.view.selectionModel().select(
        model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def test_an_empty_library_has_no_problems(qtbot: QtBot, state: AppState) -> None:
    screen = open_problems(qtbot, state)
    assert screen.stack.currentWidget() is screen.empty
    assert screen.empty.text().startswith("No problems: every file Tonearm found could be read")
    assert not screen.kind_box.isVisible() and not screen.rescan_button.isVisible()


def test_problems_show_with_their_reasons_and_filter(
    qtbot: QtBot, state: AppState, music: Path, qtmodeltester
) -> None:
    screen = open_problems(qtbot, state)
    qtmodeltester.check(screen.model)
    found = {Path(path).name: (kind, reason) for kind, path, reason in rows(screen)}
    assert set(found) == {"Gone.flac", "notes.ogg", "truncated.wav"}
    assert found["Gone.flac"] == ("Missing", "no longer on disk")
    assert found["truncated.wav"][0] == "Unreadable" and "truncated" in found["truncated.wav"][1].lower()
    assert found["notes.ogg"][0] == "Unreadable" and found["notes.ogg"][1]
    assert screen.count_label.text() == "3 files"

    # Sorting by a header click keeps the selected row selected.
    select_row(screen, "notes.ogg")
    header = screen.view.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=section_centre(header, 2))
    assert [reason.split(":")[0] for _, _, reason in rows(screen)] == [
        "no longer on disk",
        "not_audio",
        "truncated",
    ]
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=section_centre(header, 2))
    assert [Path(path).name for _, path, _ in rows(screen)] == ["truncated.wav", "notes.ogg", "Gone.flac"]
    assert screen.selected_paths() == [str(music / "notes.ogg")]
    qtmodeltester.check(screen.model)

    screen.kind_box.setCurrentIndex(screen.kind_box.findData("missing"))
    assert [Path(path).name for _, path, _ in rows(screen)] == ["Gone.flac"]
    assert screen.count_label.text() == "1 of 3 files"
    screen.kind_box.setCurrentIndex(0)

    qtbot.keyClicks(screen.filter_box, "TRUNC")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1)
    assert Path(rows(screen)[0][1]).name == "truncated.wav"
    qtbot.keyClicks(screen.filter_box, " nothing-like-this")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0)
    assert (
        screen.stack.currentWidget() is screen.empty
        and screen.empty.text() == "No problem matches this filter."
    )
    qtmodeltester.check(screen.model)


def test_rescan_a_fixed_file(qtbot: QtBot, state: AppState, music: Path, templates: dict[str, Path]) -> None:
    screen = open_problems(qtbot, state)
    select_row(screen, "truncated.wav")
    assert screen.rescan_button.isEnabled()
    shutil.copyfile(templates[".wav"], music / "truncated.wav")  # the person replaced the damaged copy

    qtbot.mouseClick(screen.rescan_button, Qt.MouseButton.LeftButton)
    assert screen.status.text() == "Rescanning 1 file…" and not screen.rescan_button.isEnabled()
    assert [job.kind for job in state.jobs.running()] == ["scan"]
    assert state.jobs.wait_idle(60000)
    assert screen.status.text() == "Rescanned 1: 1 fixed, 0 still a problem."
    names = {Path(path).name for _, path, _ in rows(screen)}
    assert names == {"Gone.flac", "notes.ogg"}  # reloaded when the library changed

    # A file still gone and one still not audio: both stay problems, and the screen says so.
    model = screen.model
    screen.view.selectAll()
    assert model.rowCount() == 2
    qtbot.mouseClick(screen.rescan_button, Qt.MouseButton.LeftButton)
    assert state.jobs.wait_idle(60000)
    assert screen.status.text() == "Rescanned 2: 0 fixed, 2 still a problem."
    assert model.total == 2


def test_copy_path_and_open_the_containing_folder(
    qtbot: QtBot, state: AppState, music: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = open_problems(qtbot, state)
    assert not screen.copy_button.isEnabled()
    select_row(screen, "notes.ogg")
    qtbot.mouseClick(screen.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == str(music / "notes.ogg")
    assert screen.status.text() == "Copied 1 path."
    QGuiApplication.clipboard().clear()
    screen.view.setFocus()
    qtbot.keyClick(screen.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == str(music / "notes.ogg")

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    qtbot.mouseClick(screen.open_button, Qt.MouseButton.LeftButton)
    assert [url.toLocalFile() for url in opened] == [str(music)]


def test_a_hidden_screen_reloads_when_shown(
    qtbot: QtBot, state: AppState, music: Path, templates: dict[str, Path]
) -> None:
    screen = open_problems(qtbot, state)
    assert screen.model.total == 3
    screen.hide()
    shutil.copyfile(templates[".wav"], music / "truncated.wav")
    run_scan(state.db, [music])
    state.library_changed.emit()
    assert screen.model.total == 3  # nobody reads a hidden table: not read again yet
    screen.show()
    assert state.jobs.wait_idle(20000)
    assert screen.model.total == 2


def test_the_model_alone(qtmodeltester) -> None:
    model = ProblemTableModel()
    qtmodeltester.check(model)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Kind" and model.rowCount() == 0
