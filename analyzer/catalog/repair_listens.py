"""Listens of a track that the identity repair split: each goes where its names and length fit, or to review.

A listen matched to a merged track (Wesnoth's two "Defeat" as one) named one of the recordings, not both.
After the split it moves to the one recording whose length and names it fits; when it fits several (no
length reported, same artist) or none, it goes back to review (``enrich_status='ambiguous'`` with every
fitting recording as a candidate) — never silently re-credited. Manual decisions are a person's and stay.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from analyzer.catalog.identity import lengths_agree
from analyzer.catalog.upsert import chunked, insert_rows
from analyzer.matching.facets import write_facet_rows
from models.artists import Artist
from models.enums import ArtistRole, EnrichStatus
from models.listen_changes import note_listens_changed
from models.listens import Listen, ListenMatchCandidate
from models.normalize import normalize
from models.tracks import TitleAlias, Track, TrackArtist, TrackGenre
from models.types import to_epoch, utcnow

REPAIR_REASON = "identity repair"
REVIEW_REASON = "identity repair: several recordings"
CANDIDATES: Table = ListenMatchCandidate.__table__  # type: ignore[assignment]
LISTENS: Table = Listen.__table__  # type: ignore[assignment]
_CREDITED = (ArtistRole.PRIMARY, ArtistRole.FEATURING)


@dataclass
class ListenMoves:
    moved: int = 0
    to_review: int = 0
    manual_kept: int = 0
    stayed: int = 0


@dataclass
class _Recording:
    """What a listen can be compared with: length, title forms, credited names, facet ids."""

    duration: float
    titles: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    artist_ids: list[int] = field(default_factory=list)
    genre_ids: list[int] = field(default_factory=list)


def redistribute_listens(session: Session, splits: Mapping[int, Collection[int]]) -> ListenMoves:
    """For each split track (old id -> the tracks its recordings are now, itself included when it kept
    some), send its listens where they fit. Writes listens, candidates, listen facets and marks the stats
    rollup for every listen touched, in the caller's transaction."""
    counts = ListenMoves()
    if not splits:
        return counts
    recordings = _recordings(session, {t for ids in splits.values() for t in ids})
    rows: list[Any] = []
    for chunk in chunked(sorted(splits)):
        rows += session.execute(
            select(
                Listen.id,
                Listen.user_id,
                Listen.listened_at,
                Listen.track_id,
                Listen.track_duration_secs,
                Listen.artist_name_normalized,
                Listen.track_name_normalized,
                Listen.enrich_status,
            ).where(Listen.track_id.in_(chunk))
        ).all()
    taken = _taken_moments(session, recordings)
    moves: list[dict[str, Any]] = []
    reviews: list[tuple[int, list[int]]] = []
    touched: list[tuple[int, int]] = []
    for listen_id, user_id, at, old, length, artist, title, status in rows:
        if status == EnrichStatus.MANUAL:
            counts.manual_kept += 1
            continue
        options = sorted(splits[old])
        fits = _fitting(options, recordings, length, artist or "", title or "")
        epoch = to_epoch(at)
        if len(fits) == 1 and fits[0] == old:
            counts.stayed += 1
            continue
        if len(fits) == 1 and (user_id, fits[0], epoch) not in taken:
            taken.add((user_id, fits[0], epoch))
            moves.append({"lid": listen_id, "tid": fits[0]})
            counts.moved += 1
        else:
            reviews.append((listen_id, fits or options))
            counts.to_review += 1
        touched.append((user_id, epoch))
    _write_moves(session, moves, recordings)
    _write_reviews(session, reviews, recordings)
    _widen_candidates(session, splits)
    note_listens_changed(session, touched)
    return counts


def _fitting(
    options: list[int], recordings: dict[int, _Recording], length: float | None, artist: str, title: str
) -> list[int]:
    """The options a listen fits best: each meets some of "its length agrees", "its artist names one of
    the credits", "its title is the track's or an alias"; the options meeting the most are kept, so
    evidence pulling two ways (the length of one, the artist of another) leaves a choice for review."""
    scores: dict[int, int] = {}
    for option in options:
        recording = recordings[option]
        scores[option] = (
            int(lengths_agree(recording.duration, length))
            + int(not artist or any(_names(artist, name) for name in recording.names))
            + int(not title or title in recording.titles)
        )
    best = max(scores.values(), default=0)
    return [option for option in options if scores[option] == best]


def _names(listen_artist: str, credited: str) -> bool:
    return listen_artist == credited or f" {credited} " in f" {listen_artist} "


def _recordings(session: Session, track_ids: set[int]) -> dict[int, _Recording]:
    found: dict[int, _Recording] = {}
    ids = sorted(track_ids)
    for chunk in chunked(ids):
        for tid, duration, title in session.execute(
            select(Track.id, Track.duration_secs, Track.title_normalized).where(Track.id.in_(chunk))
        ):
            found[tid] = _Recording(float(duration or 0.0), {title})
        for tid, alias in session.execute(
            select(TitleAlias.track_id, TitleAlias.alias_normalized).where(TitleAlias.track_id.in_(chunk))
        ):
            found[tid].titles.add(alias)
        credits = session.execute(
            select(
                TrackArtist.track_id, TrackArtist.artist_id, TrackArtist.credited_name, Artist.name_normalized
            )
            .join(Artist, Artist.id == TrackArtist.artist_id)
            .where(TrackArtist.track_id.in_(chunk), TrackArtist.role.in_(_CREDITED))
            .order_by(TrackArtist.track_id, TrackArtist.position)
        )
        for tid, artist_id, credited, name_key in credits:
            recording = found[tid]
            recording.names.update(n for n in (normalize(credited), name_key) if n)
            if artist_id not in recording.artist_ids:
                recording.artist_ids.append(artist_id)
        for tid, genre_id in session.execute(
            select(TrackGenre.track_id, TrackGenre.genre_id).where(TrackGenre.track_id.in_(chunk))
        ):
            found[tid].genre_ids.append(genre_id)
    return found


def _taken_moments(session: Session, recordings: Mapping[int, _Recording]) -> set[tuple[int, int, int]]:
    """(user, track, second) already held: uq_listen_dedupe forbids a second listen there."""
    taken: set[tuple[int, int, int]] = set()
    for chunk in chunked(sorted(recordings)):
        for user_id, track_id, at in session.execute(
            select(Listen.user_id, Listen.track_id, Listen.listened_at).where(Listen.track_id.in_(chunk))
        ):
            taken.add((user_id, track_id, to_epoch(at)))
    return taken


def _write_moves(session: Session, moves: list[dict[str, Any]], recordings: dict[int, _Recording]) -> None:
    if not moves:
        return
    statement = (
        update(LISTENS)
        .where(LISTENS.c.id == bindparam("lid"))
        .values(track_id=bindparam("tid"), match_reason=REPAIR_REASON, last_enriched_at=utcnow())
    )
    session.execute(statement, moves)
    listen_ids = [m["lid"] for m in moves]
    for chunk in chunked(listen_ids):
        session.execute(CANDIDATES.delete().where(CANDIDATES.c.listen_id.in_(chunk)))
    write_facet_rows(
        session,
        listen_ids,
        [(m["lid"], a) for m in moves for a in recordings[m["tid"]].artist_ids],
        [(m["lid"], g) for m in moves for g in dict.fromkeys(recordings[m["tid"]].genre_ids)],
    )


def _write_reviews(
    session: Session, reviews: list[tuple[int, list[int]]], recordings: dict[int, _Recording]
) -> None:
    if not reviews:
        return
    listen_ids = [listen_id for listen_id, _ in reviews]
    for chunk in chunked(listen_ids):
        session.execute(
            update(Listen)
            .where(Listen.id.in_(chunk))
            .values(
                track_id=None,
                enrich_status=EnrichStatus.AMBIGUOUS,
                match_confidence=None,
                match_reason=REVIEW_REASON,
                last_enriched_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        session.execute(CANDIDATES.delete().where(CANDIDATES.c.listen_id.in_(chunk)))
    features = json.dumps({"identity_repair": 1.0})
    rows = [
        {"listen_id": lid, "track_id": tid, "confidence": 0.5, "rank": rank, "features_json": features}
        for lid, options in reviews
        for rank, tid in enumerate(options, start=1)
    ]
    insert_rows(session, CANDIDATES, rows)
    artists: dict[int, dict[int, None]] = defaultdict(dict)
    for lid, options in reviews:
        for tid in options:
            artists[lid].update(dict.fromkeys(recordings[tid].artist_ids))
    write_facet_rows(session, listen_ids, [(lid, a) for lid, ids in artists.items() for a in ids], [])


def _widen_candidates(session: Session, splits: Mapping[int, Collection[int]]) -> None:
    """A listen in review that had the merged track as a candidate now has each of its recordings."""
    rows: list[dict[str, Any]] = []
    for chunk in chunked(sorted(splits)):
        for listen_id, track_id, confidence, rank, features in session.execute(
            select(
                CANDIDATES.c.listen_id,
                CANDIDATES.c.track_id,
                CANDIDATES.c.confidence,
                CANDIDATES.c.rank,
                CANDIDATES.c.features_json,
            ).where(CANDIDATES.c.track_id.in_(chunk))
        ):
            for other in splits[track_id]:
                if other != track_id:
                    rows.append(
                        {
                            "listen_id": listen_id,
                            "track_id": other,
                            "confidence": confidence,
                            "rank": rank,
                            "features_json": features,
                        }
                    )
    insert_rows(session, CANDIDATES, rows)
