"""`enrich`: match every pending listen (and re-try unmatched/ambiguous ones after the library changed),
writing links, candidates and facets in batched Core statements, one transaction per batch.

Manual decisions are never touched: they are not selected, a batch leaves out listens a reviewer decided
after it was read, and every UPDATE also says ``enrich_status != 'manual'``.

Batches are pipelined: batch k+1 is read and handed to the matcher before batch k is written. Where fork
is available and there is more than one CPU, the matcher runs in a forked worker process, so matching batch
k+1 overlaps with SQLite writing batch k; otherwise it runs in-process, one batch after the other, with the
same results.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import traceback
from collections import Counter
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import Float, Integer, bindparam, func, or_, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from analyzer.matching.facets import library_fingerprint
from analyzer.matching.index import CatalogIndex
from analyzer.matching.matcher import Decision, ListenQuery, Matcher
from analyzer.matching.scoring import MatchSettings
from analyzer.matching.writes import (
    LISTENED_EPOCH,
    EnrichedListen,
    WriteResult,
    shared_listen_moments,
    write_batch,
)
from models.bulk_sql import RawSelect
from models.engine import Database
from models.enums import EnrichStatus
from models.gc_policy import batch_paused, settle_batch
from models.listens import Listen
from models.process_lifetime import die_with_parent
from models.progress import CancelToken, Progress
from models.types import utcnow
from models.unit_of_work import write_transaction
from models.users import ConfigEntry

RETRIED_STATUSES = (EnrichStatus.UNMATCHED, EnrichStatus.AMBIGUOUS)
FINGERPRINT_KEY = "matching.library_fingerprint"  # config: the catalog the last complete run matched against
_MEMO_LIMIT = 500_000  # distinct listen descriptions whose decision the run keeps
_DENSE_SPAN = 2  # a batch of ids spanning at most this many times its size is read as an id range
_CHUNK = 500
_FIRST_BATCH = 5000


@dataclass
class EnrichSummary:
    """What a run did. ``fuzzy`` counts listens that needed the fuzzy stage (distinct descriptions).

    ``cancelled``: the run stopped early; every listen counted is committed, the rest stay as they were.
    """

    selected: int = 0
    matched: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    duplicates: int = 0
    fuzzy: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    cancelled: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "selected": self.selected,
            "matched": self.matched,
            "ambiguous": self.ambiguous,
            "unmatched": self.unmatched,
            "duplicates": self.duplicates,
            "fuzzy": self.fuzzy,
        }


def listens_to_enrich(session: Session, *, retry: bool, user_id: int | None = None) -> list[int]:
    """Ids of pending listens, plus the unmatched/ambiguous ones when ``retry`` or when the library changed
    since the last complete run (a scan added tracks, a review learned an alias). Listens ingest linked at
    once by an ID (matched, never enriched) come too: their facets and confidence are still to fill."""
    condition = or_(
        Listen.enrich_status == EnrichStatus.PENDING,
        (Listen.enrich_status == EnrichStatus.MATCHED) & Listen.last_enriched_at.is_(None),
    )
    if retry or library_fingerprint(session) != _stored_fingerprint(session):
        condition = or_(condition, Listen.enrich_status.in_(RETRIED_STATUSES))
    statement = select(Listen.id).where(condition)
    if user_id is not None:
        statement = statement.where(Listen.user_id == user_id)
    return list(session.scalars(statement.order_by(Listen.id)))


def _stored_fingerprint(session: Session) -> str | None:
    return session.scalar(select(ConfigEntry.value).where(ConfigEntry.key == FINGERPRINT_KEY))


def _store_fingerprint(session: Session, fingerprint: str) -> None:
    entry = session.get(ConfigEntry, FINGERPRINT_KEY)
    if entry is None:
        session.add(ConfigEntry(key=FINGERPRINT_KEY, value=fingerprint))
    else:
        entry.value = fingerprint


def enrich_listens(
    db: Database,
    *,
    settings: MatchSettings | None = None,
    retry: bool = False,
    user_id: int | None = None,
    batch_size: int = 20_000,
    cancel: CancelToken | None = None,
    worker: bool | None = None,
) -> Generator[Progress, None, EnrichSummary]:
    """Match listens to tracks; yields Progress per batch and returns the :class:`EnrichSummary`.

    The catalog index is built once at the start; each batch commits on its own, so a cancelled run
    (``cancel``: checked before each batch) returns with ``cancelled=True``, keeps what it wrote, and the
    next run continues with the listens still pending. Batches of 20,000:
    every batch dirties most pages of the listens indexes keyed by track (random links), so each commit
    writes them out again; against 5,000 a run commits a quarter as often (200,000 listens, SQLite:
    commits 0.55 -> 0.3 CPU-s, the whole run ~0.5-1 CPU-s less). ``worker``: match in a
    forked process (True), in this one (False), or decide (None: a worker where that is safe and useful).
    """
    summary = EnrichSummary()
    yield Progress("index", 0, None, "reading the library")
    with db.session() as session, batch_paused():
        index = CatalogIndex.load(session)
        fingerprint = library_fingerprint(session)
        ids = listens_to_enrich(session, retry=retry, user_id=user_id)
        shared = shared_listen_moments(session) if ids else set()
    summary.selected = len(ids)
    check_tracks = not db.enforces_cross_schema_fks
    yield Progress("match", 0, len(ids), f"{len(index.tracks):,} tracks indexed")
    # The first batch is small: nothing is written until it is matched, so it fills the pipeline sooner.
    first = min(batch_size, _FIRST_BATCH)
    batches = [ids[:first]] if ids else []
    batches += [ids[offset : offset + batch_size] for offset in range(first, len(ids), batch_size)]
    if worker is None:
        worker = len(batches) > 1 and worker_is_safe()
    # The index (about a million objects, none in a reference cycle) lives for the whole run: left to the
    # cyclic collector, every full collection re-scans it (measured: 3.5 of ~15 CPU-s on 200,000 listens).
    # Frozen, the forked worker's collections also leave its pages shared with this process. Only where
    # the entry point allows it (models.gc_policy: the CLI does, the GUI does not); the forked worker
    # freezes its own copy in any case.
    settle_batch(collect_young=False)
    with _matching_service(Matcher(index, settings, memo_limit=0), worker) as matcher:
        done = written = 0
        for enriched, result in _pipeline(db, matcher, index, batches, check_tracks, shared, cancel):
            written += 1
            statuses = Counter(item.outcome.status for item in enriched)
            for item in enriched if result.duplicates else ():
                if item.listen_id in result.duplicates:  # left unlinked: counted as ambiguous
                    statuses[item.outcome.status] -= 1
                    statuses[EnrichStatus.AMBIGUOUS.value] += 1
            for status, count in statuses.items():
                setattr(summary, status, getattr(summary, status) + count)
            for reason, count in Counter(item.outcome.reason for item in enriched).items():
                summary.reasons[reason] = summary.reasons.get(reason, 0) + count
            summary.duplicates += len(result.duplicates)
            summary.fuzzy = matcher.fuzzy_count
            done += len(enriched)
            # This batch's survivors (the memo) too, so collections scan one batch only; its young
            # garbage cycles (sessions) are collected first rather than frozen with it.
            settle_batch()
            yield Progress("match", done, len(ids), counts=summary.counts())
    if written < len(batches):  # _pipeline stops early only when cancelled
        summary.cancelled = True
        return summary  # not every miss was re-tried against this catalog: the fingerprint stays
    if user_id is None:  # only a run over every user has re-tried every miss against this catalog
        write_transaction(
            db,
            partial(_store_fingerprint, fingerprint=fingerprint),
            what="enrich: noting the library matched",
        )
    return summary


@dataclass
class _Batch:
    """Listens read for matching: (id, user, listened at as epoch seconds, enriched before) and their
    queries."""

    rows: list[tuple[int, int, int, bool]]
    queries: list[ListenQuery]
    decisions: list[Decision] | None = None


def _pipeline(
    db: Database,
    matcher: _MatchingService,
    index: CatalogIndex,
    batches: list[list[int]],
    check_tracks: bool,
    shared: set[tuple[int, int]],
    cancel: CancelToken | None,
) -> Iterator[tuple[list[EnrichedListen], Any]]:
    """Write batch after batch, each a unit of work of its own; the next batch is read (in a read
    transaction of its own) and handed to the matcher before the current one is written.

    Reading and writing are not one transaction: on SQLite a transaction that reads first and writes later
    fails at once ("database is locked") when another program wrote in between (issue 18: the scrobble
    server does, all the time). The write unit starts as a writer and re-reads what it decides on (which
    listens a reviewer made manual meanwhile), so it can be retried."""
    if not batches:
        return
    with db.session() as session:
        ahead = read_batch(session, batches[0])
    matcher.submit(ahead)
    for number in range(len(batches)):
        if cancel is not None and cancel.cancelled:
            return  # the batch read ahead was never written: its listens stay as they were
        current = ahead
        now = utcnow()
        # No automatic collections while a batch is read and written: it allocates hundreds of thousands of
        # young, acyclic objects (tuples, rows) and each collection would scan them again; the caller
        # collects once per batch (enrich_listens). Not paused across the yield: the consumer's code
        # runs with the collector as it was.
        with batch_paused():
            # Collected before the next submit: a worker is only sent work while it waits for some.
            matcher.collect(current)
            if number + 1 < len(batches):
                with db.session() as session:
                    ahead = read_batch(session, batches[number + 1])
                matcher.submit(ahead)
            what = f"enrich: writing {len(current.rows):,} matched listens"
            try:
                enriched, result = write_transaction(
                    db, partial(_write_batch, index, current, now, check_tracks, shared), what=what
                )
            except IntegrityError:
                # A listen arrived meanwhile at an already shared second: redo the batch checking every link.
                enriched, result = write_transaction(
                    db, partial(_write_batch, index, current, now, check_tracks, None), what=what
                )
        yield enriched, result


def _write_batch(
    index: CatalogIndex,
    batch: _Batch,
    now: datetime,
    check_tracks: bool,
    shared: set[tuple[int, int]] | None,
    session: Session,
) -> tuple[list[EnrichedListen], WriteResult]:
    """One batch's unit of work: safe to run again (it reads the manual decisions afresh each time)."""
    enriched = _enriched(session, batch, now)
    return enriched, write_batch(session, index, enriched, check_tracks=check_tracks, shared_moments=shared)


_READ_COLUMNS = (
    Listen.id,
    Listen.user_id,
    LISTENED_EPOCH,
    type_coerce(Listen.last_enriched_at.is_not(None), Integer),  # raw columns: no per-row processing
    Listen.artist_name,
    Listen.track_name,
    Listen.release_name,
    type_coerce(Listen.track_duration_secs, Float),
    Listen.recording_mbid,
    Listen.isrc,
    Listen.spotify_id,
)
_NOT_MANUAL = Listen.enrich_status != EnrichStatus.MANUAL
_READ_SPAN = RawSelect(
    select(*_READ_COLUMNS).where(Listen.id.between(bindparam("r_low"), bindparam("r_high")), _NOT_MANUAL)
)


def read_batch(session: Session, listen_ids: list[int]) -> _Batch:
    """Read a batch of listens (sorted ids) as match queries; manual decisions are left out."""
    connection = session.connection()
    if _dense(listen_ids):
        wanted = set(listen_ids)
        span = {"r_low": listen_ids[0], "r_high": listen_ids[-1]}
        found = [row for row in _READ_SPAN.rows(connection, span) if row[0] in wanted]
    else:
        found = []
        for start in range(0, len(listen_ids), _CHUNK):
            chunk = Listen.id.in_(listen_ids[start : start + _CHUNK])
            found += [
                tuple(row) for row in connection.execute(select(*_READ_COLUMNS).where(chunk, _NOT_MANUAL))
            ]
        found.sort()
    return _Batch(
        [(row[0], row[1], row[2], bool(row[3])) for row in found],
        [ListenQuery(*row[4:]) for row in found],
    )


def _enriched(session: Session, batch: _Batch, now: datetime) -> list[EnrichedListen]:
    """The batch's listens with their decisions, less those a reviewer decided since the batch was read."""
    assert batch.decisions is not None
    manual: set[int] = set()
    if batch.rows:
        span = Listen.id.between(batch.rows[0][0], batch.rows[-1][0])
        statement = select(Listen.id).where(Listen.enrich_status == EnrichStatus.MANUAL, span)
        manual = set(session.scalars(statement))
    return [
        EnrichedListen(listen_id, user_id, listened_at, decision, now, seen)
        for (listen_id, user_id, listened_at, seen), decision in zip(batch.rows, batch.decisions, strict=True)
        if listen_id not in manual
    ]


def _dense(listen_ids: list[int]) -> bool:
    return bool(listen_ids) and listen_ids[-1] - listen_ids[0] < _DENSE_SPAN * len(listen_ids)


class _MatchingService:
    """Decisions for submitted batches, in submission order, with a memo of distinct descriptions."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.memo: dict[ListenQuery, Decision] = {}
        self.fuzzy_count = 0
        self._queued: list[tuple[_Batch, list[ListenQuery]]] = []

    def submit(self, batch: _Batch) -> None:
        memo = self.memo
        misses = list(dict.fromkeys(q for q in batch.queries if q not in memo))
        self._queued.append((batch, misses))
        self._send(misses)

    def collect(self, batch: _Batch) -> None:
        queued, misses = self._queued.pop(0)
        assert queued is batch
        decisions = self._receive(misses)
        memo = self.memo
        if len(memo) < _MEMO_LIMIT:
            memo.update(zip(misses, decisions, strict=True))
            batch.decisions = [memo[q] for q in batch.queries]
        else:
            fresh = dict(zip(misses, decisions, strict=True))
            batch.decisions = [memo.get(q) or fresh[q] for q in batch.queries]

    def _send(self, queries: list[ListenQuery]) -> None:
        pass

    def _receive(self, queries: list[ListenQuery]) -> list[Decision]:
        match = self.matcher.match
        decisions = [match(query).decision() for query in queries]
        self.fuzzy_count = self.matcher.fuzzy_count
        return decisions

    def close(self) -> None:
        pass


class _WorkerMatchingService(_MatchingService):
    """The same, with the matching done by a forked process holding the (shared, read-only) index."""

    def __init__(self, matcher: Matcher) -> None:
        super().__init__(matcher)
        context = multiprocessing.get_context("fork")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(matcher, child, self._pipe), daemon=True)
        self._process.start()
        child.close()

    def _send(self, queries: list[ListenQuery]) -> None:
        self._pipe.send([tuple(query) for query in queries])

    def _receive(self, queries: list[ListenQuery]) -> list[Decision]:
        try:
            kind, payload, fuzzy = self._pipe.recv()
        except EOFError:
            raise RuntimeError(f"the matching process ended (exit code {self._process.exitcode})") from None
        if kind == "error":
            raise RuntimeError(f"the matching process failed:\n{payload}")
        self.fuzzy_count = fuzzy
        return [Decision(*values) for values in payload]

    def close(self) -> None:
        """Stop the worker. Closing this end is its signal (even mid-batch, after a cancel or an error):
        its next read or write fails and it returns."""
        self._pipe.close()
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def _serve(matcher: Matcher, pipe: Pipe, parent_end: Pipe) -> None:
    """The worker's loop: query lists in, plain decision tuples out, until the parent closes its end."""
    # Gone with the parent, even one killed with SIGKILL mid-batch (issue 18: no orphan after a kill -9).
    die_with_parent()
    parent_end.close()  # the fork copied it: closed here, the parent's close reaches this process as EOF
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it then closes the pipe
    # This process only matches: its collections need not re-scan the index it inherited (nor touch, and
    # so copy, its pages). A child process is its own entry point (models.gc_policy).
    gc.freeze()
    match = matcher.match
    try:
        while True:
            queries = pipe.recv()
            try:
                decisions = [tuple(match(ListenQuery(*query)).decision()) for query in queries]
            except Exception:
                pipe.send(("error", traceback.format_exc(), 0))
                break
            pipe.send(("ok", decisions, matcher.fuzzy_count))
    except (EOFError, OSError):
        pass
    finally:
        # Out without the parent's cleanup: no atexit handlers, no flushing of inherited std streams or
        # database connections. The worker then never takes a lock another thread may have held at the fork.
        os._exit(0)


def worker_is_safe() -> bool:
    """A forked matcher needs fork and a second CPU. Other threads (a progress bar's, the GUI's) are not in
    the way: the worker runs only the matcher and its pipe, and leaves with ``os._exit``, so it never
    waits on a lock one of them held at the fork."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return "fork" in multiprocessing.get_all_start_methods() and cpus > 1


@contextmanager
def _matching_service(matcher: Matcher, worker: bool) -> Iterator[_MatchingService]:
    service = _WorkerMatchingService(matcher) if worker else _MatchingService(matcher)
    try:
        yield service
    finally:
        service.close()


def status_counts(session: Session) -> dict[str, int]:
    """How many listens are in each enrich status (for the CLI summary)."""
    rows = session.execute(select(Listen.enrich_status, func.count()).group_by(Listen.enrich_status))
    return {str(status): count for status, count in rows}
