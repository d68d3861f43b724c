"""One write discipline for every job: a unit of work in one write transaction, retried when the database is
busy.

Jobs (scan, analyze, enrich, import, AcoustID sync) run beside the scrobble server and beside each other. On
SQLite there is one writer at a time: each unit of work starts as a writer (``BEGIN IMMEDIATE``, see
:meth:`models.engine.Database.write_session`), so it waits its turn under the busy timeout instead of failing
half-way, and it is short (a batch), so nobody waits long. Should the lock still not come (a writer held it
past the busy timeout), or MariaDB pick this transaction as a deadlock victim (1213) or give up waiting for
a row lock (1205), the whole unit is rolled back and run again after a jittered, growing pause. Only after
the last attempt does the caller see :class:`WriteContention`, whose message says what could not be written.

``work`` must be safe to run again: it gets a fresh session each time and must not depend on state it
changed outside the session in an attempt that was rolled back (caches of ids it inserted, counters).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from models.engine import Database, begin_as_writer

T = TypeVar("T")
log = logging.getLogger(__name__)

_FIRST_PAUSE_SECS = 0.05
_MAX_PAUSE_SECS = 2.0
_SQLITE_BUSY = 5  # SQLITE_BUSY and its extended codes (BUSY_SNAPSHOT, BUSY_RECOVERY...)
_SQLITE_LOCKED = 6
_MARIADB_DEADLOCK = 1213  # ER_LOCK_DEADLOCK: InnoDB rolled the transaction back
_MARIADB_LOCK_WAIT_TIMEOUT = 1205  # ER_LOCK_WAIT_TIMEOUT: innodb_lock_wait_timeout passed
_BUSY_MESSAGES = ("database is locked", "database is busy", "database table is locked")


class WriteContention(RuntimeError):
    """A unit of work could not be written: other writers kept the database busy through every attempt.

    ``what`` names the unit as the caller described it; ``attempts`` is how often it was tried. The message
    is one line for a person and says what to do."""

    def __init__(self, what: str, attempts: int, last_error: BaseException | None = None) -> None:
        self.what = what
        self.attempts = attempts
        self.last_error = last_error
        detail = f" (last: {_first_line(last_error)})" if last_error is not None else ""
        super().__init__(
            f"{what}: the database stayed busy with other writers through {attempts} attempts{detail}; "
            "nothing of this step was written - run it again, or stop the other program writing to it"
        )


def write_transaction(
    db: Database | sessionmaker[Session], work: Callable[[Session], T], *, what: str, attempts: int = 8
) -> T:
    """Run ``work(session)`` in ONE write transaction, commit, and return its value.

    SQLite: the transaction begins ``IMMEDIATE``. "database is locked"/busy on SQLite, or a deadlock / lock
    wait timeout on MariaDB (1213/1205), rolls the transaction back and runs ``work`` again with a fresh
    session after a jittered exponential pause (50 ms doubling, at most 2 s); after ``attempts`` tries it
    raises :class:`WriteContention` naming ``what``. Any other error is rolled back and raised at once.
    ``db`` may also be a session factory of a database (what the scrobble server holds).
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    sessions = db.sessions if isinstance(db, Database) else db
    last: BaseException | None = None
    for attempt in range(attempts):
        if attempt:
            pause = min(_MAX_PAUSE_SECS, _FIRST_PAUSE_SECS * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
            log.info(
                "%s: database busy (%s); attempt %d in %.2f s", what, _first_line(last), attempt + 1, pause
            )
            time.sleep(pause)
        started = time.monotonic()
        try:
            with sessions.begin() as session:
                begin_as_writer(session)
                value = work(session)
            log.debug("%s: committed in %.3f s (attempt %d)", what, time.monotonic() - started, attempt + 1)
            return value
        except DBAPIError as error:
            if not is_write_contention(error):
                raise
            last = error
    raise WriteContention(what, attempts, last) from last


def is_write_contention(error: BaseException) -> bool:
    """Whether ``error`` (or an error it was raised from) says another writer was in the way: SQLite busy /
    locked, MariaDB deadlock or lock wait timeout. Such a transaction was rolled back and may be re-run."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_contention(current.orig if isinstance(current, DBAPIError) else current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_contention(error: BaseException | None) -> bool:
    if error is None:
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    args = getattr(error, "args", ())
    if args and isinstance(args[0], int) and type(error).__module__.startswith("pymysql"):
        return args[0] in (_MARIADB_DEADLOCK, _MARIADB_LOCK_WAIT_TIMEOUT)
    if type(error).__module__ == "sqlite3":
        text = str(error).lower()
        return any(message in text for message in _BUSY_MESSAGES)
    return False


def _first_line(error: BaseException | None) -> str:
    if error is None:
        return ""
    orig = error.orig if isinstance(error, DBAPIError) else error
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


__all__ = ["WriteContention", "is_write_contention", "write_transaction"]
