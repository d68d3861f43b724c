"""Where the database lives, told without SQLAlchemy: the data directory, the URL's environment variable,
and whether a plain SQLite URL names a database that holds nothing yet.

Kept apart from :mod:`models.engine` (which imports SQLAlchemy, ~0.1 s): ``tonearm scan`` decides with it,
before importing SQLAlchemy, that a first scan can start its read workers at once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DATABASE_URL_ENV = "TONEARM_DATABASE_URL"
DATA_DIR_ENV = "TONEARM_DATA_DIR"
_PLAIN_SQLITE = "sqlite:///"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where Tonearm keeps its files: ``TONEARM_DATA_DIR`` or the platform's user data directory."""
    env = os.environ if environ is None else environ
    if env.get(DATA_DIR_ENV):
        return Path(env[DATA_DIR_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("tonearm", appauthor=False))


def default_database_file(environ: Mapping[str, str] | None = None) -> Path:
    """The SQLite file used when neither ``--database-url`` nor ``TONEARM_DATABASE_URL`` names one."""
    return data_dir(environ) / "tonearm.db"


def holds_nothing(main: Path) -> bool:
    """Whether the SQLite file ``main`` and its write-ahead log hold no byte (or do not exist)."""
    for path in (main, main.with_name(main.name + "-wal")):
        try:
            if path.stat().st_size > 0:
                return False
        except FileNotFoundError:
            continue
        except OSError:
            return False  # opened the usual way, which says what is wrong with it
    return True


def plain_new_sqlite_database(
    explicit: str | None = None, environ: Mapping[str, str] | None = None
) -> bool | None:
    """:func:`models.engine.is_new_sqlite_database` for the URLs that need no parser: the default file, and
    ``sqlite:///PATH`` without a query, percent-escapes or a URI-style name (True/False, the same answer);
    None for any other URL, which only SQLAlchemy reads as it will be opened."""
    env = os.environ if environ is None else environ
    text = explicit or env.get(DATABASE_URL_ENV)
    if not text:
        return holds_nothing(default_database_file(env))
    if not text.startswith(_PLAIN_SQLITE) or any(mark in text for mark in "?%#"):
        return None
    database = text[len(_PLAIN_SQLITE) :]
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return holds_nothing(Path(database).expanduser())
