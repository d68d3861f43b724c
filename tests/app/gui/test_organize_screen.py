"""The Organize files screen on real files scanned by the real scanner: preview fills the table with the
core's proposals, Reject keeps a move from ever being proposed again, Apply (after its confirmation) moves
the files as a job and updates media_files and the library, a failed move names its file and why, Undo
moves everything back, an interrupted run is offered to Resume, and bad templates are refused in words."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from analyzer.curation.organize import DEFAULT_TEMPLATE, pending_proposals, propose_moves
from analyzer.scan import scan_folders
from analyzer.scan.folders import add_folder
from app.gui.organize import OrganizeScreen
from app.gui.organize.screen import NOT_PREVIEWED
from app.gui.state import AppState
from models.engine import Database
from models.media import MediaFile
from models.organize import OrganizeProposal, ProposalStatus
from models.progress import run_to_end
from tests.app.gui.conftest import LIBRARY_TRACKS, place_track


@pytest.fixture
def music(sqlite_db: Database, audio_templates: dict[str, Path], tmp_path: Path) -> Path:
    """The six tracks of the GUI library, with flat, untidy names, in a registered library folder."""
    music = tmp_path / "music"
    for number, track in enumerate(LIBRARY_TRACKS, start=1):
        placed = place_track(audio_templates, music, track)
        placed.rename(music / f"track{number}{placed.suffix}")
    for folder in sorted({p for p in music.rglob("*") if p.is_dir()}, reverse=True):
        folder.rmdir()
    with sqlite_db.session() as session:
        add_folder(session, music)
    summary = run_to_end(scan_folders(sqlite_db, [music]))
    assert summary.added == len(LIBRARY_TRACKS) and summary.errors == 0
    return music


@pytest.fixture
def state(sqlite_db: Database, tmp_path: Path) -> Iterator[AppState]:
    app_state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    app_state.screen_names = frozenset({"library", "folders", "organize"})
    yield app_state
    app_state.jobs.cancel_all()
    app_state.jobs.wait_idle(10000)


def open_screen(qtbot: QtBot, state: AppState) -> OrganizeScreen:
    screen = OrganizeScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1200, 720)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activated()
    assert state.jobs.wait_idle(20000)
    return screen


def settle(state: AppState) -> None:
    assert state.jobs.wait_idle(30000)
    QApplication.processEvents()
    assert state.jobs.wait_idle(30000)  # a read started when a job ended
    QApplication.processEvents()


def press_preview(qtbot: QtBot, screen: OrganizeScreen) -> None:
    qtbot.mouseClick(screen.preview_button, Qt.MouseButton.LeftButton)
    settle(screen.state)


def cells(screen: OrganizeScreen) -> list[list[str]]:
    """Each row as shown, but with the full paths (the table shows them under the folder they share)."""
    model = screen.model
    rows = [
        [model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())
    ]
    for r, row in enumerate(rows):
        item = model.item(r)
        assert row[:2] == [model.shown_path(item.current_path), model.shown_path(item.proposed_path)]
        row[:2] = [item.current_path, item.proposed_path]
    return rows


def media_paths(db: Database) -> set[str]:
    with db.session() as session:
        return set(session.scalars(select(MediaFile.file_path)))


def answer(qtbot: QtBot, accept: bool, seen: list[str], then: Callable[[], None] | None = None) -> None:
    """Answer the confirmation the way a person does, once the modal box is up."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(f"{box.text()}\n{box.informativeText()}")
        if accept:
            move = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
            qtbot.mouseClick(move, Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter hits Cancel, the default button

    QTimer.singleShot(0, click)


def test_preview_reject_apply_and_undo_move_the_real_files(
    qtbot: QtBot, qtmodeltester: object, state: AppState, music: Path
) -> None:
    screen = open_screen(qtbot, state)
    assert screen.pages.currentIndex() == 0 and screen.message_page.message.text() == NOT_PREVIEWED
    assert screen.template.text() == DEFAULT_TEMPLATE and "$albumartist" in screen.template.toolTip()
    assert not screen.apply_button.isEnabled() and not screen.undo_button.isEnabled()

    press_preview(qtbot, screen)
    with state.db.session() as session:
        core = {p.id: p for p in pending_proposals(session)}
    rows = cells(screen)
    assert len(rows) == len(core) == len(LIBRARY_TRACKS)
    assert sorted(r[0] for r in rows) == sorted(p.current_path for p in core.values())
    joga = next(r for r in rows if r[1].endswith("Jóga.flac"))
    assert joga[1] == str(music / "Björk" / "1997 - Homogenic" / "1-00 Jóga.flac")
    assert joga[2].startswith("moves to another folder; no track") and joga[3].endswith(" %")
    assert {r[4] for r in rows} == {"Pending"}
    assert screen.model.base == str(music) and screen.counts.text().endswith(f"paths under {music}")
    assert screen.model.data(screen.model.index(0, 0)) == Path(screen.model.item(0).current_path).name
    assert screen.apply_button.text() == "Apply 6…"
    qtmodeltester.check(screen.model)  # type: ignore[attr-defined]

    # Reject two rows (the person selects them and presses Delete): never proposed again.
    screen.table.setFocus()
    screen.table.selectRow(0)
    screen.table.selectionModel().select(
        screen.model.index(1, 0),
        screen.table.selectionModel().SelectionFlag.Select | screen.table.selectionModel().SelectionFlag.Rows,
    )
    rejected = {screen.model.item(0).current_path, screen.model.item(1).current_path}
    qtbot.keyClick(screen.table, Qt.Key.Key_Delete)
    settle(state)
    assert sorted(r[4] for r in cells(screen)) == ["Pending"] * 4 + ["Rejected"] * 2
    assert "Rejected 2 proposals" in screen.status.text()
    press_preview(qtbot, screen)
    assert {r[0] for r in cells(screen)} == {p.current_path for p in core.values()} - rejected
    assert "2 rejected before" in screen.status.text()

    # The status filter shows one status only.
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("rejected"))
    assert screen.model.rowCount() == 0 and "“Rejected”" in screen.message_page.message.text()
    screen.status_filter.setCurrentIndex(0)

    # The box says so when the template was edited after the preview.
    screen.template.setText("$artist/$title")
    assert "not the one in the box now" in screen.apply_box().informativeText()
    screen.template.setText(DEFAULT_TEMPLATE)
    assert "not the one in the box" not in screen.apply_box().informativeText()

    # Apply: Cancel first (nothing moves), then Move.
    started: list[str] = []
    state.jobs.job_started.connect(lambda job: started.append(f"{job.kind}: {job.title}"))
    before = media_paths(state.db)
    seen: list[str] = []
    answer(qtbot, False, seen)
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    assert "Move 4 files" in seen[0] and "Nothing is overwritten" in seen[0]
    assert media_paths(state.db) == before
    changed: list[bool] = []
    state.library_changed.connect(lambda: changed.append(True))
    answer(qtbot, True, seen)
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    settle(state)
    assert [r[4] for r in cells(screen)] == ["Moved"] * 4 and changed
    assert screen.status.text() == "4 files moved."
    moved = {r[1] for r in cells(screen)}
    assert all(Path(p).is_file() for p in moved) and not any(Path(r[0]).exists() for r in cells(screen))
    assert media_paths(state.db) == (before - {r[0] for r in cells(screen)}) | moved
    assert screen.undo_button.isEnabled() and not screen.apply_button.isEnabled()

    # Undo, after its confirmation: every file is back where it was.
    answer(qtbot, True, seen)
    qtbot.mouseClick(screen.undo_button, Qt.MouseButton.LeftButton)
    settle(state)
    assert "Move the 4 files of the last run" in seen[-1]
    assert media_paths(state.db) == before and all(Path(p).is_file() for p in before)
    assert [r[4] for r in cells(screen)] == ["Moved back"] * 4
    assert screen.status.text() == "4 files moved back." and not screen.undo_button.isEnabled()
    assert started == [
        "organize: Organize 4 files",
        "organize: Undo the last organize run",
    ]  # in the jobs panel


def test_a_move_that_cannot_happen_names_the_file_and_why(qtbot: QtBot, state: AppState, music: Path) -> None:
    screen = open_screen(qtbot, state)
    press_preview(qtbot, screen)
    first = screen.model.item(0)
    Path(first.proposed_path).parent.mkdir(parents=True, exist_ok=True)
    Path(first.proposed_path).write_bytes(b"someone else's file")  # taken after the preview
    seen: list[str] = []
    answer(qtbot, True, seen)
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    settle(state)
    text = screen.status.text()
    assert text.startswith("5 files moved; 1 file could not be moved (left where it is):")
    assert f"• {first.current_path}: {first.proposed_path} already exists (nothing is overwritten)" in text
    failed = next(r for r in cells(screen) if r[0] == first.current_path)
    assert failed[4] == "Failed" and failed[2].startswith("✗ ") and "already exists" in failed[2]
    assert Path(first.current_path).is_file()
    assert Path(first.proposed_path).read_bytes() == b"someone else's file"  # never overwritten


def test_an_interrupted_run_is_offered_to_resume(qtbot: QtBot, state: AppState, music: Path) -> None:
    with state.db.session() as session:
        propose_moves(session, DEFAULT_TEMPLATE)
    with state.db.session() as session:  # killed after step 1 of a move: marked moving, nothing on disk yet
        proposal = session.scalars(select(OrganizeProposal).order_by(OrganizeProposal.id)).first()
        assert proposal is not None
        proposal.status, proposal.run_id = ProposalStatus.MOVING, 1
    screen = open_screen(qtbot, state)
    assert screen.banner.isVisible() and "interrupted with 1 move in flight" in screen.banner_text.text()
    assert screen.model.rowCount() == 5  # the pending preview from before is shown
    qtbot.mouseClick(screen.resume_button, Qt.MouseButton.LeftButton)
    settle(state)
    assert not screen.banner.isVisible()
    assert "0 moves finished, 1 proposal back to pending" in screen.status.text()
    assert screen.model.rowCount() == 6


def test_bad_templates_and_folders_are_refused_in_words(
    qtbot: QtBot, state: AppState, music: Path, tmp_path: Path
) -> None:
    screen = open_screen(qtbot, state)
    for template, root, expected in (
        ("$artist/$nope", "", "Template: unknown field $nope"),
        ("/abs/$title", "", "Template: the template must be relative"),
        ("", "", "Template: the template is empty"),
        ("$title", "relative/dir", "Target folder: give a full path"),
        ("$title", str(tmp_path / "absent"), "does not exist"),
    ):
        screen.template.setText(template)
        screen.root.setText(root)
        qtbot.keyClick(screen.template, Qt.Key.Key_Return)
        assert expected in screen.status.text(), template
        assert not state.jobs.running()
    with state.db.session() as session:
        assert session.scalar(select(OrganizeProposal.id)) is None


def test_an_empty_library_says_where_files_come_from(qtbot: QtBot, state: AppState) -> None:
    screen = open_screen(qtbot, state)
    assert "The library has no files yet" in screen.message_page.message.text()  # before any preview
    press_preview(qtbot, screen)
    assert "The library has no files yet" in screen.message_page.message.text()
    assert screen.message_page.button.isVisible()
    with qtbot.waitSignal(screen.wants_screen) as blocker:
        qtbot.mouseClick(screen.message_page.button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["folders"]


def test_stopping_an_apply_before_its_first_file_moves_nothing_and_says_so(
    qtbot: QtBot, sqlite_db: Database, music: Path, tmp_path: Path
) -> None:
    """Stop pressed while the apply waits for a free worker (one job at a time here, and one is running)."""
    from PySide6.QtCore import QSettings

    from app.gui.jobs import JobRunner
    from models.progress import Progress

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    state = AppState(sqlite_db, JobRunner(max_jobs=1), settings)
    screen = open_screen(qtbot, state)
    press_preview(qtbot, screen)
    release = threading.Event()

    def busy_elsewhere(_token: object) -> Iterator[Progress]:
        yield Progress("wait", 0)
        release.wait(30)

    jobs: list = []
    state.jobs.job_started.connect(jobs.append)
    state.jobs.start("Another job", busy_elsewhere)
    answer(qtbot, True, [])
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    apply = jobs[-1]
    assert apply.title == "Organize 6 files" and apply.running
    apply.cancel()  # the jobs panel's Stop
    release.set()
    settle(state)
    assert screen.status.text() == "0 files moved before you stopped it; the rest stay where they are."
    assert {r[4] for r in cells(screen)} == {"Pending"}
    assert all(Path(r[0]).is_file() for r in cells(screen))
    assert screen.apply_button.isEnabled() and screen.apply_button.text() == "Apply 6…"


def test_the_preview_is_read_again_after_the_library_changed_elsewhere(
    qtbot: QtBot, state: AppState, music: Path
) -> None:
    screen = open_screen(qtbot, state)
    assert screen.model.rowCount() == 0
    with state.db.session() as session:  # `tonearm organize` previews while the window is open
        propose_moves(session, DEFAULT_TEMPLATE)
    screen.activated()
    settle(state)
    assert screen.model.rowCount() == 0  # nothing told the screen yet
    state.library_changed.emit()
    screen.activated()  # shown again
    settle(state)
    assert screen.model.rowCount() == len(LIBRARY_TRACKS)


def test_a_preview_replaced_from_the_command_line_shows_the_new_one(
    qtbot: QtBot, state: AppState, music: Path
) -> None:
    screen = open_screen(qtbot, state)
    press_preview(qtbot, screen)
    with state.db.session() as session:
        propose_moves(session, "$artist/$title")  # replaces every pending proposal
    state.library_changed.emit()
    screen.activated()
    settle(state)
    rows = cells(screen)
    assert len(rows) == len(LIBRARY_TRACKS)
    assert all(r[1].count("/") == str(music).count("/") + 2 for r in rows)  # music/<artist>/<title>.<ext>


def test_apply_waits_for_another_job_that_writes_then_moves_every_file(
    qtbot: QtBot, state: AppState, music: Path
) -> None:
    """A scan holds the write lock for a moment: the moves wait their turn instead of failing."""
    screen = open_screen(qtbot, state)
    press_preview(qtbot, screen)
    before = media_paths(state.db)
    held, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        with state.db.write_session():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert held.wait(10)
    answer(qtbot, True, [])
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    QTimer.singleShot(1500, release.set)
    assert state.jobs.wait_idle(60000)
    thread.join(10)
    settle(state)
    after = media_paths(state.db)
    assert len(after) == len(before) and not (after & before)
    assert all(Path(p).is_file() for p in after) and not any(Path(p).exists() for p in before)
    assert screen.status.text().startswith(f"{len(before)} files moved")


def test_a_run_stopped_by_a_busy_library_says_so() -> None:
    from app.gui.organize.controller import failure_text
    from models.unit_of_work import WriteContention

    busy = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    try:
        raise WriteContention("organize: claim move 1", 8, busy) from busy
    except WriteContention as error:
        text = failure_text(error, "moved")
    assert text.startswith("The files could not be moved: another job was writing to the library")
    assert failure_text(ValueError("boom"), "moved").startswith("Organize failed:")
