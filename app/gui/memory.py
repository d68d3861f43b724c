"""Giving freed memory back to the system after the window replaced a big structure (the library's rows).

glibc keeps freed heap pages for reuse; after a reload swapped 100,000 rows for new ones, ~25 MiB stayed
resident for nothing (240 -> 216 MiB with the 100k-track library loaded, measured). ``malloc_trim`` hands
them back. Elsewhere (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from functools import cache


@cache
def _trim() -> object | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def give_back_free_memory() -> None:
    """Return free heap pages to the system (a few milliseconds); a no-op where glibc is not in use."""
    trim = _trim()
    if trim is not None:
        trim(0)  # type: ignore[operator]


def settle_long_lived() -> None:
    """Move what is alive now (the library's rows, Qt's wrappers, every module) out of the collector's reach.

    Each full collection walks every tracked object; with the library loaded that walk took 90-110 ms, on
    whatever thread triggered it, and a scan's allocations triggered one every second or so: the window
    stalled by as much (measured in bench/bench_gui.py). Frozen objects are still freed by reference
    counting when dropped (the rows hold no cycles), so a reload does not leak the rows it replaces. The app
    is the process's entry point, which may decide this (models/gc_policy.py); core code never does.
    """
    gc.collect(1)  # the young garbage first, so it is not frozen with the rest
    gc.freeze()
