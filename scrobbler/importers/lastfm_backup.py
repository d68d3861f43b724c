"""The JSON backup written by the lastfm.ghan.nl exporter (its "JSON" choice beside CSV).

Shape: a JSON array with one element per fetched ``user.getRecentTracks`` page, each element being that
page's ``recenttracks`` object without the wrapper: ``[{"track": [...], "@attr": {...}}, ...]``. The track
items are the API's (formats.md §4), so they are read exactly as :mod:`lastfm_api` reads them: string
numbers, ``date.uts``, a now-playing item without a date. Koito's importer (internal/importer/lastfm.go)
reads these files the same way. ``track`` may also be a single object, as in the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scrobbler.importers.lastfm_api import track_record
from scrobbler.importers.rules import ImportOptions
from scrobbler.importers.streams import first_char, head_keys, iter_json_items, noting_empty, read_head
from scrobbler.records import ImportProblem, Row

NAME = "lastfm_backup"
DESCRIPTION = "Last.fm JSON backup from lastfm.ghan.nl (an array of recent-tracks pages)"

_PREFIXES = ["item.track", "item.track.item"]


def sniff(path: Path) -> bool:
    """A JSON array whose elements hold a ``track`` member (and no ``recenttracks`` wrapper)."""
    head = read_head(path)
    if first_char(head) != "[":
        return False
    keys = head_keys(head)
    page = keys.get("item", set())
    return "track" in page and "recenttracks" not in page


def parse(path: Path, options: ImportOptions | None = None) -> Iterator[Row]:
    """Yield the scrobbles of every page; the now-playing item is a skip with its reason."""
    return noting_empty(_rows(path, options or ImportOptions()), path)


def _rows(path: Path, options: ImportOptions) -> Iterator[Row]:
    for entry in iter_json_items(path, _PREFIXES, path.name):
        if isinstance(entry, ImportProblem):
            yield entry
        else:
            yield track_record(entry[1], entry[0], options, NAME)
