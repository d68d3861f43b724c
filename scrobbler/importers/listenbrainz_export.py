"""ListenBrainz user data export: the zip (``listens/<YYYY>/<M>.jsonl``) or a bare JSON Lines file of listens.

Source: LB background/export.py (formats.md §2). Zip members are streamed line by line, never extracted
or read whole.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import orjson

from scrobbler.importers.fields import clean_text
from scrobbler.importers.listenbrainz_listen import record_from_listen
from scrobbler.importers.rules import ImportOptions
from scrobbler.importers.streams import (
    MAX_LINE_BYTES,
    UTF8_BOM,
    capped_lines,
    first_json_line,
    noting_empty,
    read_head,
)
from scrobbler.records import ImportProblem, Row

NAME = "listenbrainz_export"
DESCRIPTION = "ListenBrainz export (listenbrainz_<user>_<time>.zip, or a .jsonl of listens)"

# Months are not zero-padded (listens/2021/4.jsonl); tolerate a leading folder from re-zipping.
_LISTENS_MEMBER = re.compile(r"(?:^|/)listens/(\d{4})/(\d{1,2})\.jsonl$")
_ZIP_MAGIC = b"PK\x03\x04"


def sniff(path: Path) -> bool:
    """A zip holding listens/<YYYY>/<M>.jsonl or user.json, or JSON Lines whose first line is an LB listen."""
    head = read_head(path)
    if head.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (OSError, zipfile.BadZipFile):
            return False
        return any(_LISTENS_MEMBER.search(name) for name in names) or "user.json" in names
    first = first_json_line(head)
    return first is not None and "track_metadata" in first and "listened_at" in first


def parse(path: Path, options: ImportOptions | None = None) -> Iterator[Row]:
    """Yield every listen of the export, month by month in time order, plus a problem per bad line."""
    return noting_empty(_rows(path, options or ImportOptions()), path)


def export_username(path: Path) -> str | None:
    """The ``username`` in the zip's user.json, so a caller can suggest whose listens these are."""
    try:
        with zipfile.ZipFile(path) as archive:
            user = orjson.loads(archive.read("user.json"))
    except (OSError, KeyError, zipfile.BadZipFile, orjson.JSONDecodeError):
        return None
    return clean_text(user.get("username")) if isinstance(user, dict) else None


def _rows(path: Path, options: ImportOptions) -> Iterator[Row]:
    if not read_head(path, 4).startswith(_ZIP_MAGIC):
        with path.open("rb") as handle:
            yield from _lines(handle, path.name, options)
        return
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        yield ImportProblem.failed(path.name, f"not a readable zip: {error}")
        return
    with archive:
        members = []
        for name in archive.namelist():
            if found := _LISTENS_MEMBER.search(name):
                members.append((int(found.group(1)), int(found.group(2)), name))
        # Numeric order: "10.jsonl" sorts before "2.jsonl" as text.
        for _year, _month, name in sorted(members):
            try:
                with archive.open(name) as member:
                    yield from _lines(member, f"{path.name}:{name}", options)
            except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
                # Damage shows up mid-read: BadZipFile for a CRC mismatch, zlib.error for bad deflate data.
                yield ImportProblem.failed(f"{path.name}:{name}", f"corrupt zip member: {error}")


def _lines(handle: IO[bytes], label: str, options: ImportOptions) -> Iterable[Row]:
    for line_no, raw in enumerate(capped_lines(handle), start=1):
        if raw is None:
            yield ImportProblem.failed(
                f"{label}:{line_no}", f"line is longer than {MAX_LINE_BYTES // 1024:,} KiB (not read)"
            )
            continue
        line = raw.removeprefix(UTF8_BOM) if line_no == 1 else raw
        text = line.strip()
        if not text:
            continue
        location = f"{label}:{line_no}"
        try:
            listen = orjson.loads(line)  # orjson stops nesting at 1024 levels, in bounded memory
            text_line = text.decode()
        except orjson.JSONDecodeError as error:
            yield ImportProblem.failed(location, f"invalid JSON: {error}")
            continue
        except UnicodeDecodeError:
            yield ImportProblem.failed(location, "line is not valid UTF-8 text")
            continue
        yield record_from_listen(listen, location, NAME, options, text_line)
