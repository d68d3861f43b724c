"""Playlists imported from files, kept in playlists / playlist_entries / playlist_items.

Import is a long operation (parse, load the matcher, match, write): nothing is written until every entry of
a playlist is matched, and each playlist is written in one transaction, so a cancelled or failed import
leaves no half playlist. Re-importing the same file (same absolute path; for a Spotify export, the same
playlist name in it) replaces that playlist's entries instead of adding a playlist, and keeps the review
decisions made on entries that are still there.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from analyzer.curation.playlist_formats import ParsedEntry, ParsedPlaylist, ParseProblem, read_playlists
from analyzer.curation.playlist_match import EntryMatch, PlaylistMatcher
from models.curation import (
    EntryStatus,
    Playlist,
    PlaylistEntry,
    PlaylistEntryCandidate,
    PlaylistItem,
    PlaylistSource,
)
from models.engine import Database
from models.progress import CancelToken, Progress

_PROGRESS_EVERY = 200
_MULTI_PLAYLIST_FORMATS = {"spotify"}


class PlaylistNotFound(LookupError):
    """No playlist with that id or title."""


@dataclass
class ImportedPlaylist:
    playlist_id: int
    title: str
    format: str
    updated: bool  # True: an earlier import of the same source was replaced
    counts: dict[str, int]  # matched / ambiguous / missing
    problems: list[ParseProblem]


@dataclass
class ImportSummary:
    path: str
    playlists: list[ImportedPlaylist] = field(default_factory=list)
    cancelled: bool = False


def source_key(path: str, title: str | None, fmt: str) -> str:
    """Identity of an imported source: the file's absolute path (plus the playlist's name for formats
    that hold several playlists), hashed like media_files paths."""
    key = os.path.abspath(path)
    if fmt in _MULTI_PLAYLIST_FORMATS:
        key += "\0" + (title or "")
    return hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()


def import_playlist_file(
    db: Database,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    cancel: CancelToken | None = None,
    matcher: PlaylistMatcher | None = None,
) -> Generator[Progress, None, ImportSummary]:
    """Parse ``path`` (raises :class:`PlaylistFormatError` when it is not a playlist), match every entry,
    store each playlist. Yields stages ``load`` and ``match``; returns what was stored."""
    source = os.path.abspath(path)
    parsed = read_playlists(source, fmt)
    summary = ImportSummary(source)
    total = sum(len(p.entries) for p in parsed)
    yield Progress("load", 0, total, "reading the library")
    base_dir = os.path.dirname(source)
    if matcher is None:
        with db.session() as session:
            pairs = [(entry, base_dir) for playlist in parsed for entry in playlist.entries]
            matcher = PlaylistMatcher.load(session, entries=pairs)
    done = 0
    for playlist in parsed:
        decisions: list[EntryMatch] = []
        for entry in playlist.entries:
            if cancel is not None and cancel.cancelled:
                summary.cancelled = True
                return summary
            decisions.append(matcher.match(entry, base_dir))
            done += 1
            if done % _PROGRESS_EVERY == 0:
                yield Progress("match", done, total, playlist.title or "")
        with db.session() as session:
            summary.playlists.append(store_playlist(session, source, playlist, decisions))
    yield Progress("match", done, total, "done")
    return summary


def store_playlist(
    session: Session, source: str, parsed: ParsedPlaylist, decisions: Sequence[EntryMatch]
) -> ImportedPlaylist:
    """Create or replace the playlist imported from ``source`` (caller's transaction)."""
    title = parsed.title or Path(source).stem
    key = source_key(source, parsed.title, parsed.format)
    existing = session.scalar(select(PlaylistSource).where(PlaylistSource.source_key == key))
    kept: dict[tuple[str | None, ...], tuple[int | None, str]] = {}
    if existing is not None:
        playlist = session.get_one(Playlist, existing.playlist_id)
        playlist.title = title
        kept = _review_decisions(session, playlist.id)
        _clear_entries(session, playlist.id)
        existing.format = parsed.format
    else:
        playlist = Playlist(platform="local", title=title)
        session.add(playlist)
        session.flush()
        session.add(
            PlaylistSource(playlist_id=playlist.id, source_path=source, source_key=key, format=parsed.format)
        )
    final = [
        _apply_review(entry, decision, kept)
        for entry, decision in zip(parsed.entries, decisions, strict=True)
    ]
    write_entries(session, playlist.id, parsed.entries, final)
    counts = {status.value: 0 for status in EntryStatus}
    for decision in final:
        counts[decision.status.value] += 1
    return ImportedPlaylist(playlist.id, title, parsed.format, existing is not None, counts, parsed.problems)


def write_entries(
    session: Session,
    playlist_id: int,
    entries: Sequence[ParsedEntry],
    decisions: Sequence[EntryMatch],
    notes: Sequence[str | None] | None = None,
) -> None:
    """Insert entries (positions 1..n) with their decisions, candidates, and a playlist_items row for each
    entry that resolved to a track. The playlist must have no entries yet."""
    rows = []
    for position, (entry, decision) in enumerate(zip(entries, decisions, strict=True), start=1):
        ids = {k: v for k, v in (("recording_mbid", entry.recording_mbid), ("isrc", entry.isrc),
                                 ("spotify_id", entry.spotify_id)) if v}  # fmt: skip
        rows.append(PlaylistEntry(
            playlist_id=playlist_id, position=position, line_no=entry.line_no, artist=_cut(entry.artist),
            title=_cut(entry.title), album=_cut(entry.album), location=entry.location,
            duration_secs=entry.duration_secs, start_secs=entry.start_secs,
            ids_json=json.dumps(ids) if ids else None, track_id=decision.track_id, score=decision.score,
            status=decision.status, reason=decision.reason[:64],
            note=_cut(notes[position - 1], 255) if notes else None,
        ))  # fmt: skip
    session.add_all(rows)
    session.flush()  # one batched INSERT; the rows now have their ids
    for row, decision in zip(rows, decisions, strict=True):
        seen: set[int] = set()
        for track_id, score, features in decision.candidates:
            if track_id and track_id not in seen:
                seen.add(track_id)
                session.add(PlaylistEntryCandidate(entry_id=row.id, track_id=track_id, score=score,
                                                   features_json=features))  # fmt: skip
        if decision.track_id is not None:
            session.add(
                PlaylistItem(playlist_id=playlist_id, position=row.position, track_id=decision.track_id)
            )
    session.flush()


def _cut(value: str | None, limit: int = 1024) -> str | None:
    return value[:limit] if value else value


def _clear_entries(session: Session, playlist_id: int) -> None:
    entry_ids = select(PlaylistEntry.id).where(PlaylistEntry.playlist_id == playlist_id)
    session.execute(
        delete(PlaylistEntryCandidate).where(PlaylistEntryCandidate.entry_id.in_(entry_ids.scalar_subquery()))
    )
    session.execute(delete(PlaylistEntry).where(PlaylistEntry.playlist_id == playlist_id))
    session.execute(delete(PlaylistItem).where(PlaylistItem.playlist_id == playlist_id))


def _entry_key(artist: str | None, title: str | None, location: str | None) -> tuple[str | None, ...]:
    return ((artist or "").casefold(), (title or "").casefold(), location)


def _review_decisions(
    session: Session, playlist_id: int
) -> dict[tuple[str | None, ...], tuple[int | None, str]]:
    rows = session.execute(
        select(PlaylistEntry.artist, PlaylistEntry.title, PlaylistEntry.location, PlaylistEntry.track_id,
               PlaylistEntry.reason)
        .where(PlaylistEntry.playlist_id == playlist_id, PlaylistEntry.reason.like("review%"))
    ).tuples()  # fmt: skip
    return {_entry_key(a, t, loc): (track_id, reason or "review") for a, t, loc, track_id, reason in rows}


def _apply_review(
    entry: ParsedEntry, decision: EntryMatch, kept: dict[tuple[str | None, ...], tuple[int | None, str]]
) -> EntryMatch:
    previous = kept.get(_entry_key(entry.artist, entry.title, entry.location))
    if previous is None:
        return decision
    track_id, reason = previous
    status = EntryStatus.MATCHED if track_id is not None else EntryStatus.MISSING
    return EntryMatch(status, track_id, 100 if track_id is not None else 0, reason, decision.candidates)


# --- reading ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlaylistSummary:
    id: int
    title: str
    platform: str
    format: str | None
    source_path: str | None
    entries: int
    matched: int
    ambiguous: int
    missing: int


def list_playlists(session: Session) -> list[PlaylistSummary]:
    """Every playlist with its entry counts per status, by title."""
    counts: dict[int, dict[str, int]] = {}
    rows = session.execute(
        select(PlaylistEntry.playlist_id, PlaylistEntry.status, func.count()).group_by(
            PlaylistEntry.playlist_id, PlaylistEntry.status
        )
    ).tuples()
    for playlist_id, status, n in rows:
        counts.setdefault(playlist_id, {})[EntryStatus(status).value] = n
    item_rows = session.execute(
        select(PlaylistItem.playlist_id, func.count()).group_by(PlaylistItem.playlist_id)
    )
    items = {playlist_id: n for playlist_id, n in item_rows.tuples()}
    result = []
    query = (
        select(
            Playlist.id, Playlist.title, Playlist.platform, PlaylistSource.format, PlaylistSource.source_path
        )
        .outerjoin(PlaylistSource, PlaylistSource.playlist_id == Playlist.id)
        .order_by(Playlist.title, Playlist.id)
    )
    for playlist_id, title, platform, fmt, path in session.execute(query).tuples():
        by_status = counts.get(playlist_id, {})
        total = sum(by_status.values()) or items.get(playlist_id, 0)
        matched = by_status.get("matched", 0) if by_status else items.get(playlist_id, 0)
        result.append(PlaylistSummary(playlist_id, title, platform, fmt, path, total, matched,
                                      by_status.get("ambiguous", 0), by_status.get("missing", 0)))  # fmt: skip
    return result


def find_playlist(session: Session, name_or_id: str | int) -> int:
    """A playlist id from an id or an exact (case-insensitive) title; raises PlaylistNotFound."""
    numeric = isinstance(name_or_id, int) or str(name_or_id).isdigit()
    if numeric and session.get(Playlist, int(name_or_id)) is not None:
        return int(name_or_id)
    wanted = str(name_or_id).casefold()
    ids = [pid for pid, title in session.execute(select(Playlist.id, Playlist.title)).tuples()
           if title.casefold() == wanted]  # fmt: skip
    if len(ids) == 1:
        return ids[0]
    if len(ids) > 1:
        raise PlaylistNotFound(
            f"{len(ids)} playlists are called {name_or_id!r}: use the id ({', '.join(map(str, ids))})"
        )
    raise PlaylistNotFound(f"no playlist with id or title {name_or_id!r} (tonearm playlist list shows them)")


def playlist_track_ids(session: Session, playlist_id: int) -> list[int]:
    """The playlist's tracks in order (entries that resolved to a track; whole releases expanded)."""
    from models.releases import ReleaseItem

    rows = session.execute(
        select(PlaylistItem.track_id, PlaylistItem.release_id)
        .where(PlaylistItem.playlist_id == playlist_id)
        .order_by(PlaylistItem.position)
    ).tuples()
    ids: list[int] = []
    for track_id, release_id in rows:
        if track_id is not None:
            ids.append(track_id)
        elif release_id is not None:
            ids.extend(session.scalars(
                select(ReleaseItem.track_id).where(ReleaseItem.release_id == release_id)
                .order_by(ReleaseItem.disc_no, ReleaseItem.track_no)
            ))  # fmt: skip
    return ids
