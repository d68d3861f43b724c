"""Ogg Opus opened with one read of its comment pages: the fast path beside mutagen's ``OggOpus``.

Cover art travels base64-encoded inside the Opus comment packet, and taggers (mutagen, so Picard) write that
packet in ~4 KiB pages: a 450 KB cover makes ~150 pages, which mutagen reads page by page with a Python
loop over each page's lacing values (0.66 of ~1.0 ms per file, ~80 read system calls). Here the packet's
pages are found in one buffered read (a page the packet fills is recognised by counting its lacing values
in C) and joined; mutagen itself still parses everything that is stored: the identification header
(``OggOpusInfo``), the comment packet's bytes (``VCommentDict``, the class ``OggOpusVComment`` derives
from) and the length and bitrate (``OggOpusInfo._post_tags``, from the same file position). Only the
framing (RFC 3533: page headers and lacing) and the comment list's length fields are read here; a picture
comment's value reaches mutagen cut short, its real length beside the tags (``picture_chars``).

Anything this does not expect (another logical stream in between, a continued or out-of-sequence page, a
short file, any error) returns None and the file is opened by ``OggOpus`` as before, which also reports
the damage exactly as before. ``tests/analyzer/test_tag_fast_paths.py`` keeps both paths' tags equal.
"""

from __future__ import annotations

import struct
from io import BytesIO
from typing import Any, BinaryIO, NamedTuple

from mutagen._vorbis import VCommentDict
from mutagen.oggopus import OggOpus, OggOpusInfo

from analyzer.tags.fast_path import fast_or_plain

_READ = 128 * 1024
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
    buffer = bytearray(f.read(_READ))
    unpack = _PAGE_HEADER.unpack_from
    pos = 0
    spans: list[tuple[int, int]] = []  # each page's part of the packet, as offsets into ``buffer``
    sequence = -1
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
            # Every lacing value is 255: the packet goes on past this page, which it fills. A 450 KB cover
            # makes ~150 such pages, so this common case is counted in C.
            page_end = packet_end = body + 255 * segments
        if len(buffer) < page_end and not _more(f, buffer, page_end):
            return None
        if not spans and buffer[body : body + 8] != b"OpusTags":
            return None  # mutagen would look further for the comment page: let it
        spans.append((body, packet_end))
        pos = page_end
        if ends:
            view = memoryview(buffer)
            return b"".join([view[a:b] for a, b in spans]), start + pos
        if pos > _MAX_PACKET:
            return None


def _more(f: BinaryIO, buffer: bytearray, needed: int) -> bool:
    """Extend ``buffer`` by reads of at least ``_READ`` bytes until it holds ``needed``; False at the end
    of the file before that."""
    while len(buffer) < needed:
        chunk = f.read(max(needed - len(buffer), _READ))
        if not chunk:
            return False
        buffer += chunk
    return True


def open_opus(f: BinaryIO) -> Any:
    """The file's ``info`` and ``tags`` as mutagen's ``OggOpus`` gives them (``f`` at offset 0)."""
    return fast_or_plain(f, _read, OggOpus)
