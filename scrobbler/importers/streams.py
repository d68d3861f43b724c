"""Streaming readers the importers share: file heads for sniffing, JSON items, decoded text lines.

Everything reads incrementally so a multi-gigabyte export is parsed in constant memory; nothing here
knows any listen format.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import ijson
import orjson

from scrobbler.records import ImportProblem, Row, SkipReason

UTF8_BOM = b"\xef\xbb\xbf"
# Enough for the first records of any format we sniff; sniffing never reads further.
HEAD_BYTES = 64 * 1024
# Limits on hostile input, so one file never costs more than a few MB beyond what it imports. Real rows are
# far below them: the longest LB listen line allowed by LB is 10 KB, a Spotify entry under 2 KB.
MAX_LINE_BYTES = 1 << 20  # one text line (CSV, .scrobbler.log, JSON Lines)
MAX_JSON_DEPTH = 64  # containers open at once; real exports nest 4 deep
MAX_JSON_TOKEN_BYTES = 1 << 20  # one JSON string or number
MAX_ENTRY_BYTES = 8 << 20  # one entry (a listen, a page's tracks): built whole, so it is bounded
_READ_CHUNK = 64 * 1024  # what yajl asks for; the token check relies on chunks below the token cap
_NOT_MARKS = bytes(c for c in range(256) if c not in b'[]{}"')
_QUOTED = re.compile(rb'"[^"]*"')  # on quotes and brackets only, once escapes are gone
_OPENERS = (ord("["), ord("{"))
# Bytes that end a JSON token; a run without any of them is one string, number or literal.
_TOKEN_ENDS = re.compile(rb'[",\[\]{}:\s]')
_TOKEN_END_BYTES = tuple(bytes([c]) for c in b'",[]{}: \t\r\n')


class InputLimitError(ValueError):
    """The input goes past one of the limits above; the message says which, for the user."""


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first bytes of a file without a UTF-8 BOM; empty for unreadable paths (sniffing never raises)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(size)
    except OSError:
        return b""
    return head.removeprefix(UTF8_BOM)


def open_without_bom(path: Path) -> IO[bytes]:
    """Open for binary reading, positioned after a UTF-8 BOM if there is one (yajl rejects the BOM)."""
    handle = path.open("rb")
    if handle.read(len(UTF8_BOM)) != UTF8_BOM:
        handle.seek(0)
    return handle


def first_char(head: bytes) -> str:
    """The first non-whitespace character of a head, or '' when there is none."""
    stripped = head.lstrip()
    return chr(stripped[0]) if stripped else ""


def head_keys(head: bytes, max_events: int = 20_000) -> dict[str, set[str]]:
    """Object keys seen in a JSON head, by ijson prefix ('' top level, 'item' array elements...).

    The head is usually a truncated document: everything up to the cut is kept, the rest ignored.
    """
    keys: dict[str, set[str]] = {}
    events = ijson.parse(_GuardedJsonReader(io.BytesIO(head), entry_depth=1))
    try:
        for count, (prefix, event, value) in enumerate(events):
            if event == "map_key":
                keys.setdefault(prefix, set()).add(value)
            if count >= max_events:
                break
    except (ijson.JSONError, InputLimitError, UnicodeDecodeError):
        pass
    return keys


def first_json_line(head: bytes) -> dict[str, Any] | None:
    """The first non-blank line of a head parsed as a JSON object (JSON Lines sniffing), else None."""
    for line in head.splitlines():
        if line.strip():
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                return None
            return value if isinstance(value, dict) else None
    return None


def json_error_text(error: Exception) -> str:
    """yajl's messages span several lines with a caret drawing; keep the first line."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def iter_json_items(
    path: Path, prefixes: Sequence[str], label: str
) -> Iterator[tuple[str, Any] | ImportProblem]:
    """Yield (location, value) for each value found at any of ``prefixes``, streaming.

    A prefix matching an array whose ``prefix.item`` is also listed is descended into, so ``track`` may
    be one object or a list (Last.fm user.getRecentTracks). Invalid JSON, or JSON past the limits above
    (nesting, one huge string, one huge entry), ends the stream with one failed ImportProblem naming the
    entry: a JSON parser cannot resume after it.
    """
    count = 0
    # Containers open around an entry: "item" entries sit in the top array (depth 1 outside them),
    # "payload.listens.item" ones three levels down. The shallowest prefix bounds them all.
    entry_depth = min(len(prefix.split(".")) for prefix in prefixes) + 1
    with open_without_bom(path) as handle:
        reader = _GuardedJsonReader(handle, entry_depth)
        values: Iterable[Any]
        if len(prefixes) == 1:
            values = ijson.items(reader, prefixes[0], use_float=True)  # C speed for big arrays
        else:
            values = _values_at(ijson.parse(reader, use_float=True), frozenset(prefixes))
        try:
            for value in values:
                count += 1
                yield f"{label} item {count}", value
        except ijson.JSONError as error:
            # yajl reports truncation, syntax errors and integers beyond 64 bits all this way.
            yield ImportProblem.failed(
                f"{label} near item {count + 1}", f"invalid or truncated JSON: {json_error_text(error)}"
            )
        except InputLimitError as error:
            yield ImportProblem.failed(f"{label} near item {count + 1}", f"{error}; the rest is not read")
        except UnicodeDecodeError:
            # yajl checks raw bytes, but an escaped lone surrogate ("\ud800") only fails when decoded.
            yield ImportProblem.failed(
                f"{label} near item {count + 1}",
                "invalid JSON: a string escapes half of a UTF-16 pair (\\uD800-\\uDFFF); the rest is not read",
            )


class _GuardedJsonReader:
    """A binary reader for yajl that refuses hostile JSON before yajl sees it, in C-speed passes.

    - One JSON token (a string, a number) longer than MAX_JSON_TOKEN_BYTES (a 1 GiB line took 2.2 GB):
      reads are at most 64 KiB, below the cap, so only a token spanning chunks can break it; each chunk's
      leading run extends the previous chunk's trailing run, a chunk with no token end extends it whole.
    - Nesting past MAX_JSON_DEPTH: strings are cut out (escapes dropped, then only quotes and brackets
      kept, then quoted runs removed), the brackets left are walked, and the chunk is refused before yajl would turn it into events whose prefix
      strings grow with depth (200 KB of ``[`` cost 10 GB). Whether a chunk ends inside a string, or
      right after a backslash, carries over to the next one.
    - An entry larger than MAX_ENTRY_BYTES, counted in chunks that never leave ``entry_depth`` (the depth
      inside an entry): ijson builds each entry whole, so its size must be bounded before it is built.
    Events then come from ijson's C code untouched, so a valid file costs only these passes.
    """

    def __init__(self, handle: IO[bytes], entry_depth: int) -> None:
        self._handle = handle
        self._run = 0  # bytes of the token still open at the end of the last chunk
        self._in_string = False  # the last chunk ended inside a string
        self._skip_first = False  # ... right after a backslash: the next byte is escaped
        self._depth = 0
        self._entry_depth = entry_depth
        self._entry_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(_READ_CHUNK if size < 0 else min(size, _READ_CHUNK))
        if data:
            self._check_tokens(data)
            self._check_structure(data)
        return data

    def _check_tokens(self, data: bytes) -> None:
        first = _TOKEN_ENDS.search(data)
        if first is None:
            self._run += len(data)
        else:
            self._run += first.start()
            if self._run <= MAX_JSON_TOKEN_BYTES:
                self._run = len(data) - 1 - max(data.rfind(end) for end in _TOKEN_END_BYTES)
        if self._run > MAX_JSON_TOKEN_BYTES:
            raise InputLimitError(f"a JSON value is longer than {MAX_JSON_TOKEN_BYTES // 1024:,} KiB")

    def _check_structure(self, data: bytes) -> None:
        size = len(data)
        # Escapes only occur inside strings: drop "\\" pairs, then escaped quotes, and every quote left
        # opens or closes a string. A backslash ending the chunk escapes the next chunk's first byte.
        if self._skip_first or b"\\" in data:
            if self._skip_first:
                data = data[1:]
            if b"\\\\" in data:
                data = data.replace(b"\\\\", b"")
            data = data.replace(b'\\"', b"")
            self._skip_first = data.endswith(b"\\")
        # Then only quotes and brackets matter: a few bytes per entry, where cutting strings out is cheap.
        marks = data.translate(None, _NOT_MARKS)
        # Adjacent quotes never hold a bracket: dropping them (C speed) leaves the few strings that do.
        structure = (b'"' + marks if self._in_string else marks).replace(b'""', b"")
        if b'"' in structure:
            structure = _QUOTED.sub(b"", structure)
        open_string = structure.find(b'"')
        self._in_string = open_string >= 0
        if self._in_string:
            structure = structure[:open_string]
        depth = self._depth
        lowest = depth
        for byte in structure:
            if byte in _OPENERS:
                depth += 1
                if depth > MAX_JSON_DEPTH:
                    raise InputLimitError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
            else:
                depth -= 1
                lowest = min(lowest, depth)
        self._depth = depth
        if lowest < self._entry_depth:
            self._entry_bytes = 0
        else:
            self._entry_bytes += size
            if self._entry_bytes > MAX_ENTRY_BYTES:
                raise InputLimitError(f"an entry is larger than {MAX_ENTRY_BYTES >> 20} MiB")


def capped_lines(handle: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """The lines of a binary stream, never holding more than ``limit`` bytes: a longer line is read
    through in pieces, dropped, and yielded as None so the caller can report it by its line number."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := handle.readline(limit)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        yield line


def _values_at(events: Iterator[tuple[str, str, Any]], prefixes: frozenset[str]) -> Iterator[Any]:
    """ijson.items for several prefixes at once (the same depth-counting build ijson uses)."""
    for prefix, event, value in events:
        if prefix not in prefixes or event in ("end_map", "end_array", "map_key"):
            continue
        if event == "start_array" and f"{prefix}.item" in prefixes:
            continue
        if event not in ("start_map", "start_array"):
            yield value
            continue
        builder = ijson.ObjectBuilder()
        depth = 0
        while True:
            builder.event(event, value)
            if event in ("start_map", "start_array"):
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
            if depth == 0:
                break
            following = next(events, None)
            if following is None:  # ijson raises on a cut document first; never build half a value
                return
            prefix, event, value = following
        yield builder.value


class DecodedLines:
    """Iterate a binary file as UTF-8 text lines, remembering which line numbers could not be read
    (not valid UTF-8, or longer than MAX_LINE_BYTES) and why.

    Bad lines are still yielded (with replacement characters, or empty) so the csv module keeps its place;
    the importer then reports any row touching a bad line as failed instead of importing mangled names.
    """

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.line_no = 0
        self.bad_lines: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        for raw in capped_lines(self._handle):
            self.line_no += 1
            if raw is None:
                self.bad_lines[self.line_no] = f"is longer than {MAX_LINE_BYTES // 1024:,} KiB (not read)"
                yield "\n"
                continue
            if self.line_no == 1:
                raw = raw.removeprefix(UTF8_BOM)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.bad_lines[self.line_no] = "is not valid UTF-8 text"
                yield raw.decode("utf-8", errors="replace")

    def take_problem(self, first: int, last: int) -> str | None:
        """Why a line in first..last could not be read ("is not valid UTF-8 text"), or None; forgets
        lines up to ``last``."""
        if not self.bad_lines:
            return None
        found = next((self.bad_lines[n] for n in sorted(self.bad_lines) if first <= n <= last), None)
        self.bad_lines = {n: why for n, why in self.bad_lines.items() if n > last}
        return found

    def take_bad(self, first: int, last: int) -> bool:
        """Whether any line in first..last was bad (see :meth:`take_problem`)."""
        return self.take_problem(first, last) is not None


def noting_empty(rows: Iterable[Row], path: Path) -> Iterator[Row]:
    """Pass rows through; a blank file or one without rows gives one skip instead, never silence. A file
    that cannot be opened (gone, a folder, no permission) fails with the reason instead."""
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as error:
        yield ImportProblem.failed(path.name, f"cannot read the file: {error.strerror or error}")
        return
    if not read_head(path, 4096).strip():
        yield ImportProblem.skipped(path.name, SkipReason.EMPTY_FILE, "the file is empty")
        return
    empty = True
    for row in rows:
        empty = False
        yield row
    if empty:
        yield ImportProblem.skipped(path.name, SkipReason.EMPTY_FILE, "the file holds no listens")
