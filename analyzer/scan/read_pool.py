"""The read workers' result pipe, wide enough for a chunk's outcomes.

A pool worker sends each chunk's outcomes to the scan's process in one message (~650 bytes a file pickled,
~83 KB for a 128-file chunk of real-size files). A Linux pipe holds 64 KiB: the worker then blocks in the
write until the scan's process has read the first part, and in that process the pool's reader thread first
has to get the GIL from the main thread (importing SQLAlchemy and the models, creating the database,
writing a batch: up to a switch interval, 5 ms, per read). Measured per worker on bench_scan_real's
library: 0.07-0.20 s a scan blocked in these writes. A pipe of :data:`RESULT_PIPE_BYTES` takes a chunk's
message at once and the worker goes on with its next chunk.
"""

from __future__ import annotations

import fcntl
from concurrent.futures import ProcessPoolExecutor

RESULT_PIPE_BYTES = 1 << 20
"""Linux's default ``/proc/sys/fs/pipe-max-size`` for unprivileged processes: room for ~12 chunks."""


def widen_result_pipe(executor: ProcessPoolExecutor, size: int = RESULT_PIPE_BYTES) -> int | None:
    """Give ``executor``'s result pipe (shared by every worker, set before or after they start) ``size``
    bytes; returns the size the kernel granted, or None where it cannot be changed (not Linux, a limit
    below ``size``, a Python whose executor keeps its result queue elsewhere: the pool works as before)."""
    setter, getter = getattr(fcntl, "F_SETPIPE_SZ", None), getattr(fcntl, "F_GETPIPE_SZ", None)
    writer = getattr(getattr(executor, "_result_queue", None), "_writer", None)
    if setter is None or getter is None or writer is None:
        return None
    try:
        fcntl.fcntl(writer.fileno(), setter, size)
        return int(fcntl.fcntl(writer.fileno(), getter))
    except (OSError, ValueError):
        return None
