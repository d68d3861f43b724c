"""Playing-now listens, held in memory with an expiry and never stored as listens (formats.md §1).

LB keeps them in Redis for the track's duration, else 600 s, and ignores a repeat of the same track
(``api_tools.py::handle_playing_now``); so do we. A restart forgets them, as a Redis flush would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

DEFAULT_EXPIRY_SECS = 600


class PlayingNowStore:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._by_user: dict[int, tuple[float, dict[str, Any]]] = {}

    def put(self, user_id: int, listen: dict[str, Any]) -> None:
        metadata = listen["track_metadata"]
        info = metadata.get("additional_info") or {}
        expiry = info.get("duration") or (info.get("duration_ms") or 0) // 1000 or DEFAULT_EXPIRY_SECS
        with self._lock:
            current = self.get(user_id)
            if current is not None and _same_track(current, listen):
                return
            self._by_user[user_id] = (self._clock() + expiry, listen)

    def get(self, user_id: int) -> dict[str, Any] | None:
        """The user's playing-now listen, or None when there is none or it expired."""
        entry = self._by_user.get(user_id)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            self._by_user.pop(user_id, None)
            return None
        return entry[1]


def _same_track(a: dict[str, Any], b: dict[str, Any]) -> bool:
    first, second = a["track_metadata"], b["track_metadata"]
    return bool(first["artist_name"] == second["artist_name"] and first["track_name"] == second["track_name"])
