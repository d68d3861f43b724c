"""Ogg Opus opened with one read of its comment pages: the fast path beside mutagen's ``OggOpus``.

Cover art travels base64-encoded inside the Opus comment packet, and taggers (mutagen, so Picard) write that
packet in ~4 KiB pages: a 450 KB cover makes ~150 pages, which mutagen reads page by page with a Python
loop over each page's lacing values (0.66 of ~1.0 ms per file, ~80 read system calls). Here the packet's
pages come in one read, sized by the comment list's first page (the cover's length is on it); a run of
pages of one shape (full, same stream, in sequence) is checked a header column at a time across the run, in
C; the comment list is walked where its pages hold it, and a picture comment's value reaches mutagen cut
short, its real length beside the tags (``picture_chars``), once every picture value is known to be ASCII
(checked in place in the read buffer: a cover is never copied). mutagen itself still parses everything that
is stored: the identification header (``OggOpusInfo``), the comments (``VCommentDict``, the class
``OggOpusVComment`` derives from) and the length and bitrate (``OggOpusInfo._post_tags``, from the same
file position). Only the framing (RFC 3533: page headers and lacing) and the comment list's length fields
are read here.

Anything this does not expect (another logical stream in between, a continued or out-of-sequence page, a
short file, any error) returns None and the file is opened by ``OggOpus`` as before, which also reports
the damage exactly as before. ``tests/analyzer/test_tag_fast_paths.py`` keeps both paths' tags equal, and
``tests/analyzer/test_opus_fast_path_cost.py`` breaks each shortcut on purpose.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import os
import re
import struct
import threading
from io import BufferedReader, BytesIO
from typing import Any, BinaryIO, NamedTuple, cast

from mutagen._vorbis import VCommentDict
from mutagen.oggopus import OggOpus, OggOpusInfo

from analyzer.tags.fast_path import fast_or_plain

_FIRST_READ = 16 * 1024  # the comment list's first page, and all of it when there is no cover
_MORE_READ = 64 * 1024
_SPARE_PAGES = 3
"""Pages read beyond those the comment list's first page accounts for: the page the packet ends on, the
comments after a cover and the padding mutagen leaves (1 KiB and 0.1 % of the audio when it writes)."""
_MAX_PACKET = 64 * 1024 * 1024  # beyond this, leave it to mutagen
_CONTINUED = 0x01


KEPT_PICTURE_CHARS = 64
"""Characters of a long picture comment's value handed to mutagen (the value is base64: its length is all
the tag readers use of it, and that comes back beside the tags)."""

_PICTURE_KEY = re.compile(rb"(?i:metadata_block_picture|coverart)=")  # as analyzer.tags.vorbis names them
_LONGEST_KEY = len(b"metadata_block_picture=")
_UINT32 = struct.Struct("<I")


class OpusTags(NamedTuple):
    """What the tag readers use of a mutagen file: its stream info, its tags, and the length in characters
    of each picture comment's value, in order, where the tags hold shortened pictures (else empty)."""

    info: OggOpusInfo
    tags: VCommentDict
    picture_chars: tuple[int, ...] = ()


def _read(f: BinaryIO) -> OpusTags | None:
    info = OggOpusInfo(f)  # the identification header's page, as mutagen reads it
    start = f.tell()
    pages = _comment_pages(f, start, info.serial)
    if pages is None:
        return None
    found = _without_pictures(pages)
    if found is None:  # the comment as it is: read the pages again (the check of the pictures spent them)
        f.seek(start)
        pages = _comment_pages(f, start, info.serial)
        if pages is None:
            return None
        found = b"".join(pages.slices(8, pages.length)), ()
    comment, picture_chars = found
    tags = VCommentDict(BytesIO(comment), framing=False)  # "OpusTags" stripped, as OggOpusVComment does
    f.seek(pages.end)  # where mutagen's page reads leave the file: _post_tags counts the audio from here
    info._post_tags(f)
    return OpusTags(info, tags, picture_chars)


class _Pages:
    """The comment packet where its pages left it in ``buffer``: runs of page bodies (offset of the first,
    length, how many, bytes from one to the next), read through packet offsets."""

    def __init__(self, buffer: bytearray, runs: list[tuple[int, int, int, int]], end: int) -> None:
        self.buffer, self.runs, self.end = buffer, runs, end  # ``end``: the file offset after the last page
        self.starts = list(itertools.accumulate((length * count for _, length, count, _ in runs), initial=0))
        self.length = self.starts.pop()
        self.first_body, self.first_length = runs[0][0], runs[0][1]

    def slices(self, start: int, stop: int) -> list[memoryview]:
        """The packet's bytes ``start`` to ``stop``, a view of ``buffer`` a page."""
        view = memoryview(self.buffer)
        return [view[a:b] for a, b in self.spans(start, stop)]

    def spans(self, start: int, stop: int) -> list[tuple[int, int]]:
        """Offsets in ``buffer`` of the packet's bytes ``start`` to ``stop``, a (from, to) a page."""
        if stop <= self.first_length:  # on the first page: the comments before a cover, a cover's start
            return [(self.first_body + start, self.first_body + stop)] if start < stop else []
        found = []
        run = bisect.bisect_right(self.starts, start) - 1
        while start < stop:
            body, length, count, stride = self.runs[run]
            page, within = divmod(start - self.starts[run], length)
            while start < stop and page < count:
                at = body + page * stride + within
                taken = min(length - within, stop - start)
                found.append((at, at + taken))
                start += taken
                page, within = page + 1, 0
            run += 1
        return found

    def read(self, start: int, size: int) -> bytes:
        if start + size <= self.first_length:  # the comment list's fields are mostly on the first page
            return bytes(self.buffer[self.first_body + start : self.first_body + start + size])
        return b"".join(self.slices(start, start + size))

    def uint32(self, start: int) -> int:
        if start + 4 <= self.first_length:
            return int(_UINT32.unpack_from(self.buffer, self.first_body + start)[0])
        return int(_UINT32.unpack(self.read(start, 4))[0])

    def is_ascii(self, values: list[tuple[int, int]]) -> bool:
        """Whether the packet's bytes in ``values`` (in order, apart, none empty) are all ASCII; spends
        ``buffer``.

        Checked in place, without copying a 600 KB cover: every other byte (page headers, the comments
        before, between and after) is zeroed, and the buffer cut after the last value."""
        if not values:
            return True
        buffer = self.buffer
        for (body, length, count, stride), (next_body, *_) in itertools.pairwise((*self.runs, (0, 0, 0, 0))):
            if count > 1:  # the headers between a run's bodies, a column at a time
                zeros = bytes(count - 1)
                for offset in _header_columns(stride - length):
                    at = body + length + offset
                    buffer[at : at + (count - 1) * stride : stride] = zeros
            last_end = body + (count - 1) * stride + length
            if next_body > last_end:
                buffer[last_end:next_body] = bytes(next_body - last_end)
        for (_, stop), (start, _) in itertools.pairwise(values):
            for a, b in self.spans(stop, start):
                buffer[a:b] = bytes(b - a)
        ((first, _),) = self.spans(values[0][0], values[0][0] + 1)
        ((_, last),) = self.spans(values[-1][1] - 1, values[-1][1])
        del buffer[last:]
        buffer[:first] = bytes(first)  # zeroed, not cut: the buffer is kept for the next file (_scratch)
        return buffer.isascii()


@functools.lru_cache(maxsize=8)
def _header_columns(size: int) -> tuple[int, ...]:
    """Offsets of the bytes of a page header of ``size`` bytes (27 and the lacing values) that may not be
    ASCII in a run _full_pages accepted: all but its magic, version, flags (and a segment count below 128)."""
    return (*range(6, 26), *(() if size - 27 < 128 else (26,)), *range(27, size))


def _without_pictures(pages: _Pages) -> tuple[bytes, tuple[int, ...]] | None:
    """The comment (the packet after "OpusTags") with each picture comment's value cut to
    ``KEPT_PICTURE_CHARS``, and each picture value's length in characters, in comment order.

    mutagen's ``VCommentDict`` decodes and splits every comment, a 600 KB base64 cover included (~0.1 ms a
    file); the readers keep only the cover's length. Only where every picture value is ASCII (as base64 is,
    so bytes are characters) and the comment list is whole; otherwise None: the comment as it is, and no
    lengths. A comment mutagen drops (no "=", a bad key) is never a picture here: its key does not match."""
    end = pages.length
    if end < 12:
        return None
    pos = 12 + pages.uint32(8)  # the vendor string
    if pos + 4 > end:
        return None
    count = pages.uint32(pos)
    pos += 4
    kept: list[tuple[int, int] | bytes] = []  # packet spans and length fields, in order
    copied = 8
    values: list[tuple[int, int]] = []
    buffer, base, first = pages.buffer, pages.first_body, pages.first_length
    unpack, match = _UINT32.unpack_from, _PICTURE_KEY.match
    for _ in range(count):
        if pos + 4 <= first:  # most of the list is on the first page: read there directly
            (length,) = unpack(buffer, base + pos)
        elif pos + 4 > end:
            return None
        else:
            length = pages.uint32(pos)
        start = pos + 4
        pos = start + length
        if pos > end:
            return None
        head = start + min(length, _LONGEST_KEY)
        if head <= first:
            found = match(buffer, base + start, base + head)
        else:
            found = match(pages.read(start, head - start))
        if found is None:
            continue
        key = found.end() - found.start()
        values.append((start + key, pos))
        if length - key > KEPT_PICTURE_CHARS:
            shortened = key + KEPT_PICTURE_CHARS
            kept += ((copied, start - 4), _UINT32.pack(shortened), (start, start + shortened))
            copied = pos
    if not kept:
        return b"".join(pages.slices(8, pos)), ()  # nothing to cut: the comments, as they are
    kept.append((copied, pos))  # mutagen's VCommentDict reads no further than the last comment
    parts: list[bytes | memoryview] = []
    for part in kept:
        parts += [part] if isinstance(part, bytes) else pages.slices(*part)
    comment = b"".join(parts)
    del parts
    if not pages.is_ascii([value for value in values if value[1] > value[0]]):
        return None
    return comment, tuple(stop - start for start, stop in values)


_PAGE_HEADER = struct.Struct("<4sBBqIIIB")
"""RFC 3533 page header: "OggS", version, flags, granule position, serial, sequence, CRC, segment count;
the lacing values follow."""


def _comment_pages(f: BinaryIO, start: int, serial: int) -> _Pages | None:
    """The comment packet's pages (right after the identification page, same stream, in sequence) read
    from ``start``; None for any other layout."""
    buffer = bytearray(f.read(_FIRST_READ))
    unpack = _PAGE_HEADER.unpack_from
    pos = 0
    runs: list[tuple[int, int, int, int]] = []  # as _Pages has them
    sequence = -1
    misses = 0  # runs looked for and not found: pages of shapes that vary are then read page by page
    while True:
        if len(buffer) < pos + 282 and not _more(f, buffer, pos + 282) and len(buffer) < pos + 27:
            return None
        magic, version, flags, _granule, page_serial, page_sequence, _crc, segments = unpack(buffer, pos)
        if magic != b"OggS" or version or page_serial != serial:
            return None
        continued, opening = flags & _CONTINUED, sequence < 0
        if (opening and continued) or (sequence >= 0 and (not continued or page_sequence != sequence + 1)):
            return None
        sequence = page_sequence
        body = pos + 27 + segments
        if not segments:
            return None
        ends = buffer.count(255, pos + 27, body) != segments
        if ends:
            lacing = bytes(buffer[pos + 27 : body])
            page_end = body + sum(lacing)
            unfinished = len(lacing) - len(lacing.lstrip(b"\xff"))  # 255s: the packet goes on past them
            packet_end = body + sum(lacing[: unfinished + 1])
        else:
            page_end = packet_end = body + 255 * segments  # the packet goes on past this page, which it fills
        if len(buffer) < page_end and not _more(f, buffer, page_end):
            return None
        if opening:
            if buffer[body : body + 8] != b"OpusTags":
                return None  # mutagen would look further for the comment page: let it
            if not ends:  # the pages the comment list says the packet spans, at once
                pages = -(-_length_hint(buffer, body, page_end) // (page_end - body)) + _SPARE_PAGES
                size = min(pos + pages * (page_end - pos), _MAX_PACKET)
                if size > _KEPT_BYTES:  # not past the file's end for a length field that may be damaged
                    size = min(size, _size(f) - start)
                buffer = _read_to(f, buffer, size)
        if packet_end > body:
            runs.append((body, packet_end - body, 1, 0))
        stride, pos = page_end - pos, page_end
        if ends:
            return _Pages(buffer, runs, start + pos)
        run = _full_pages(buffer, pos, stride, segments, serial, sequence) if misses < 2 else 0
        if run:
            runs.append((pos + 27 + segments, page_end - body, run, stride))
            pos += run * stride
            sequence += run
        misses += not run
        if pos > _MAX_PACKET:
            return None


def _length_hint(buffer: bytearray, body: int, end: int) -> int:
    """A lower bound of the comment packet's length, from the comment list on its first page (``body`` to
    ``end``): up to the first comment that runs past the page (a tagger's cover) and the next length."""
    at = body + 8  # "OpusTags"
    if at + 4 <= end:
        at += 4 + _UINT32.unpack_from(buffer, at)[0]  # the vendor string
        if at + 4 <= end:
            (count,) = _UINT32.unpack_from(buffer, at)
            at += 4
            for _ in range(count):
                if at + 4 > end:
                    break
                at += 4 + _UINT32.unpack_from(buffer, at)[0]
                if at > end:
                    break
    return at + 4 - body


def _full_pages(buffer: bytearray, first: int, stride: int, segments: int, serial: int, sequence: int) -> int:
    """How many pages from ``first`` on, one every ``stride`` bytes, have the shape of the page before them
    (continuation pages of this stream in sequence, filled by the packet with ``segments`` lacing values of
    255), as far as ``buffer`` holds them; 0 when their sequence numbers are wrong. A tagger writes a cover
    as ~150 such pages: their header fields are compared a column at a time across the pages, in C.
    Granule position and CRC are not read, as on the page-by-page path."""
    run = (len(buffer) - first) // stride
    end = first + run * stride
    stream = serial.to_bytes(4, "little")
    for offset, value in (*_fixed_columns(segments), *((14 + n, stream[n : n + 1]) for n in range(4))):
        column = buffer[first + offset : end : stride]
        if column.count(value) != run:  # the run ends before the first page unlike the others
            run -= len(column.lstrip(value))
            if run == 0:
                return 0
            end = first + run * stride
    if sequence + run < 256:  # as usual: the comment's pages follow the identification page (0)
        zeros = bytes(run)
        expected = (_NUMBERS[sequence + 1 : sequence + run + 1], zeros, zeros, zeros)
    else:
        numbers = struct.pack(f"<{run}I", *range(sequence + 1, sequence + 1 + run))
        expected = (numbers[0::4], numbers[1::4], numbers[2::4], numbers[3::4])
    for byte, sequences in enumerate(expected):  # each byte of the sequence numbers, little-endian
        if buffer[first + 18 + byte : end : stride] != sequences:
            return 0  # out of sequence: the page-by-page path finds where, and leaves the file to mutagen
    return run


_NUMBERS = bytes(range(256))


@functools.lru_cache(maxsize=8)
def _fixed_columns(segments: int) -> tuple[tuple[int, bytes], ...]:
    """(offset, byte) of the header bytes every page the packet fills with ``segments`` lacing values has,
    whatever its stream: the segment count and lacing values first (the last of them first: where the page
    the packet ends on differs), then magic, version and flags."""
    header = b"OggS\x00" + bytes((_CONTINUED,))
    return (
        (26, bytes((segments,))),
        *((27 + n, b"\xff") for n in reversed(range(segments))),
        *((offset, header[offset : offset + 1]) for offset in range(6)),
    )


def _size(f: BinaryIO) -> int:
    """The file's size, so that a damaged length field is not read past its end; any size without one."""
    try:
        return os.fstat(f.fileno()).st_size
    except OSError:  # io.UnsupportedOperation: a file in memory
        return _MAX_PACKET


def _more(f: BinaryIO, buffer: bytearray, needed: int) -> bool:
    """Extend ``buffer`` until it holds ``needed`` bytes, by a quarter at least (a packet longer than its
    first page said takes a few large reads, not one a page); False at the end of the file before that."""
    while len(buffer) < needed:
        chunk = f.read(max(needed - len(buffer), len(buffer) // 4, _MORE_READ))
        if not chunk:
            return False
        buffer += chunk
    return True


def _read_to(f: BinaryIO, buffer: bytearray, size: int) -> bytearray:
    """``buffer`` and what follows it in ``f`` up to ``size`` bytes (fewer at the end of the file), read
    straight into a buffer of that size."""
    have = len(buffer)
    if size <= have:
        return buffer
    grown = _scratch(size)
    grown[:have] = buffer
    got = cast(BufferedReader, f).readinto(memoryview(grown)[have:])
    if have + got < size:
        del grown[have + got :]
    return grown


_kept = threading.local()
_KEPT_BYTES = 4 * 1024 * 1024


def _scratch(size: int) -> bytearray:
    """A buffer of ``size`` bytes: this thread's, kept from file to file (up to ``_KEPT_BYTES``) and only
    resized, since Python zeroes a new one first (~9 us of a file's ~0.34 ms read with a 600 KB cover).
    Its bytes are whatever the last file left: the caller reads over them."""
    if size > _KEPT_BYTES:
        return bytearray(size)
    buffer: bytearray | None = getattr(_kept, "buffer", None)
    if buffer is None:
        buffer = _kept.buffer = bytearray(size)
    elif len(buffer) > size:
        del buffer[size:]
    else:
        buffer += bytes(size - len(buffer))
    return buffer


def open_opus(f: BinaryIO) -> Any:
    """The file's ``info`` and ``tags`` as mutagen's ``OggOpus`` gives them (``f`` at offset 0)."""
    return fast_or_plain(f, _read, OggOpus)
