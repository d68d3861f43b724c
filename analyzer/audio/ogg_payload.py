"""Tag-independent payload MD5 for Ogg Vorbis/Opus, where Essentia's own MD5 follows the tags.

In Ogg the tags are a codec header packet (Vorbis comment, OpusTags) and Essentia's bundled FFmpeg hashes
something that changes with them (checked: a mutagen title edit changes AudioLoader's MD5). We hash the
audio packets instead: the page bodies of the first logical stream after its header packets, which is
exactly what `ffmpeg -i f.ogg -map 0:a -c copy -f md5 -` prints (RFC 3533 page layout).
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

_HEADER_PACKETS = {b"\x01vorbis": 3, b"OpusHead": 2}  # identification packet prefix -> header count
_PAGE_HEADER = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, seq, crc, segments


def ogg_payload_md5(path: Path) -> str | None:
    """MD5 hex of the audio packets of an Ogg Vorbis/Opus file; None for other or malformed streams."""
    data = path.read_bytes()
    md5 = hashlib.md5()
    pos = 0
    serial: int | None = None
    headers_left: int | None = None
    packet_start = True
    while pos + _PAGE_HEADER.size <= len(data):
        capture, _, _, _, page_serial, _, _, n_segments = _PAGE_HEADER.unpack_from(data, pos)
        if capture != b"OggS":
            return None
        lacing = data[pos + 27 : pos + 27 + n_segments]
        body = pos + 27 + n_segments
        pos = body + sum(lacing)
        if pos > len(data):
            return None  # cut short; decode() reports truncation separately
        if serial is None:
            serial = page_serial
            first = data[body : body + 8]
            headers_left = next(
                (n for prefix, n in _HEADER_PACKETS.items() if first.startswith(prefix)), None
            )
            if headers_left is None:
                return None
        if page_serial != serial:
            continue
        offset = body
        for size in lacing:  # packets end at the first lacing value below 255
            if headers_left:
                if size < 255:
                    headers_left -= 1
            else:
                md5.update(data[offset : offset + size])
            offset += size
            packet_start = size < 255
    if headers_left or serial is None or not packet_start:
        return None
    return md5.hexdigest()
