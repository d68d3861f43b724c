"""Harmonic set building: from a starting track, N tracks where each next one is within a BPM window of the
one before and harmonically compatible on the Camelot wheel, chosen among its FAISS sound-alikes.

Allowed moves: the same key, one step around the wheel (+1 is a perfect fifth up, -1 a fifth down), the
relative major/minor (same number, other letter), and "+2", the energy boost (two steps up, same letter).
Among the neighbours that pass, the nearest in sound is taken (smooth sound), so a set drifts through the
library rather than jumping. Each transition carries its mixing recommendation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analyzer.curation.playlist_formats import ParsedEntry
from analyzer.curation.playlist_match import EntryMatch
from analyzer.curation.playlists import write_entries
from analyzer.similarity.index import SimilarityIndex, index_path, load_index, rebuild_similarity_index
from analyzer.similarity.query import TrackNotFound, compatible_keys, resolve_track
from analyzer.similarity.vectors import load_track_vectors
from models.artists import Artist
from models.curation import EntryStatus, Playlist
from models.engine import Database
from models.enums import ScanStatus
from models.media import AudioFeatures, MediaFile
from models.tracks import Track

DEFAULT_BPM_WINDOW = 6.0  # percent: what a DJ's pitch fader covers without the track sounding off
NEIGHBOURS = 50  # sound-alikes looked at per step before widening


@dataclass(frozen=True, slots=True)
class SetTrack:
    track_id: int
    title: str
    artist: str | None
    path: str | None
    duration_secs: float | None
    bpm: float
    camelot: str


@dataclass(frozen=True, slots=True)
class Transition:
    """Mixing from the previous track into ``track``: the key move, the tempo change, how it sounds."""

    track: SetTrack
    key_move: str  # same key | +1 | -1 | relative major | relative minor | +2
    recommendation: str  # e.g. "+1: perfect fifth; 124.0 -> 126.0 BPM (+1.6%)"
    bpm_change_pct: float
    distance: float


@dataclass
class Setlist:
    start: SetTrack
    transitions: list[Transition] = field(default_factory=list)
    stopped_early: str | None = None  # why the set is shorter than asked

    @property
    def tracks(self) -> list[SetTrack]:
        return [self.start, *(t.track for t in self.transitions)]


def camelot_move(before: str, after: str) -> str | None:
    """The wheel move from ``before`` to ``after`` (codes like "8A"), or None when they do not mix."""
    if after == before:
        return "same key"
    number, letter = int(before[:-1]), before[-1]
    if after == f"{number}{'B' if letter == 'A' else 'A'}":
        return "relative major" if letter == "A" else "relative minor"
    if after == f"{number % 12 + 1}{letter}":
        return "+1"
    if after == f"{(number - 2) % 12 + 1}{letter}":
        return "-1"
    if after == f"{(number + 1) % 12 + 1}{letter}":
        return "+2"
    return None


_MOVE_TEXT = {"+1": "+1: perfect fifth", "-1": "-1: perfect fourth", "+2": "+2: energy boost"}


def recommendation(before: SetTrack, after: SetTrack) -> tuple[str, str, float]:
    """(key move, the sentence a DJ reads, BPM change in percent) for mixing ``before`` into ``after``."""
    move = camelot_move(before.camelot, after.camelot)
    if move is None:
        raise ValueError(f"{before.camelot} and {after.camelot} do not mix harmonically")
    change = (after.bpm - before.bpm) / before.bpm * 100
    tempo = f"{before.bpm:.1f} -> {after.bpm:.1f} BPM ({change:+.1f}%)"
    return move, f"{_MOVE_TEXT.get(move, move)}; {tempo}", change


def mixable_keys(camelot: str) -> set[str]:
    """Every code :func:`camelot_move` accepts from ``camelot``."""
    keys = compatible_keys(camelot, "adjacent") or set()
    number, letter = int(camelot[:-1]), camelot[-1]
    return keys | {f"{(number + 1) % 12 + 1}{letter}"}


def build_setlist(
    db: Database,
    start: int,
    n: int = 10,
    *,
    bpm_window: float = DEFAULT_BPM_WINDOW,
) -> Setlist:
    """A set of up to ``n`` tracks starting at track ``start``; raises TrackNotFound when the start has no
    analysed audio, tempo or key. Stops early (and says why) when no neighbour fits."""
    if n < 1:
        raise ValueError("a set has at least one track")
    found = load_index(index_path(db)) or rebuild_similarity_index(db)
    with db.session() as session:
        info = set_tracks(session, [start])
        if start not in info:
            raise TrackNotFound(f"track {start} has no analysed tempo and key yet: run tonearm analyze")
        setlist = Setlist(info[start])
        used = {start}
        current = setlist.start
        while len(setlist.tracks) < n:
            step = _next_track(session, found, current, used, bpm_window)
            if step is None:
                setlist.stopped_early = (
                    f"no unused track within {bpm_window:g}% of {current.bpm:.1f} BPM mixes into "
                    f"{current.camelot} among its sound-alikes"
                )
                break
            chosen, distance = step
            move, text, change = recommendation(current, chosen)
            setlist.transitions.append(Transition(chosen, move, text, change, distance))
            used.add(chosen.track_id)
            current = chosen
    return setlist


def _next_track(
    session: Session, found: SimilarityIndex, current: SetTrack, used: set[int], bpm_window: float
) -> tuple[SetTrack, float] | None:
    vectors = load_track_vectors(session, [current.track_id])
    if not len(vectors.track_ids):
        return None
    query = found.place(vectors.matrix)
    keys = mixable_keys(current.camelot)
    ask = NEIGHBOURS
    while True:
        distances, ids = found.search(query, ask)
        pairs = [
            (int(i), float(d))
            for i, d in zip(ids[0], distances[0], strict=True)
            if i >= 0 and int(i) not in used
        ]
        info = set_tracks(session, [i for i, _ in pairs])
        for track_id, distance in pairs:
            candidate = info.get(track_id)
            if candidate is None or candidate.camelot not in keys:
                continue
            if abs(candidate.bpm - current.bpm) <= current.bpm * bpm_window / 100:
                return candidate, distance
        if ask >= found.size:
            return None
        ask = min(found.size, ask * 4)


def set_tracks(session: Session, track_ids: list[int]) -> dict[int, SetTrack]:
    """Tracks with a present analysed file that has both tempo and key (the best such file per track)."""
    if not track_ids:
        return {}
    rows = session.execute(
        select(Track.id, Track.title, Artist.name, MediaFile.file_path, MediaFile.duration_secs,
               AudioFeatures.bpm, AudioFeatures.camelot, MediaFile.lossless, MediaFile.id)
        .join(MediaFile, MediaFile.track_id == Track.id)
        .join(AudioFeatures, AudioFeatures.media_file_id == MediaFile.id)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
        .where(Track.id.in_(track_ids), MediaFile.scan_status != ScanStatus.MISSING,
               AudioFeatures.bpm.is_not(None), AudioFeatures.camelot.is_not(None))
        .order_by(Track.id, MediaFile.lossless.desc(), MediaFile.id)
    ).tuples()  # fmt: skip
    found: dict[int, SetTrack] = {}
    for track_id, title, artist, path, duration, bpm, camelot, _lossless, _media in rows:
        if track_id not in found and bpm and bpm > 0 and np.isfinite(bpm):
            found[track_id] = SetTrack(track_id, title, artist, path, duration, float(bpm), str(camelot))
    return found


def resolve_start(session: Session, text: str) -> int:
    """A track id or the path of a library file (as ``tonearm similar`` takes it)."""
    return resolve_track(session, os.path.expanduser(text))


def save_setlist(session: Session, setlist: Setlist, title: str) -> int:
    """Store the set as a local playlist (caller's transaction); each entry's note is the mixing
    recommendation into it. Returns the playlist id."""
    playlist = Playlist(platform="local", title=title[:1024])
    session.add(playlist)
    session.flush()
    tracks = setlist.tracks
    entries = [ParsedEntry(None, t.artist, t.title, None, t.path, t.duration_secs) for t in tracks]
    decisions = [EntryMatch(EntryStatus.MATCHED, t.track_id, 100, "setlist") for t in tracks]
    notes = [f"start: {setlist.start.bpm:.1f} BPM, {setlist.start.camelot}"]
    notes += [t.recommendation for t in setlist.transitions]
    write_entries(session, playlist.id, entries, decisions, notes)
    return playlist.id
