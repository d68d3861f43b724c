"""Content sniffing: which container a file really is, from its first bytes, not its name.

The scanner trusts content over extensions (a FLAC renamed .mp3 is read as FLAC), and we must not pay for
mutagen.File's habit of scoring every known format on each file, so this picks the one reader to use.
"""

from __future__ import annotations

import os
from typing import BinaryIO

from analyzer.tags.record import TagReadError

HEAD_BYTES = 512
"""Enough for every signature below, including an Ogg first page's segment table (27 + 255 bytes)."""

MPEG_SCAN_BYTES = 64 * 1024
"""How far past an ID3v2 tag (or from the start) we look for MPEG frame sync, as mutagen does."""

_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_MP4_LEGACY_TOP_ATOMS = (b"moov", b"mdat", b"free", b"wide", b"skip")

# Signatures that are media we recognise but cannot read tags from: a clearer reason than "not_audio".
_UNSUPPORTED: tuple[tuple[bytes, str], ...] = (
    (b"\x1aE\xdf\xa3", "Matroska/WebM (.mka/.webm) tags are not read yet"),
    (b"FRM8", "DSDIFF (.dff) tags are not read yet"),
    (b"OFR ", "OptimFROG tags are not read yet"),
    (b"tBaK", "TAK tags are not read yet"),
    (b"MThd", "MIDI has no audio stream to catalog"),
    (b"RF64", "RF64 (>4 GiB WAVE) is not supported by the tag reader"),
    (b".RMF", "RealMedia is not supported"),
)

# MPEG audio frame header tables (ISO 11172-3 / 13818-3), in kbit/s, indexed by the 4-bit bitrate index.
_BITRATES: dict[tuple[int, int], tuple[int, ...]] = {
    (1, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (1, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (1, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (2, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def sniff_container(f: BinaryIO, head: bytes, size: int, name: str) -> str:
    """Name the container of an open file: "mpeg", "flac", "ogg_vorbis", "m4a", "wav", ... (registry keys).

    Raises TagReadError (not_audio, unsupported, truncated, corrupt) when no reader fits; ``name`` only
    enables the extension-guided MPEG search for files without an ID3 tag.
    """
    if head.startswith(b"OggS") and (len(head) < 28 or len(head) < 27 + head[26] + 8):
        raise TagReadError("truncated", f"file ends inside the first Ogg page after {size:,} bytes")
    kind = _by_signature(head)
    if kind is not None:
        return kind
    if head.startswith(b"ID3"):
        return _after_id3(f, head, size)
    for magic, why in _UNSUPPORTED:
        if head.startswith(magic):
            raise TagReadError("unsupported", why)
    if head.startswith((b"RIFF", b"FORM")):
        form = head[8:12]
        if not _is_fourcc(form):
            raise TagReadError(
                "corrupt", f"{head[:4].decode()} header names no valid form type ({form.hex(' ')})"
            )
        raise TagReadError("unsupported", f"{head[:4].decode()} container of type {form.decode()!r}")
    if head.startswith(b"OggS"):
        if not _ogg_page_crc_ok(head):
            raise TagReadError("corrupt", "the first Ogg page fails its CRC check")
        raise TagReadError("unsupported", f"Ogg stream of codec {_ogg_codec_label(head)}")
    if _is_adts(head):
        raise TagReadError("unsupported", "raw ADTS AAC stream has no tag container")
    # MPEG audio without an ID3v2 tag has no magic beyond frame sync; accept it at offset 0, or anywhere
    # in the first block when the name says MPEG (some rips carry leading junk or zero padding).
    if _mpeg_frames_at(head, 0, size):
        return "mpeg"
    if name.lower().endswith((".mp3", ".mp2", ".mpga")) and _find_mpeg_sync(f, 0, size)[0] is not None:
        return "mpeg"
    if len(head) < 12:
        raise TagReadError("not_audio", f"only {size:,} bytes and no audio signature")
    raise TagReadError("not_audio", f"no audio signature (file starts with {head[:8].hex(' ')})")


def _by_signature(head: bytes) -> str | None:
    if head.startswith(b"fLaC"):
        return "flac"
    if head[4:8] == b"ftyp" or (head[4:8] in _MP4_LEGACY_TOP_ATOMS and head[:4] != b"\0\0\0\0"):
        return "m4a"
    if head.startswith(b"OggS"):
        return _ogg_kind(head)
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head.startswith(_ASF_GUID):
        return "wma"
    if head.startswith(b"MAC "):
        return "ape"
    if head.startswith(b"wvpk"):
        return "wavpack"
    if head.startswith((b"MPCK", b"MP+")):
        return "musepack"
    if head.startswith(b"TTA1"):
        return "tta"
    if head.startswith(b"DSD "):
        return "dsf"
    return None


def _ogg_kind(head: bytes) -> str | None:
    # The first page holds the beginning-of-stream packet; its first bytes name the codec (RFC 3533,
    # Vorbis I spec 4.2, RFC 7845 5.1, Ogg FLAC mapping, Speex manual).
    body = head[27 + head[26] :]
    if body.startswith(b"\x01vorbis"):
        return "ogg_vorbis"
    if body.startswith(b"OpusHead"):
        return "opus"
    if body.startswith(b"\x7fFLAC"):
        return "ogg_flac"
    if body.startswith(b"Speex   "):
        return "speex"
    if body.startswith(b"\x80theora"):
        return "ogg_vorbis"  # Theora video first; mutagen finds a Vorbis stream if there is one
    return None


def _is_fourcc(code: bytes) -> bool:
    return len(code) == 4 and all(32 <= byte < 127 for byte in code)


def _ogg_crc_table() -> tuple[int, ...]:
    table = []
    for index in range(256):
        crc = index << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
        table.append(crc)
    return tuple(table)


_OGG_CRC_TABLE = _ogg_crc_table()


def _ogg_page_crc_ok(head: bytes) -> bool:
    """Check the first page's CRC (RFC 3533, 6: polynomial 0x04c11db7, CRC field zeroed while computing).

    Only used on the failure path, to tell a damaged page from a real stream of a codec we do not read.
    """
    segments = head[26]
    length = 27 + segments + sum(head[27 : 27 + segments])
    if len(head) < length:
        return True  # page longer than what we sniffed; give it the benefit of the doubt
    page = head[:22] + b"\0\0\0\0" + head[26:length]
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC_TABLE[(crc >> 24) ^ byte]
    return crc == int.from_bytes(head[22:26], "little")


def _ogg_codec_label(head: bytes) -> str:
    return repr(head[27 + head[26] :][:8])


def _after_id3(f: BinaryIO, head: bytes, size: int) -> str:
    # ID3v2 header: "ID3", version (2 bytes), flags, 28-bit syncsafe size excluding the 10-byte header;
    # flag 0x10 adds a 10-byte footer (ID3v2.4 spec, section 3.1).
    if len(head) < 10:
        raise TagReadError("truncated", f"file ends inside its ID3v2 header after {size:,} bytes")
    tag_end = 10 + (
        (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
    )
    if head[5] & 0x10:
        tag_end += 10
    if tag_end >= size:
        raise TagReadError(
            "truncated",
            f"truncated: file ends after {size:,} bytes inside or right after its {tag_end:,}-byte ID3v2 "
            "tag; no audio follows",
        )
    after = read_at(f, 4096, tag_end)  # what follows the tag, and where frame sync is looked for first
    if after.startswith(b"fLaC"):
        return "flac"  # FLAC with a (non-standard) ID3v2 prefix; mutagen's FLAC reader skips it
    if after.startswith(b"TTA1"):
        return "tta"
    offset, scanned = _find_mpeg_sync(f, tag_end, size, after)
    if offset is None:
        if not scanned.strip(b"\0"):
            raise TagReadError(
                "truncated",
                f"truncated: only {len(scanned):,} bytes of padding follow the {tag_end:,}-byte ID3v2 tag; "
                "no MPEG audio",
            )
        raise TagReadError(
            "corrupt",
            f"corrupt: MPEG frame sync not found in the {len(scanned):,} bytes after the "
            f"{tag_end:,}-byte ID3v2 tag",
        )
    return "mpeg"


def _find_mpeg_sync(
    f: BinaryIO, start: int, size: int, first: bytes | None = None
) -> tuple[int | None, bytes]:
    """Offset of the first MPEG frame after ``start``, and the block that was searched.

    Looks in 4 KiB first (the frame nearly always follows the tag at once; ``first`` when the caller read
    them already), then up to MPEG_SCAN_BYTES. Positioned reads leave the file's buffer holding its first
    bytes, where the parser starts next (a seek and read here refilled it past a large tag and again at 0
    for the parser: ~5 us a file).
    """
    block = read_at(f, 4096, start) if first is None else first
    for attempt in range(2):
        pos = block.find(b"\xff")
        while pos != -1:
            if _mpeg_frames_at(block, pos, size - start):
                return start + pos, block
            pos = block.find(b"\xff", pos + 1)
        if attempt == 0 and len(block) == 4096:
            block += read_at(f, MPEG_SCAN_BYTES - 4096, start + 4096)
        else:
            break
    return None, block


def read_at(f: BinaryIO, count: int, offset: int) -> bytes:
    """``count`` bytes of ``f`` at ``offset`` (fewer at its end). Where the platform has ``pread`` the file's
    position and buffer are left alone, so the parser starts on the first bytes the head read buffered;
    elsewhere (Windows) this is a seek and a read."""
    if _PREAD is not None:
        return _PREAD(f.fileno(), count, offset)
    f.seek(offset)
    return f.read(count)


_PREAD = getattr(os, "pread", None)


def _mpeg_frames_at(buf: bytes, pos: int, remaining: int) -> bool:
    """True when a valid frame header at ``pos`` is followed by another one (or by the end of the file)."""
    first = _mpeg_frame(buf, pos)
    if first is None:
        return False
    length, signature = first
    following = pos + length
    if following >= remaining:
        return True  # a single-frame file
    if following + 4 > len(buf):
        return True  # the next header lies beyond what we read; one valid header will do
    second = _mpeg_frame(buf, following)
    return second is not None and second[1] == signature


def _mpeg_frame(buf: bytes, pos: int) -> tuple[int, tuple[int, int, int]] | None:
    """Frame length and (version, layer, sample rate) of the MPEG audio header at ``pos``, or None."""
    if pos + 4 > len(buf) or buf[pos] != 0xFF or buf[pos + 1] & 0xE0 != 0xE0:
        return None
    version_bits = (buf[pos + 1] >> 3) & 3
    layer_bits = (buf[pos + 1] >> 1) & 3
    bitrate_index = buf[pos + 2] >> 4
    rate_index = (buf[pos + 2] >> 2) & 3
    if version_bits == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None  # reserved values, or free-format bitrate which we cannot measure
    version = 1 if version_bits == 3 else 2  # MPEG 2.5 uses the MPEG 2 bitrate tables
    layer = 4 - layer_bits
    bitrate = _BITRATES[(version, layer)][bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[version_bits][rate_index]
    padding = (buf[pos + 2] >> 1) & 1
    if layer == 1:
        length = (12 * bitrate // sample_rate + padding) * 4
    elif layer == 3 and version == 2:
        length = 72 * bitrate // sample_rate + padding
    else:
        length = 144 * bitrate // sample_rate + padding
    return length, (version_bits, layer, sample_rate)


def _is_adts(head: bytes) -> bool:
    # ADTS shares MPEG's 12-bit sync but has layer bits 00 (ISO 14496-3, 1.A.2.2).
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0
