"""A real API server for the scrobbler tests: uvicorn on a free loopback port in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.bootstrap import init_database
from models.engine import Database, open_database
from models.schemas import SchemaConfig
from scrobbler.api import make_server
from scrobbler.users import add_user, create_token
from tests.conftest import make_mariadb_database


@dataclass
class RunningApi:
    url: str
    db: Database
    token: str  # alice's
    other_token: str  # bob's


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(db: Database) -> Iterator[RunningApi]:
    init_database(db)
    with db.session() as session:
        alice = create_token(session, add_user(session, "alice")).token
        bob = create_token(session, add_user(session, "bob")).token
    port = free_port()
    server = make_server(db, "127.0.0.1", port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.01)
    try:
        yield RunningApi(f"http://127.0.0.1:{port}", db, alice, bob)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        db.dispose()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApi]:
    """A server over a fresh SQLite database with users alice and bob, one token each."""
    path: Path = tmp_path_factory.mktemp("api") / "tonearm.db"
    yield from _start(open_database(f"sqlite:///{path}", SchemaConfig()))


@pytest.fixture(scope="module", params=["sqlite", "mariadb-split"])
def api_each_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningApi]:
    """The same server on SQLite and on MariaDB with the schema split."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("api") / "tonearm.db"
        db = open_database(f"sqlite:///{path}", SchemaConfig("medialibrary", "listens"))
    else:
        request.applymarker(pytest.mark.mariadb)
        url, schemas = make_mariadb_database(request.getfixturevalue("mariadb_server_url"), split=True)
        db = open_database(url, schemas)
    yield from _start(db)
