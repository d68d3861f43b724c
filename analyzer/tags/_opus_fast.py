"""Ogg Opus opened with one read of its comment pages: the fast path beside mutagen's ``OggOpus``.

Cover art travels base64-encoded inside the Opus comment packet, and taggers (mutagen, so Picard) write that
packet in ~4 KiB pages: a 450 KB cover makes ~150 pages, which mutagen reads page by page with a Python
loop over each page's lacing values (0.66 of ~1.0 ms per file, ~80 read system calls). Here the packet's
pages come in one read, sized by the comment list's first page (the cover's length is on it), and a run of
pages of one shape (full, same stream, in sequence) is checked a header column at a time across the run, in
C; the pages' bodies are joined. mutagen itself still parses everything that is stored: the identification header
(``OggOpusInfo``), the comment packet's bytes (``VCommentDict``, the class ``OggOpusVComment`` derives
from) and the length and bitrate (``OggOpusInfo._post_tags``, from the same file position). Only the
framing (RFC 3533: page headers and lacing) and the comment list's length fields are read here; a picture
comment's value reaches mutagen cut short, its real length beside the tags (``picture_chars``).

Anything this does not expect (another logical stream in between, a continued or out-of-sequence page, a
short file, any error) returns None and the file is opened by ``OggOpus`` as before, which also reports
the damage exactly as before. ``tests/analyzer/test_tag_fast_paths.py`` keeps both paths' tags equal.
"""

from __future__ import annotations

import functools
import os
import struct
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

_PICTURE_KEYS = (b"metadata_block_picture=", b"coverart=")  # as analyzer.tags.vorbis names them
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
    found = _comment_packet(f, start, info.serial)
    if found is None:
        return None
    packet, end = found
    comment, picture_chars = _without_pictures(packet)
    tags = VCommentDict(BytesIO(comment), framing=False)  # "OpusTags" stripped, as OggOpusVComment does
    f.seek(end)  # where mutagen's page reads leave the file: _post_tags counts the audio from here
    info._post_tags(f)
    return OpusTags(info, tags, picture_chars)


def _without_pictures(packet: bytes) -> tuple[bytes, tuple[int, ...]]:
    """The comment (``packet`` after "OpusTags") with each picture comment's value cut to
    ``KEPT_PICTURE_CHARS``, and each picture value's length in characters, in comment order.

    mutagen's ``VCommentDict`` decodes and splits every comment, a 600 KB base64 cover included (~0.1 ms a
    file); the readers keep only the cover's length. Only where every picture value is ASCII (as base64 is,
    so bytes are characters) and the comment list is whole; otherwise the comment as it is and no lengths.
    A comment mutagen drops (no "=", a bad key) is never a picture here: its key does not match."""
    end = len(packet)
    if end < 12:
        return packet[8:], ()
    (vendor,) = _UINT32.unpack_from(packet, 8)
    pos = 12 + vendor
    if pos + 4 > end:
        return packet[8:], ()
    (count,) = _UINT32.unpack_from(packet, pos)
    pos += 4
    parts: list[bytes] = []
    copied = 8
    chars: list[int] = []
    for _ in range(count):
        if pos + 4 > end:
            return packet[8:], ()
        (length,) = _UINT32.unpack_from(packet, pos)
        start = pos + 4
        pos = start + length
        if pos > end:
            return packet[8:], ()
        key = _picture_key(packet, start, length)
        if not key:
            continue
        value = start + key
        if not packet[value:pos].isascii():
            return packet[8:], ()
        chars.append(pos - value)
        if pos - value > KEPT_PICTURE_CHARS:
            kept = key + KEPT_PICTURE_CHARS
            parts += (packet[copied : start - 4], _UINT32.pack(kept), packet[start : start + kept])
            copied = pos
    if not parts:
        return packet[8:], ()
    parts.append(packet[copied:])
    return b"".join(parts), tuple(chars)


def _picture_key(packet: bytes, start: int, length: int) -> int:
    """The length of the picture key (with its "=") the comment at ``start`` begins with, else 0."""
    for key in _PICTURE_KEYS:
        if length >= len(key) and packet[start : start + len(key)].lower() == key:
            return len(key)
    return 0


_PAGE_HEADER = struct.Struct("<4sBBqIIIB")
"""RFC 3533 page header: "OggS", version, flags, granule position, serial, sequence, CRC, segment count;
the lacing values follow."""


def _comment_packet(f: BinaryIO, start: int, serial: int) -> tuple[bytes, int] | None:
    """The comment packet (pages right after the identification page, same stream, in sequence) and the
    file offset after its last page; None for any other layout."""
    buffer = bytearray(f.read(_FIRST_READ))
    unpack = _PAGE_HEADER.unpack_from
    pos = 0
    spans: list[tuple[int, int]] = []  # each page's part of the packet: (offset into ``buffer``, length)
    sequence = -1
    fast_forward = True
    while True:
        if len(buffer) < pos + 282 and not _more(f, buffer, pos + 282) and len(buffer) < pos + 27:
            return None
        magic, version, flags, _granule, page_serial, page_sequence, _crc, segments = unpack(buffer, pos)
        if magic != b"OggS" or version or page_serial != serial:
            return None
        continued = flags & _CONTINUED
        if (sequence < 0 and continued) or (
            sequence >= 0 and (not continued or page_sequence != sequence + 1)
        ):
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
        if not spans:
            if buffer[body : body + 8] != b"OpusTags":
                return None  # mutagen would look further for the comment page: let it
            if not ends:  # the pages the comment list says the packet spans, at once
                pages = -(-_length_hint(buffer, body, page_end) // (page_end - body)) + _SPARE_PAGES
                size = min(pos + pages * (page_end - pos), _MAX_PACKET, os.fstat(f.fileno()).st_size - start)
                buffer = _read_to(f, buffer, size)
        spans.append((body, packet_end - body))
        stride, pos = page_end - pos, page_end
        if ends:
            view = memoryview(buffer)
            return b"".join([view[at : at + length] for at, length in spans]), start + pos
        run = _full_pages(buffer, pos, stride, segments, serial, sequence) if fast_forward else 0
        if run:
            first = pos + 27 + segments
            spans += [(at, page_end - body) for at in range(first, first + run * stride, stride)]
            pos += run * stride
            sequence += run
        fast_forward = run > 0  # pages of another shape: the rest page by page
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
    255), as far as ``buffer`` holds them. A tagger writes a cover as ~150 such pages: their header fields
    are compared a column at a time across the pages, in C. Granule position and CRC are not read, as on
    the page-by-page path."""
    run = (len(buffer) - first) // stride
    stream = serial.to_bytes(4, "little")
    for offset, value in (*_fixed_columns(segments), *((14 + n, stream[n : n + 1]) for n in range(4))):
        if run == 0:
            return 0
        column = buffer[first + offset : first + run * stride : stride]
        run -= len(column.lstrip(value))
    if run == 0:
        return 0
    expected = struct.pack(f"<{run}I", *range(sequence + 1, sequence + 1 + run))
    for byte in range(4):
        if buffer[first + 18 + byte : first + run * stride : stride] != expected[byte::4]:
            return 0  # out of sequence: the page-by-page path finds where, and leaves the file to mutagen
    return run


@functools.lru_cache(maxsize=8)
def _fixed_columns(segments: int) -> tuple[tuple[int, bytes], ...]:
    """(offset, byte) of each header byte a full continuation page of ``segments`` lacing values has
    whatever its stream."""
    header = b"OggS\x00" + bytes((_CONTINUED,))  # magic, version 0, flags
    return (
        *((offset, header[offset : offset + 1]) for offset in range(6)),
        (26, bytes((segments,))),
        *((27 + n, b"\xff") for n in range(segments)),
    )


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
    grown = bytearray(size)
    grown[:have] = buffer
    got = cast(BufferedReader, f).readinto(memoryview(grown)[have:])
    if have + got < size:
        del grown[have + got :]
    return grown


def open_opus(f: BinaryIO) -> Any:
    """The file's ``info`` and ``tags`` as mutagen's ``OggOpus`` gives them (``f`` at offset 0)."""
    return fast_or_plain(f, _read, OggOpus)
