"""A tag reader's fast path with mutagen's plain reader behind it.

The ``_*_fast`` modules read a container through mutagen's own pieces while skipping work the tag readers
do not need (a cover's bytes, above all). Each is trusted only where it recognises the layout: it answers
None for anything else, and whatever it raises is met again by the plain reader, which then says what is
wrong in mutagen's words. ``tests/analyzer/test_tag_fast_paths.py`` keeps both answers equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO


def fast_or_plain(
    f: BinaryIO, fast: Callable[[BinaryIO], Any | None], plain: Callable[[BinaryIO], Any]
) -> Any:
    """``fast(f)``, or ``plain(f)`` from offset 0 when the fast path answered None or raised (``f`` at offset
    0). Each opener calls this with its module's readers looked up at the call, so a test can swap the fast
    reader for None and compare with the plain one."""
    try:
        found = fast(f)
    except Exception:  # whatever it is, mutagen meets it again below and says what it is
        found = None
    if found is not None:
        return found
    f.seek(0)
    return plain(f)
