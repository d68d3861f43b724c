"""The window's shared state: switching the database reopens it, remembers it, and refuses while jobs run."""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.gui.state import (
    AppState,
    DatabaseBusy,
    configured_database_url,
    configured_schemas,
    open_initialized,
)
from models.engine import Database, DatabaseConfigError
from models.progress import CancelToken, Progress
from models.schemas import SchemaConfig


def test_switching_the_database_reopens_and_remembers_it(qtbot, sqlite_db: Database, tmp_path: Path) -> None:
    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    other = tmp_path / "other.db"
    with qtbot.waitSignal(state.database_changed, timeout=5000):
        state.open_database(f"sqlite:///{other}")
    assert state.db.url.database == str(other) and other.exists()
    with state.db.session() as session:
        assert session.execute(text("SELECT count(*) FROM tracks")).scalar_one() == 0  # initialised
    assert configured_database_url(state.settings, {}) == f"sqlite:///{other}"
    assert (
        configured_database_url(state.settings, {"TONEARM_DATABASE_URL": "sqlite:///x.db"})
        == "sqlite:///x.db"
    )


def test_a_bad_url_keeps_the_old_database(qtbot, sqlite_db: Database, tmp_path: Path) -> None:
    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    with pytest.raises(DatabaseConfigError):
        state.open_database("nosuchdriver://x")
    assert state.db is sqlite_db
    assert configured_database_url(state.settings, {}) is None


def test_no_switch_while_a_job_runs(qtbot, sqlite_db: Database, tmp_path: Path) -> None:
    state = AppState.for_tests(sqlite_db, tmp_path / "settings")

    def slow(token: CancelToken) -> Generator[Progress, None, None]:
        while not token.cancelled:
            time.sleep(0.01)
            yield Progress("wait", 0)

    job = state.jobs.start("Slow", slow)
    with pytest.raises(DatabaseBusy):
        state.open_database(f"sqlite:///{tmp_path / 'b.db'}")
    job.cancel()
    assert state.jobs.wait_idle(5000)


def test_the_schema_split_is_remembered_and_the_environment_wins(
    qtbot, sqlite_db: Database, tmp_path: Path
) -> None:
    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    state.open_database(
        f"sqlite:///{tmp_path / 'split.db'}", SchemaConfig(medialibrary="lib", listens="hist")
    )
    assert (tmp_path / "split-lib.db").exists() and (tmp_path / "split-hist.db").exists()
    assert configured_schemas(state.settings, {}) == SchemaConfig(medialibrary="lib", listens="hist")
    assert configured_schemas(state.settings, {"SCROBBLER_LISTENS_SCHEMA": "x"}) == SchemaConfig(listens="x")


def test_a_library_from_an_earlier_version_is_migrated_on_open(sqlite_db: Database, tmp_path: Path) -> None:
    from alembic import command

    from models.bootstrap import alembic_config, current_revision, head_revision

    with sqlite_db.engine.begin() as connection:
        command.downgrade(alembic_config(sqlite_db, connection), "0006")
    sqlite_db.dispose()
    reopened = open_initialized(str(sqlite_db.url))
    try:
        assert current_revision(reopened) == head_revision()
    finally:
        reopened.dispose()
