"""The import's write loop: its own SQLite connection without foreign-key checks, and batch boundaries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

import scrobbler.ingest as ingest_module
from models.engine import Database
from models.listens import Listen, ListenRaw
from models.progress import Progress, run_to_end
from scrobbler.importers import get
from scrobbler.ingest import ingest, ingest_file
from scrobbler.records import ListenRecord
from scrobbler.users import default_user
from tests.scrobbler.test_ingest_background import write_export


def records(count: int) -> list[ListenRecord]:
    return [
        ListenRecord(datetime.fromtimestamp(1_600_000_000 + 300 * i, UTC), "Artist", f"Track {i}", "test")
        for i in range(count)
    ]


def counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        raw = session.execute(select(func.count()).select_from(ListenRaw)).scalar_one()
        listens = session.execute(select(func.count()).select_from(Listen)).scalar_one()
    return raw, listens


def test_sqlite_batches_run_without_foreign_key_checks_that_never_leave_the_import(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite_db.session() as session:
        user_id = default_user(session).id
    seen: list[int] = []
    write_batch = ingest_module.write_batch

    def spying(session, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar_one())
        return write_batch(session, *args, **kwargs)

    monkeypatch.setattr(ingest_module, "write_batch", spying)
    report = run_to_end(ingest(sqlite_db, records(10), user_id, batch_size=4))
    assert report.imported == 10 and seen == [0, 0, 0]
    # The import's connection was detached from the pool and closed: every pooled one still checks.
    with sqlite_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_a_missing_user_fails_the_batch_as_the_foreign_keys_would(sqlite_db: Database) -> None:
    with pytest.raises(LookupError, match="user 999 does not exist"):
        run_to_end(ingest(sqlite_db, records(5), 999))
    assert counts(sqlite_db) == (0, 0)


def test_background_chunks_are_cut_into_batches_of_batch_size(sqlite_db: Database, tmp_path: Path) -> None:
    """The parser sends 2,000-row chunks; the writer still commits exactly ``batch_size`` rows a batch."""
    path = write_export(tmp_path / "listens.jsonl", 3000)
    with sqlite_db.session() as session:
        user_id = default_user(session).id
    generator = ingest_file(
        sqlite_db, get("listenbrainz_export"), path, user_id, background=True, batch_size=700
    )
    events: list[Progress] = []
    try:
        while True:
            events.append(next(generator))
    except StopIteration as stop:
        report = stop.value
    assert [event.done for event in events] == [700, 1400, 2100, 2800, 3000]
    assert report.imported == 3000 and counts(sqlite_db) == (3000, 3000)
