"""MP3 opened without its cover art's bytes: the fast path beside mutagen's ``MP3``.

Taggers (mutagen, so Picard) write the APIC frames last, and mutagen's ID3 reader slices the rest of the tag
off at every frame: with a 450 KB cover each of the ~17 frames before it copies the cover once more. Here
mutagen's ``ID3`` reads a copy of the tag in which each APIC frame keeps its header fields and the first
bytes of its picture (the frame's size field says so) and the padding after the frames is left out
(mutagen only counts it), followed by the file's last bytes, where an ID3v1 tag sits; mutagen's
``MPEGInfo`` reads the stream from the file itself, from where the tag ends, as ``MP3`` has it do. Of what
the readers use, the copy leaves out only the pictures' remaining bytes, whose count is given back beside
the tags (``picture_sizes``) for the picture's description.

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
import struct
from collections.abc import Callable
from typing import Any, BinaryIO, NamedTuple

from mutagen.id3 import ID3, BitPaddedInt, Frames
from mutagen.id3._tags import determine_bpi  # mutagen's own rule for ID3v2.4 frame sizes
from mutagen.mp3 import MP3, MPEGInfo

from analyzer.tags.fast_path import fast_or_plain
from analyzer.tags.sniff import read_at

_FRAME_HEADER = struct.Struct(">4sLH")  # ID3v2.3/2.4 frame header: ID, size, flags
_NO_FRAME = b"\x00" * 10  # what ends determine_bpi's walks: padding
FIRST_READ_BYTES = 16 * 1024
"""The start of the file read at once: the tag header and, as a rule, every frame before the cover (the
reader's buffer, 32 KiB, holds them already)."""
BLOCK_BYTES = 8 * 1024
"""Read at once where the frame walk lands past what was read: after a cover, the next frames or the
padding's start."""
FILE_END_BYTES = 4096
"""The file's last bytes given to mutagen's ``ID3`` after the tag (mutagen 1.48 looks at the last 131 for
an ID3v1 tag); a file with fewer bytes after its tag is left to mutagen."""

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
    start = f.read(FIRST_READ_BYTES)  # from the buffer the sniffing's head read filled, as a rule
    if len(start) < 10 or start[:3] != b"ID3" or start[3] not in (3, 4) or start[5] != 0:
        return None  # ID3v2.2, no tag, or unsynchronisation / extended header / footer: mutagen alone
    if int.from_bytes(start[6:10], "big") & 0x80808080:
        return None  # not a syncsafe tag size
    size = int(BitPaddedInt(start[6:10]))
    file_size = f.seek(0, 2)
    if file_size - (10 + size) < FILE_END_BYTES:
        return None  # the tag reaches into the bytes given as the file's end (or past the end): mutagen alone
    tag = _TagBytes(f, size, [(-10, start)])
    reading: Any = int
    walk = _walk(tag, BitPaddedInt if start[3] == 4 else int)
    if start[3] == 4:
        if walk is None or walk.past_end is None:
            reading = determine_bpi(tag, Frames)  # what the walk could not answer: mutagen's walks
        else:
            reading = _frame_size_reading(walk, walk.split, tag)
        if reading is int:  # plain sizes in an ID3v2.4 tag (old iTunes): walked as such
            walk = _walk(tag, int)
    if walk is None or not walk.cuts:
        return None  # nothing to leave out, or a picture this path does not shorten
    shortened = _shortened(tag, walk, reading)
    if start[3] == 4:
        if reading is int or walk.past_end is None:
            same = determine_bpi(shortened, Frames) is reading
        else:
            copy = _TagBytes(None, len(shortened), [(0, shortened)])
            same = _frame_size_reading(walk, _split_in_copy(walk), copy) is BitPaddedInt
        if not same:
            return None  # mutagen would read the copy's frame sizes otherwise
    tags = ID3(
        io.BytesIO(
            b"".join(
                (
                    start[:6],
                    BitPaddedInt.to_str(len(shortened), width=4),
                    shortened,
                    read_at(f, FILE_END_BYTES, file_size - FILE_END_BYTES),
                )
            )
        )
    )
    info = MPEGInfo(f, 10 + size)
    # mutagen's getall("APIC") (its keys: the frame ID, ":", the description), without its values() for all
    pictures = [tags[key] for key in tags if key.startswith("APIC:")]
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

    def __init__(self, f: BinaryIO | None, size: int, pieces: list[tuple[int, bytes]]) -> None:
        self.f = f  # None: every byte is in the pieces
        self.size = size
        self.pieces = pieces  # (position in the tag, bytes from there), may start before it or end after it

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

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key: slice) -> bytes:
        """A slice, as mutagen's ``determine_bpi`` takes them (where the walk here cannot answer it)."""
        begin, end, _ = key.indices(self.size)
        return self.span(begin, end) if begin < end else b""

    def _pread(self, begin: int, count: int) -> bytes:
        assert self.f is not None
        data = read_at(self.f, count, 10 + begin)
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
    past_end: int | None  # where that walk ended, against the tag's end (None: it goes on past the frames)
    split: tuple[int, int, int] | None  # (position, plain size, known so far) where the plain walk parts
    padding: int | None  # where the frames end in 10 zero bytes (padding), if they do


def _walk(tag: _TagBytes, reading: Callable[[int], int]) -> _Walk | None:
    """The frames of ``tag`` read with ``reading`` sizes (``int`` or ``BitPaddedInt``), as mutagen's
    ``read_frames`` walks them (10-byte headers, a blank name ends the frames), noting along the way what
    ``determine_bpi``'s walks meet on the same headers when the sizes are syncsafe (they end where the
    frames end, or go on over padding; ``past_end`` None where they go on over other bytes). None: a
    picture this path cannot shorten."""
    size = tag.size
    counting = reading is BitPaddedInt  # determine_bpi's syncsafe walk, still going
    cuts: list[tuple[int, int]] = []
    pictures: list[tuple[int, int]] = []
    known = 0
    past_end: int | None = 0
    split: tuple[int, int, int] | None = None
    padding: int | None = None
    base, data = tag.pieces[0]
    end = base + len(data)
    pos = 0
    unpack_from, frames = _FRAME_HEADER.unpack_from, Frames
    while size - pos >= 10:
        if pos < base or pos + 10 > end:
            base, data = tag.piece_at(pos)
            end = base + len(data)
        name, stored, flags = unpack_from(data, pos - base)
        if counting and size - pos == 10:
            counting, past_end = False, -10  # determine_bpi reads a header only with more bytes after it
        if name == b"\x00\x00\x00\x00":  # read_frames: a blank name ends the frames
            if data[pos - base : pos - base + 10] == _NO_FRAME:
                padding = pos
            if counting:  # determine_bpi walks on, unless it meets padding: then mutagen's to answer
                counting, past_end = False, None if padding is None else -((size - pos) % 10)
            break
        # A size field under 128 reads the same syncsafe or plain (so every text frame, as a rule).
        frame_size = stored if stored < 0x80 else int(reading(stored))
        if counting:
            if name.isascii() and name.decode("ascii") in frames:  # what determine_bpi counts
                known += 1
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
    if counting:
        past_end = pos - size
    return _Walk(cuts, pictures, known, past_end, split, padding)


def _shortened(tag: _TagBytes, walk: _Walk, reading: Any) -> bytes:
    """The tag's frames with each APIC frame in ``walk.cuts`` cut to ``KEPT_PICTURE_BYTES``, its size
    field rewritten in the ``reading`` the walk used, and without the padding after them (mutagen copies
    the rest of the tag at every frame; the copy's frame-size reading is checked on the copy itself)."""
    parts: list[bytes] = []
    copied = 0
    for pos, frame_size in walk.cuts:
        parts += (
            tag.span(copied, pos),
            b"APIC",
            _KEPT_SIZE_FIELD[reading],
            tag.span(pos + 8, pos + 10 + KEPT_PICTURE_BYTES),
        )
        copied = pos + 10 + frame_size
    parts.append(tag.span(copied, tag.size if walk.padding is None else walk.padding))
    return b"".join(parts)


def _split_in_copy(walk: _Walk) -> tuple[int, int, int]:
    """Where determine_bpi's plain walk parts from its syncsafe walk in the shortened copy of ``walk``'s
    tag (syncsafe), and the size it reads there. The syncsafe walk meets the same headers in the copy
    (every cut frame lies before where it ends, its size field saying the bytes kept) and ends as far
    from the end, or at the end where the copy leaves the padding out: not past it either way, all the
    rule asks of where it ends. The plain walk parts at the same header, as a cut frame's size field is
    128 or more in both: the first cut frame, or a frame before it, alike in both; the size read there is
    the copy's."""
    assert walk.split is not None  # a cut frame's size field is 128 or more
    pos, stored, known = walk.split
    if pos == walk.cuts[0][0]:
        stored = int.from_bytes(_KEPT_SIZE_FIELD[BitPaddedInt], "big")
    return pos, stored, known


def _frame_size_reading(walk: _Walk, split: tuple[int, int, int] | None, tag: _TagBytes) -> Any:
    """``determine_bpi``'s answer (``int`` or ``BitPaddedInt``) for ``tag`` from ``walk``, its syncsafe walk,
    and ``split``, where its plain walk parts from it. mutagen walks the frames twice, reading sizes
    syncsafe and plain, and keeps the reading that meets more frames it knows (ties: plain only if the
    syncsafe walk ran past the end and the plain one did not). The two go alike until a size field of 128
    or more; from there the plain walk is walked here as mutagen walks it."""
    assert walk.past_end is not None  # where the syncsafe walk goes on past the frames, mutagen answers
    if split is None:
        known, past_end = walk.known, walk.past_end
    else:
        size = tag.size
        pos, stored, known = split
        pos += 10 + stored
        past_end = pos - size
        while pos < size - 10:
            head = tag.span(pos, pos + 10)
            if head == _NO_FRAME:
                past_end = -((size - pos) % 10)
                break
            name, stored, _ = _FRAME_HEADER.unpack(head)
            pos += 10 + stored
            if name.isascii() and name.decode("ascii") in Frames:
                known += 1
            past_end = pos - size
    # mutagen.id3._tags.determine_bpi, its last lines
    if known > walk.known or (known == walk.known and (walk.past_end >= 1 and past_end <= 1)):
        return int
    return BitPaddedInt


def open_mpeg(f: BinaryIO) -> Any:
    """The file's ``info`` and ``tags`` as mutagen's ``MP3`` gives them (``f`` at offset 0)."""
    return fast_or_plain(f, _read, MP3)
