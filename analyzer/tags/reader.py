"""read_tags: open a file once, sniff its container, parse it with exactly one mutagen class, type the result.

Every failure becomes a TagReadError whose kind a scanner can count and whose reason a person can act on.
"""

from __future__ import annotations

import os
import re
import struct
from typing import BinaryIO

from analyzer.tags.canonical import TagCollector, build_file_tags
from analyzer.tags.record import ErrorKind, FileTags, TagReadError
from analyzer.tags.registry import READERS, ContainerReader
from analyzer.tags.sniff import HEAD_BYTES, read_at, sniff_container

# Phrases in mutagen's and struct's messages that mean "the data stopped early" rather than "bad data".
_TRUNCATION_HINTS = re.compile(
    r"truncat|unable to read full|said \d+ bytes, read|unexpected end|end of file|eof|not enough data"
    r"|too short|header size < 8|requires? \d+ bytes|buffer of \d+ bytes",
    re.IGNORECASE,
)
_NO_AUDIO_HINTS = re.compile(r"no audio|not an audio|has no (?:audio )?tracks?", re.IGNORECASE)


READ_BUFFER_BYTES = 32 * 1024
"""The file's read buffer. mutagen walks a container in many small seeks and reads (an M4A's atoms: ~110
seeks a file); with Python's default 8 KiB buffer most of them became system calls. 32 KiB served most
from memory: per file 0.02 (MP3) to 0.05-0.1 ms (FLAC, M4A, Opus) less CPU, interleaved runs on the
real-size bench files; 64 KiB and more cost more than they saved (bigger reads of audio not needed)."""


def read_tags(path: str | os.PathLike[str] | os.PathLike[bytes] | bytes) -> FileTags:
    """Read stream properties and tags of one audio file, deciding its format by content.

    Raises TagReadError for anything that is not a readable audio file (see ``ErrorKind``), and lets
    FileNotFoundError through: a file that vanished after the walk is a race, not a property of the file.
    """
    display = os.fsdecode(path)
    try:
        f = open(path, "rb", buffering=READ_BUFFER_BYTES)  # noqa: SIM115 - closed below; serves sniff and parse
    except PermissionError as exc:
        raise TagReadError("permission_denied", f"cannot open: {exc.strerror}") from None
    except IsADirectoryError:
        raise TagReadError("not_audio", "is a directory") from None
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise TagReadError("corrupt", f"cannot open: {exc.strerror or exc}") from None
    with f:
        try:
            return _read_open_file(f, display)
        except TagReadError:
            raise
        except PermissionError as exc:
            raise TagReadError("permission_denied", f"cannot read: {exc.strerror}") from None
        except OSError as exc:
            raise TagReadError("corrupt", f"I/O error while reading: {exc.strerror or exc}") from None


def _read_open_file(f: BinaryIO, name: str) -> FileTags:
    size = os.fstat(f.fileno()).st_size
    if size == 0:
        raise TagReadError("empty", "the file has 0 bytes")
    head = f.read(HEAD_BYTES)
    container = sniff_container(f, head, size, name)
    reader = READERS[container]
    f.seek(0)
    try:
        parsed = reader.open(f)
    except Exception as exc:  # mutagen raises its own errors, but also struct/Index/ValueError on bad data
        raise _parse_failure(f, head, size, container, reader, exc) from None
    shortfall = _declared_size_shortfall(f, head, size, container)
    if shortfall is not None:
        raise TagReadError("truncated", f"{reader.label} {shortfall}")
    collected = TagCollector()
    try:
        reader.read_tags(parsed, collected)
        stream = reader.describe(parsed, size)
    except Exception as exc:  # a tag whose values mutagen accepted but that are malformed
        raise TagReadError(
            "corrupt", f"{reader.label} tags could not be interpreted ({_describe(exc)})"
        ) from None
    if reader.fixed_header and not (stream.sample_rate and stream.channels):
        # mutagen reads these headers without validating them; a zeroed header parses "fine".
        raise TagReadError(
            "corrupt",
            f"{reader.label} stream header declares {stream.sample_rate or 0} Hz, "
            f"{stream.channels or 0} channels",
        )
    return build_file_tags(stream, collected)


def _parse_failure(
    f: BinaryIO, head: bytes, size: int, container: str, reader: ContainerReader, exc: Exception
) -> TagReadError:
    shortfall = _declared_size_shortfall(f, head, size, container)
    if shortfall is not None:
        return TagReadError("truncated", f"{reader.label} {shortfall}")
    message = _describe(exc)
    kind: ErrorKind
    if size < reader.min_bytes:
        return TagReadError(
            "truncated",
            f"{reader.label} needs at least {reader.min_bytes:,} header bytes; the file has {size:,}",
        )
    if isinstance(exc, EOFError | struct.error) or _TRUNCATION_HINTS.search(message):
        kind = "truncated"
        detail = f"ends early after {size:,} bytes"
    elif _NO_AUDIO_HINTS.search(message):
        kind = "unsupported"
        detail = "holds no audio track we can read"
    else:
        kind = "corrupt"
        detail = f"could not be parsed ({size:,} bytes)"
    return TagReadError(kind, f"{reader.label} {detail}: {message}")


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _declared_size_shortfall(f: BinaryIO, head: bytes, size: int, container: str) -> str | None:
    """How the file falls short of the sizes its container declares, or None when it does not.

    Only containers that state their sizes up front can be checked this cheaply (RIFF, IFF, MP4 atoms);
    a FLAC or MP3 cut inside its audio frames is found later, when the audio is decoded.
    """
    if container == "wav" or container == "aiff":
        if len(head) < 8:
            return f"header cut off after {size:,} bytes"
        declared = struct.unpack("<I" if container == "wav" else ">I", head[4:8])[0]
        # 0 and 0xFFFFFFFF are placeholders written by streaming encoders; a missing odd pad byte is benign.
        if declared not in (0, 0xFFFFFFFF) and declared + 8 > size + 1:
            return f"declares {declared + 8:,} bytes but the file has {size:,}"
        return None
    if container == "m4a":
        return _mp4_shortfall(f, head, size)
    return None


def _mp4_shortfall(f: BinaryIO, head: bytes, size: int) -> str | None:
    # Top-level atoms: 32-bit big-endian size + type; size 1 means a 64-bit size follows, 0 means "to EOF"
    # (ISO/IEC 14496-12, 4.2). Only a handful of top-level atoms exist, so this is a few small reads: from
    # the head already read, else positioned reads of 16 bytes (a seek and read through the file's buffer
    # refilled all 32 KiB of it for each: ~10 us a file).
    pos = 0
    while pos + 8 <= size:
        header = head[pos : pos + 16] if pos + 16 <= len(head) else read_at(f, 16, pos)
        atom_size, atom_type = struct.unpack(">I4s", header[:8])
        if atom_size == 1 and len(header) == 16:
            atom_size = struct.unpack(">Q", header[8:16])[0]
        elif atom_size == 0:
            return None
        if atom_size < 8 or not all(32 <= byte < 127 for byte in atom_type):
            return None  # not an atom header at all: damage, which the parse failure reports as corrupt
        if pos + atom_size > size:
            name = atom_type.decode("latin-1")
            return f"'{name}' atom at byte {pos:,} declares {atom_size:,} bytes but the file ends at {size:,}"
        pos += atom_size
    return None
