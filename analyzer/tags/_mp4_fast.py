"""MP4/M4A read with less of mutagen's bookkeeping: the fast path beside mutagen's ``MP4``.

Four costs of ``MP4.load`` buy the tag readers nothing (CPU per file on the real-size bench files: 3-6
minutes, 276-449 KiB covers, ~44 atoms; ``MP4`` ~0.32 ms, skipping only the cover ~0.24, this path ~0.13):

- the atom tree, ~0.09 ms: ``Atom.__init__`` asks the buffered file for its position twice an atom (a
  system call each time), reads and seeks through a decorator. Here the same ``Atom`` objects are built,
  by mutagen's container rules (``_CONTAINERS``, ``_SKIP_SIZE``), from 4 KiB windows read by position
  (five for a bench file); anything mutagen's ``Atoms`` would reject (a header cut off, a size below 8,
  a zero size below the top) is left to mutagen;
- reading what ``MP4Info`` and ``MP4Tags`` parse: a seek and a read through the file for each item and
  each track atom, refilling the 32 KiB buffer at each jump. Here those bytes come from the same windows
  (``_HeldFile``; each ``ilst`` item handed over read whole, ``_HeldItem``);
- the cover: a ``covr`` item with a 450 KB picture is read, rendered once more and copied into an
  ``MP4Cover``. Here each ``covr`` item reaches ``MP4Tags`` as its ``data`` atoms' headers with the first
  bytes of each picture (the atoms' size fields say so); the pictures' real sizes come back beside the tags
  (``cover_sizes``). Only ``covr`` items of ``data`` (and ``name``) atoms that fill the item exactly, within
  the file, with a 32-bit size header take this path (a file without a cover takes the rest of it);
- ``MP4Tags.__setitem__`` renders each value it stores to validate it; while loading, mutagen only ever
  stores an empty list there (extended afterwards) or a bool, which render without fail: skipped.

``MP4Info`` and ``MP4Tags`` then parse every item as ``MP4.load`` does. Any error is met again by ``MP4``,
which reports the damage as before. ``tests/analyzer/test_tag_fast_paths.py`` keeps both paths' tags equal;
``tests/analyzer/test_mp4_fast_path_cost.py`` keeps the tree and mutagen's objects equal.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from contextlib import suppress
from typing import Any, BinaryIO, NamedTuple

from mutagen.mp4 import MP4, MP4Info, MP4NoTrackError, MP4Tags
from mutagen.mp4._atom import _CONTAINERS, _SKIP_SIZE, Atom, Atoms  # mutagen's own atom rules

from analyzer.tags.fast_path import fast_or_plain
from analyzer.tags.sniff import read_at  # os.pread, or a seek and read where there is none (Windows)

KEPT_PICTURE_BYTES = 64
"""Bytes of each picture handed to mutagen: the tag readers use only the data atom's image format."""

WINDOW_BYTES = 4096
"""Bytes read at a time while walking the atom headers: an M4A's headers sit in a few clusters (the
track's, the tags') between large leaves (audio, sample tables, covers) that are skipped unread."""

_CHILD = struct.Struct(">I4s")
_LARGE_SIZE = struct.Struct(">Q")
_CONTAINER_NAMES = frozenset(_CONTAINERS)


class Mp4Tags(NamedTuple):
    """What the tag readers use of a mutagen MP4: stream info, tags, and each ``covr`` picture's real
    size in bytes, in order, where the tags hold shortened pictures."""

    info: Any
    tags: Any
    cover_sizes: tuple[int, ...]


class _Unexpected(Exception):
    """A layout this module leaves to mutagen (which then reads it or says what is wrong)."""


class _AtomWalk:
    """mutagen's ``Atoms`` tree built from windows of the file read by position (the file object's own
    position and buffer are left alone); ``read_at`` then serves later reads from the same windows."""

    __slots__ = ("f", "size", "start", "window", "windows")

    def __init__(self, f: BinaryIO, size: int) -> None:
        self.f, self.size = f, size
        self.window, self.start = b"", 0
        self.windows: list[tuple[int, bytes]] = []

    def tree(self) -> Atoms:
        atoms = Atoms.__new__(Atoms)
        atoms.atoms = []
        # as Atoms.__init__: atoms while a header fits, trailing bytes shorter than one ignored
        self.walk(atoms.atoms, 0, self.size - 7, 0)
        return atoms

    def walk(self, found: list[Atom], pos: int, end: int, level: int) -> int:
        """Append to ``found`` the atoms from ``pos`` on while ``pos < end``, each as ``Atom(fileobj,
        level)`` reads it, and return where mutagen's walk goes on (a child running past its parent moves
        it on past the parent too)."""
        new, unpack_from, append, containers = (
            Atom.__new__,
            _CHILD.unpack_from,
            found.append,
            _CONTAINER_NAMES,
        )
        start, window = self.start, self.window
        held = len(window)
        while pos < end:
            at = pos - start
            if at < 0 or at + 16 > held:  # a header, 64-bit size included, not in the window: read on
                window = self.window = read_at(self.f, WINDOW_BYTES, pos)
                start = self.start = pos
                at, held = 0, len(window)
                self.windows.append((pos, window))
                if held < 8:
                    raise _Unexpected("header cut off")
            length, name = unpack_from(window, at)
            data = pos + 8
            if length < 8:
                if length == 1:
                    if at + 16 > held:
                        raise _Unexpected("64-bit size cut off")
                    (length,) = _LARGE_SIZE.unpack_from(window, at + 8)
                    data += 8
                    if length < 16:
                        raise _Unexpected("64-bit size below 16")
                elif length == 0 and not level:
                    length = self.size - pos  # to the end of the file
                else:
                    raise _Unexpected("size below 8, or 0 below the top level")
            atom = new(Atom)
            atom.offset, atom.length, atom.name, atom._dataoffset = pos, length, name, data
            append(atom)
            if name in containers:
                atom.children = []
                pos = self.walk(atom.children, data + _SKIP_SIZE.get(name, 0), pos + length, level + 1)
                start, window = self.start, self.window  # the children may have read on
                held = len(window)
            else:
                pos += length
        return pos

    def window_holding(self, pos: int, end: int) -> tuple[int, bytes]:
        """A window read (its start and bytes) that holds ``pos`` to ``end``, else those bytes read now:
        fewer where the file ends first."""
        for start, window in reversed(self.windows):  # the tags' windows come last
            if start <= pos and end <= start + len(window):
                return start, window
        return pos, read_at(self.f, end - pos, pos)

    def read_at(self, pos: int, size: int) -> bytes:
        """Up to ``size`` bytes at ``pos``, as a file read there gives them."""
        start, window = self.window_holding(pos, pos + size)
        return window[pos - start : pos - start + size]


class _HeldFile:
    """The file as ``MP4Info`` and ``MP4Tags`` read it (``seek`` and ``read``), served from the walk's
    windows where they hold the bytes."""

    __slots__ = ("pos", "walk")

    def __init__(self, walk: _AtomWalk) -> None:
        self.walk, self.pos = walk, 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = offset if whence == 0 else self.pos + offset if whence == 1 else self.walk.size + offset
        return self.pos

    def tell(self) -> int:
        return self.pos

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = max(self.walk.size - self.pos, 0)
        data = self.walk.read_at(self.pos, size)
        self.pos += len(data)
        return data


class _HeldItem:
    """An ``ilst`` item as ``MP4Tags.load`` uses one: its ``name``, its ``length`` (which mutagen's item
    parsers take as the bound of their walk, 8 + payload for a cover shortened here) and ``read``, which
    gives its payload as ``Atom.read`` would, read whole already."""

    __slots__ = ("length", "name", "payload")

    def __init__(self, name: bytes, length: int, payload: bytes) -> None:
        self.name, self.length, self.payload = name, length, payload

    def read(self, fileobj: object) -> tuple[bool, bytes]:
        return True, self.payload


def _read(f: BinaryIO) -> Mp4Tags | None:
    """The file read the fast way, or None for a layout left to mutagen (and to its way of saying what
    is wrong): no ``ilst``, a cover this module does not shorten, or atoms ``Atoms`` rejects. A file without
    a cover takes it too: the windowed walk alone is cheaper than ``MP4``'s (~0.19 ms a file)."""
    size = os.fstat(f.fileno()).st_size
    walk = _AtomWalk(f, size)
    try:
        atoms = walk.tree()
        ilst = atoms.path(b"moov", b"udta", b"meta", b"ilst")[-1]
    except (_Unexpected, KeyError):
        return None
    sizes: list[int] = []
    children = list(ilst.children)
    start, window = 0, b""
    for index, atom in enumerate(children):
        if atom.name != b"covr":
            end = atom.offset + atom.length
            if atom._dataoffset < start or end > start + len(window):
                start, window = walk.window_holding(atom._dataoffset, end)
                if end > start + len(window):
                    continue  # cut short: its Atom tells MP4Tags it could not read it all
            children[index] = _HeldItem(
                atom.name, atom.length, window[atom._dataoffset - start : end - start]
            )
            continue
        if atom._dataoffset != atom.offset + 8 or atom.offset + atom.length > size:
            return None  # a 64-bit size header, or cut short: mutagen alone
        short = _short_cover(walk.read_at, atom._dataoffset, atom.length - 8, sizes)
        if short is None:
            return None
        children[index] = _HeldItem(b"covr", len(short) + 8, short)
    ilst.children = children
    held = _HeldFile(walk)
    info = MP4Info()
    with suppress(MP4NoTrackError):  # as MP4.load: a file without an audio track has tags all the same
        info.load(atoms, held)
    return Mp4Tags(info, _load_tags(atoms, held), tuple(sizes))


def _load_tags(atoms: Atoms, f: _HeldFile) -> MP4Tags:
    """``MP4Tags(atoms, f)`` without the validating render of what ``MP4Tags.load`` stores (an empty list
    it extends, or a bool): the instance's own ``_render`` and ``setdefault`` stand in while it loads."""
    tags: Any = MP4Tags()
    tags._render = _stored_as_parsed
    tags.setdefault = tags._DictProxy__dict.setdefault
    try:
        tags.load(atoms, f)
    finally:
        del tags._render, tags.setdefault
    return tags


def _stored_as_parsed(key: str, value: Any) -> None:
    return None


def _short_cover(
    read_at: Callable[[int, int], bytes], start: int, length: int, sizes: list[int]
) -> bytes | None:
    """The ``covr`` payload at ``start`` with each ``data`` atom cut to ``KEPT_PICTURE_BYTES`` of picture
    (its size field rewritten), appending each picture's real size to ``sizes``; None for any other
    layout. The walk is mutagen's cover parser's: 8-byte headers, ``name`` atoms skipped."""
    parts: list[bytes] = []
    pos = 0
    while pos < length:
        header = read_at(start + pos, 16)
        if len(header) < 16:
            return None
        child, name = _CHILD.unpack_from(header)
        if child < 16 or pos + child > length or name not in (b"data", b"name"):
            return None
        if name == b"name":
            parts.append(read_at(start + pos, child))
        else:
            kept = min(child - 16, KEPT_PICTURE_BYTES)
            parts.append(_CHILD.pack(16 + kept, name) + header[8:] + read_at(start + pos + 16, kept))
            sizes.append(child - 16)
        pos += child
    return b"".join(parts) if pos == length else None


def open_mp4(f: BinaryIO) -> Any:
    """The file's ``info`` and ``tags`` as mutagen's ``MP4`` gives them (``f`` at offset 0)."""
    return fast_or_plain(f, _read, MP4)
