"""Ogg Opus opened with one read of its comment pages: the fast path beside mutagen's ``OggOpus``.

Cover art travels base64-encoded inside the Opus comment packet, and taggers (mutagen, so Picard) write that
packet in ~4 KiB pages: a 450 KB cover makes ~150 pages, which mutagen reads page by page with a Python
loop over each page's lacing values (0.66 of ~1.0 ms per file, ~80 read system calls). Here the packet's
pages are found in one buffered read and joined; mutagen itself still parses everything that is stored:
the identification header (``OggOpusInfo``), the comment packet's bytes (``VCommentDict``, the class
``OggOpusVComment`` derives from) and the length and bitrate (``OggOpusInfo._post_tags``, from the same
file position). Only the framing (RFC 3533: page headers and lacing) is read here.

Anything this does not expect (another logical stream in between, a continued or out-of-sequence page, a
short file, any error) returns None and the file is opened by ``OggOpus`` as before, which also reports
the damage exactly as before. ``tests/analyzer/test_tag_fast_paths.py`` keeps both paths' tags equal.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any, BinaryIO, NamedTuple

from mutagen._vorbis import VCommentDict
from mutagen.oggopus import OggOpus, OggOpusInfo

_READ = 128 * 1024
_MAX_PACKET = 64 * 1024 * 1024  # beyond this, leave it to mutagen
_CONTINUED = 0x01


class OpusTags(NamedTuple):
    """What the tag readers use of a mutagen file: its stream info and its tags."""

    info: OggOpusInfo
    tags: VCommentDict


def open_opus(f: BinaryIO) -> Any:
    """The file's ``info`` and ``tags`` as mutagen's ``OggOpus`` gives them (``f`` at offset 0)."""
    try:
        fast = _read(f)
    except Exception:  # whatever it is, mutagen meets it again below and says what it is
        fast = None
    if fast is not None:
        return fast
    f.seek(0)
    return OggOpus(f)


def _read(f: BinaryIO) -> OpusTags | None:
    info = OggOpusInfo(f)  # the identification header's page, as mutagen reads it
    start = f.tell()
    found = _comment_packet(f, start, info.serial)
    if found is None:
        return None
    packet, end = found
    tags = VCommentDict(BytesIO(packet[8:]), framing=False)  # "OpusTags" stripped, as OggOpusVComment does
    f.seek(end)  # where mutagen's page reads leave the file: _post_tags counts the audio from here
    info._post_tags(f)
    return OpusTags(info, tags)


def _comment_packet(f: BinaryIO, start: int, serial: int) -> tuple[bytes, int] | None:
    """The comment packet (pages right after the identification page, same stream, in sequence) and the
    file offset after its last page; None for any other layout."""
    buffer = bytearray(f.read(_READ))
    pos = 0
    spans: list[tuple[int, int]] = []  # each page's part of the packet, as offsets into ``buffer``
    stream = serial.to_bytes(4, "little")
    sequence = -1
    while True:
        if len(buffer) < pos + 282 and not _more(f, buffer, pos + 282) and len(buffer) < pos + 27:
            return None
        # RFC 3533 page header: "OggS", version 0, flags, granule (8), serial (4), sequence (4), CRC (4),
        # segment count, lacing values
        if buffer[pos : pos + 5] != b"OggS\x00" or buffer[pos + 14 : pos + 18] != stream:
            return None
        continued = buffer[pos + 5] & _CONTINUED
        page_sequence = int.from_bytes(buffer[pos + 18 : pos + 22], "little")
        if (sequence < 0 and continued) or (
            sequence >= 0 and (not continued or page_sequence != sequence + 1)
        ):
            return None
        sequence = page_sequence
        segments = buffer[pos + 26]
        body = pos + 27 + segments
        lacing = bytes(buffer[pos + 27 : body])
        page_end = body + sum(lacing)
        unfinished = len(lacing) - len(lacing.lstrip(b"\xff"))  # 255s: the packet goes on past them
        if len(buffer) < page_end and not _more(f, buffer, page_end):
            return None
        if not spans and buffer[body : body + 8] != b"OpusTags":
            return None  # mutagen would look further for the comment page: let it
        if unfinished == segments:
            if not segments:
                return None
            spans.append((body, page_end))
        else:
            spans.append((body, body + sum(lacing[: unfinished + 1])))
        pos = page_end
        if unfinished < segments:  # the packet ends on this page
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
