"""Atomic file output: write beside the target, then ``os.replace`` it in, so a reader (or a crash, or a
cancel) never sees half a file and an old export stays intact until the new one is complete.

A process killed outright (SIGKILL, power loss) cannot delete its hidden ``.part`` file. The writer holds an
exclusive ``flock`` on its part file for as long as it writes it; the kernel drops that lock when the
process dies, so the next export to the same target removes every part file nobody holds (issue 18) and
never one that another export is still writing.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; stale parts are recognised by age instead
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
PART_SUFFIX = ".part"
_UNLOCKED_STALE_SECS = 24 * 3600
"""Without flock, a part file this old is taken as left by a dead export (no export runs for a day)."""


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """A temporary path in ``target``'s directory; it replaces ``target`` when the block ends normally
    and is deleted when it raises (including :class:`models.progress.Cancelled` and GeneratorExit).
    Part files of ``target`` left by a killed export are removed first (:func:`remove_stale_parts`)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(target)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PART_SUFFIX, dir=target.parent)
    temp = Path(name)
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # ours: a fresh file nobody else holds
        yield temp
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    finally:
        os.close(handle)  # releases the lock, after the file is in place or gone


def part_files(target: Path | str) -> list[Path]:
    """The hidden part files of exports to ``target`` that exist now (live or left by a killed one)."""
    target = Path(target)
    prefix = f".{target.name}."
    try:
        entries = list(os.scandir(target.parent))
    except FileNotFoundError:
        return []
    return sorted(
        Path(entry.path)
        for entry in entries
        if entry.name.startswith(prefix) and entry.name.endswith(PART_SUFFIX) and entry.is_file()
    )


def remove_stale_parts(target: Path | str) -> list[Path]:
    """Delete the part files of ``target`` that no running export holds; returns what was deleted."""
    removed = []
    for part in part_files(target):
        if _is_stale(part):
            part.unlink(missing_ok=True)
            removed.append(part)
    if removed:
        log.info("removed %d part file(s) left by an interrupted export to %s", len(removed), target)
    return removed


def _is_stale(part: Path) -> bool:
    if fcntl is None:
        try:
            return time.time() - part.stat().st_mtime > _UNLOCKED_STALE_SECS
        except FileNotFoundError:
            return False
    try:
        handle = os.open(part, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # an export is writing it
    finally:
        os.close(handle)
    return True
