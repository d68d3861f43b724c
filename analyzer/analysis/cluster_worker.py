"""The memory allocator of a Dask worker process, set back to what a local pool worker has.

A Dask nanny starts its worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (Dask's default
``distributed.nanny.pre-spawn-environ``, meant to give freed memory back to the system at once). Setting
any of glibc's malloc thresholds also switches off its *dynamic* mmap threshold, so every buffer over
128 KiB (decoded audio, spectra, feature frames: analysis allocates and frees hundreds of them per file)
becomes a fresh ``mmap`` whose pages fault in one by one and go back with ``munmap``. Measured on real
tracks: twice the page faults and 2-3x the system CPU of the same analysis in a local pool worker, 20-30 %
more CPU per file in all (see docs/benchmarks.md, issue 19).

:func:`tune_allocator` sets the two thresholds to the values glibc's dynamic rule reaches at most (mmap
32 MiB on 64-bit, trim twice that), which gives back the local worker's page-fault count. A worker keeps
at most about one trim threshold (64 MiB) of freed memory per malloc arena, instead of none.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
from collections.abc import Callable
from typing import cast

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter numbers (malloc.h)."""

MMAP_THRESHOLD = 32 * 1024 * 1024
"""glibc's ``DEFAULT_MMAP_THRESHOLD_MAX`` on 64-bit: where the dynamic threshold stops growing."""
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD
"""The dynamic rule keeps the trim threshold at twice the mmap threshold."""

_lock = threading.Lock()
_tuned: list[bool] = []  # one entry once this process has been tuned (or found not to be glibc)


def tune_allocator() -> bool:
    """Set this process's malloc thresholds for analysis; True when they are set (now or before).

    Idempotent and cheap after the first call (a worker calls it before each file). False where there is
    no glibc ``mallopt`` (macOS, Windows, musl): those allocators have no such switch, nothing is changed."""
    if _tuned:
        return _tuned[0]
    with _lock:
        if not _tuned:
            _tuned.append(set_malloc_thresholds(mmap=MMAP_THRESHOLD, trim=TRIM_THRESHOLD))
    return _tuned[0]


def set_malloc_thresholds(*, mmap: int, trim: int) -> bool:
    """``mallopt`` the mmap and trim thresholds of this process (bytes); False where glibc is not used.

    After any such call glibc's dynamic thresholds stay off for the life of the process. Setting
    Dask's values (mmap 128 KiB, trim 64 KiB) back later is not the same as a process that never changed
    them: the larger free chunks the tuned thresholds left in the heap are reused first."""
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    # mallopt returns 1 on success, 0 on error.
    return bool(mallopt(M_MMAP_THRESHOLD, mmap)) and bool(mallopt(M_TRIM_THRESHOLD, trim))


def _glibc_mallopt() -> Callable[[int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 (only glibc has it; musl has no mallopt thresholds)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return cast("Callable[[int, int], int]", mallopt)
