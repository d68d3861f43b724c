"""Who may change the garbage collector: the process's entry point, never library code.

The collector's state (enabled, frozen objects) belongs to the whole process. A scan that froze or disabled it
would do so for a whole GUI process, its main thread included, and two jobs each restoring "what they found"
in another order can leave it off for good. So long operations never call ``gc`` themselves: they say where a
pause (:func:`batch_paused`) or a freeze (:func:`settle_batch`) pays off, and those hints act only inside a
:func:`bulk_collector` block that an entry point opened — a CLI command or a benchmark that runs one
operation and ends. Everywhere else (the GUI, tests, scripts) they do nothing and gc stays as it was.
A child process that only works for an operation (a parser, a matcher) is its own entry point and may set
its collector as it likes.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_bulk_thread: int | None = None  # the thread that opened bulk_collector; hints from other threads do nothing


@contextmanager
def bulk_collector() -> Iterator[None]:
    """Let the long operation run inside this block tune the collector (entry points only).

    Afterwards the collector is enabled or not as it was before, and what the operation froze is unfrozen
    (unless something was frozen before the block: the process's owner froze it, it stays). Nested blocks
    are one block.
    """
    global _bulk_thread
    if _bulk_thread is not None:
        yield
        return
    enabled = gc.isenabled()
    frozen_before = gc.get_freeze_count()
    _bulk_thread = threading.get_ident()
    try:
        yield
    finally:
        _bulk_thread = None
        if not frozen_before:
            gc.unfreeze()
        if enabled:
            gc.enable()
        else:
            gc.disable()


def bulk_collecting() -> bool:
    """Whether the calling thread runs inside :func:`bulk_collector`."""
    return _bulk_thread is not None and _bulk_thread == threading.get_ident()


@contextmanager
def batch_paused() -> Iterator[None]:
    """No cyclic collection inside the block, when the entry point allowed it; otherwise nothing.

    For a stretch that allocates many young, acyclic objects (rows, tuples, SQL parameters): each
    collection would only scan them again, reference counting frees them anyway.
    """
    if not bulk_collecting():
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def settle_batch(*, collect_young: bool = True) -> None:
    """After a batch, when the entry point allowed it: collect the young generations (a batch's garbage
    cycles, e.g. sessions) and freeze what survived, so later full collections no longer re-scan the
    long-lived data an operation keeps (id caches, an index). Otherwise nothing."""
    if not bulk_collecting():
        return
    if collect_young:
        gc.collect(1)
    gc.freeze()


__all__ = ["batch_paused", "bulk_collecting", "bulk_collector", "settle_batch"]
