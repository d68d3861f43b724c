"""MP3 opened without its cover art's bytes: the fast path beside mutagen's ``MP3``.

Taggers (mutagen, so Picard) write the APIC frames last, and mutagen's ID3 reader slices the rest of the tag
off at every frame: with a 450 KB cover each of the ~17 frames before it copies the cover once more. Here
mutagen's ``ID3`` reads a copy of the tag in which each APIC frame keeps its header fields and the first
bytes of its picture (the frame's size field says so, nothing else changes), followed by the file's last
bytes, where an ID3v1 tag sits; mutagen's ``MPEGInfo`` reads the stream from the file itself, from where
the tag ends, as ``MP3`` has it do. What the copy leaves out is only the pictures' remaining bytes, whose
count is given back beside the tags (``picture_sizes``) for the picture's description.

ID3v2.4 frame sizes are syncsafe, but iTunes once wrote plain ones, so mutagen reads them as whichever
walk through the frames finds more of them (``determine_bpi``), on the file's tag and, here, on the copy.
The walk that finds the pictures also answers that question, for both, by mutagen's rule (see
:func:`_frame_size_reading`); ``tests/analyzer/test_mpeg_fast_path_cost.py`` holds the answers to
mutagen's on generated tags.

Only ID3v2.3/2.4 tags without tag-level flags, with APIC frames without frame flags, where the tag reads
the same sizes as its copy, take this path; any other file, and any surprise (an APIC mutagen could not
parse from the kept bytes, an error), is opened by ``MP3`` as before, which also reports the damage as
before. ``tests/analyzer/test_tag_fast_paths.py`` keeps both paths' tags equal.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable
from typing import Any, BinaryIO, NamedTuple

from mutagen.id3 import ID3, BitPaddedInt, Frames
from mutagen.id3._tags import determine_bpi  # mutagen's own rule for ID3v2.4 frame sizes
from mutagen.mp3 import MP3, MPEGInfo

from analyzer.tags.fast_path import fast_or_plain

_FRAME_HEADER = struct.Struct(">4sLH")  # ID3v2.3/2.4 frame header: ID, size, flags
_NO_FRAME = b"\x00" * 10  # what ends determine_bpi's walks: padding
FIRST_READ_BYTES = 16 * 1024
"""The start of the file read at once: the tag header and, as a rule, every frame before the cover."""
BLOCK_BYTES = 64 * 1024
"""Read at once where the frame walk lands past what was read: after a cover, the rest of the tag."""
FILE_END_BYTES = 4096
"""The file's last bytes given to mutagen's ``ID3`` after the tag (mutagen 1.48 looks at the last 131 for
an ID3v1 tag)."""

KEPT_PICTURE_BYTES = 4096
"""Bytes of an APIC frame kept in the copy: its encoding, MIME type, picture type and description, and
the start of the picture (a description longer than this sends the file to the plain path)."""
_KEPT_SIZE_FIELD = {
    BitPaddedInt: BitPaddedInt.to_str(KEPT_PICTURE_BYTES, width=4),
    int: struct.pack(">L", KEPT_PICTURE_BYTES),
}


class MpegTags(NamedTuple):
    """What the tag readers use of a mutagen MP3: stream info, tags, and each APIC frame's real picture size
    (in frame order) where the tags hold shortened pictures."""

    info: Any
    tags: Any
    picture_sizes: tuple[int, ...]


def _read(f: BinaryIO) -> MpegTags | None:
    fd = f.fileno()
    start = os.pread(fd, FIRST_READ_BYTES, 0)
    header = start[:10]
    if len(header) != 10 or header[:3] != b"ID3" or header[3] not in (3, 4) or header[5] != 0:
        return None  # ID3v2.2, no tag, or unsynchronisation / extended header / footer: mutagen alone
    raw_size = header[6:10]
    if any(byte & 0x80 for byte in raw_size):
        return None
    size = int(BitPaddedInt(raw_size))
    file_size = os.fstat(fd).st_size
    if file_size < 10 + size:
        return None
    tag = _TagBytes(fd, size, start)
    reading: Any = int if header[3] == 3 else BitPaddedInt
    walk = _walk(tag, reading)
    if walk is None or not walk.cuts:
        return None  # nothing to leave out
    if header[3] == 4 and _frame_size_reading(walk, tag.span, size) is int:
        reading = int  # plain sizes in an ID3v2.4 tag (old iTunes): walked again, checked by mutagen
        walk = _walk(tag, int)
        if walk is None or not walk.cuts:
            return None
    shortened = _shortened(tag, walk, reading)
    if header[3] == 4:
        if reading is int:
            same = determine_bpi(shortened, Frames) is int
        else:
            same = _frame_size_reading(_as_shortened(walk), _span_of(shortened), len(shortened)) is reading
        if not same:
            return None
    end_at = max(10 + size, file_size - FILE_END_BYTES)
    copy = header[:6] + BitPaddedInt.to_str(len(shortened), width=4) + shortened
    tags = ID3(io.BytesIO(copy + os.pread(fd, file_size - end_at, end_at)))
    info = MPEGInfo(f, 10 + size)
    pictures = [frame for frame in tags.values() if frame.FrameID == "APIC"]
    if len(pictures) != len(walk.pictures):
        return None
    sizes = []
    for frame, (frame_size, kept) in zip(pictures, walk.pictures, strict=True):
        fields = kept - len(frame.data)  # the bytes before the picture: encoding, MIME, type, description
        if fields < 0 or fields > kept or (kept < frame_size and len(frame.data) == 0):
            return None
        sizes.append(frame_size - fields)
    return MpegTags(info, tags, tuple(sizes))


class _TagBytes:
    """The tag's frames (what follows its 10-byte header) as read from the file: the piece read first, and
    pieces read where the frame walk lands past it, so a cover's body (hundreds of KB) is never read."""

    def __init__(self, fd: int, size: int, start: bytes) -> None:
        self.fd = fd
        self.size = size
        self.pieces = [(0, start[10 : 10 + size])]  # (position in the tag, bytes)

    def span(self, begin: int, end: int) -> bytes:
        """The tag's bytes from ``begin`` to ``end`` (both within the tag)."""
        for base, data in self.pieces:
            if base <= begin and end <= base + len(data):
                return data[begin - base : end - base]
        return self._pread(begin, end - begin)

    def piece_at(self, position: int) -> tuple[int, bytes]:
        """A piece holding the 10 bytes at ``position``, read from there on if none does."""
        for base, data in self.pieces:
            if base <= position and position + 10 <= base + len(data):
                return base, data
        piece = (position, self._pread(position, min(self.size - position, BLOCK_BYTES)))
        self.pieces.append(piece)
        return piece

    def _pread(self, begin: int, count: int) -> bytes:
        data = os.pread(self.fd, count, 10 + begin)
        if len(data) != count:
            raise OSError("the file is shorter than when it was opened")  # the plain path says what is wrong
        return data


class _Walk(NamedTuple):
    """The frames as mutagen's ``read_frames`` walks them with one size reading: the APIC frames to cut,
    (real size, kept size) of every APIC frame, and what ``determine_bpi``'s walks need (see
    :func:`_frame_size_reading`)."""

    cuts: list[tuple[int, int]]  # (position, frame size) of each APIC frame to cut
    pictures: list[tuple[int, int]]
    known: int  # frames of names mutagen knows met by determine_bpi's syncsafe walk
    past_end: int  # where that walk ended, against the tag's end, in determine_bpi's terms
    split: tuple[int, int, int] | None  # (position, plain size, known so far) where the plain walk parts


def _walk(tag: _TagBytes, reading: Callable[[int], int]) -> _Walk | None:
    """The frames of ``tag`` read with ``reading`` sizes (``int`` or ``BitPaddedInt``), as mutagen's
    ``read_frames`` walks them (10-byte headers, a blank name ends the frames), noting along the way what
    ``determine_bpi``'s walks meet on the same headers (they go on where the frames end only over padding
    bytes). None: a picture this path cannot shorten, or a walk that parts from mutagen's."""
    size = tag.size
    syncsafe = reading is BitPaddedInt
    cuts: list[tuple[int, int]] = []
    pictures: list[tuple[int, int]] = []
    known = 0
    past_end: int | None = None  # determine_bpi's syncsafe walk still going
    split: tuple[int, int, int] | None = None
    base, data = tag.pieces[0]
    end = len(data)
    pos = 0
    while size - pos >= 10:
        if pos < base or pos + 10 > end:
            base, data = tag.piece_at(pos)
            end = base + len(data)
        head = data[pos - base : pos - base + 10]
        name, stored, flags = _FRAME_HEADER.unpack(head)
        if past_end is None and syncsafe:
            if size - pos == 10:
                past_end = -10  # determine_bpi walks while 10 bytes remain past a header
            elif head == _NO_FRAME:
                past_end = -((size - pos) % 10)
        if name.strip(b"\x00") == b"":
            if past_end is None and syncsafe:
                return None  # a blank name before bytes that are not padding: determine_bpi walks on
            break
        # A size field below 128 reads the same syncsafe or plain: the rule for every text frame, as a rule.
        frame_size = stored if stored < 0x80 else int(reading(stored))
        if past_end is None and syncsafe:
            known += _is_known(name)
            if split is None and stored >= 0x80:
                split = (pos, stored, known)
        if name == b"APIC":
            if pos + 10 + frame_size > size:
                return None  # a frame cut short by the tag's end: mutagen keeps what there is, the plain path
            if frame_size > KEPT_PICTURE_BYTES:
                if flags:
                    return None  # compressed, encrypted, grouped...: the plain path
                cuts.append((pos, frame_size))
                pictures.append((frame_size, KEPT_PICTURE_BYTES))
            else:
                pictures.append((frame_size, frame_size))  # small: kept whole
        pos += 10 + frame_size
    if past_end is None:
        past_end = pos - size
    return _Walk(cuts, pictures, known, past_end, split)


def _shortened(tag: _TagBytes, walk: _Walk, reading: Any) -> bytes:
    """The tag's frames with each APIC frame in ``walk.cuts`` cut to ``KEPT_PICTURE_BYTES``, its size
    field rewritten in the ``reading`` the walk used."""
    parts: list[bytes] = []
    copied = 0
    for pos, frame_size in walk.cuts:
        parts.append(tag.span(copied, pos))
        parts.append(b"APIC" + _KEPT_SIZE_FIELD[reading] + tag.span(pos + 8, pos + 10 + KEPT_PICTURE_BYTES))
        copied = pos + 10 + frame_size
    parts.append(tag.span(copied, tag.size))
    return b"".join(parts)


def _as_shortened(walk: _Walk) -> _Walk:
    """``walk`` (syncsafe) as over the shortened copy. The syncsafe walk meets the same headers and ends as
    far from the end: every cut frame lies before where it ends and reads ``KEPT_PICTURE_BYTES`` there. The
    plain walk parts at the same header, since a cut frame's size field is over 128 in both: the first
    cut's own, or one before it that both hold alike; only the size the plain walk then reads may differ."""
    assert walk.split is not None  # a cut frame's size field is over 128
    pos, stored, known = walk.split
    if pos == walk.cuts[0][0]:
        stored = int.from_bytes(_KEPT_SIZE_FIELD[BitPaddedInt], "big")
    return walk._replace(split=(pos, stored, known))


def _span_of(data: bytes) -> Callable[[int, int], bytes]:
    return lambda begin, end: data[begin:end]


def _frame_size_reading(walk: _Walk, span: Callable[[int, int], bytes], size: int) -> Any:
    """``determine_bpi``'s answer (``int`` or ``BitPaddedInt``) for the ``size`` tag bytes ``span`` reads,
    from ``walk``, its syncsafe walk. mutagen walks the frames twice, reading sizes syncsafe and plain, and
    keeps the reading that meets more frames it knows (ties: plain only if the syncsafe walk ran past the
    end and the plain one did not). The two walks go alike until a size field of 128 or more; only the
    plain walk from there is walked here, as mutagen walks it."""
    if walk.split is None:
        known, past_end = walk.known, walk.past_end
    else:
        pos, stored, known = walk.split
        pos += 10 + stored
        past_end = pos - size
        while pos < size - 10:
            head = span(pos, pos + 10)
            if head == _NO_FRAME:
                past_end = -((size - pos) % 10)
                break
            name, stored, _ = _FRAME_HEADER.unpack(head)
            pos += 10 + stored
            known += _is_known(name)
            past_end = pos - size
    # mutagen.id3._tags.determine_bpi, its last lines
    if known > walk.known or (known == walk.known and (walk.past_end >= 1 and past_end <= 1)):
        return int
    return BitPaddedInt


def _is_known(name: bytes) -> bool:
    """Whether determine_bpi counts a frame of this name: ASCII (it skips the others) and in ``Frames``."""
    return name.isascii() and name.decode("ascii") in Frames


def open_mpeg(f: BinaryIO) -> Any:
    """The file's ``info`` and ``tags`` as mutagen's ``MP3`` gives them (``f`` at offset 0)."""
    return fast_or_plain(f, _read, MP3)
