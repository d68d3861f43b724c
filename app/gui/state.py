"""What every screen of the window shares: the open database, the job runner, the settings, and the signals
that tell screens to reload. Passed to each screen's constructor; never a global."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

from app.gui.jobs import JobRunner
from models.engine import Database
from models.schemas import LISTENS_ENV, MEDIALIBRARY_ENV, SchemaConfig

DATABASE_URL_KEY = "database/url"
"""QSettings key of the database the user chose in Settings (empty: the default SQLite file)."""
MEDIALIBRARY_SCHEMA_KEY = "database/medialibrary_schema"
LISTENS_SCHEMA_KEY = "database/listens_schema"
"""QSettings keys of the schema split chosen in Settings (empty: the connection's default schema)."""


class DatabaseBusy(RuntimeError):
    """The database cannot be switched while jobs are writing to it."""


def configured_database_url(settings: QSettings, environ: Mapping[str, str] = os.environ) -> str | None:
    """The URL to open: TONEARM_DATABASE_URL wins over the setting, which wins over the default (None)."""
    from_env = environ.get("TONEARM_DATABASE_URL")
    if from_env:
        return from_env
    chosen = settings.value(DATABASE_URL_KEY, "", type=str)
    return chosen or None


def configured_schemas(settings: QSettings, environ: Mapping[str, str] = os.environ) -> SchemaConfig:
    """The schema split to use: the SCROBBLER_*_SCHEMA variables when either is set, else the setting."""
    if environ.get(MEDIALIBRARY_ENV) is not None or environ.get(LISTENS_ENV) is not None:
        return SchemaConfig.from_env(environ)
    return SchemaConfig.from_env(
        {
            MEDIALIBRARY_ENV: settings.value(MEDIALIBRARY_SCHEMA_KEY, "", type=str),
            LISTENS_ENV: settings.value(LISTENS_SCHEMA_KEY, "", type=str),
        }
    )


def open_initialized(url: str | None, schemas: SchemaConfig | None = None) -> Database:
    """Open ``url`` (None: the default SQLite file), create what is missing, and migrate a library an earlier
    Tonearm wrote (as desktop apps do on open: a person should not need ``tonearm db upgrade``)."""
    from models.engine import open_database

    db = open_database(url, schemas)
    if db.is_sqlite:
        _desktop_sqlite_memory(db)
    if _is_current(db):  # the usual start: no Alembic, no schema inspection
        return db
    from models.bootstrap import current_revision, head_revision, init_database, upgrade_database

    try:
        init_database(db)
        if current_revision(db) != head_revision():
            upgrade_database(db)
    except Exception:
        db.dispose()
        raise
    return db


def _is_current(db: Database) -> bool:
    """True when the database says it is at the newest migration (one small read; False on any doubt)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from models.migrations.heads import script_head

    try:
        with db.engine.connect() as connection:
            stamped = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:
        return False
    return stamped == [script_head()]


_DESKTOP_CACHE_KIB = 16384


def _desktop_sqlite_memory(db: Database) -> None:
    """The window's connections read through a 16 MiB page cache and no memory map.

    The core maps up to 1 GiB of the file for its bulk jobs; in the long-lived window process every page
    the library's reads touched stayed resident: 500 MiB after loading 100,000 tracks beside 1M listens,
    against 170 MiB this way, at the same load time (measured in bench/bench_gui.py)."""
    from sqlalchemy import event

    @event.listens_for(db.engine, "connect")
    def _lean(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        for schema in ["main", *db.schemas.named_schemas()]:
            cursor.execute(f'PRAGMA "{schema}".mmap_size=0')
            cursor.execute(f'PRAGMA "{schema}".cache_size=-{_DESKTOP_CACHE_KIB}')
        cursor.close()


class AppState(QObject):
    database_changed = Signal()  # a new database was opened: screens reload everything
    library_changed = Signal()  # catalog rows changed (scan/analyze batch or end, folder removed)
    listens_changed = Signal()  # listens were imported, matched or reviewed
    # Ask the window to show another screen with something in it: (object_name, payload). The window shows
    # the screen and hands the payload to its ``navigate(payload)``; payloads are small dicts such as
    # {"track_id": 12} (library, similar, listens) or {"listen_id": 7} (listens).
    navigation_requested = Signal(str, object)

    def __init__(
        self, db: Database, jobs: JobRunner, settings: QSettings, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._db = db
        self.jobs = jobs
        self.settings = settings
        self.screen_names: frozenset[str] = frozenset()  # set by the window: which screens exist

    def navigate(self, screen: str, payload: object = None) -> None:
        """Show ``screen`` (an object_name) and hand it ``payload``; nothing happens if it does not exist."""
        self.navigation_requested.emit(screen, payload)

    def has_screen(self, name: str) -> bool:
        """Whether the window shows a screen called ``name`` (menus offer a jump only where it can land)."""
        return name in self.screen_names

    @classmethod
    def for_tests(cls, db: Database, settings_dir: str | Path | None = None) -> AppState:
        """A state on ``db`` with its own job runner and an INI settings file in a temporary folder."""
        folder = (
            Path(settings_dir)
            if settings_dir is not None
            else Path(tempfile.mkdtemp(prefix="tonearm-settings-"))
        )
        settings = QSettings(str(folder / "tonearm.ini"), QSettings.Format.IniFormat)
        return cls(db, JobRunner(), settings)

    @property
    def db(self) -> Database:
        return self._db

    def open_database(self, url: str | None, schemas: SchemaConfig | None = None) -> None:
        """Switch to the database at ``url`` (None: the default SQLite file) with ``schemas`` (None: the
        environment's) and remember the choice for the next start.

        Raises :class:`DatabaseBusy` while listed jobs run, and whatever opening the database raises (the old
        database then stays open and nothing is remembered)."""
        if self.jobs.running():
            raise DatabaseBusy("stop the running jobs before switching the database")
        new = open_initialized(url, schemas)
        old, self._db = self._db, new
        self.settings.setValue(DATABASE_URL_KEY, url or "")
        self.settings.setValue(MEDIALIBRARY_SCHEMA_KEY, new.schemas.medialibrary or "")
        self.settings.setValue(LISTENS_SCHEMA_KEY, new.schemas.listens or "")
        self.settings.sync()
        old.dispose()
        self.database_changed.emit()
