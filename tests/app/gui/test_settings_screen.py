"""The Settings screen: test a connection (the error line, or OK with what is there), switch the database,
save the AcoustID key where the core reads it, and switch light/dark live."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QFileDialog, QRadioButton
from pytestqt.qtbot import QtBot
from sqlalchemy.engine import make_url

from analyzer.acoustid.service import config_path, load_acoustid_config
from app.gui.appearance import APPEARANCE_KEY
from app.gui.settings import SettingsScreen
from app.gui.state import DATABASE_URL_KEY, AppState
from models.bootstrap import init_database
from models.engine import Database, open_database
from models.progress import CancelToken, Progress
from models.schemas import SchemaConfig
from tests.conftest import make_mariadb_database


@pytest.fixture
def state(sqlite_db: Database, tmp_path: Path) -> Iterator[AppState]:
    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    yield state
    if state.db is not sqlite_db:
        state.db.dispose()


def open_settings(qtbot: QtBot, state: AppState) -> SettingsScreen:
    screen = SettingsScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    return screen


def choose(qtbot: QtBot, button: QRadioButton) -> None:
    """Click a radio button on its indicator, where a person clicks (its centre may be empty space)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def press_test_connection(qtbot: QtBot, screen: SettingsScreen) -> str:
    """Click "Test connection" and wait for the line it shows."""
    qtbot.mouseClick(screen.test_button, Qt.MouseButton.LeftButton)
    assert screen.state.jobs.wait_idle(20000)
    return screen.database_result.text()


def test_it_shows_the_open_database(qtbot: QtBot, state: AppState, sqlite_db: Database) -> None:
    screen = open_settings(qtbot, state)
    assert screen.sqlite_choice.isChecked()
    assert screen.sqlite_path.text() == sqlite_db.url.database
    assert not screen.server_url.isEnabled()
    choose(qtbot, screen.mariadb_choice)
    assert screen.server_url.isEnabled() and not screen.sqlite_path.isEnabled()


def test_bad_urls_show_the_error_line(qtbot: QtBot, state: AppState) -> None:
    screen = open_settings(qtbot, state)
    choose(qtbot, screen.mariadb_choice)
    assert press_test_connection(qtbot, screen).startswith("enter the server URL")  # nothing typed yet

    qtbot.keyClicks(screen.server_url, "postgresql://me@localhost/music")
    assert press_test_connection(qtbot, screen) == (
        "unsupported database 'postgresql': use sqlite:///PATH or mariadb+pymysql://..."
    )
    screen.server_url.setText("mariadb+pymysql://me:pw@127.0.0.1:1/tonearm")
    assert press_test_connection(qtbot, screen).startswith("cannot reach the database server: ")

    screen.medialibrary_schema.setText("bad name;")
    assert press_test_connection(qtbot, screen).startswith("invalid schema name 'bad name;'")


def test_sqlite_files_are_checked_without_creating_anything(
    qtbot: QtBot, state: AppState, tmp_path: Path
) -> None:
    screen = open_settings(qtbot, state)
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}", SchemaConfig())
    init_database(other)
    other.dispose()
    screen.sqlite_path.setText(str(tmp_path / "other.db"))
    assert press_test_connection(qtbot, screen).startswith("OK: SQLite 3.")
    assert screen.database_result.text().endswith("a Tonearm library.")

    fresh = tmp_path / "new" / "library.db"
    screen.sqlite_path.setText(str(fresh))
    assert (
        press_test_connection(qtbot, screen)
        == f"OK: no library in {fresh} yet; Tonearm creates one there when you use it."
    )
    assert not fresh.parent.exists()

    notes = tmp_path / "notes.db"
    notes.write_text("these are notes, not a database\n" * 200)
    screen.sqlite_path.setText(str(notes))
    assert press_test_connection(qtbot, screen) == "database error: file is not a database"


def test_using_another_database_reopens_the_library_and_is_remembered(
    qtbot: QtBot, state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = open_settings(qtbot, state)
    chosen = tmp_path / "elsewhere" / "music.db"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(chosen), ""))
    qtbot.mouseClick(screen.choose_button, Qt.MouseButton.LeftButton)
    assert screen.sqlite_path.text() == str(chosen)

    with qtbot.waitSignal(state.database_changed):
        qtbot.mouseClick(screen.use_button, Qt.MouseButton.LeftButton)
    assert state.db.url.database == str(chosen) and chosen.exists()
    assert state.settings.value(DATABASE_URL_KEY) == f"sqlite:///{chosen}"
    assert screen.database_result.text() == f"Now using sqlite:///{chosen}."


def test_a_database_that_cannot_be_opened_keeps_the_old_one(
    qtbot: QtBot, state: AppState, sqlite_db: Database, tmp_path: Path
) -> None:
    screen = open_settings(qtbot, state)
    notes = tmp_path / "notes.db"
    notes.write_text("these are notes, not a database\n" * 200)
    screen.sqlite_path.setText(str(notes))
    with qtbot.assertNotEmitted(state.database_changed):
        qtbot.mouseClick(screen.use_button, Qt.MouseButton.LeftButton)
    assert screen.database_result.text() == "Could not open it: database error: file is not a database"
    assert state.db is sqlite_db and not state.settings.value(DATABASE_URL_KEY)


def test_the_acoustid_key_is_saved_where_the_core_reads_it(qtbot: QtBot, state: AppState) -> None:
    screen = open_settings(qtbot, state)
    assert screen.acoustid_key.text() == ""
    assert str(config_path()) in screen.acoustid_result.text()

    qtbot.keyClicks(screen.acoustid_key, "not a key!")
    qtbot.mouseClick(screen.acoustid_save, Qt.MouseButton.LeftButton)
    assert screen.acoustid_result.text().startswith("an AcoustID API key is letters and digits")
    assert load_acoustid_config() is None

    screen.acoustid_key.clear()
    qtbot.keyClicks(screen.acoustid_key, "Ab12Cd34")
    qtbot.mouseClick(screen.acoustid_save, Qt.MouseButton.LeftButton)
    assert screen.acoustid_result.text() == f"Saved in {config_path()}."
    config = load_acoustid_config()
    assert config is not None and config.api_key == "Ab12Cd34"
    assert open_settings(qtbot, state).acoustid_key.text() == "Ab12Cd34"  # shown again next time


def test_appearance_applies_live_and_is_saved(qtbot: QtBot, state: AppState) -> None:
    screen = open_settings(qtbot, state)
    assert screen.scheme_buttons["system"].isChecked()
    light = QApplication.palette().color(QPalette.ColorRole.Window).lightness()
    try:
        choose(qtbot, screen.scheme_buttons["dark"])
        assert state.settings.value(APPEARANCE_KEY) == "dark"
        assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 80 < light
        choose(qtbot, screen.scheme_buttons["system"])
        assert state.settings.value(APPEARANCE_KEY) == "system"
        assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() == light
    finally:
        screen.set_scheme("system")


@pytest.mark.mariadb
def test_a_mariadb_server(qtbot: QtBot, state: AppState, mariadb_server_url: str) -> None:
    url, schemas = make_mariadb_database(mariadb_server_url, split=True)
    screen = open_settings(qtbot, state)
    choose(qtbot, screen.mariadb_choice)
    qtbot.keyClicks(screen.server_url, url)
    qtbot.keyClicks(screen.medialibrary_schema, schemas.medialibrary or "")
    qtbot.keyClicks(screen.listens_schema, schemas.listens or "")
    assert press_test_connection(qtbot, screen).startswith("OK: MariaDB ")
    assert screen.database_result.text().endswith(
        "no Tonearm library yet (its tables are created when you use it)."
    )

    screen.server_url.setText(
        make_url(url).set(database="no_such_database").render_as_string(hide_password=False)
    )
    assert press_test_connection(qtbot, screen) == "database error: Unknown database 'no_such_database'"

    plain, _ = make_mariadb_database(mariadb_server_url, split=False)
    screen.server_url.setText(plain)
    screen.medialibrary_schema.clear()
    screen.listens_schema.clear()
    with qtbot.waitSignal(state.database_changed):
        qtbot.mouseClick(screen.use_button, Qt.MouseButton.LeftButton)
    assert state.db.dialect in ("mariadb", "mysql") and state.settings.value(DATABASE_URL_KEY) == plain
    assert press_test_connection(qtbot, screen).endswith("a Tonearm library.")  # it was initialized


def test_the_server_password_stays_off_the_screen(qtbot: QtBot, tmp_path: Path) -> None:
    """Reopening Settings on a MariaDB library shows its URL without the password, and an unchanged field
    still tests the real URL (no server is needed to see which one was tried)."""
    db = open_database("mariadb+pymysql://me:s3cret@127.0.0.1:1/tonearm", SchemaConfig())
    state = AppState.for_tests(db, tmp_path / "settings")
    screen = open_settings(qtbot, state)
    assert screen.mariadb_choice.isChecked() and "s3cret" not in screen.server_url.text()
    assert screen.chosen_database()[0] == "mariadb+pymysql://me:s3cret@127.0.0.1:1/tonearm?charset=utf8mb4"
    screen.server_url.setText(screen.server_url.text().replace("127.0.0.1:1", "127.0.0.1:2"))
    assert screen.chosen_database()[0] == "mariadb+pymysql://me:s3cret@127.0.0.1:2/tonearm?charset=utf8mb4"
    screen.server_url.setText("mariadb+pymysql://me:typed@127.0.0.1:2/tonearm")
    assert screen.chosen_database()[0] == "mariadb+pymysql://me:typed@127.0.0.1:2/tonearm"
    db.dispose()


def test_no_switch_while_a_job_writes(
    qtbot: QtBot, state: AppState, sqlite_db: Database, tmp_path: Path
) -> None:
    def until_stopped(token: CancelToken) -> Generator[Progress, None, None]:
        while not token.cancelled:
            time.sleep(0.01)
            yield Progress("wait", 0)

    job = state.jobs.start("Scan", until_stopped, kind="scan")
    screen = open_settings(qtbot, state)
    screen.sqlite_path.setText(str(tmp_path / "other.db"))
    with qtbot.assertNotEmitted(state.database_changed):
        qtbot.mouseClick(screen.use_button, Qt.MouseButton.LeftButton)
    assert screen.database_result.text() == "stop the running jobs before switching the database."
    assert state.db is sqlite_db
    job.cancel()
    assert state.jobs.wait_idle(10000)
