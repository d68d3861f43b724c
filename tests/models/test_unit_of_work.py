"""models.unit_of_work: one write transaction per unit, SQLite writers begin IMMEDIATE, busy/deadlocked units
are retried, and a unit that never gets through says what it was."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from models.engine import Database
from models.unit_of_work import WriteContention, is_write_contention, write_transaction
from models.users import ConfigEntry


def _put(session: Session, key: str, value: str) -> None:
    entry = session.get(ConfigEntry, key)
    if entry is None:
        session.add(ConfigEntry(key=key, value=value))
    else:
        entry.value = value
    session.flush()


def _value(db: Database, key: str) -> str | None:
    with db.session() as session:
        return session.scalar(select(ConfigEntry.value).where(ConfigEntry.key == key))


def _short_lock_waits(db: Database) -> None:
    """New connections give up waiting for a lock after ~100 ms instead of the app's 10 s (the same
    mechanism, scaled down so a test can show the retry)."""
    if db.is_sqlite:
        event.listen(db.engine, "connect", lambda dbapi, _r: dbapi.execute("PRAGMA busy_timeout=100"))
    else:

        def _mariadb(dbapi, _record):
            with dbapi.cursor() as cursor:
                cursor.execute("SET SESSION innodb_lock_wait_timeout=1")

        event.listen(db.engine, "connect", _mariadb)
    db.engine.dispose()


class _Holder:
    """Another writer holding the lock on ``key``'s row (SQLite: the database's write lock) until
    released."""

    def __init__(self, db: Database, key: str) -> None:
        self.held = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(db, key), daemon=True)
        self.thread.start()
        assert self.held.wait(20), "the holder never got the lock"

    def _run(self, db: Database, key: str) -> None:
        try:
            with db.write_session() as session:
                _put(session, key, "holder")
                self.held.set()
                self.release.wait(30)
        except BaseException as error:  # pragma: no cover - shown by the test's assertion
            self.error = error
            self.held.set()

    def finish(self) -> None:
        self.release.set()
        self.thread.join(30)
        assert self.error is None, self.error


def test_commits_once_and_returns_the_value(db: Database) -> None:
    calls = []

    def work(session: Session) -> int:
        calls.append(1)
        _put(session, "uow.a", "1")
        return 42

    assert write_transaction(db, work, what="storing a") == 42
    assert calls == [1]
    assert _value(db, "uow.a") == "1"
    # a session factory works the same (what the scrobble server holds)
    write_transaction(db.sessions, lambda s: _put(s, "uow.a", "2"), what="storing a again")
    assert _value(db, "uow.a") == "2"


def test_other_errors_roll_back_at_once(db: Database) -> None:
    write_transaction(db, lambda s: _put(s, "uow.b", "kept"), what="b")
    calls = []

    def work(session: Session) -> None:
        calls.append(1)
        _put(session, "uow.c", "half")
        session.add(ConfigEntry(key="uow.b", value="duplicate"))
        session.flush()

    with pytest.raises(IntegrityError):
        write_transaction(db, work, what="c")
    assert calls == [1]
    assert _value(db, "uow.c") is None
    assert _value(db, "uow.b") == "kept"


def test_a_busy_unit_waits_retries_and_commits(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """Another writer holds the lock longer than one wait: the unit is rolled back, retried, and commits
    once the lock is free; its earlier attempts left nothing behind."""
    write_transaction(db, lambda s: _put(s, "uow.busy", "before"), what="seed")
    _short_lock_waits(db)
    holder = _Holder(db, "uow.busy")
    calls: list[float] = []

    def work(session: Session) -> str:
        calls.append(time.monotonic())
        _put(session, "uow.busy", f"attempt {len(calls)}")
        return "done"

    releaser = threading.Timer(1.6, holder.finish)
    started = time.monotonic()
    releaser.start()
    caplog.set_level("INFO", logger="models.unit_of_work")
    try:
        assert write_transaction(db, work, what="busy unit", attempts=12) == "done"
    finally:
        releaser.join()
    assert time.monotonic() - started >= 1.5  # it had to wait for the holder
    assert any("busy unit: database busy" in r.getMessage() for r in caplog.records)
    assert _value(db, "uow.busy") == f"attempt {len(calls)}"
    if db.is_sqlite:
        assert len(calls) >= 1  # BEGIN IMMEDIATE fails before work runs: attempts are retries of BEGIN
    else:
        assert len(calls) >= 2  # the row lock wait timed out inside work, which then ran again


def test_a_unit_that_never_gets_through_says_what_it_was(db: Database) -> None:
    write_transaction(db, lambda s: _put(s, "uow.stuck", "before"), what="seed")
    _short_lock_waits(db)
    holder = _Holder(db, "uow.stuck")
    try:
        with pytest.raises(WriteContention) as caught:
            write_transaction(db, lambda s: _put(s, "uow.stuck", "never"), what="writing batch 7", attempts=2)
    finally:
        holder.finish()
    message = str(caught.value)
    assert message.startswith("writing batch 7: the database stayed busy")
    assert "2 attempts" in message and "run it again" in message
    assert caught.value.attempts == 2 and is_write_contention(caught.value.last_error)  # type: ignore[arg-type]
    assert _value(db, "uow.stuck") == "holder"


def test_sqlite_reads_stay_deferred_and_never_wait_for_a_writer(sqlite_db: Database) -> None:
    write_transaction(sqlite_db, lambda s: _put(s, "uow.r", "old"), what="seed")
    holder = _Holder(sqlite_db, "uow.r")
    try:
        started = time.monotonic()
        assert _value(sqlite_db, "uow.r") == "old"  # the committed value, from a snapshot, at once
        assert time.monotonic() - started < 1.0
    finally:
        holder.finish()


def test_sqlite_read_then_write_fails_deferred_but_not_as_a_unit(sqlite_db: Database) -> None:
    """Issue 18: a transaction that read, then wrote after another writer committed, failed at once with
    "database is locked" whatever the busy timeout. As a unit of work it begins as a writer and goes through."""
    write_transaction(sqlite_db, lambda s: _put(s, "uow.snap", "0"), what="seed")

    def other_writer_commits() -> None:
        path = sqlite_db.url.database
        assert path
        with sqlite3.connect(path, isolation_level=None, timeout=10) as other:
            other.execute("UPDATE config SET value = 'other' WHERE key = 'uow.snap'")
        other.close()

    started = time.monotonic()
    with pytest.raises(OperationalError) as caught, sqlite_db.session() as session:
        session.execute(select(ConfigEntry.value)).all()  # the snapshot starts here
        other_writer_commits()
        session.execute(text("UPDATE config SET value = 'mine' WHERE key = 'uow.snap'"))
    assert "database is locked" in str(caught.value) and is_write_contention(caught.value)
    assert time.monotonic() - started < 5  # not a timeout: refused at once

    def unit(session: Session) -> None:
        session.execute(select(ConfigEntry.value)).all()
        session.execute(text("UPDATE config SET value = 'mine' WHERE key = 'uow.snap'"))

    threading.Timer(0.05, other_writer_commits).start()  # waits for our lock, then writes after us
    write_transaction(sqlite_db, unit, what="read then write")
    time.sleep(0.5)
    assert _value(sqlite_db, "uow.snap") in ("mine", "other")


def test_write_session_cannot_be_made_from_a_reader(sqlite_db: Database) -> None:
    from models.engine import begin_as_writer

    with sqlite_db.session() as session:
        session.execute(select(ConfigEntry.key)).all()
        with pytest.warns(Warning), pytest.raises(RuntimeError, match="already begun as a reader"):
            begin_as_writer(session)


def test_two_units_locking_rows_in_opposite_orders_both_commit(db: Database) -> None:
    """MariaDB: the two meet in a deadlock (1213), InnoDB rolls one back and it runs again. SQLite: the second
    unit's BEGIN IMMEDIATE waits for the first to commit, so they cannot deadlock at all."""
    for key in ("uow.x", "uow.y"):
        write_transaction(db, lambda s, key=key: _put(s, key, "0"), what="seed")
    both_hold_one = threading.Barrier(2)
    calls: dict[str, int] = {"xy": 0, "yx": 0}
    errors: list[BaseException] = []

    def unit(first: str, second: str, name: str) -> None:
        def work(session: Session) -> None:
            calls[name] += 1
            _put(session, first, name)
            # Broken when the other unit is not inside its transaction now (SQLite; or this is a retry).
            with contextlib.suppress(threading.BrokenBarrierError):
                both_hold_one.wait(timeout=1.0)
            _put(session, second, name)

        try:
            write_transaction(db, work, what=f"unit {name}")
        except BaseException as error:  # shown by the assertion below
            errors.append(error)

    threads = [
        threading.Thread(target=unit, args=("uow.x", "uow.y", "xy")),
        threading.Thread(target=unit, args=("uow.y", "uow.x", "yx")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    values = {_value(db, "uow.x"), _value(db, "uow.y")}
    assert len(values) == 1 and values <= {"xy", "yx"}  # one unit's writes entirely, then the other's
    assert sum(calls.values()) == (2 if db.is_sqlite else 3), calls  # MariaDB: the victim ran again
