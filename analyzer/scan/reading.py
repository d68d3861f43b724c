"""Reading files in a process pool: tags to :class:`TrackRecord` in the workers, small results back.

Work is submitted in chunks (one future per ~a hundred files) so the pool's per-task overhead is paid
rarely, as soon as the walk has found them, and a bounded number of chunks is in flight so memory stays
flat on any library size.
"""

from __future__ import annotations

import ctypes
import gc
import os
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any, NamedTuple

from analyzer.catalog.record import TrackRecord, build_track_record
from analyzer.scan.read_pool import widen_result_pipe
from analyzer.tags import TagReadError, read_tags
from models.process_lifetime import pool_initializer

CHUNK_FILES = 128
"""Files per pool task. Each task costs the writer's process a fixed share (the pipe, the pool's threads,
waking the consumer): on 20,000 files 0.47-0.50 CPU-s of receiving results at 48 files a chunk, 0.38-0.42 at
128; a 128-file chunk is still ~50 ms of one worker, so the end of a scan waits little for the last one."""


TAIL_SPLIT = 4
"""The last ``workers x CHUNK_FILES`` files go out to the process pool in chunks this many times smaller."""


class StreamInfo(NamedTuple):
    format: str
    codec: str
    duration_secs: float
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    lossless: bool

    def __reduce__(self) -> tuple[Any, ...]:  # as analyzer.catalog.record.Credit.__reduce__
        return (tuple.__new__, (type(self), tuple(self)))


class FileRead(NamedTuple):
    """A file read into its record (named tuples all the way down: they cross the pool cheaply)."""

    stream: StreamInfo
    record: TrackRecord

    def __reduce__(self) -> tuple[Any, ...]:  # as analyzer.catalog.record.Credit.__reduce__
        return (tuple.__new__, (type(self), tuple(self)))


class FileFailed(NamedTuple):
    """Why a file is not in the catalog: ``kind`` for programs, ``reason`` for people."""

    kind: str
    reason: str

    def __reduce__(self) -> tuple[Any, ...]:  # as analyzer.catalog.record.Credit.__reduce__
        return (tuple.__new__, (type(self), tuple(self)))


FileOutcome = FileRead | FileFailed | None
"""None: the file vanished between the walk and the read (a race, not a property of the file)."""

ReadJob = tuple[str, tuple[str, ...]]  # (absolute path, folders between the scan root and the file)


def read_file(path: str, folders: tuple[str, ...]) -> FileOutcome:
    """Read one file into a catalog record, or the reason it cannot be read."""
    try:
        tags = read_tags(path)
    except FileNotFoundError:
        return None
    except TagReadError as exc:
        return FileFailed(exc.kind, exc.reason)
    except Exception as exc:
        return FileFailed("corrupt", f"corrupt: unexpected {type(exc).__name__} while reading: {exc}")
    stream = StreamInfo(
        tags.format,
        tags.codec,
        tags.duration_secs,
        tags.bitrate,
        tags.sample_rate,
        tags.channels,
        tags.lossless,
    )
    try:
        record = build_track_record(path, tags, folders)
    except Exception as exc:
        return FileFailed("corrupt", f"corrupt: tags could not be cataloged ({type(exc).__name__}: {exc})")
    return FileRead(stream, record)


def read_chunk(jobs: Sequence[ReadJob]) -> list[FileOutcome]:
    """One outcome per job, in order."""
    return [read_file(path, folders) for path, folders in jobs]


COLLECT_ABOVE = 2000
"""Objects left over in the youngest generation above which a read worker collects before its next chunk
(counted with ``gc.get_objects(0)``: ``gc.get_count()`` also counts objects freed to free lists)."""


def read_chunk_in_worker(jobs: Sequence[ReadJob]) -> list[FileOutcome]:
    """The pool task of :func:`start_worker`'s workers: :func:`read_chunk`, after a collection when the
    chunks before left objects behind. The worker's collector is off: mutagen's many short-lived objects
    triggered a young collection every few hundred allocations, 5-10 % of a file's read. Most formats
    leave no reference cycle (refcounting frees everything: a collection per chunk, 0.6-0.8 ms for 128
    files, found nothing); mutagen's RIFF chunks (WAV) do, ~14 objects a file, collected here at most every
    ~140 such files."""
    if len(gc.get_objects(0)) > COLLECT_ABOVE:
        gc.collect()
    return read_chunk_by_container(jobs)


def read_chunk_by_container(jobs: Sequence[ReadJob]) -> list[FileOutcome]:
    """:func:`read_chunk`'s outcomes (in the jobs' order), the files read grouped by extension: one
    container's parser after another runs warm in the CPU's caches. A chunk whose formats alternate file by
    file (bench_scan_real's library) read 0.49-0.52 -> 0.45-0.47 ms a file; an album-ordered chunk is
    mostly grouped already."""
    # What follows the last dot groups them: an extension, or for the odd name without one some other
    # text (only the order of reading depends on it; 0.6 -> 0.24 us a file against os.path.splitext).
    keys = [path[path.rfind(".") :].lower() for path, _ in jobs]
    order = sorted(range(len(jobs)), key=keys.__getitem__)
    outcomes: list[FileOutcome] = [None] * len(jobs)
    for index in order:
        path, folders = jobs[index]
        outcomes[index] = read_file(path, folders)
    return outcomes


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def read_in_pool(
    jobs: Sequence[ReadJob],
    *,
    workers: int | None = None,
    executor_factory: Callable[[int], Executor] | None = None,
    chunk_files: int = CHUNK_FILES,
    ahead_files: int = 0,
) -> Generator[tuple[int, list[FileOutcome]], None, None]:
    """Yield (start index, outcomes) per chunk of ``jobs``, in order (all jobs known up front)."""
    reader = ReadAhead(
        workers=workers, executor_factory=executor_factory, chunk_files=chunk_files, ahead_files=ahead_files
    )
    try:
        for job in jobs:
            reader.add(job)
        yield from reader.results()
    finally:
        reader.close()


class ReadAhead:
    """Reads jobs in a process pool while the caller is still finding them (the folder walk).

    :meth:`add` takes jobs one at a time and submits each full chunk (one future per ~a hundred files, so
    the pool's per-task overhead is paid rarely) as long as fewer than ``limit`` chunks are in flight;
    :meth:`results` then yields (start index, outcomes) per chunk in order, submitting the rest as it
    goes, so memory stays flat on any library size and the workers never wait for the walk to end.
    ``ahead_files`` is how many files may be read ahead of the consumer. With one worker (and no
    ``executor_factory``), or no more than one chunk of jobs in all, files are read in this process.
    :meth:`close` cancels what has not started (the caller stops early on cancel or error).
    """

    def __init__(
        self,
        *,
        workers: int | None = None,
        executor_factory: Callable[[int], Executor] | None = None,
        chunk_files: int = CHUNK_FILES,
        ahead_files: int = 0,
    ) -> None:
        self.count = workers or default_workers()
        self.serial = self.count == 1 and executor_factory is None
        self.factory = executor_factory or _process_pool
        self.task = read_chunk if executor_factory else read_chunk_in_worker
        self.tail_split = 1 if executor_factory else TAIL_SPLIT  # a given executor gets chunks as asked
        self.chunk_files = chunk_files
        self.limit = max(self.count * 8, -(-ahead_files // chunk_files))  # workers read while we write
        self.jobs: list[ReadJob] = []
        self.submitted = 0
        self.pending: deque[tuple[int, Future[list[FileOutcome]]]] = deque()
        self.executor: Executor | None = None

    def add(self, job: ReadJob) -> None:
        self.jobs.append(job)
        # Start only once there is more than one chunk: a handful of files is read faster in-process.
        if not self.serial and len(self.jobs) > self.chunk_files:
            self._submit(final=False)

    def _submit(self, *, final: bool) -> None:
        while len(self.pending) < self.limit:
            start = self.submitted
            size = self.chunk_files
            if final and len(self.jobs) - start <= self.count * self.chunk_files:
                # The last chunks are smaller: the workers then finish within a small chunk's time of each
                # other, not a whole chunk's (~80 ms of real-size files) while the other core idles.
                size = max(1, self.chunk_files // self.tail_split)
            end = min(start + size, len(self.jobs))
            if end - start < (1 if final else self.chunk_files):
                return
            if self.executor is None:
                self.executor = self.factory(self.count)
            self.pending.append((start, self.executor.submit(self.task, self.jobs[start:end])))
            self.submitted = end

    @property
    def draining(self) -> bool:
        """Whether the pool has every job: what is left to read is already in flight."""
        return self.executor is not None and self.submitted == len(self.jobs)

    def results(self) -> Generator[tuple[int, list[FileOutcome]], None, None]:
        """Every job's outcome, a chunk at a time in order; call once all jobs are added."""
        if self.executor is None and (self.serial or len(self.jobs) <= self.chunk_files):
            for start in range(0, len(self.jobs), self.chunk_files):
                yield start, read_chunk(self.jobs[start : start + self.chunk_files])
            return
        self._submit(final=True)
        while self.pending:
            start, future = self.pending.popleft()
            outcomes = future.result()
            self._submit(final=True)
            yield start, outcomes

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


def _process_pool(workers: int) -> ProcessPoolExecutor:
    executor = ProcessPoolExecutor(max_workers=workers, initializer=start_worker, initargs=(os.getpid(),))
    widen_result_pipe(executor)  # a chunk's outcomes in one write, whatever the scan's process is doing
    return executor


def start_worker(owner_pid: int) -> None:
    """A read worker's start: it dies with the scan, even one killed with SIGKILL (issue 18: a killed scan
    left two workers blocked on their task queue forever), leaves Ctrl-C to it (it stops at a safe point),
    keeps the memory it frees (:func:`keep_freed_memory`) and collects garbage once a chunk. The worker
    process only reads files, so its allocator and collector are its own business."""
    pool_initializer(owner_pid, "ignore-sigint")
    keep_freed_memory()
    gc.freeze()  # what the worker inherited from the scan's process is never its garbage
    gc.disable()  # collected once a chunk instead (read_chunk_in_worker)


_M_TRIM_THRESHOLD = -1  # glibc malloc.h
_M_MMAP_THRESHOLD = -3
WORKER_HEAP_KEEP_BYTES = 32 << 20
"""glibc's largest mmap threshold (HEAP_MAX_SIZE / 2 on 64-bit); the trim threshold is set the same."""


def keep_freed_memory() -> bool:
    """Let glibc's malloc reuse the memory a file's read frees instead of returning it to the kernel.

    Each file allocates a few buffers of its cover art's size (hundreds of KB: the tag block, mutagen's
    slices of it, a base64 string). glibc serves blocks that large from fresh mmap'd pages, or trims them
    off the heap's top once freed, so every file faulted ~250-560 pages in again: 0.5-1.4 ms of system
    time per file, as much as the parsing itself (bench_scan_real). Raising both thresholds keeps the
    pages in the worker (at most 32 MiB more resident). A pool worker only reads files, so the setting
    is its own business (never the caller's process). Returns whether the allocator took it (False off
    glibc, where this is left as it is)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, WORKER_HEAP_KEEP_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, WORKER_HEAP_KEEP_BYTES)
    )
