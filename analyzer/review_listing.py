"""`tonearm review list`: listens waiting for a person, grouped by song, artist or release, biggest groups
first, every listen of the groups shown with its stored candidates. By song the groups come from
:func:`analyzer.review_queue.queue_page` (grouped and limited in SQL); by artist or release they are formed
here, because an artist key drops a leading "The", which SQL cannot. Decisions are :mod:`analyzer.review`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, select, tuple_
from sqlalchemy.orm import Session

from analyzer.matching.keys import artist_key
from models.artists import Artist
from models.enums import EnrichStatus
from models.listens import Listen, ListenMatchCandidate
from models.normalize import normalize
from models.tracks import Track

GroupBy = Literal["song", "artist", "release"]
REVIEWABLE = (EnrichStatus.AMBIGUOUS, EnrichStatus.UNMATCHED)


@dataclass(frozen=True)
class CandidateView:
    track_id: int
    rank: int
    confidence: float
    title: str
    artist: str
    features: dict[str, object]


@dataclass(frozen=True)
class ReviewItem:
    listen_id: int
    listened_at: datetime
    artist_name: str
    track_name: str
    release_name: str | None
    status: str
    confidence: float | None
    reason: str | None
    candidates: tuple[CandidateView, ...]


@dataclass
class ReviewGroup:
    """Listens to review together: same song (artist + title), same artist, or same release."""

    key: str
    items: list[ReviewItem] = field(default_factory=list)


def review_queue(
    session: Session,
    *,
    status: EnrichStatus | None = None,
    group_by: GroupBy = "song",
    limit: int | None = None,
) -> list[ReviewGroup]:
    """Listens waiting for a person (ambiguous and unmatched, or one ``status``), grouped, biggest groups
    first, each with its stored candidates best first. Songs put aside with
    :func:`analyzer.review_queue.skip_group` are left out of the "song" grouping (as in the window).

    By song the groups are formed and limited in SQL (:func:`analyzer.review_queue.queue_page`) and only
    the listens of the groups shown are read."""
    statuses = (status,) if status else REVIEWABLE
    if group_by == "song":
        return _song_queue(session, statuses, limit)
    # Plain rows, not ORM objects, and candidates only for the groups shown.
    statement = (
        select(*_ITEM_COLUMNS)
        .where(Listen.enrich_status.in_(statuses))
        .order_by(Listen.artist_name_normalized, Listen.track_name_normalized, Listen.listened_at)
    )
    grouped: dict[str, tuple[str, list[Row[Any]]]] = {}
    for row in session.execute(statement):
        key, label = _group_key(row, group_by)
        grouped.setdefault(key, (label, []))[1].append(row)
    chosen = sorted(grouped.items(), key=lambda item: (-len(item[1][1]), item[1][0]))
    if limit:
        chosen = chosen[:limit]
    return _groups_of(session, [(label, rows) for _, (label, rows) in chosen])


_ITEM_COLUMNS = (
    Listen.id,
    Listen.listened_at,
    Listen.artist_name,
    Listen.track_name,
    Listen.release_name,
    Listen.artist_name_normalized,
    Listen.track_name_normalized,
    Listen.enrich_status,
    Listen.match_confidence,
    Listen.match_reason,
)


def _song_queue(session: Session, statuses: Sequence[EnrichStatus], limit: int | None) -> list[ReviewGroup]:
    from analyzer.review_queue import queue_page

    page = queue_page(session, limit=limit or 2**31 - 1, statuses=statuses)
    rows_of: dict[tuple[str, str], list[Row[Any]]] = {(g.key.artist, g.key.title): [] for g in page.groups}
    # The page carries each group's listen ids: read by primary key. A group whose id list the engine cut
    # short (MariaDB's group_concat_max_len) is read by its names instead.
    ids = sorted(i for g in page.groups for i in g.listen_ids)
    by_name = [(g.key.artist, g.key.title) for g in page.groups if not g.listen_ids]
    found: list[Row[Any]] = []
    for start in range(0, len(ids), 1000):
        found.extend(session.execute(select(*_ITEM_COLUMNS).where(Listen.id.in_(ids[start : start + 1000]))))
    for start in range(0, len(by_name), 200):
        names = tuple_(Listen.artist_name_normalized, Listen.track_name_normalized)
        found.extend(
            session.execute(
                select(*_ITEM_COLUMNS).where(
                    Listen.enrich_status.in_(statuses), names.in_(by_name[start : start + 200])
                )
            )
        )
    for row in sorted(found, key=lambda row: (row.listened_at, row.id)):
        rows_of[(row.artist_name_normalized, row.track_name_normalized)].append(row)
    return _groups_of(session, [(g.label, rows_of[(g.key.artist, g.key.title)]) for g in page.groups])


def _groups_of(session: Session, chosen: list[tuple[str, list[Row[Any]]]]) -> list[ReviewGroup]:
    candidates = _candidates_of(session, [row.id for _, rows in chosen for row in rows])
    groups = []
    for label, rows in chosen:
        group = ReviewGroup(label)
        group.items.extend(
            ReviewItem(
                row.id,
                row.listened_at,
                row.artist_name,
                row.track_name,
                row.release_name,
                str(row.enrich_status),
                row.match_confidence,
                row.match_reason,
                tuple(candidates.get(row.id, ())),
            )
            for row in rows
        )
        groups.append(group)
    return groups


def _group_key(listen: Listen | Row[Any], group_by: GroupBy) -> tuple[str, str]:
    if group_by == "artist":
        return artist_key(listen.artist_name), listen.artist_name
    if group_by == "release":
        return normalize(listen.release_name), listen.release_name or "(no release)"
    key = f"{artist_key(listen.artist_name)}\x00{listen.track_name_normalized}"
    return key, f"{listen.artist_name} - {listen.track_name}"


def _candidates_of(session: Session, listen_ids: Sequence[int]) -> dict[int, list[CandidateView]]:
    """Stored candidates of these listens, best first. Plain rows; the track names are read once per
    track and each distinct features text parsed once (the matcher memoizes per description, so the
    listens of one song share it): the top 50 groups of a large queue hold ~100,000 candidate rows."""
    rows: list[tuple[int, int, float, int, str | None]] = []
    for start in range(0, len(listen_ids), 500):
        rows.extend(
            session.execute(
                select(
                    ListenMatchCandidate.listen_id,
                    ListenMatchCandidate.track_id,
                    ListenMatchCandidate.confidence,
                    ListenMatchCandidate.rank,
                    ListenMatchCandidate.features_json,
                )
                .where(ListenMatchCandidate.listen_id.in_(listen_ids[start : start + 500]))
                .order_by(ListenMatchCandidate.listen_id, ListenMatchCandidate.rank)
            ).tuples()
        )
    tracks = sorted({row[1] for row in rows})
    names: dict[int, tuple[str, str]] = {}
    for start in range(0, len(tracks), 500):
        for track_id, title, artist in session.execute(
            select(Track.id, Track.title, Artist.name)
            .outerjoin(Artist, Artist.id == Track.primary_artist_id)
            .where(Track.id.in_(tracks[start : start + 500]))
        ):
            names[track_id] = (title, artist or "")
    parsed: dict[str, dict[str, object]] = {}
    found: dict[int, list[CandidateView]] = {}
    for listen_id, track_id, confidence, rank, text in rows:
        if track_id not in names:
            continue
        features = parsed.get(text or "")
        if features is None:
            features = parsed[text or ""] = json.loads(text) if text else {}
        title, artist = names[track_id]
        found.setdefault(listen_id, []).append(
            CandidateView(track_id, rank, confidence, title, artist, features)
        )
    return found
