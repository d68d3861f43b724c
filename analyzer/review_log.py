"""The undo log of review decisions, kept in the listens schema's ``config`` table (no new table, no
migration): one entry per decision, holding the listens' previous match columns and the aliases the
decision learned, so :func:`analyzer.review.undo` can put everything back.

An entry is JSON, zlib-compressed and base64-encoded, split over keys ``review.undo.<seq>.<part>`` of at
most :data:`LISTENS_PER_PART` listens, because ``config.value`` is a TEXT column (64 KiB on MariaDB).
Only the last :data:`KEEP_ENTRIES` decisions are kept.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.users import ConfigEntry

PREFIX = "review.undo."
LISTENS_PER_PART = 1000
KEEP_ENTRIES = 100


@dataclass
class ListenState:
    """A listen's match columns before a decision."""

    listen_id: int
    track_id: int | None
    status: str
    confidence: float | None
    reason: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None

    def as_list(self) -> list[Any]:
        at = self.reviewed_at.isoformat() if self.reviewed_at else None
        return [
            self.listen_id,
            self.track_id,
            self.status,
            self.confidence,
            self.reason,
            self.reviewed_by,
            at,
        ]

    @classmethod
    def from_list(cls, values: list[Any]) -> ListenState:
        at = datetime.fromisoformat(values[6]) if values[6] else None
        return cls(values[0], values[1], values[2], values[3], values[4], values[5], at)


@dataclass
class UndoEntry:
    action: str
    listens: list[ListenState] = field(default_factory=list)
    title_alias_ids: list[int] = field(default_factory=list)
    artist_alias_ids: list[int] = field(default_factory=list)
    seq: int = 0


def _encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def _decode(text: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(zlib.decompress(base64.b64decode(text)))
    return decoded


def _keys(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(ConfigEntry.key).where(ConfigEntry.key.like(PREFIX + "%")).order_by(ConfigEntry.key)
        )
    )


def push(session: Session, entry: UndoEntry) -> int:
    """Store an entry as the newest; returns its sequence number. Drops entries beyond KEEP_ENTRIES."""
    keys = _keys(session)
    seqs = sorted({int(key[len(PREFIX) :].split(".")[0]) for key in keys})
    seq = (seqs[-1] + 1) if seqs else 1
    states = [state.as_list() for state in entry.listens]
    parts = [states[i : i + LISTENS_PER_PART] for i in range(0, len(states), LISTENS_PER_PART)] or [[]]
    for number, part in enumerate(parts):
        payload: dict[str, Any] = {"listens": part}
        if number == 0:
            payload.update(
                action=entry.action,
                title_aliases=entry.title_alias_ids,
                artist_aliases=entry.artist_alias_ids,
                parts=len(parts),
            )
        session.add(ConfigEntry(key=f"{PREFIX}{seq:010d}.{number:04d}", value=_encode(payload)))
    stale = seqs[: max(0, len(seqs) + 1 - KEEP_ENTRIES)]
    if stale:
        session.execute(
            delete(ConfigEntry).where(
                ConfigEntry.key < f"{PREFIX}{stale[-1] + 1:010d}", ConfigEntry.key.like(PREFIX + "%")
            )
        )
    session.flush()
    return seq


def pop(session: Session) -> UndoEntry | None:
    """Remove and return the newest entry (None when there is nothing to undo)."""
    keys = _keys(session)
    if not keys:
        return None
    seq = int(keys[-1][len(PREFIX) :].split(".")[0])
    mine = [key for key in keys if key.startswith(f"{PREFIX}{seq:010d}.")]
    values = dict(
        session.execute(select(ConfigEntry.key, ConfigEntry.value).where(ConfigEntry.key.in_(mine)))
        .tuples()
        .all()
    )
    entry = UndoEntry(action="", seq=seq)
    for key in mine:
        payload = _decode(values[key] or "")
        entry.listens.extend(ListenState.from_list(values_) for values_ in payload["listens"])
        if "action" in payload:
            entry.action = payload["action"]
            entry.title_alias_ids = payload["title_aliases"]
            entry.artist_alias_ids = payload["artist_aliases"]
    session.execute(delete(ConfigEntry).where(ConfigEntry.key.in_(mine)))
    return entry
