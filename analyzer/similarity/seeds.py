"""Picking the track a "more like this" list starts from: by id, by a search in the library's query
syntax, or by a file from outside (found by its path, else by its audio hash).

Reading an outside file's audio hash decodes it with Essentia, which never loads in an app's process
(0.8 s and 139 MiB): :func:`audio_hash_in_child` runs the decode in a child process.
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analyzer.scan.paths import path_hash
from models.enums import ScanStatus
from models.media import MediaFile

if TYPE_CHECKING:
    from collections.abc import Callable

    from analyzer.catalog.library import LibraryColumns


class SeedNotFound(LookupError):
    """No track to start from; the message says why in words a person can act on."""


@dataclass(frozen=True)
class Seed:
    """The track a similar list starts from, with what the list compares against (tempo and key)."""

    track_id: int
    title: str
    artist: str
    bpm: float | None
    camelot: str | None
    analysed: bool  # it has audio features (else similar tracks cannot be found for it)


@dataclass(frozen=True)
class SeedCandidate:
    """A track a search found, as the seed picker lists it (bpm nan, key "" when not analysed)."""

    track_id: int
    title: str
    artist: str
    bpm: float
    key: str
    missing: bool


def seed_of(session: Session, track_id: int) -> Seed | None:
    """The seed for ``track_id`` (None when there is no such track), in one query: tempo and key from the
    file the similarity index takes (a present file with a vector, lossless first, then the higher bitrate)."""
    from models.artists import Artist
    from models.media import AudioFeatures
    from models.tracks import Track

    rows = session.execute(
        select(Track.title, Artist.name, MediaFile.id, MediaFile.lossless, MediaFile.bitrate,
               AudioFeatures.bpm, AudioFeatures.camelot, AudioFeatures.vector.is_not(None))
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
        .outerjoin(MediaFile, (MediaFile.track_id == Track.id) & (MediaFile.scan_status != ScanStatus.MISSING))
        .outerjoin(AudioFeatures, AudioFeatures.media_file_id == MediaFile.id)
        .where(Track.id == track_id)
    ).tuples().all()  # fmt: skip
    if not rows:
        return None

    def rank(row: tuple[Any, ...]) -> tuple[bool, bool, bool, int, int]:
        _, _, media_id, lossless, bitrate, bpm, camelot, has_vector = row
        return (not has_vector, bpm is None and camelot is None, not lossless, -(bitrate or 0), media_id or 0)

    title, artist, _, _, _, bpm, camelot, has_vector = min(rows, key=rank)
    return Seed(track_id, title or "Untitled", artist or "", bpm, camelot, bool(has_vector))


def search_seeds(columns: LibraryColumns, text: str, limit: int = 200) -> tuple[list[SeedCandidate], int]:
    """Tracks matching ``text`` (the library's query syntax; raises ``QuerySyntaxError``), analysed ones
    first, then by artist and title; at most ``limit`` of them, and how many matched in all."""
    from analyzer.catalog.search import SearchIndex, parse_query

    mask = parse_query(text).mask(SearchIndex.of(columns))
    rows = np.flatnonzero(mask).tolist()
    bpm, keys, artist, title = columns.bpm, columns.key, columns.artist, columns.title
    ordered = heapq.nsmallest(
        limit,
        rows,
        key=lambda r: (bool(np.isnan(bpm[r])) and not keys[r], artist[r].casefold(), title[r].casefold()),
    )
    found = [
        SeedCandidate(
            int(columns.ids[r]),
            columns.title[r],
            columns.artist[r],
            float(columns.bpm[r]),
            columns.key[r],
            bool(columns.missing[r]),
        )
        for r in ordered
    ]
    return found, len(rows)


def track_for_file(session: Session, path: str, hash_of: Callable[[str], str] | None = None) -> int:
    """The library track of the file at ``path``: the file itself when the library has it, else a
    present file with the same audio hash (``hash_of`` reads it; default :func:`audio_hash_in_child`).
    Raises :class:`SeedNotFound` with the reason otherwise."""
    full = os.path.abspath(path)
    name = os.path.basename(full)
    by_path = session.execute(
        select(MediaFile.track_id).where(
            MediaFile.file_path_hash == path_hash(full), MediaFile.track_id.is_not(None)
        )
    ).scalar()
    if by_path is not None:
        return int(by_path)
    if not os.path.isfile(full):
        raise SeedNotFound(f"{name} is not a file Tonearm can open ({full})")
    from analyzer.audio.decode import AudioDecodeError

    try:
        audio_hash = (hash_of or audio_hash_in_child)(full)
    except AudioDecodeError as error:
        raise SeedNotFound(
            f"{name} is not in your library and cannot be read as audio: {error.reason}"
        ) from None
    found = session.execute(
        select(MediaFile.track_id)
        .where(
            MediaFile.audio_hash == audio_hash,
            MediaFile.track_id.is_not(None),
            MediaFile.scan_status != ScanStatus.MISSING,
        )
        .order_by(MediaFile.id)
        .limit(1)
    ).scalar()
    if found is None:
        raise SeedNotFound(
            f"{name} is not in your library (no file of it has the same audio). Add its folder and analyse "
            "it to find tracks like it."
        )
    return int(found)


def audio_hash_here(path: str) -> str:
    """The file's audio hash decoded in this process (a worker process, a test); loads Essentia."""
    from analyzer.audio.decode import decode

    return decode(path).audio_hash


def audio_hash_in_child(path: str) -> str:
    """The file's audio hash, decoded in a child process (forkserver where there is one: never a fork of a
    threaded GUI process). Raises ``AudioDecodeError`` as :func:`analyzer.audio.decode.decode` does."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(method)) as pool:
        return pool.submit(audio_hash_here, path).result()


def has_analysed_tracks(session: Session) -> bool:
    """True when at least one present file of a track has a feature vector (similar lists can exist)."""
    from models.media import AudioFeatures

    found = session.execute(
        select(AudioFeatures.media_file_id)
        .join(MediaFile, MediaFile.id == AudioFeatures.media_file_id)
        .where(
            AudioFeatures.vector.is_not(None),
            MediaFile.track_id.is_not(None),
            MediaFile.scan_status != ScanStatus.MISSING,
        )
        .limit(1)
    ).first()
    return found is not None
