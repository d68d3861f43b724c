"""What the cluster-worker tests run inside a Dask worker or a pool worker: in an importable module (not a
test module), so a worker process unpickles it by reference."""

from __future__ import annotations

import os
import resource

import numpy as np

BUFFER_BYTES = 1024 * 1024
"""Under numpy's 4 MiB huge-page threshold (huge pages would fault 512 pages at once), over glibc's static
128 KiB mmap threshold: the size of a decoded-audio frame block or a spectrum matrix."""


def reused_buffer_faults(times: int = 40) -> int:
    """Page faults of this thread while it fills and frees a ``BUFFER_BYTES`` buffer ``times`` times, as
    analysis does with its frame buffers: about ``times`` x 256 when each buffer is a fresh mmap, about 256
    when freed memory is used again."""
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    for _ in range(times):
        buffer = np.ones(BUFFER_BYTES // 8)
        del buffer
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before


def malloc_environment() -> str | None:
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")
