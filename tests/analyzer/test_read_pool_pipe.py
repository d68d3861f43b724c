"""A first scan's read workers are kept busy: each has a chunk from the start (analyzer.scan.runner.
start_reading), and their result pipe holds a whole chunk's outcomes (analyzer.scan.read_pool)."""

from __future__ import annotations

import fcntl
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from analyzer.scan import reading
from analyzer.scan.read_pool import RESULT_PIPE_BYTES, widen_result_pipe
from analyzer.scan.runner import start_reading


def _blob(size: int) -> tuple[int, bytes]:
    return os.getpid(), os.urandom(size)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are a Linux setting")
def test_the_scans_read_pool_has_a_result_pipe_wider_than_a_chunks_outcomes() -> None:
    executor = reading._process_pool(2)
    try:
        writer = executor._result_queue._writer  # type: ignore[attr-defined]
        assert fcntl.fcntl(writer.fileno(), fcntl.F_GETPIPE_SZ) >= RESULT_PIPE_BYTES
        # Messages far above the kernel's default 64 KiB still arrive whole, from both workers.
        results = [executor.submit(_blob, 300_000) for _ in range(6)]
        assert {len(future.result()[1]) for future in results} == {300_000}
    finally:
        executor.shutdown()


def test_a_pipe_that_cannot_be_widened_leaves_the_pool_as_it_was() -> None:
    executor = reading._process_pool(1)
    try:
        assert widen_result_pipe(executor, size=-1) is None  # a size every kernel refuses (EINVAL)
        assert executor.submit(_blob, 100_000).result()[1]
    finally:
        executor.shutdown()
    with ThreadPoolExecutor(1) as threads:  # no pipe at all
        assert widen_result_pipe(threads) is None  # type: ignore[arg-type]


def test_a_first_scan_starts_with_a_chunk_for_every_worker_and_one_queued(tmp_path: Path) -> None:
    """start_reading returns once each worker has a chunk and one more waits (with the first chunk alone,
    the second worker idled until the entry point's imports were done), and not later: the rest of the
    walk is the scan's."""
    workers = reading.default_workers()
    files = (workers + 3) * reading.CHUNK_FILES
    for n in range(files):
        (tmp_path / f"{n:05d}.mp3").write_bytes(b"not audio")
    started = start_reading([tmp_path])
    try:
        if workers == 1:  # one worker reads in the scan's process: nothing to start
            assert started.reader.executor is None
            return
        assert len(started.reader.pending) == workers + 1
        assert started.found == (workers + 1) * reading.CHUNK_FILES
    finally:
        started.close()
