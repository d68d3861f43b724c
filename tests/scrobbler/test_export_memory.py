"""Listen exports keep memory flat: four times the listens, about the same peak."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import insert

from models.engine import Database
from models.listens import Listen, ListenRaw
from scrobbler.exports import export_listens
from scrobbler.stats import scope_for
from tests.listening_fixtures import Library


def _add_listens(db: Database, user_id: int, start: int, count: int) -> None:
    with db.session() as session:
        connection = session.connection()
        connection.execute(
            insert(ListenRaw),
            [
                {"id": i, "user_id": user_id, "source": "t", "source_track_id": str(i), "payload_json": "{}",
                 "listened_at": 1_600_000_000 + i * 60}
                for i in range(start, start + count)
            ],
        )  # fmt: skip
        connection.execute(
            insert(Listen),
            [
                {"id": i, "raw_id": i, "user_id": user_id, "listened_at": 1_600_000_000 + i * 60, "source": "t",
                 "artist_name": f"Artist {i % 97} " + "x" * 40, "track_name": f"Track {i}",
                 "artist_name_normalized": f"artist {i % 97}", "track_name_normalized": f"track {i}"}
                for i in range(start, start + count)
            ],
        )  # fmt: skip


def _peak(db: Database, path: Path, fmt: str) -> int:
    with db.session() as session:
        from scrobbler.users import get_user

        scope = scope_for(get_user(session, "alice"), "all")  # type: ignore[arg-type]
    tracemalloc.start()
    try:
        for _ in export_listens(db.sessions, scope, path, fmt, chunk_rows=500):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "parquet", "listenbrainz"])
def test_peak_memory_does_not_grow_with_the_history(sqlite_db: Database, tmp_path: Path, fmt: str) -> None:
    with sqlite_db.session() as session:
        user_id = Library(session).user("alice").id
    _add_listens(sqlite_db, user_id, 1, 2_000)
    small = _peak(sqlite_db, tmp_path / f"small.{fmt}", fmt)
    _add_listens(sqlite_db, user_id, 2_001, 6_000)
    large = _peak(sqlite_db, tmp_path / f"large.{fmt}", fmt)
    assert large < small * 1.5 + 256 * 1024, (small, large)
