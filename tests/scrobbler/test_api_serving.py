"""The server as a long operation (what the desktop app runs as a job): status as progress, a clear error
for a taken port, a clean stop on cancel, and what clients did kept in memory."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from liblistenbrainz import Listen, ListenBrainz
from liblistenbrainz.errors import ListenBrainzAPIException

from models.engine import Database
from models.progress import CancelToken, Progress
from scrobbler.api.serving import LocalServer, PortUnavailable, ServeSummary
from scrobbler.users import create_token, default_user, revoke_token


class Running:
    """Drives ``LocalServer.run`` on a thread of the test, as the job runner does in the app."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.token = CancelToken()
        self.events: list[Progress] = []
        self.summary: ServeSummary | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._drive, daemon=True)

    def _drive(self) -> None:
        events = self.server.run(self.token, poll_secs=0.05)
        try:
            while True:
                self.events.append(next(events))
        except StopIteration as stop:
            self.summary = stop.value
        except BaseException as error:
            self.error = error

    def wait_for(self, predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not predicate():
            assert self.error is None, self.error
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.02)


@pytest.fixture
def running(sqlite_db: Database) -> Iterator[Running]:
    run = Running(LocalServer(sqlite_db, port=0))
    run.thread.start()
    run.wait_for(lambda: bool(run.events))
    yield run
    run.token.cancel()
    run.thread.join(20)


def test_a_client_submits_and_the_status_counts_it(running: Running, sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        token = create_token(session, default_user(session)).token
    assert running.server.port > 0 and running.server.url == f"http://127.0.0.1:{running.server.port}/"
    client = ListenBrainz(api_base_url=running.server.url)
    client.set_auth_token(token)
    client.submit_single_listen(Listen("Teardrop", "Massive Attack", listened_at=int(time.time()) - 60))
    client.submit_playing_now(Listen("Angel", "Massive Attack"))
    running.wait_for(lambda: running.events[-1].counts["listens_today"] == 1)
    snapshot = running.server.snapshot()
    assert snapshot is not None and snapshot.listens_today == 1 and snapshot.last_refused is None
    assert snapshot.last_client is not None and snapshot.last_client.action == "playing now"
    assert snapshot.last_client.address == "127.0.0.1" and snapshot.last_client.user_agent

    with sqlite_db.session() as session:
        assert revoke_token(session, token) == 1
    with pytest.raises(ListenBrainzAPIException) as refused:
        client.submit_single_listen(Listen("Angel", "Massive Attack", listened_at=int(time.time()) - 30))
    assert refused.value.status_code == 401
    refused_seen = running.server.snapshot()
    assert refused_seen is not None and refused_seen.last_refused is not None
    assert refused_seen.last_refused.refused == "401: Invalid authorization token."

    running.token.cancel()
    running.thread.join(20)
    assert running.summary is not None and running.summary.cancelled and running.summary.listens == 1
    with pytest.raises(OSError):  # the port is free again: nothing listens there any more
        socket.create_connection(("127.0.0.1", running.server.port), timeout=1).close()


def test_a_taken_port_is_a_clear_error_at_once(sqlite_db: Database, tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        events = LocalServer(sqlite_db, port=port).run(CancelToken())
        with pytest.raises(PortUnavailable) as error:
            next(events)
    assert str(error.value) == (f"port {port} is already in use by another program; choose another port")
