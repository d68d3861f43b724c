"""Group commit for the API: one writer thread turns many concurrent submissions into one transaction.

A request's listens join a queue and the request waits for its result; the thread takes everything that
is waiting (up to ``max_group`` submissions), writes it with the ingest batch writer in one short
transaction (a unit of work: :func:`models.unit_of_work.write_transaction`), and answers every request at
once. SQLite allows one writer at a time anyway, so this keeps
the event loop free and pays one commit (one fsync) per group instead of one per request.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from models.unit_of_work import WriteContention, write_transaction
from scrobbler.api.errors import APIError
from scrobbler.ingest import DEFAULT_DUPLICATE_WINDOW_SECS
from scrobbler.ingest_batch import write_batch
from scrobbler.ingest_rows import PreparedListen


@dataclass
class _Submission:
    user_id: int
    rows: list[PreparedListen]
    done: Future[None] = field(default_factory=Future)


class ListenWriter:
    """Started with the server, stopped with it; :meth:`submit` may be called from any thread."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        max_group: int = 256,
        window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
    ) -> None:
        self._sessions = sessions
        self._max_group = max_group
        self._window = window_secs
        self._queue: queue.Queue[_Submission | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="tonearm-listen-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then end the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def submit(self, user_id: int, rows: list[PreparedListen]) -> Future[None]:
        """Queue checked ``rows`` for ``user_id``; the future resolves once they are committed."""
        submission = _Submission(user_id, rows)
        if self._thread is None:
            submission.done.set_exception(RuntimeError("the listen writer is not running"))
        else:
            self._queue.put(submission)
        return submission.done

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            stopping = False
            while len(group) < self._max_group:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                group.append(item)
            self._write(group)
            if stopping:
                return

    def _write(self, group: list[_Submission]) -> None:
        """One transaction for the group, one batch per user in it: a handful of statements in all."""
        by_user: dict[int, dict[tuple[int, str, str], PreparedListen]] = {}
        for item in group:
            unique = by_user.setdefault(item.user_id, {})
            for row in item.rows:
                unique.setdefault(row.raw_key, row)

        def store(session: Session) -> None:
            dialect = session.get_bind().dialect.name
            for user_id, rows in by_user.items():
                write_batch(session, dialect, user_id, list(rows.values()), self._window)

        count = sum(len(rows) for rows in by_user.values())
        try:
            # A write transaction from the start, retried whole when a job holds the database (a scan's
            # batch, an import's): the requests wait a little longer instead of failing.
            write_transaction(self._sessions, store, what=f"storing {count:,} submitted listens")
        except WriteContention:
            # Other programs kept the database busy through every attempt: nothing was stored, and the
            # players should send the listens again later (they keep them and retry on 5xx).
            busy = APIError(503, "The database is busy with other work; please try again shortly.")
            for item in group:
                item.done.set_exception(busy)
            return
        except Exception as error:  # the whole group failed: every waiting request learns why
            for item in group:
                item.done.set_exception(error)
            return
        for item in group:
            item.done.set_result(None)
