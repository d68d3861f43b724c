"""Reading files in a process pool: tags to :class:`TrackRecord` in the workers, small results back.

Work is submitted in chunks (one future per few dozen files) so the pool's per-task overhead is paid
rarely, and a bounded number of chunks is in flight so memory stays flat on any library size.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import NamedTuple

from analyzer.catalog.record import TrackRecord, build_track_record
from analyzer.tags import TagReadError, read_tags

CHUNK_FILES = 48


class StreamInfo(NamedTuple):
    format: str
    codec: str
    duration_secs: float
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    lossless: bool


class FileRead(NamedTuple):
    """A file read into its record (named tuples all the way down: they cross the pool cheaply)."""

    stream: StreamInfo
    record: TrackRecord


class FileFailed(NamedTuple):
    """Why a file is not in the catalog: ``kind`` for programs, ``reason`` for people."""

    kind: str
    reason: str


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
    """The worker entry point: one outcome per job, in order."""
    return [read_file(path, folders) for path, folders in jobs]


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
    """Yield (start index, outcomes) per chunk of ``jobs``, in order. Closing the generator cancels what
    has not started (the caller stops early on cancel or error). ``ahead_files`` is how many files may be
    read ahead of the consumer."""
    count = workers or default_workers()
    if not jobs:
        return
    if (count == 1 and executor_factory is None) or len(jobs) <= chunk_files:
        for start in range(0, len(jobs), chunk_files):
            yield start, read_chunk(jobs[start : start + chunk_files])
        return
    executor = (executor_factory or _process_pool)(count)
    pending: deque[tuple[int, Future[list[FileOutcome]]]] = deque()
    starts = iter(range(0, len(jobs), chunk_files))
    limit = max(count * 8, -(-ahead_files // chunk_files))  # workers keep reading while the writer writes
    try:
        for start in starts:
            pending.append((start, executor.submit(read_chunk, jobs[start : start + chunk_files])))
            if len(pending) >= limit:
                break
        while pending:
            start, future = pending.popleft()
            outcomes = future.result()
            next_start = next(starts, None)
            if next_start is not None:
                pending.append(
                    (next_start, executor.submit(read_chunk, jobs[next_start : next_start + chunk_files]))
                )
            yield start, outcomes
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _process_pool(workers: int) -> Executor:
    return ProcessPoolExecutor(max_workers=workers)
