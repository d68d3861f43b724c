"""The Import screen: files dropped (or chosen) get a dry run that writes nothing; Import then writes the
counts the dry run showed, matches the new listens as a job, and tells the listens and review screens."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.gui.history_import import ImportScreen
from app.gui.import_preview_model import PreviewModel
from app.gui.state import AppState
from models.base import Base
from models.engine import Database
from models.enums import EnrichStatus
from models.listens import Listen
from models.progress import run_to_end
from scrobbler.ingest_preview import preview_files
from tests.app.gui.conftest import LIBRARY_TRACKS

T0 = 1_700_000_000


def table_counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {
            table.fullname: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def player_log(path: Path) -> Path:
    """Plays of the library's tracks (so matching links them), one repeat, one skip and one broken line."""
    rows = [
        f"{track.artist}\t{track.album}\t{track.title}\t1\t240\tL\t{T0 + i * 600}\t"
        for i, track in enumerate(LIBRARY_TRACKS)
    ]
    rows.append(rows[0])  # the same play twice
    rows.append(f"Unknown Artist\tNowhere\tNot In The Library\t1\t240\tL\t{T0 + 9000}\t")
    rows.append(f"Air\tMoon Safari\tTalisman\t1\t240\tS\t{T0 + 9600}\t")
    rows.append("Broken Line Without Enough Fields\tL\t1704070000")
    path.write_text("#AUDIOSCROBBLER/1.1\n#TZ/UTC\n#CLIENT/Rockbox test\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def screen(qtbot: QtBot, gui_state: AppState) -> ImportScreen:
    widget = ImportScreen(gui_state)
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.show()
    return widget


def drop(widget: ImportScreen, paths: list[Path]) -> None:
    """What a person's drag from the file manager delivers (handed to the handler: offscreen Qt has no drag
    manager to route a synthetic drop)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dropEvent(event)
    assert event.isAccepted()


def file_row(widget: ImportScreen, name: str) -> int:
    model = widget.model
    for row in range(model.rowCount()):
        if model.index(row, 0).data() == name:
            return row
    raise AssertionError(f"{name} not listed")


def test_a_dry_run_writes_nothing_and_the_import_writes_its_counts(
    qtbot: QtBot, screen: ImportScreen, gui_state: AppState, populated_db: Database, tmp_path: Path
) -> None:
    log = player_log(tmp_path / "ipod.scrobbler.log")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a listening history\n")
    before = table_counts(populated_db)
    assert screen.pages.currentWidget() is screen.drop_zone and not screen.import_button.isEnabled()

    drop(screen, [log, notes])
    assert gui_state.jobs.wait_idle(60000)
    assert table_counts(populated_db) == before  # the dry run wrote nothing
    model = screen.model
    assert screen.pages.currentWidget() is screen.tree
    row = file_row(screen, log.name)
    cells = [model.index(row, column).data() for column in range(model.columnCount())]
    assert cells == [log.name, "Rockbox/portable player .scrobbler.log", "7", "1", "1", "1"]
    details = [
        model.index(i, 0, model.index(row, 0)).data() for i in range(model.rowCount(model.index(row, 0)))
    ]
    assert "Duplicates, repeated in this file: 1" in details
    assert "Skipped, skipped by player: 1" in details
    assert any(line.startswith("Failed at ipod.scrobbler.log:") for line in details)
    bad = file_row(screen, "notes.txt")
    assert model.index(bad, 2).data() == "not importable"
    why = model.index(0, 0, model.index(bad, 0)).data()
    assert why.startswith("Not importable: not a listening history Tonearm can read")
    assert screen.tree.isExpanded(model.index(bad, 0))  # why a file cannot be imported shows at once
    assert screen.import_button.text() == "Import 7 listens" and screen.import_button.isEnabled()
    assert "Nothing has been written yet." in screen.message.text()

    changes: list[bool] = []
    gui_state.listens_changed.connect(lambda: changes.append(True))
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    assert gui_state.jobs.wait_idle(120000)
    assert gui_state.jobs.wait_idle(120000)  # the matching job the import's end started
    with populated_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Listen)) == 7
        statuses = dict(
            session.execute(select(Listen.enrich_status, func.count()).group_by(Listen.enrich_status))
            .tuples()
            .all()
        )
    assert statuses.get(EnrichStatus.PENDING, 0) == 0  # every new listen went through matching
    assert len(changes) == 2  # after the import, and after the matching
    text = screen.message.text()
    assert f"{log.name} (scrobbler_log): 7 imported, 1 already there, 1 skipped, 1 failed" in text
    assert "Matched 7 listens:" in text
    assert not screen.import_button.isVisible()


def test_chosen_files_are_checked_and_a_second_check_counts_them_as_stored(
    qtbot: QtBot, screen: ImportScreen, gui_state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = player_log(tmp_path / "ipod.scrobbler.log")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *args, **kwargs: ([str(log)], ""))
    qtbot.mouseClick(screen.choose_button, Qt.MouseButton.LeftButton)
    assert gui_state.jobs.running("import")  # the check is a listed job, with Stop in the jobs panel
    assert gui_state.jobs.wait_idle(60000)
    assert screen.import_button.text() == "Import 7 listens"
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    assert gui_state.jobs.wait_idle(60000) and gui_state.jobs.wait_idle(60000)

    screen.navigate({"paths": [str(log)]})  # the same file dropped on the window again
    assert gui_state.jobs.wait_idle(60000)
    row = file_row(screen, log.name)
    assert screen.model.index(row, 2).data() == "0"
    assert screen.model.index(row, 3).data() == "8"  # 7 stored, and the repeat
    assert not screen.import_button.isEnabled() and screen.import_button.text() == "Import"


def test_the_preview_model_keeps_the_item_model_contract(
    qtmodeltester, sqlite_db: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    log = player_log(tmp_path / "ipod.scrobbler.log")
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    model = PreviewModel()
    model.set_preview(run_to_end(preview_files(sqlite_db, [log, empty], 1)))
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and model.rowCount(model.index(1, 0)) == 1
