"""The aliases review decisions taught the matcher: what was learned, from which decision, and removing one.

A learned alias is a ``title_aliases`` row (source ``review``: a raw title linked to a track) or an
``artist_aliases`` row (source ``review``: a raw artist string taken as one of the track's artists).
No table records which decision taught it; the decision is found again from the listens it linked
(``manual`` listens with a ``review_*`` reason whose raw title or artist is the alias), which is exactly
how :func:`analyzer.review._learn_aliases` made it. Removing an alias changes the library fingerprint,
so the next enrich run re-tries the unsure listens without it; listens already decided stay decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models.artists import Artist, ArtistAlias
from models.enums import EnrichStatus
from models.listens import Listen
from models.tracks import TitleAlias, Track

AliasKind = Literal["title", "artist"]
_ACTION_WORDS = {
    "review_accept": "accepted",
    "review_accept_group": "accepted as a group",
    "review_link": "linked by hand",
    "review_confirm": "confirmed",
}


@dataclass(frozen=True, slots=True)
class LearnedAlias:
    kind: AliasKind
    alias_id: int
    alias: str
    target: str  # the track ("Creep" by Radiohead) or the artist it now resolves to
    target_id: int  # track id (title) or artist id (artist)
    created_at: datetime
    action: str | None  # the decision's match_reason (review_accept...), None when no listen shows it
    reviewer: str | None
    reviewed_at: datetime | None
    listens: int  # listens that decision linked with this spelling

    @property
    def decision(self) -> str:
        """The decision in words: "accepted as a group by ada, 12 listens"."""
        if self.action is None:
            return "no decided listen uses it any more"
        words = _ACTION_WORDS.get(self.action, self.action.removeprefix("review_"))
        who = f" by {self.reviewer}" if self.reviewer else ""
        return f"{words}{who}, {self.listens:,} listen{'s' if self.listens != 1 else ''}"


@dataclass
class _Use:
    action: str
    reviewer: str | None
    reviewed_at: datetime | None
    listens: int


def learned_aliases(session: Session) -> list[LearnedAlias]:
    """Every alias review decisions learned, newest first."""
    by_title, by_artist = _decisions(session)
    found: list[LearnedAlias] = []
    titles = session.execute(
        select(TitleAlias, Track.title, Artist.name)
        .join(Track, Track.id == TitleAlias.track_id)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
        .where(TitleAlias.source == "review")
    )
    for alias, title, artist in titles:
        use = by_title.get((alias.track_id, alias.alias_normalized))
        target = f"{title} by {artist}" if artist else title
        found.append(_learned("title", alias.id, alias.alias, target, alias.track_id, alias.created_at, use))
    artists = session.execute(
        select(ArtistAlias, Artist.name)
        .join(Artist, Artist.id == ArtistAlias.artist_id)
        .where(ArtistAlias.source == "review")
    )
    for artist_alias, name in artists:
        use = by_artist.get(artist_alias.alias_normalized)
        found.append(
            _learned(
                "artist",
                artist_alias.id,
                artist_alias.alias,
                name,
                artist_alias.artist_id,
                artist_alias.created_at,
                use,
            )
        )
    found.sort(key=lambda item: (item.created_at, item.alias_id), reverse=True)
    return found


def _learned(
    kind: AliasKind, alias_id: int, alias: str, target: str, target_id: int, at: datetime, use: _Use | None
) -> LearnedAlias:
    if use is None:
        return LearnedAlias(kind, alias_id, alias, target, target_id, at, None, None, None, 0)
    return LearnedAlias(
        kind, alias_id, alias, target, target_id, at, use.action, use.reviewer, use.reviewed_at, use.listens
    )


def _decisions(session: Session) -> tuple[dict[tuple[int, str], _Use], dict[str, _Use]]:
    """The earliest review decision per (track, raw title) and per raw artist, with its listen count."""
    rows = session.execute(
        select(
            Listen.track_id,
            Listen.track_name_normalized,
            Listen.artist_name_normalized,
            Listen.match_reason,
            Listen.reviewed_by,
            func.min(Listen.reviewed_at),
            func.count(),
        )
        .where(
            Listen.enrich_status == EnrichStatus.MANUAL,
            Listen.track_id.is_not(None),
            Listen.match_reason.like("review_%"),
        )
        .group_by(
            Listen.track_id,
            Listen.track_name_normalized,
            Listen.artist_name_normalized,
            Listen.match_reason,
            Listen.reviewed_by,
        )
    )
    by_title: dict[tuple[int, str], _Use] = {}
    by_artist: dict[str, _Use] = {}
    for track_id, title, artist, action, reviewer, at, count in rows:
        _keep_earliest(by_title, (track_id, title), _Use(action, reviewer, at, count))
        _keep_earliest(by_artist, artist, _Use(action, reviewer, at, count))
    return by_title, by_artist


def _keep_earliest(table: dict[Any, _Use], key: Any, use: _Use) -> None:
    held = table.get(key)
    if held is None or (
        use.reviewed_at is not None and held.reviewed_at is not None and use.reviewed_at < held.reviewed_at
    ):
        table[key] = use
    elif held.action == use.action and held.reviewer == use.reviewer:
        held.listens += use.listens


def remove_alias(session: Session, kind: AliasKind, alias_id: int) -> bool:
    """Forget one learned alias (only review-learned ones); False when there is no such alias."""
    model = TitleAlias if kind == "title" else ArtistAlias
    result = session.execute(delete(model).where(model.id == alias_id, model.source == "review"))
    return bool(getattr(result, "rowcount", 0))
