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
from scrobbler.records import ImportProblem, Row, SkipReason

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
        elif _is_playing_now(entry[1]):
            yield ImportProblem.skipped(
                entry[0], SkipReason.NOW_PLAYING, "playing-now entry (no listened_at), not a finished listen"
            )
        else:
            yield record_from_listen(entry[1], entry[0], NAME, options)


def _is_playing_now(listen: object) -> bool:
    """A saved ``/1/user/<name>/playing-now`` page lists its entry with track_metadata and no time (LB
    flags it ``playing_now``, but copies of the page written by other tools may not): every listen of a
    listens page has its ``listened_at``, so an entry without one that has metadata is a playing-now."""
    return (
        isinstance(listen, dict)
        and "listened_at" not in listen
        and not listen.get("playing_now")  # flagged ones get record_from_listen's own skip
        and isinstance(listen.get("track_metadata"), dict)
    )
