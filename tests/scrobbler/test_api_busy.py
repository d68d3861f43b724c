"""A scrobble that meets a database kept busy by another writer waits and retries; one that never gets through
is answered 503 in ListenBrainz's error shape (players keep the listen and send it again), never 500, and
nothing of it is stored. Sent again once the database is free, it is stored once."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text

from models.engine import Database
from models.listens import Listen
from scrobbler.api.app import create_app
from scrobbler.users import add_user, create_token


def _listens(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Listen)) or 0)


def test_a_scrobble_the_database_never_takes_is_a_503_and_stored_once_when_sent_again(
    sqlite_db: Database,
) -> None:
    with sqlite_db.session() as session:
        token = create_token(session, add_user(session, "ada")).token
    # Lock waits of 100 ms instead of 10 s: the writer's eight attempts end in about five seconds.
    event.listen(sqlite_db.engine, "connect", lambda dbapi, _r: dbapi.execute("PRAGMA busy_timeout=100"))
    sqlite_db.engine.dispose()
    body = {
        "listen_type": "single",
        "payload": [
            {"listened_at": 1_700_000_000, "track_metadata": {"artist_name": "A", "track_name": "T"}}
        ],
    }
    headers = {"Authorization": f"Token {token}"}
    with TestClient(create_app(sqlite_db), raise_server_exceptions=False) as client:
        assert client.get("/1/validate-token", headers=headers).status_code == 200  # token checked, touched
        held, release = threading.Event(), threading.Event()

        def another_writer() -> None:
            with sqlite_db.write_session() as session:
                session.execute(text("UPDATE users SET timezone = 'UTC'"))
                held.set()
                release.wait(60)

        holder = threading.Thread(target=another_writer, daemon=True)
        holder.start()
        assert held.wait(20)
        try:
            refused = client.post("/1/submit-listens", json=body, headers=headers)
        finally:
            release.set()
            holder.join(20)
        assert refused.status_code == 503, refused.text
        assert refused.json() == {
            "code": 503,
            "error": "The database is busy with other work; please try again shortly.",
        }
        assert _listens(sqlite_db) == 0
        again = client.post("/1/submit-listens", json=body, headers=headers)
        assert again.status_code == 200, again.text
    assert _listens(sqlite_db) == 1
