"""Listen ingest: every source's ListenRecords into listens_raw (immutable) and canonical listens.

:func:`ingest` is a long operation in the house style: a generator of :class:`~models.progress.Progress`
events that takes a cancel token; its return value (``StopIteration.value``) is the
:class:`IngestReport`. :func:`run_ingest` drains it for callers that want only the report.

Memory stays constant: records are consumed ``batch_size`` at a time and each batch is written and
committed in its own short transaction, so an interrupted import keeps what it wrote and a re-run adds
only what is missing (the raw dedupe key makes every earlier row a no-op).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from models.engine import Database
from models.gc_policy import batch_paused
from models.progress import CancelToken, Progress, run_to_end
from models.unit_of_work import write_transaction
from models.users import User
from scrobbler.importers import Importer, ImportOptions
from scrobbler.ingest_batch import BatchResult, write_batch
from scrobbler.ingest_rows import PreparedListen
from scrobbler.ingest_worker import (
    BACKGROUND_MIN_BYTES,
    FailedRow,
    Item,
    Piece,
    background_pieces,
    prepare_rows,
)
from scrobbler.records import ImportProblem, Row

# Rows per transaction: larger batches rewrite the growing index edges less often (measured 5,000 vs
# 20,000 on 200,000 listens: 10-15 % less CPU); 20,000 ListenBrainz rows hold about 20 MB.
DEFAULT_BATCH_SIZE = 20_000
# Cross-source duplicate window: an import and a live scrobble of one listen differ by seconds (clock
# skew, start vs. submit time); two real plays of one track are at least its length apart.
DEFAULT_DUPLICATE_WINDOW_SECS = 120
# Failed rows kept in the report with their location; beyond this they are only counted.
MAX_REPORTED_FAILURES = 1000


@dataclass
class IngestReport:
    """What one ingest did with every row it was given; nothing is dropped without a count here.

    ``duplicates``: rows whose raw key was already stored (a re-import) or repeated in the same input.
    ``merged``: new raw rows recognised as another source's copy of a stored listen (kept in listens_raw
    and linked in listen_sources as ``duplicate``). ``linked``: new listens matched at once by an id,
    per scheme.
    """

    read: int = 0
    imported: int = 0
    duplicates: int = 0
    merged: int = 0
    linked: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    failed: list[FailedRow] = field(default_factory=list)
    failed_count: int = 0
    cancelled: bool = False

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())

    def counts(self) -> dict[str, int]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "merged": self.merged,
            "skipped": self.skipped_count,
            "failed": self.failed_count,
        }

    def add_failure(self, location: str, reason: str) -> None:
        self.failed_count += 1
        if len(self.failed) < MAX_REPORTED_FAILURES:
            self.failed.append(FailedRow(location, reason))

    def add_problem(self, problem: ImportProblem) -> None:
        if problem.kind == "skipped":
            key = str(problem.skip_reason or "other")
            self.skipped[key] = self.skipped.get(key, 0) + 1
        else:
            self.add_failure(problem.location, problem.reason)

    def add_batch(self, result: BatchResult) -> None:
        self.imported += result.inserted - result.cross_source_duplicates
        self.merged += result.cross_source_duplicates
        self.duplicates += result.already_stored
        for scheme, count in result.linked.items():
            self.linked[scheme] = self.linked.get(scheme, 0) + count


T = TypeVar("T")
SessionSource = Database | sessionmaker[Session]


def session_factory(target: SessionSource) -> sessionmaker[Session]:
    return target.sessions if isinstance(target, Database) else target


def ingest(
    target: SessionSource,
    records: Iterable[Row],
    user: User | int,
    *,
    cancel: CancelToken | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    duplicate_window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
) -> Generator[Progress, None, IngestReport]:
    """Write ``records`` for ``user``; yields a Progress after each committed batch, returns the report.

    Cancelling stops reading at the next record and commits what was read (each batch is one
    transaction, so nothing is half-written); the report then has ``cancelled=True``.
    """
    return ingest_items(
        target,
        prepare_rows(records),
        user,
        cancel=cancel,
        batch_size=batch_size,
        duplicate_window_secs=duplicate_window_secs,
    )


def ingest_file(
    target: SessionSource,
    importer: Importer,
    path: Path,
    user: User | int,
    *,
    options: ImportOptions | None = None,
    cancel: CancelToken | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    duplicate_window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
    background: bool | None = None,
) -> Generator[Progress, None, IngestReport]:
    """:func:`ingest` of one file read by ``importer``. Large files (or ``background=True``) are parsed in
    a child process while this one writes (scrobbler/ingest_worker.py); the result is the same."""
    if background is None:
        background = path.stat().st_size >= BACKGROUND_MIN_BYTES
    if not background:
        return ingest_items(
            target,
            prepare_rows(importer.parse(path, options)),
            user,
            cancel=cancel,
            batch_size=batch_size,
            duplicate_window_secs=duplicate_window_secs,
        )
    return _ingest_pieces(
        target,
        background_pieces(importer.NAME, path, options),
        user,
        cancel=cancel,
        batch_size=batch_size,
        duplicate_window_secs=duplicate_window_secs,
    )


def ingest_items(
    target: SessionSource,
    items: Iterable[Item],
    user: User | int,
    *,
    cancel: CancelToken | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    duplicate_window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
) -> Generator[Progress, None, IngestReport]:
    """The write loop behind :func:`ingest` and :func:`ingest_file`, over already prepared items."""
    return _ingest_pieces(
        target,
        _single_pieces(items),
        user,
        cancel=cancel,
        batch_size=batch_size,
        duplicate_window_secs=duplicate_window_secs,
    )


def _single_pieces(items: Iterable[Item]) -> Iterator[Piece]:
    """Items as pieces of one: cancelling then stops at the very next record."""
    stream = iter(items)
    try:
        for item in stream:
            yield [item] if isinstance(item, PreparedListen) else item
    finally:
        close = getattr(stream, "close", None)
        if close is not None:  # stop a background parser at once
            close()


def _ingest_pieces(
    target: SessionSource,
    pieces: Iterator[Piece],
    user: User | int,
    *,
    cancel: CancelToken | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    duplicate_window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
) -> Generator[Progress, None, IngestReport]:
    """The write loop over pieces: lists of prepared rows (whole chunks from the parser process, or one
    row at a time from :func:`_single_pieces`) and single problems; batches are cut at ``batch_size``."""
    user_id = user if isinstance(user, int) else user.id
    writer = _BatchSessions(session_factory(target), user_id)
    report = IngestReport()
    batch: list[PreparedListen] = []

    def store(session: Session) -> BatchResult:
        return write_batch(session, session.get_bind().dialect.name, user_id, batch, duplicate_window_secs)

    def flush() -> Progress:
        report.add_batch(writer.write(store, what=f"import: writing {len(batch):,} listens"))
        batch.clear()
        return Progress("write", report.read, None, f"{report.imported:,} imported", report.counts())

    try:
        # A million listens allocate tens of millions of short-lived, acyclic containers: the collector's
        # passes over them cost a quarter of the import's CPU (measured on 200,000 ListenBrainz listens).
        # Paused for the whole loop, also while the caller holds the generator between batches, where the
        # entry point allows it (models.gc_policy: the CLI does, the GUI does not).
        with batch_paused():
            for piece in pieces:
                if cancel is not None and cancel.cancelled:
                    report.cancelled = True
                    break
                if not isinstance(piece, list):
                    report.read += 1
                    if isinstance(piece, FailedRow):
                        report.add_failure(piece.location, piece.reason)
                    else:
                        report.add_problem(piece)
                    continue
                # A row repeated inside one batch is ignored by the INSERT-or-ignore like any stored one,
                # and counted with the duplicates by write_batch.
                rows = piece
                start = 0
                while start < len(rows):
                    room = batch_size - len(batch)
                    taken = rows if start == 0 and len(rows) <= room else rows[start : start + room]
                    batch.extend(taken)
                    report.read += len(taken)
                    start += len(taken)
                    if len(batch) >= batch_size:
                        yield flush()
                        if start < len(rows) and cancel is not None and cancel.cancelled:
                            report.cancelled = True  # the rest of this piece is not read
                            break
                if report.cancelled:
                    break
            if batch:  # also when cancelled: what was read is written, so the report stays exact
                yield flush()
    finally:
        try:
            close = getattr(pieces, "close", None)
            if close is not None:  # stop a background parser at once
                close()
        finally:
            writer.close()
    return report


class _BatchSessions:
    """One session and transaction per batch. On SQLite, all of an import's batches run on one connection
    of its own with foreign-key enforcement off: the checks are a tenth of SQLite's cost of a listen (0.35
    of 3.4 CPU-s per 200,000), and every reference the writer stores is one it has just read or written
    in the same transaction, so they cannot fail:

    - ``user_id`` (listens_raw, listens, listen_stats_state): :meth:`write` reads the user at the end of
      each batch's transaction, while it holds SQLite's write lock, and rolls the batch back if the user
      is gone (deleted during the import).
    - ``listens.raw_id``, ``listen_sources.raw_id``: rows this transaction inserted.
    - ``listens.track_id``: read joined to tracks in this transaction (ingest_batch._id_links).
    - ``listen_sources.listen_id``: listens read or inserted in this transaction.

    The import deletes nothing, so no ON DELETE action is skipped. The connection is detached from the
    pool, so closing it really closes it: the setting can never reach another user of the engine, even if
    this generator is dropped without being closed.
    """

    def __init__(self, sessions: sessionmaker[Session], user_id: int) -> None:
        self.sessions = sessions
        self.user_id = user_id
        self.connection: Connection | None = None
        self.connection_sessions: sessionmaker[Session] | None = None
        bind = sessions.kw.get("bind")
        self.own_connection = (
            isinstance(bind, Engine)
            and bind.dialect.name == "sqlite"
            # an in-memory database lives in its one pooled connection: never detach that one
            and not isinstance(bind.pool, SingletonThreadPool | StaticPool)
            and bind.url.database not in (None, "", ":memory:")
        )

    def write(self, work: Callable[[Session], T], *, what: str) -> T:
        """Run ``work`` as one batch's unit of work (:func:`models.unit_of_work.write_transaction`: a write
        transaction from its start, retried whole when the database is busy)."""
        if not self.own_connection:
            return write_transaction(self.sessions, work, what=what)
        if self.connection is None:
            self.connection = self._open()
            self.connection_sessions = sessionmaker(
                bind=self.connection, class_=self.sessions.class_, expire_on_commit=False
            )
        assert self.connection_sessions is not None

        def checked(session: Session) -> T:
            value = work(session)
            # After the writes, under the write lock the transaction began with: no one else can delete
            # the user before this commit.
            found = session.execute(select(User.id).where(User.id == self.user_id)).first()
            if found is None:  # what the foreign keys would have refused: roll the batch back
                raise LookupError(f"user {self.user_id} does not exist (deleted during the import?)")
            return value

        return write_transaction(self.connection_sessions, checked, what=what)

    def _open(self) -> Connection:
        bind = self.sessions.kw["bind"]
        connection: Connection = bind.connect()
        try:
            connection.detach()
            dbapi = connection.connection.dbapi_connection
            assert dbapi is not None
            dbapi.execute("PRAGMA foreign_keys=OFF")  # outside any transaction: it applies
        except BaseException:
            connection.close()
            raise
        return connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run_ingest(
    target: SessionSource,
    records: Iterable[Row],
    user: User | int,
    *,
    cancel: CancelToken | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    duplicate_window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
) -> IngestReport:
    """Run :func:`ingest` to the end, ignoring progress; returns its report."""
    generator = ingest(
        target,
        records,
        user,
        cancel=cancel,
        batch_size=batch_size,
        duplicate_window_secs=duplicate_window_secs,
    )
    return run_to_end(generator)
