"""Saved ListenBrainz API pages: ``GET /1/user/<name>/listens`` (and playing-now) responses.

Shape ``{"payload": {"count": N, "listens": [...], "user_id": ...}}`` (LB webserver/views/api.py); a file
may also hold a JSON array of such pages, as paging scripts save them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scrobbler.importers.listenbrainz_listen import record_from_listen
from scrobbler.importers.rules import ImportOptions
from scrobbler.importers.streams import first_char, head_keys, iter_json_items, noting_empty, read_head
from scrobbler.records import ImportProblem, Row

NAME = "listenbrainz_api"
DESCRIPTION = "ListenBrainz API listens pages (JSON from /1/user/<name>/listens)"

_PREFIXES = ["payload.listens.item", "item.payload.listens.item"]


def sniff(path: Path) -> bool:
    """An object (or array of objects) whose ``payload`` holds ``listens``."""
    head = read_head(path)
    keys = head_keys(head)
    if first_char(head) == "{":
        return "payload" in keys.get("", set()) and "listens" in keys.get("payload", set())
    if first_char(head) == "[":
        return "payload" in keys.get("item", set()) and "listens" in keys.get("item.payload", set())
    return False


def parse(path: Path, options: ImportOptions | None = None) -> Iterator[Row]:
    """Yield the listens of every page; playing-now entries are skips, not listens."""
    return noting_empty(_rows(path, options or ImportOptions()), path)


def _rows(path: Path, options: ImportOptions) -> Iterator[Row]:
    for entry in iter_json_items(path, _PREFIXES, path.name):
        if isinstance(entry, ImportProblem):
            yield entry
        else:
            yield record_from_listen(entry[1], entry[0], NAME, options)
