"""MP3 opened without its cover art's bytes: the fast path beside mutagen's ``MP3``.

Taggers (mutagen, so Picard) write the APIC frames last, and mutagen's ID3 reader slices the rest of the tag
off at every frame: with a 450 KB cover each of the ~17 frames before it copies the cover once more (0.23 of
~0.5 ms a file). Here mutagen reads a view of the file in which each APIC frame keeps its header fields and
the first bytes of its picture (the frame's size field says so, nothing else changes) and the audio follows
at the same distance from the tag's end; mutagen parses every frame, the stream and the ID3v1 tag from it as
before. What the view leaves out is only the picture's remaining bytes, whose count is given back beside
the tags (``picture_sizes``) for the picture's description.

Only ID3v2.3/2.4 tags without tag-level flags, with APIC frames without frame flags, and where mutagen's own
frame-size rule (``determine_bpi``) reads the shortened tag as it reads the original, take this path; any
other file, and any surprise (an APIC mutagen could not parse from the kept bytes, an error), is opened by
``MP3`` as before, which also reports the damage as before. ``tests/analyzer/test_tag_fast_paths.py`` keeps
both paths' tags equal.
"""

from __future__ import annotations

import os
import struct
from typing import Any, BinaryIO, NamedTuple

from mutagen.id3 import BitPaddedInt, Frames
from mutagen.id3._tags import determine_bpi  # mutagen's own rule for ID3v2.4 frame sizes
from mutagen.mp3 import MP3

from analyzer.tags.fast_path import fast_or_plain

_FRAME_HEADER = struct.Struct(">4sLH")  # ID3v2.3/2.4 frame header: ID, size, flags
PREFIX_BYTES = 32 * 1024
"""The start of the tag read at once (the file's buffer size): the text frames before a cover."""

KEPT_PICTURE_BYTES = 4096
"""Bytes of an APIC frame kept in the view: its encoding, MIME type, picture type and description, and
the start of the picture (a description longer than this sends the file to the plain path)."""


class MpegTags(NamedTuple):
    """What the tag readers use of a mutagen MP3: stream info, tags, and each APIC frame's real picture size
    (in frame order) where the tags hold shortened pictures."""

    info: Any
    tags: Any
    picture_sizes: tuple[int, ...]


def _read(f: BinaryIO) -> MpegTags | None:
    header = f.read(10)
    if len(header) != 10 or header[:3] != b"ID3" or header[3] not in (3, 4) or header[5] != 0:
        return None  # ID3v2.2, no tag, or unsynchronisation / extended header / footer: mutagen alone
    raw_size = header[6:10]
    if any(byte & 0x80 for byte in raw_size):
        return None
    size = int(BitPaddedInt(raw_size))
    if os.fstat(f.fileno()).st_size < 10 + size:
        return None
    data = _TagBytes(f, 10, size)
    bpi = int if header[3] == 3 else determine_bpi(data, Frames)
    shortened, picture_sizes = _without_pictures(data, bpi)
    if not picture_sizes:
        return None  # nothing to leave out
    if header[3] == 4 and determine_bpi(shortened, Frames) is not bpi:
        return None
    head = header[:6] + BitPaddedInt.to_str(len(shortened), width=4) + shortened
    view = _View(f, head, 10 + size)
    parsed = MP3(view)
    frames: list[Any] = list(parsed.tags.values()) if parsed.tags is not None else []
    pictures = [frame for frame in frames if frame.FrameID == "APIC"]
    if len(pictures) != len(picture_sizes):
        return None
    sizes = []
    for frame, (frame_size, kept) in zip(pictures, picture_sizes, strict=True):
        fields = kept - len(frame.data)  # the bytes before the picture: encoding, MIME, type, description
        if fields < 0 or fields > kept or (kept < frame_size and len(frame.data) == 0):
            return None
        sizes.append(frame_size - fields)
    return MpegTags(parsed.info, parsed.tags, tuple(sizes))


class _TagBytes:
    """The tag's frames as ``bytes`` slices read from the file on demand: the frame walks (``determine_bpi``
    and :func:`_without_pictures`) look at frame headers and the frames they keep, so a cover's body (hundreds
    of KB) is never read into memory. Only what those walks use: ``len`` and slices."""

    def __init__(self, f: BinaryIO, start: int, size: int) -> None:
        self.f = f
        self.start = start
        self.size = size
        f.seek(start)
        self.prefix = f.read(min(size, PREFIX_BYTES))  # the frames before the cover, as a rule

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key: slice) -> bytes:
        begin, end, step = key.indices(self.size)
        if step != 1:
            raise ValueError("only contiguous slices")
        if end <= len(self.prefix):
            return self.prefix[begin:end]
        if end <= begin:
            return b""
        self.f.seek(self.start + begin)
        return self.f.read(end - begin)


def _without_pictures(data: _TagBytes, bpi: Any) -> tuple[bytes, list[tuple[int, int]]]:
    """``data`` with each APIC frame cut to ``KEPT_PICTURE_BYTES`` (its size field rewritten in the tag's
    own encoding), and (real size, kept size) per APIC frame; none to cut: ``(b"", [])``. The walk is
    mutagen's ``read_frames``: 10-byte headers, sizes read with ``bpi``, a blank name ends the frames."""
    parts: list[bytes] = []
    pictures: list[tuple[int, int]] = []
    pos = 0
    copied = 0
    while len(data) - pos >= 10:
        name, stored, flags = _FRAME_HEADER.unpack(data[pos : pos + 10])
        if name.strip(b"\x00") == b"":
            break
        frame_size = int(bpi(stored))
        if name == b"APIC" and pos + 10 + frame_size > len(data):
            return b"", []  # a frame cut short by the tag's end: mutagen keeps what there is, the plain path
        if name == b"APIC" and frame_size > KEPT_PICTURE_BYTES:
            if flags:
                return b"", []  # compressed, encrypted, grouped...: the plain path
            parts.append(data[copied:pos])
            size_field = (
                BitPaddedInt.to_str(KEPT_PICTURE_BYTES, width=4)
                if bpi is not int
                else struct.pack(">L", KEPT_PICTURE_BYTES)
            )
            parts.append(name + size_field + data[pos + 8 : pos + 10 + KEPT_PICTURE_BYTES])
            pictures.append((frame_size, KEPT_PICTURE_BYTES))
            copied = pos + 10 + frame_size
        elif name == b"APIC":
            pictures.append((frame_size, frame_size))  # small: kept whole
        pos += 10 + frame_size
    if not any(kept < size for size, kept in pictures):
        return b"", []
    parts.append(data[copied:])
    return b"".join(parts), pictures


class _View:
    """A read-only file: ``head`` (the shortened tag) then the real file from ``resume`` on, so every byte
    after the tag is as far from the tag's end as in the real file."""

    def __init__(self, f: BinaryIO, head: bytes, resume: int) -> None:
        self.f = f
        self.head = head
        self.resume = resume
        self.name = getattr(f, "name", "<unknown>")
        f.seek(0, 2)
        self.size = len(head) + f.tell() - resume
        self.pos = 0

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        target = offset if whence == 0 else self.pos + offset if whence == 1 else self.size + offset
        if target < 0:
            raise OSError(22, "Invalid argument")
        self.pos = target
        return target

    def read(self, count: int = -1) -> bytes:
        if count is None or count < 0:
            count = max(0, self.size - self.pos)
        out = b""
        if self.pos < len(self.head):
            out = self.head[self.pos : self.pos + count]
            self.pos += len(out)
            count -= len(out)
        if count > 0:
            self.f.seek(self.resume + self.pos - len(self.head))
            rest = self.f.read(count)
            self.pos += len(rest)
            out += rest
        return out


def open_mpeg(f: BinaryIO) -> Any:
    """The file's ``info`` and ``tags`` as mutagen's ``MP3`` gives them (``f`` at offset 0)."""
    return fast_or_plain(f, _read, MP3)
