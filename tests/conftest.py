"""Hermetic test set-up: temp HOME/XDG/data dirs, offscreen Qt, no schema-split variables leaking in,
and real databases: SQLite files and a throwaway MariaDB server (or ``TONEARM_TEST_MARIADB_URL``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from models.bootstrap import init_database
from models.engine import Database, open_database
from models.schemas import SchemaConfig
from tests.mariadb_server import MariaDBServer, MariaDBUnavailable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REQUIRE_MARIADB = os.environ.get("TONEARM_REQUIRE_MARIADB") == "1"


@pytest.fixture(autouse=True)
def hermetic_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("TONEARM_DATA_DIR", str(home / "tonearm-data"))
    for name in ("TONEARM_DATABASE_URL", "SCROBBLER_MEDIALIBRARY_SCHEMA", "SCROBBLER_LISTENS_SCHEMA"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def mariadb_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL (no default database) of a MariaDB server for this test session."""
    given = os.environ.get("TONEARM_TEST_MARIADB_URL")
    if given:
        url = make_url(given).set(database=None)
        yield url.render_as_string(hide_password=False)
        return
    try:
        server = MariaDBServer.start()
    except MariaDBUnavailable as exc:
        message = f"MariaDB tests need a server and none could be started: {exc}"
        if REQUIRE_MARIADB:
            pytest.fail(message + " (TONEARM_REQUIRE_MARIADB=1, as in CI)")
        pytest.skip("!!! " + message)
    try:
        yield server.url
    finally:
        server.stop()


def _create_mariadb_databases(server_url: str, names: list[str]) -> None:
    import pymysql

    url = make_url(server_url)
    kwargs = dict(
        user=url.username or "root", password=url.password or "", charset="utf8mb4", autocommit=True
    )
    if "unix_socket" in url.query:
        conn = pymysql.connect(unix_socket=str(url.query["unix_socket"]), **kwargs)
    else:
        conn = pymysql.connect(host=url.host or "localhost", port=url.port or 3306, **kwargs)
    with conn, conn.cursor() as cur:
        for name in names:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")


def make_mariadb_database(server_url: str, split: bool) -> tuple[str, SchemaConfig]:
    """A fresh, empty database (and, split, two fresh schemas); returns its URL and schema config."""
    prefix = "t" + uuid.uuid4().hex[:10]
    schemas = SchemaConfig(f"{prefix}_media", f"{prefix}_listens") if split else SchemaConfig()
    _create_mariadb_databases(server_url, [prefix, *schemas.named_schemas()])
    return make_url(server_url).set(database=prefix).render_as_string(hide_password=False), schemas


ENGINE_LAYOUTS = ["sqlite", "sqlite-split", "mariadb", "mariadb-split"]


def open_layout(layout: str, tmp_path: Path, request: pytest.FixtureRequest) -> Database:
    """An open, empty (not initialized) database in one of the four layouts."""
    split = layout.endswith("split")
    if layout.startswith("sqlite"):
        schemas = SchemaConfig("medialibrary", "listens") if split else SchemaConfig()
        return open_database(f"sqlite:///{tmp_path / 'tonearm.db'}", schemas)
    server_url = request.getfixturevalue("mariadb_server_url")
    url, schemas = make_mariadb_database(server_url, split)
    return open_database(url, schemas)


@pytest.fixture(params=ENGINE_LAYOUTS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An open database with nothing in it, in each layout (SQLite/MariaDB x single/split)."""
    if request.param.startswith("mariadb"):
        request.applymarker(pytest.mark.mariadb)
    db = open_layout(request.param, tmp_path, request)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture(params=ENGINE_LAYOUTS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An initialized database (every table, stamped at head) in each layout."""
    database = open_layout(request.param, tmp_path, request)
    init_database(database)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """An initialized single-file SQLite database: the default most tests need."""
    database = open_database(f"sqlite:///{tmp_path / 'tonearm.db'}", SchemaConfig())
    init_database(database)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def sqlite_split_db(tmp_path: Path) -> Iterator[Database]:
    """An initialized SQLite database split into attached medialibrary/listens files."""
    database = open_database(f"sqlite:///{tmp_path / 'tonearm.db'}", SchemaConfig("medialibrary", "listens"))
    init_database(database)
    try:
        yield database
    finally:
        database.dispose()
