"""Atomic file output: write beside the target, then ``os.replace`` it in, so a reader (or a crash, or a
cancel) never sees half a file and an old export stays intact until the new one is complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """A temporary path in ``target``'s directory; it replaces ``target`` when the block ends normally
    and is deleted when it raises (including :class:`models.progress.Cancelled` and GeneratorExit)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
