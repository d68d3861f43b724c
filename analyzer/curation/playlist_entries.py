"""A playlist's entries as a person reads them, re-matching after the library changed, and review decisions
on ambiguous entries (the review screen's core: :func:`ambiguous_entries`, :func:`entry_candidates`,
:func:`decide_entry`).

Decisions are remembered on the entry (reason ``review_link`` / ``review_reject``): re-matching and
re-importing keep them, as enrich keeps ``manual`` listens.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from analyzer.curation.playlist_formats import ParsedEntry
from analyzer.curation.playlist_match import EntryMatch, PlaylistMatcher
from models.artists import Artist
from models.curation import EntryStatus, PlaylistEntry, PlaylistEntryCandidate, PlaylistItem, PlaylistSource
from models.engine import Database
from models.progress import CancelToken, Progress
from models.tracks import Track


class EntryNotFound(LookupError):
    """No playlist entry with that id (or the track to link does not exist)."""


@dataclass(frozen=True, slots=True)
class EntryView:
    id: int
    position: int
    line_no: int | None
    artist: str | None
    title: str | None
    album: str | None
    location: str | None
    duration_secs: float | None
    start_secs: float | None
    status: str
    score: int
    reason: str | None
    note: str | None
    track_id: int | None
    track_title: str | None
    track_artist: str | None

    @property
    def label(self) -> str:
        """How the source named the entry: "Artist - Title", else its location."""
        if self.title:
            return f"{self.artist} - {self.title}" if self.artist else self.title
        return self.location or "?"


def playlist_entries(
    session: Session, playlist_id: int, status: EntryStatus | None = None
) -> list[EntryView]:
    """Entries in playlist order (optionally one status), each with the track it resolved to."""
    query = (
        select(PlaylistEntry.id, PlaylistEntry.position, PlaylistEntry.line_no, PlaylistEntry.artist,
               PlaylistEntry.title, PlaylistEntry.album, PlaylistEntry.location, PlaylistEntry.duration_secs,
               PlaylistEntry.start_secs, PlaylistEntry.status, PlaylistEntry.score, PlaylistEntry.reason,
               PlaylistEntry.note, PlaylistEntry.track_id, Track.title, Artist.name)
        .outerjoin(Track, Track.id == PlaylistEntry.track_id)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
        .where(PlaylistEntry.playlist_id == playlist_id)
        .order_by(PlaylistEntry.position)
    )  # fmt: skip
    if status is not None:
        query = query.where(PlaylistEntry.status == status)
    views = []
    for row in session.execute(query).tuples():
        values = list(row)
        values[9] = EntryStatus(values[9]).value
        views.append(EntryView(*values))
    return views


@dataclass(frozen=True, slots=True)
class EntryCandidate:
    track_id: int
    score: int
    title: str
    artist: str | None
    evidence: dict[str, object]


def entry_candidates(session: Session, entry_id: int) -> list[EntryCandidate]:
    """The tracks an entry might be, best first, with the evidence the matcher kept."""
    rows = session.execute(
        select(PlaylistEntryCandidate.track_id, PlaylistEntryCandidate.score, Track.title, Artist.name,
               PlaylistEntryCandidate.features_json)
        .join(Track, Track.id == PlaylistEntryCandidate.track_id)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
        .where(PlaylistEntryCandidate.entry_id == entry_id)
        .order_by(PlaylistEntryCandidate.score.desc(), PlaylistEntryCandidate.track_id)
    ).tuples()  # fmt: skip
    return [
        EntryCandidate(t, s, title, artist, json.loads(f) if f else {}) for t, s, title, artist, f in rows
    ]


def ambiguous_entries(session: Session, playlist_id: int | None = None) -> list[tuple[int, EntryView]]:
    """(playlist id, entry) for every entry waiting for review, playlist by playlist."""
    query = select(PlaylistEntry.playlist_id).where(PlaylistEntry.status == EntryStatus.AMBIGUOUS).distinct()
    if playlist_id is not None:
        query = query.where(PlaylistEntry.playlist_id == playlist_id)
    found: list[tuple[int, EntryView]] = []
    for pid in sorted(session.scalars(query)):
        found.extend((pid, view) for view in playlist_entries(session, pid, EntryStatus.AMBIGUOUS))
    return found


def decide_entry(session: Session, entry_id: int, track_id: int | None) -> None:
    """Link an entry to ``track_id`` (any library track, usually one of its candidates), or with None say
    "not in my library": the entry becomes missing and stays so. The playlist's items follow."""
    entry = session.get(PlaylistEntry, entry_id)
    if entry is None:
        raise EntryNotFound(f"no playlist entry {entry_id}")
    if track_id is not None and session.get(Track, track_id) is None:
        raise EntryNotFound(f"no track {track_id} in the library")
    entry.track_id = track_id
    entry.status = EntryStatus.MATCHED if track_id is not None else EntryStatus.MISSING
    entry.score = 100 if track_id is not None else 0
    entry.reason = "review_link" if track_id is not None else "review_reject"
    session.execute(
        delete(PlaylistItem).where(
            PlaylistItem.playlist_id == entry.playlist_id, PlaylistItem.position == entry.position
        )
    )
    if track_id is not None:
        session.add(PlaylistItem(playlist_id=entry.playlist_id, position=entry.position, track_id=track_id))
    session.flush()


@dataclass
class RematchSummary:
    playlists: int = 0
    entries: int = 0
    changed: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in EntryStatus})
    cancelled: bool = False


def rematch_playlists(
    db: Database,
    playlist_id: int | None = None,
    *,
    cancel: CancelToken | None = None,
    matcher: PlaylistMatcher | None = None,
) -> Generator[Progress, None, RematchSummary]:
    """Match every entry again (after a scan or enrich changed the library); review decisions stay.
    One transaction per playlist, written only when all its entries are decided."""
    summary = RematchSummary()
    with db.session() as session:
        query = select(PlaylistEntry.playlist_id).distinct()
        if playlist_id is not None:
            query = query.where(PlaylistEntry.playlist_id == playlist_id)
        playlist_ids = sorted(session.scalars(query))
        sources = dict(
            session.execute(select(PlaylistSource.playlist_id, PlaylistSource.source_path)).tuples().all()
        )
    yield Progress("load", 0, len(playlist_ids), "reading the library")
    if matcher is None:
        with db.session() as session:
            matcher = PlaylistMatcher.load(session, entries=_stored_entries(session, playlist_ids, sources))
    for done, pid in enumerate(playlist_ids, start=1):
        if cancel is not None and cancel.cancelled:
            summary.cancelled = True
            return summary
        base_dir = os.path.dirname(sources[pid]) if pid in sources else None
        with db.session() as session:
            _rematch_one(session, matcher, pid, base_dir, summary)
        summary.playlists += 1
        yield Progress("match", done, len(playlist_ids))
    return summary


def _stored_entries(
    session: Session, playlist_ids: list[int], sources: dict[int, str]
) -> list[tuple[ParsedEntry, str | None]]:
    wanted = set(playlist_ids)
    rows = session.scalars(select(PlaylistEntry).order_by(PlaylistEntry.playlist_id, PlaylistEntry.position))
    return [
        (
            _parsed(entry),
            os.path.dirname(sources[entry.playlist_id]) if entry.playlist_id in sources else None,
        )
        for entry in rows
        if entry.playlist_id in wanted
    ]


def _parsed(entry: PlaylistEntry) -> ParsedEntry:
    ids = json.loads(entry.ids_json) if entry.ids_json else {}
    return ParsedEntry(entry.line_no, entry.artist, entry.title, entry.album, entry.location,
                       entry.duration_secs, entry.start_secs, **ids)  # fmt: skip


def _rematch_one(
    session: Session,
    matcher: PlaylistMatcher,
    playlist_id: int,
    base_dir: str | None,
    summary: RematchSummary,
) -> None:
    entries = session.scalars(
        select(PlaylistEntry).where(PlaylistEntry.playlist_id == playlist_id).order_by(PlaylistEntry.position)
    ).all()
    for entry in entries:
        summary.entries += 1
        if (entry.reason or "").startswith("review") or entry.reason == "setlist":
            summary.counts[EntryStatus(entry.status).value] += 1
            continue
        decision = matcher.match(_parsed(entry), base_dir)
        if (decision.status, decision.track_id, decision.score) != (
            entry.status,
            entry.track_id,
            entry.score,
        ):
            summary.changed += 1
            _replace_decision(session, entry, decision)
        summary.counts[decision.status.value] += 1
    session.flush()


def _replace_decision(session: Session, entry: PlaylistEntry, decision: EntryMatch) -> None:
    entry.status, entry.track_id, entry.score, entry.reason = (
        decision.status, decision.track_id, decision.score, decision.reason[:64],
    )  # fmt: skip
    session.execute(delete(PlaylistEntryCandidate).where(PlaylistEntryCandidate.entry_id == entry.id))
    seen: set[int] = set()
    for track_id, score, features in decision.candidates:
        if track_id and track_id not in seen:
            seen.add(track_id)
            session.add(
                PlaylistEntryCandidate(
                    entry_id=entry.id, track_id=track_id, score=score, features_json=features
                )
            )
    session.execute(
        delete(PlaylistItem).where(
            PlaylistItem.playlist_id == entry.playlist_id, PlaylistItem.position == entry.position
        )
    )
    if decision.track_id is not None:
        session.add(
            PlaylistItem(playlist_id=entry.playlist_id, position=entry.position, track_id=decision.track_id)
        )
