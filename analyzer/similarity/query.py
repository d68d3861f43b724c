"""``similar_tracks``: nearest tracks by sound, optionally within a BPM window and harmonically compatible."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from analyzer.scan.paths import path_hash
from analyzer.similarity.index import SimilarityIndex, index_path, load_index, rebuild_similarity_index
from analyzer.similarity.vectors import load_track_vectors
from models.artists import Artist
from models.engine import Database
from models.enums import ScanStatus
from models.media import AudioFeatures, MediaFile
from models.tracks import Track

KeyMode = Literal["any", "same", "adjacent"]


class TrackNotFound(LookupError):
    """The TRACK argument names no track, or the track has no analysed audio yet."""


@dataclass(frozen=True)
class SimilarTrack:
    track_id: int
    distance: float  # squared L2 in standardized feature space; 0 = identical features
    title: str
    artist: str | None
    path: str | None
    duration_secs: float | None
    bpm: float | None
    camelot: str | None


def compatible_keys(camelot: str, mode: KeyMode) -> set[str] | None:
    """Camelot codes a DJ can mix into ``camelot``: the same code, or (adjacent) ±1 on the wheel with the
    same letter and the relative major/minor (same number, other letter). None = no constraint."""
    if mode == "any":
        return None
    if mode == "same":
        return {camelot}
    number, letter = int(camelot[:-1]), camelot[-1]
    other = "A" if letter == "B" else "B"
    return {camelot, f"{number % 12 + 1}{letter}", f"{(number - 2) % 12 + 1}{letter}", f"{number}{other}"}


def resolve_track(session: Session, track: str) -> int:
    """A track id, or the path of a file in the library (absolute or relative to the current folder)."""
    if track.isdigit() and session.get(Track, int(track)) is not None:
        return int(track)
    found = session.execute(
        select(MediaFile.track_id).where(MediaFile.file_path_hash == path_hash(os.path.abspath(track)))
    ).scalar()
    if found is None:
        raise TrackNotFound(f"no track with id or file path {track!r} in the library")
    return int(found)


def similar_tracks(
    db: Database,
    track: str | int,
    *,
    k: int = 10,
    bpm_window: float | None = None,
    key: KeyMode = "any",
) -> list[SimilarTrack]:
    """The ``k`` tracks that sound most like ``track`` (itself excluded), nearest first.

    ``bpm_window`` (percent) keeps tracks whose tempo is within that share of the query's; ``key`` keeps
    harmonically compatible ones. Filters widen the search until ``k`` pass or the index is exhausted.
    """
    found = load_index(index_path(db)) or rebuild_similarity_index(db)
    with db.session() as session:
        track_id = track if isinstance(track, int) else resolve_track(session, track)
        vectors = load_track_vectors(session, [track_id])
        if not len(vectors.track_ids):
            raise TrackNotFound(f"track {track_id} has no analysed audio yet: run tonearm analyze")
        query_info = _track_info(session, [track_id])[track_id]
        wanted_keys = compatible_keys(query_info.camelot, key) if query_info.camelot else None
        if key != "any" and wanted_keys is None:
            raise TrackNotFound(f"track {track_id} has no detected key to match against")
        bpm = query_info.bpm
        return _search(session, found, vectors.matrix, track_id, k, bpm, bpm_window, wanted_keys)


def _search(
    session: Session,
    found: SimilarityIndex,
    matrix: object,
    track_id: int,
    k: int,
    bpm: float | None,
    bpm_window: float | None,
    wanted_keys: set[str] | None,
) -> list[SimilarTrack]:
    query = found.place(matrix)  # type: ignore[arg-type]
    ask = k + 1 if bpm_window is None and wanted_keys is None else 10 * k + 1
    while True:
        distances, ids = found.search(query, ask)
        pairs = [
            (int(i), float(d)) for i, d in zip(ids[0], distances[0], strict=True) if i >= 0 and i != track_id
        ]
        info = _track_info(session, [i for i, _ in pairs])
        results = []
        for candidate, distance in pairs:
            meta = info.get(candidate)
            if meta is None or not _passes(meta, bpm, bpm_window, wanted_keys):
                continue
            results.append(SimilarTrack(candidate, distance, meta.title, meta.artist, meta.path,
                                        meta.duration_secs, meta.bpm, meta.camelot))  # fmt: skip
            if len(results) == k:
                return results
        if ask >= found.size:
            return results
        ask = min(found.size, ask * 4)


def _passes(meta: SimilarTrack, bpm: float | None, window: float | None, keys: set[str] | None) -> bool:
    if keys is not None and meta.camelot not in keys:
        return False
    if window is not None:
        if bpm is None or meta.bpm is None:
            return False
        return abs(meta.bpm - bpm) <= bpm * window / 100.0
    return True


def _track_info(session: Session, track_ids: list[int]) -> dict[int, SimilarTrack]:
    """Title, artist and the best present file's path, tempo and key per track."""
    if not track_ids:
        return {}
    rows = session.execute(
        select(Track.id, Track.title, Artist.name, MediaFile.file_path, MediaFile.duration_secs,
               MediaFile.lossless, MediaFile.bitrate, MediaFile.id, AudioFeatures.bpm, AudioFeatures.camelot)
        .join(MediaFile, MediaFile.track_id == Track.id)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
        .outerjoin(AudioFeatures, AudioFeatures.media_file_id == MediaFile.id)
        .where(Track.id.in_(track_ids), MediaFile.scan_status != ScanStatus.MISSING)
    ).tuples()  # fmt: skip
    best: dict[int, tuple[tuple[int, int, int, int], SimilarTrack]] = {}
    for tid, title, artist, path, duration, lossless, bitrate, media_id, bpm, camelot in rows:
        rank = (
            0 if bpm is not None or camelot is not None else 1,
            0 if lossless else 1,
            -(bitrate or 0),
            media_id,
        )
        item = SimilarTrack(tid, 0.0, title, artist, path, duration, bpm, camelot)
        if tid not in best or rank < best[tid][0]:
            best[tid] = (rank, item)
    return {tid: item for tid, (_, item) in best.items()}
