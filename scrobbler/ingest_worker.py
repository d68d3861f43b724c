"""Parsing a history file in a child process while the parent writes: the two halves of an import overlap.

An import has two CPU-bound halves of about the same cost: turning file rows into checked column values
(JSON decoding, name normalization, id checks: :func:`scrobbler.ingest_rows.prepare`) and writing them.
SQLite has one writer, so the writing half stays in the caller's process; the parsing half moves to a
child process that sends chunks of prepared rows through a bounded queue (back-pressure keeps memory
constant however large the file). Rows cross the process boundary as marshalled plain tuples (named
tuples pickle four times slower; marshal and pickle cost about the same on plain tuples); the parent rebuilds
:class:`PreparedListen` views for free.

The child is a pure parser like the importers it runs: no database, no printing. It is forked when this
process runs no other thread and spawned otherwise (:func:`start_method`). Spawning costs most of a
second, so small files are parsed in-process (:data:`BACKGROUND_MIN_BYTES`).
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import queue
import signal
import threading
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from models.process_lifetime import die_with_parent
from scrobbler.importers import ImportOptions, get
from scrobbler.ingest_rows import PreparedListen, RowRejected, as_prepared, prepare, prepare_values
from scrobbler.records import ImportProblem, Row

# Below this a child process costs more than it saves.
BACKGROUND_MIN_BYTES = 8 * 1024 * 1024
CHUNK_ROWS = 2000
# Chunks in flight between the parser and the writer: more rows than one write batch (ingest.py,
# 20,000), so the parser keeps going while a whole batch is written; about 1 MB a chunk for ListenBrainz
# rows, so memory stays flat.
QUEUE_CHUNKS = 24
_POLL_SECS = 0.5


@dataclass(frozen=True, slots=True)
class FailedRow:
    """A row an importer read but ingest cannot store (``prepare`` refused it), with where and why."""

    location: str
    reason: str


Item = PreparedListen | ImportProblem | FailedRow
# What the writer loop takes (scrobbler/ingest.py): a list of prepared rows, or one problem or failure.
Piece = list[PreparedListen] | ImportProblem | FailedRow


def prepare_rows(rows: Iterable[Row]) -> Iterator[Item]:
    """Each importer row as ingest needs it: prepared values, the importer's own problem, or a failure."""
    for row in rows:
        if isinstance(row, ImportProblem):
            yield row
            continue
        try:
            yield prepare(row)
        except (RowRejected, ValueError) as error:
            yield FailedRow(_location(row.payload), str(error))


def _location(payload: object) -> str:
    return f"record {str(payload)[:60]}"


@dataclass(frozen=True, slots=True)
class _Chunk:
    rows: bytes  # marshal of a list of PreparedListen tuples
    others: list[tuple[int, ImportProblem | FailedRow]]  # (place in the chunk, item)


@dataclass(frozen=True, slots=True)
class _Crash:
    """The child failed outside any row (unreadable file, a bug): the parent re-raises it."""

    error: BaseException


def _parse_in_child(
    importer_name: str, path: str, options: ImportOptions | None, out: multiprocessing.Queue[object]
) -> None:
    # Gone with the importing process, even one killed with SIGKILL (issue 18: it blocked on a full queue
    # forever). Forked or spawned, the importer is the direct parent.
    die_with_parent()
    # This process only parses: its rows hold no reference cycles, and the collector's passes over them
    # would cost a quarter of its CPU. A child process is its own entry point (models.gc_policy).
    gc.disable()
    # Ctrl-C reaches every process of the terminal's group; the parent decides (it cancels, commits what
    # it has and reports), so the parser must not die of it first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # Prepared rows travel as marshalled plain tuples (str, int, float, None only; no class to look up
        # per row); problems and failures pickled as themselves with their place in the chunk.
        # prepare_rows inlined, with prepare_values: no named tuple built only to be taken apart again.
        rows: list[tuple[object, ...]] = []
        others: list[tuple[int, ImportProblem | FailedRow]] = []
        append = rows.append
        for row in get(importer_name).parse(Path(path), options):
            if isinstance(row, ImportProblem):
                others.append((len(rows) + len(others), row))
            else:
                try:
                    append(prepare_values(row))
                except (RowRejected, ValueError) as error:
                    failed = FailedRow(_location(row.payload), str(error))
                    others.append((len(rows) + len(others), failed))
            if len(rows) + len(others) >= CHUNK_ROWS:
                out.put(_Chunk(marshal.dumps(rows), others))
                rows, others = [], []
                append = rows.append
        if rows or others:
            out.put(_Chunk(marshal.dumps(rows), others))
        out.put(None)
    except BaseException as error:  # reported to the parent, which raises it
        try:
            out.put(_Crash(error))
        except Exception:  # an unpicklable exception: send its text
            out.put(_Crash(RuntimeError(f"{type(error).__name__}: {error}")))


def start_method() -> str:
    """ "fork" while this process runs no other thread (the CLI): the child starts in milliseconds instead
    of the ~0.8 s a fresh interpreter needs to import the importers. "spawn" otherwise (the GUI, the API
    server), where forking a multi-threaded process is unsafe."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def background_items(
    importer_name: str, path: Path, options: ImportOptions | None = None, *, method: str | None = None
) -> Iterator[Item]:
    """The items of ``path`` parsed by ``importer_name`` in a child process, in file order.

    The child starts at this call. Closing the iterator early (cancel, an error in the writer) stops it at
    once. ``method``: the multiprocessing start method (default :func:`start_method`).
    """
    return _flatten(background_pieces(importer_name, path, options, method=method))


def _flatten(pieces: Iterator[Piece]) -> Iterator[Item]:
    try:
        for piece in pieces:
            if isinstance(piece, list):
                yield from piece
            else:
                yield piece
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


def background_pieces(
    importer_name: str, path: Path, options: ImportOptions | None = None, *, method: str | None = None
) -> Iterator[Piece]:
    """:func:`background_items` a chunk at a time: lists of prepared rows (a chunk the child sent, up to
    :data:`CHUNK_ROWS`) and, between them in file order, each problem or failure on its own. The writer
    takes whole lists, so no per-row Python runs in this process between unmarshalling and the INSERTs."""
    context = multiprocessing.get_context(method or start_method())
    out: multiprocessing.Queue[object] = context.Queue(QUEUE_CHUNKS)
    child = context.Process(  # type: ignore[attr-defined]
        target=_parse_in_child,
        args=(importer_name, str(path), options, out),
        name="tonearm-import-parser",
        daemon=True,
    )
    child.start()  # now, not at the first next(): fork before the caller starts threads (a progress bar)
    items = _receive(child, out)
    # A generator dropped before its first next() never runs its finally: stop the child then too.
    weakref.finalize(items, _stop, child)
    return items


def _stop(child: multiprocessing.Process) -> None:
    if child.is_alive():
        child.terminate()
        child.join(timeout=5)


def _receive(child: multiprocessing.Process, out: multiprocessing.Queue[object]) -> Iterator[Piece]:
    finished = False
    try:
        while True:
            try:
                message = out.get(timeout=_POLL_SECS)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"the import parser stopped unexpectedly (exit code {child.exitcode})"
                    ) from None
                continue
            if message is None:
                finished = True
                return
            if isinstance(message, _Crash):
                raise message.error
            assert isinstance(message, _Chunk)
            prepared = list(map(as_prepared, marshal.loads(message.rows)))
            if not message.others:
                if prepared:
                    yield prepared
                continue
            place = 0  # place in the chunk, counting rows and others
            taken = 0  # rows yielded so far
            for at, other in message.others:
                if at > place:
                    yield prepared[taken : taken + at - place]
                    taken += at - place
                yield other
                place = at + 1
            if taken < len(prepared):
                yield prepared[taken:]
    finally:
        if not finished and child.is_alive():
            child.terminate()
        child.join(timeout=5)
        out.close()
        out.join_thread()
