"""Reading tags from every audio format we catalog into one typed record.

``read_tags(path)`` decides the container by content, parses it with one mutagen class, and maps the
native tags (ID3, Vorbis comments, MP4 atoms, ASF, APEv2) to Picard's canonical vocabulary. It is a pure
function of the file: no database, no printing, safe to run in a process pool.
"""

from __future__ import annotations

import os

from analyzer.tags.reader import read_tags
from analyzer.tags.record import ERROR_KINDS, ErrorKind, FileTags, TagReadError
from analyzer.tags.registry import AUDIO_EXTENSIONS

__all__ = [
    "AUDIO_EXTENSIONS",
    "ERROR_KINDS",
    "ErrorKind",
    "FileTags",
    "TagReadError",
    "is_audio_candidate",
    "read_tags",
]


def is_audio_candidate(name: str | os.PathLike[str] | bytes | os.PathLike[bytes]) -> bool:
    """Whether the folder walker should offer this file name to :func:`read_tags` (by extension only)."""
    text = os.fsdecode(name)
    dot = text.rfind(".")
    return dot != -1 and text[dot:].lower() in AUDIO_EXTENSIONS
