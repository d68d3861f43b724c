"""What a running scrobble server has seen, kept in memory for a status display: listens received per day
and the last client that talked to it (accepted or refused). Nothing here touches the database.

The app records into it from its request handlers (any thread); a reader takes a :meth:`ServerStatus.snapshot`,
an immutable copy, from any other thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass(frozen=True, slots=True)
class ClientSeen:
    """One request from a client: its User-Agent, address, when (aware UTC), whose token it used (None when
    refused), how many listens it brought, what it did (``"listens"``, ``"playing now"``, ``"token check"``),
    and why it was refused (None when accepted)."""

    user_agent: str
    address: str
    when: datetime
    user: str | None
    listens: int
    action: str
    refused: str | None = None


@dataclass(frozen=True, slots=True)
class StatusSnapshot:
    started_at: datetime
    listens_today: int
    listens_total: int
    requests: int
    last_client: ClientSeen | None
    last_refused: ClientSeen | None


def _local_today() -> date:
    return datetime.now().astimezone().date()


class ServerStatus:
    """Counts since the server started. "Today" is the local calendar day of this computer (``today``)."""

    def __init__(self, today: Callable[[], date] = _local_today) -> None:
        self._today = today
        self._lock = threading.Lock()
        self._started_at = datetime.now(UTC)
        self._by_day: dict[date, int] = {}
        self._total = 0
        self._requests = 0
        self._last: ClientSeen | None = None
        self._last_refused: ClientSeen | None = None

    def record(
        self,
        user_agent: str | None,
        address: str | None,
        user: str | None,
        *,
        listens: int = 0,
        action: str = "listens",
        refused: str | None = None,
    ) -> None:
        """Note one request; refused ones are kept apart, so a misconfigured client shows next to a good one."""
        seen = ClientSeen(
            (user_agent or "unknown client")[:200],
            address or "unknown address",
            datetime.now(UTC),
            user,
            listens,
            action,
            refused,
        )
        with self._lock:
            self._requests += 1
            if refused is not None:
                self._last_refused = seen
                return
            self._last = seen
            if listens:
                day = self._today()
                self._by_day[day] = self._by_day.get(day, 0) + listens
                self._total += listens

    def snapshot(self) -> StatusSnapshot:
        with self._lock:
            return StatusSnapshot(
                self._started_at,
                self._by_day.get(self._today(), 0),
                self._total,
                self._requests,
                self._last,
                self._last_refused,
            )
