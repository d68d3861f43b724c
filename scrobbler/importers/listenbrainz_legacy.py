"""The pre-2024 ListenBrainz export: one JSON array ``<user>_lb-YYYY-MM-DD.json`` of API-shaped listens.

Source: formats.md §2 ("Legacy export"); Maloja's importer picks it by that file name. Streamed with ijson.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from scrobbler.importers.listenbrainz_listen import record_from_listen
from scrobbler.importers.rules import ImportOptions
from scrobbler.importers.streams import first_char, head_keys, iter_json_items, noting_empty, read_head
from scrobbler.records import ImportProblem, Row

NAME = "listenbrainz_legacy"
DESCRIPTION = "ListenBrainz legacy export (<user>_lb-YYYY-MM-DD.json, one JSON array)"

_LEGACY_NAME = re.compile(r"_lb-\d{4}-\d{2}-\d{2}\.json$", re.IGNORECASE)


def sniff(path: Path) -> bool:
    """A JSON array whose first elements carry ``listened_at`` and ``track_metadata``.

    An empty array ``[]`` is claimed only under the legacy file name, the tie-breaker Maloja uses.
    """
    head = read_head(path)
    if first_char(head) != "[":
        return False
    item_keys = head_keys(head).get("item", set())
    if item_keys:
        return {"listened_at", "track_metadata"} <= item_keys
    return head.strip() == b"[]" and bool(_LEGACY_NAME.search(path.name))


def parse(path: Path, options: ImportOptions | None = None) -> Iterator[Row]:
    """Yield each listen of the array in file order; a syntax error ends the file with one problem."""
    return noting_empty(_rows(path, options or ImportOptions()), path)


def _rows(path: Path, options: ImportOptions) -> Iterator[Row]:
    for entry in iter_json_items(path, ["item"], path.name):
        if isinstance(entry, ImportProblem):
            yield entry
        else:
            yield record_from_listen(entry[1], entry[0], NAME, options)
