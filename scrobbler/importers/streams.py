"""Streaming readers the importers share: file heads for sniffing, JSON items, decoded text lines.

Everything reads incrementally so a multi-gigabyte export is parsed in constant memory; nothing here
knows any listen format.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import ijson
import orjson

from scrobbler.records import ImportProblem, Row, SkipReason

UTF8_BOM = b"\xef\xbb\xbf"
# Enough for the first records of any format we sniff; sniffing never reads further.
HEAD_BYTES = 64 * 1024


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
    try:
        for count, (prefix, event, value) in enumerate(ijson.parse(io.BytesIO(head))):
            if event == "map_key":
                keys.setdefault(prefix, set()).add(value)
            if count >= max_events:
                break
    except ijson.JSONError:
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

    With one prefix this is ijson.items (C speed, for big arrays). With several (API pages that are an
    object or a list of objects) a prefix matching an array whose ``prefix.item`` is also listed is
    descended into, so ``track`` may be one object or a list (Last.fm user.getRecentTracks).
    Invalid JSON ends the stream with one failed ImportProblem: a JSON parser cannot resume after it.
    """
    count = 0
    with open_without_bom(path) as handle:
        values: Iterable[Any]
        if len(prefixes) == 1:
            values = ijson.items(handle, prefixes[0], use_float=True)
        else:
            values = _values_at(ijson.parse(handle, use_float=True), frozenset(prefixes))
        try:
            for value in values:
                count += 1
                yield f"{label} item {count}", value
        except ijson.JSONError as error:
            # yajl reports truncation, syntax errors and integers beyond 64 bits all this way.
            yield ImportProblem.failed(
                f"{label} near item {count + 1}", f"invalid or truncated JSON: {json_error_text(error)}"
            )


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
    """Iterate a binary file as UTF-8 text lines, remembering which line numbers were not valid UTF-8.

    Bad lines are still yielded (with replacement characters) so the csv module keeps its place; the
    importer then reports any row touching a bad line as failed instead of importing mangled names.
    """

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.line_no = 0
        self.bad_lines: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        for raw in self._handle:
            self.line_no += 1
            if self.line_no == 1:
                raw = raw.removeprefix(UTF8_BOM)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.bad_lines.add(self.line_no)
                yield raw.decode("utf-8", errors="replace")

    def take_bad(self, first: int, last: int) -> bool:
        """Whether any line in first..last was bad; forgets lines up to ``last`` to keep memory flat."""
        hit = any(first <= line <= last for line in self.bad_lines)
        self.bad_lines = {line for line in self.bad_lines if line > last}
        return hit


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
