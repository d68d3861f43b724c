"""Human review of listen matches: decisions (accept, link, reject, accept a whole group or an exact set
of its listens, undo) that `tonearm review` and the Review screen both call. Functions take a Session; the
caller commits, one transaction per decision. The grouped queue the window pages through is
:mod:`analyzer.review_queue`; the CLI's listing (:func:`review_queue`) is :mod:`analyzer.review_listing`,
re-exported here.

A decision marks the listen ``manual`` (enrich never touches it again), records who and when, and learns
aliases from a link -- the raw title as a title alias of the track, the raw artist as an alias of its
primary artist when it did not already resolve -- so the next enrich links the same spelling by itself.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from analyzer import review_log
from analyzer.matching.facets import Facets, artists_named, replace_facets, track_facets
from analyzer.matching.keys import artist_key, artist_keys
from analyzer.review_listing import REVIEWABLE, CandidateView, GroupBy, ReviewGroup, ReviewItem, review_queue
from analyzer.review_log import ListenState, UndoEntry
from models.artists import Artist, ArtistAlias, utcnow
from models.enums import EnrichStatus
from models.listen_changes import note_listens_changed
from models.listens import Listen, ListenMatchCandidate
from models.normalize import normalize
from models.tracks import TitleAlias, Track
from models.types import to_epoch

_ALIAS_WIDTH = 255
__all__ = [
    "REVIEWABLE",
    "CandidateView",
    "Decision",
    "GroupBy",
    "ReviewError",
    "ReviewGroup",
    "ReviewItem",
    "accept",
    "accept_group",
    "accept_listens",
    "link",
    "reject",
    "reject_listens",
    "review_queue",
    "undo",
]


class ReviewError(Exception):
    """A decision that cannot be made as asked; the message is one line for a person."""


@dataclass
class Decision:
    action: str
    listen_ids: list[int]
    track_id: int | None
    skipped: list[int] = field(default_factory=list)  # would repeat another listen's (user, second, track)
    learned: list[str] = field(default_factory=list)  # aliases learned, as "title: X" / "artist: X"


def accept(session: Session, listen_id: int, track_id: int | None = None, *, reviewer: str) -> Decision:
    """Link a listen to one of its candidates (the best one when ``track_id`` is None)."""
    listen = _listen(session, listen_id)
    chosen = _candidate_track(session, listen, track_id)
    return _link(session, [listen], chosen, reviewer=reviewer, action="accept")


def link(session: Session, listen_id: int, track_id: int, *, reviewer: str) -> Decision:
    """Link a listen to any track of the library (not only a candidate)."""
    if session.get(Track, track_id) is None:
        raise ReviewError(f"no track {track_id}")
    return _link(session, [_listen(session, listen_id)], track_id, reviewer=reviewer, action="link")


def accept_group(
    session: Session,
    listen_id: int,
    track_id: int | None = None,
    *,
    reviewer: str,
    exclude: Collection[int] = (),
) -> Decision:
    """Link every not-yet-decided listen with this listen's artist and title (normalized) to one track:
    ``track_id``, or this listen's best candidate. Listens a person already decided are left alone, and
    so are the ``exclude`` ones (a group accepted with some listens unticked)."""
    listen = _listen(session, listen_id)
    chosen = track_id if track_id is not None else _candidate_track(session, listen, None)
    if session.get(Track, chosen) is None:
        raise ReviewError(f"no track {chosen}")
    same_song = session.scalars(
        select(Listen)
        .where(
            Listen.artist_name_normalized == listen.artist_name_normalized,
            Listen.track_name_normalized == listen.track_name_normalized,
            Listen.enrich_status != EnrichStatus.MANUAL,
        )
        .order_by(Listen.id)
    )
    group = [
        row
        for row in same_song
        if (row.track_id != chosen or row.enrich_status != EnrichStatus.MATCHED) and row.id not in exclude
    ]
    if listen not in group and listen.enrich_status != EnrichStatus.MANUAL and listen.id not in exclude:
        group.insert(0, listen)
    return _link(session, group, chosen, reviewer=reviewer, action="accept_group", strict=False)


def reject(session: Session, listen_id: int, *, reviewer: str) -> Decision:
    """Say the listen is none of the candidates (not in the library): unlinked, and left alone by enrich."""
    listen = _listen(session, listen_id)
    entry = UndoEntry("reject", [_state(listen)])
    _decide(session, [listen], None, reviewer, "review_reject")
    review_log.push(session, entry)
    return Decision("reject", [listen.id], None)


def accept_listens(
    session: Session, listen_ids: Sequence[int], track_id: int, *, reviewer: str, action: str = "accept_group"
) -> Decision:
    """Link exactly these listens to one track in one decision (the review screen's group accept, with
    the unticked listens left out by the caller). Listens a person decided meanwhile, and listens that
    would repeat another listen's (user, second, track), are left alone and returned in ``skipped``."""
    if action not in ("accept", "accept_group", "link", "confirm"):
        raise ReviewError(f"unknown review action {action!r}")
    if session.get(Track, track_id) is None:
        raise ReviewError(f"no track {track_id}")
    listens, decided = _open_listens(session, listen_ids)
    if not listens:
        raise ReviewError("every one of these listens was decided already")
    decision = _link(session, listens, track_id, reviewer=reviewer, action=action, strict=False)
    decision.skipped.extend(decided)
    return decision


def reject_listens(session: Session, listen_ids: Sequence[int], *, reviewer: str) -> Decision:
    """Say these listens are none of their candidates (not in the library), in one decision; listens a
    person decided meanwhile are left alone and returned in ``skipped``."""
    listens, decided = _open_listens(session, listen_ids)
    if not listens:
        raise ReviewError("every one of these listens was decided already")
    entry = UndoEntry("reject", [_state(listen) for listen in listens])
    _decide(session, listens, None, reviewer, "review_reject")
    review_log.push(session, entry)
    return Decision("reject", [listen.id for listen in listens], None, decided)


def _open_listens(session: Session, listen_ids: Sequence[int]) -> tuple[list[Listen], list[int]]:
    """The listens with these ids that no person decided yet (in id order), and the ids of those that
    were decided; an id that names no listen is an error."""
    wanted = sorted(set(listen_ids))
    found: list[Listen] = []
    for start in range(0, len(wanted), 500):
        found.extend(
            session.scalars(
                select(Listen).where(Listen.id.in_(wanted[start : start + 500])).order_by(Listen.id)
            )
        )
    if len(found) != len(wanted):
        gone = sorted(set(wanted) - {listen.id for listen in found})
        raise ReviewError(f"no listen {gone[0]}")
    decided = [listen.id for listen in found if listen.enrich_status == EnrichStatus.MANUAL]
    return [listen for listen in found if listen.enrich_status != EnrichStatus.MANUAL], decided


def undo(session: Session) -> Decision | None:
    """Reverse the newest decision: the listens' previous match columns and facets, and the aliases it
    learned. None when there is nothing to undo."""
    entry = review_log.pop(session)
    if entry is None:
        return None
    for start in range(0, len(entry.listens), 500):
        session.execute(
            update(Listen),
            [
                {
                    "id": state.listen_id,
                    "track_id": state.track_id,
                    "enrich_status": EnrichStatus(state.status),
                    "match_confidence": state.confidence,
                    "match_reason": state.reason,
                    "reviewed_by": state.reviewed_by,
                    "reviewed_at": state.reviewed_at,
                }
                for state in entry.listens[start : start + 500]
            ],
        )
    for model, ids in ((TitleAlias, entry.title_alias_ids), (ArtistAlias, entry.artist_alias_ids)):
        for row in session.scalars(select(model).where(model.id.in_(ids))):
            session.delete(row)
    restored = select(Listen).where(Listen.id.in_([s.listen_id for s in entry.listens]))
    listens = session.scalars(restored.execution_options(populate_existing=True))
    _refresh_facets(session, list(listens))
    return Decision(f"undo {entry.action}", [s.listen_id for s in entry.listens], None)


def _listen(session: Session, listen_id: int) -> Listen:
    listen = session.get(Listen, listen_id)
    if listen is None:
        raise ReviewError(f"no listen {listen_id}")
    return listen


def _candidate_track(session: Session, listen: Listen, track_id: int | None) -> int:
    statement = (
        select(ListenMatchCandidate.track_id)
        .where(ListenMatchCandidate.listen_id == listen.id)
        .order_by(ListenMatchCandidate.rank)
    )
    tracks = list(session.scalars(statement))
    if track_id is None:
        if not tracks:
            raise ReviewError(f"listen {listen.id} has no candidates: link it to a track instead")
        return tracks[0]
    if track_id not in tracks:
        raise ReviewError(f"track {track_id} is not a candidate of listen {listen.id}: use link instead")
    return track_id


def _state(listen: Listen) -> ListenState:
    return ListenState(
        listen.id,
        listen.track_id,
        str(listen.enrich_status),
        listen.match_confidence,
        listen.match_reason,
        listen.reviewed_by,
        listen.reviewed_at,
    )


def _link(
    session: Session, listens: list[Listen], track_id: int, *, reviewer: str, action: str, strict: bool = True
) -> Decision:
    taken = _taken_moments(session, listens, track_id)
    chosen: list[Listen] = []
    skipped: list[int] = []
    for listen in listens:
        moment = (listen.user_id, listen.listened_at)
        if moment in taken:
            skipped.append(listen.id)
        else:
            taken.add(moment)  # two listens of the group at the same second: the first keeps the link
            chosen.append(listen)
    if skipped and strict:
        raise ReviewError(
            f"listen {skipped[0]} would repeat another listen of the same track at the same second (a duplicate)"
        )
    entry = UndoEntry(action, [_state(listen) for listen in chosen])
    _decide(session, chosen, track_id, reviewer, f"review_{action}")
    learned = _learn_aliases(session, chosen, track_id, entry)
    review_log.push(session, entry)
    return Decision(action, [listen.id for listen in chosen], track_id, skipped, learned)


def _taken_moments(session: Session, listens: list[Listen], track_id: int) -> set[tuple[int, datetime]]:
    """(user, second) pairs where another listen already links this track."""
    ids = {listen.id for listen in listens}
    moments = sorted({listen.listened_at for listen in listens})
    taken: set[tuple[int, datetime]] = set()
    for start in range(0, len(moments), 500):
        rows = session.execute(
            select(Listen.id, Listen.user_id, Listen.listened_at).where(
                Listen.track_id == track_id, Listen.listened_at.in_(moments[start : start + 500])
            )
        )
        taken.update((user_id, at) for lid, user_id, at in rows if lid not in ids)
    return taken


def _decide(
    session: Session, listens: list[Listen], track_id: int | None, reviewer: str, reason: str
) -> None:
    """Write the decision onto the listens: one executemany UPDATE by primary key (the unit of work's
    per-object flush cost ~40 % of accepting 500 listens), then the loaded objects told the new values."""
    values: dict[str, Any] = {
        "track_id": track_id,
        "enrich_status": EnrichStatus.MANUAL,
        "match_confidence": 1.0 if track_id is not None else None,
        "match_reason": reason,
        "reviewed_by": reviewer,
        "reviewed_at": utcnow(),
    }
    session.flush()
    for start in range(0, len(listens), 500):
        chunk = listens[start : start + 500]
        session.execute(update(Listen), [{"id": listen.id, **values} for listen in chunk])
    for listen in listens:
        for name, value in values.items():
            set_committed_value(listen, name, value)
    _refresh_facets(session, listens)


def _refresh_facets(session: Session, listens: list[Listen]) -> None:
    note_listens_changed(session, ((listen.user_id, to_epoch(listen.listened_at)) for listen in listens))
    by_track: dict[int, Facets] = {}
    by_name: dict[str, Facets] = {}  # a group repeats one raw artist string: resolved once
    facets: dict[int, Facets] = {}
    for listen in listens:
        if listen.track_id is not None:
            if listen.track_id not in by_track:
                by_track[listen.track_id] = track_facets(session, listen.track_id)
            facets[listen.id] = by_track[listen.track_id]
        else:
            if listen.artist_name not in by_name:
                by_name[listen.artist_name] = (artists_named(session, listen.artist_name), ())
            facets[listen.id] = by_name[listen.artist_name]
    replace_facets(session, facets)


def _learn_aliases(session: Session, listens: list[Listen], track_id: int, entry: UndoEntry) -> list[str]:
    """Remember each distinct raw spelling linked to the track, so enrich links it next time."""
    track = session.get(Track, track_id)
    assert track is not None
    credited, _genres = track_facets(session, track_id)
    known_titles = set(
        session.scalars(select(TitleAlias.alias_normalized).where(TitleAlias.track_id == track_id))
    )
    known_titles.add(track.title_normalized)
    artist_keys_of = {artist_key(name) for name in _names_and_aliases(session, credited)}
    learned: list[str] = []
    # A group repeats a few spellings many times: each distinct (title, artist) spelling is looked at once.
    spellings: dict[tuple[str, str], Listen] = {}
    for listen in listens:
        spellings.setdefault((listen.track_name, listen.artist_name), listen)
    for listen in spellings.values():
        title_normalized = normalize(listen.track_name)[:_ALIAS_WIDTH]
        if title_normalized and title_normalized not in known_titles:
            alias = TitleAlias(
                track_id=track_id,
                alias=listen.track_name,
                alias_normalized=title_normalized,
                kind="review",
                source="review",
            )
            session.add(alias)
            session.flush()
            entry.title_alias_ids.append(alias.id)
            known_titles.add(title_normalized)
            learned.append(f"title: {listen.track_name}")
        keys = set(artist_keys(listen.artist_name))
        primary = track.primary_artist_id or (credited[0] if credited else None)
        if primary is not None and keys and keys.isdisjoint(artist_keys_of):
            name = listen.artist_name[:_ALIAS_WIDTH]
            artist_alias = ArtistAlias(
                artist_id=primary, alias=name, alias_normalized=normalize(name), source="review"
            )
            session.add(artist_alias)
            session.flush()
            entry.artist_alias_ids.append(artist_alias.id)
            artist_keys_of.add(artist_key(name))
            learned.append(f"artist: {listen.artist_name}")
    return learned


def _names_and_aliases(session: Session, artist_ids: Sequence[int]) -> list[str]:
    names = list(session.scalars(select(Artist.name).where(Artist.id.in_(artist_ids))))
    names += list(session.scalars(select(ArtistAlias.alias).where(ArtistAlias.artist_id.in_(artist_ids))))
    return names
