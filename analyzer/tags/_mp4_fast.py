"""MP4/M4A opened without its cover art's bytes: the fast path beside mutagen's ``MP4``.

mutagen reads each ``ilst`` item whole, and a ``covr`` item with a 450 KB cover is read, rendered once more
to validate it (``MP4Tags.__setitem__``) and copied into an ``MP4Cover``: ~0.1 ms a file, for a picture the
tag readers only describe (its format and size). Here mutagen does everything it does in ``MP4.load``
(the atom tree, ``MP4Info``, ``MP4Tags`` of every other item), except that each ``covr`` item reaches
``MP4Tags`` as its ``data`` atoms' headers with the first bytes of each picture (the atoms' size fields say
so); the pictures' real sizes come back beside the tags (``cover_sizes``).

Only ``covr`` items of ``data`` (and ``name``) atoms that fill the item exactly, within the file, with a
32-bit size header take this path; anything else, and any error, is opened by ``MP4`` as before, which
also reports the damage as before. ``tests/analyzer/test_tag_fast_paths.py`` keeps both paths' tags equal.
"""

from __future__ import annotations

import os
import struct
from contextlib import suppress
from typing import Any, BinaryIO, NamedTuple

from mutagen.mp4 import MP4, MP4Info, MP4NoTrackError, MP4Tags
from mutagen.mp4._atom import Atoms  # the atom tree exactly as MP4.load builds it

from analyzer.tags.fast_path import fast_or_plain

KEPT_PICTURE_BYTES = 64
"""Bytes of each picture handed to mutagen: the tag readers use only the data atom's image format."""

_CHILD = struct.Struct(">I4s")


class Mp4Tags(NamedTuple):
    """What the tag readers use of a mutagen MP4: stream info, tags, and each ``covr`` picture's real
    size in bytes, in order, where the tags hold shortened pictures."""

    info: Any
    tags: Any
    cover_sizes: tuple[int, ...]


class _ShortCover:
    """A ``covr`` atom as ``MP4Tags.load`` uses one: its name, its length (8 + payload, as mutagen's cover
    parser bounds its walk) and ``read``, which gives the shortened payload."""

    name = b"covr"

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.length = len(payload) + 8

    def read(self, fileobj: BinaryIO) -> tuple[bool, bytes]:
        return True, self.payload


def _read(f: BinaryIO) -> Mp4Tags | None:
    atoms = Atoms(f)
    try:
        ilst = atoms.path(b"moov", b"udta", b"meta", b"ilst")[-1]
    except KeyError:
        return None
    size = os.fstat(f.fileno()).st_size
    sizes: list[int] = []
    children = list(ilst.children)
    for index, atom in enumerate(children):
        if atom.name != b"covr":
            continue
        if atom._dataoffset != atom.offset + 8 or atom.offset + atom.length > size:
            return None  # a 64-bit size header, or cut short: mutagen alone
        short = _short_cover(f, atom._dataoffset, atom.length - 8, sizes)
        if short is None:
            return None
        children[index] = _ShortCover(short)
    if not sizes:
        return None  # no picture to leave out
    ilst.children = children
    info = MP4Info()
    with suppress(MP4NoTrackError):  # as MP4.load: a file without an audio track has tags all the same
        info.load(atoms, f)
    return Mp4Tags(info, MP4Tags(atoms, f), tuple(sizes))


def _short_cover(f: BinaryIO, start: int, length: int, sizes: list[int]) -> bytes | None:
    """The ``covr`` payload at ``start`` with each ``data`` atom cut to ``KEPT_PICTURE_BYTES`` of picture
    (its size field rewritten), appending each picture's real size to ``sizes``; None for any other
    layout. The walk is mutagen's cover parser's: 8-byte headers, ``name`` atoms skipped."""
    parts: list[bytes] = []
    pos = 0
    while pos < length:
        f.seek(start + pos)
        header = f.read(16)
        if len(header) < 16:
            return None
        child, name = _CHILD.unpack_from(header)
        if child < 16 or pos + child > length or name not in (b"data", b"name"):
            return None
        if name == b"name":
            f.seek(start + pos)
            parts.append(f.read(child))
        else:
            kept = min(child - 16, KEPT_PICTURE_BYTES)
            parts.append(_CHILD.pack(16 + kept, name) + header[8:] + f.read(kept))
            sizes.append(child - 16)
        pos += child
    return b"".join(parts) if pos == length else None


def open_mp4(f: BinaryIO) -> Any:
    """The file's ``info`` and ``tags`` as mutagen's ``MP4`` gives them (``f`` at offset 0)."""
    return fast_or_plain(f, _read, MP4)
