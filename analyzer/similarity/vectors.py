"""One feature vector per track, taken from its best analysed file, as the similarity index sees them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analyzer.audio.features import VECTOR_DIM
from models.enums import ScanStatus
from models.media import AudioFeatures, MediaFile


@dataclass(frozen=True)
class TrackVectors:
    """Raw (unstandardized) vectors, row i belonging to ``track_ids[i]``."""

    track_ids: np.ndarray  # int64
    matrix: np.ndarray  # float32, (n, VECTOR_DIM), NaN where a feature is missing


def load_track_vectors(session: Session, track_ids: list[int] | None = None) -> TrackVectors:
    """The vector of each track's best present file: lossless first, then the higher bitrate, then the
    lowest file id (stable). ``track_ids`` limits the read (incremental index updates)."""
    query = (
        select(MediaFile.track_id, MediaFile.lossless, MediaFile.bitrate, MediaFile.id, AudioFeatures.vector)
        .join(AudioFeatures, AudioFeatures.media_file_id == MediaFile.id)
        .where(
            MediaFile.track_id.is_not(None),
            MediaFile.scan_status != ScanStatus.MISSING,
            AudioFeatures.vector.is_not(None),
        )
    )
    if track_ids is not None:
        query = query.where(MediaFile.track_id.in_(track_ids))
    best: dict[int, tuple[tuple[int, int, int], bytes]] = {}
    for track_id, lossless, bitrate, media_id, vector in session.execute(query).tuples():
        if track_id is None or vector is None or len(vector) != 4 * VECTOR_DIM:
            continue  # written by an extractor with another layout; re-analysis replaces it
        rank = (0 if lossless else 1, -(bitrate or 0), media_id)
        held = best.get(track_id)
        if held is None or rank < held[0]:
            best[track_id] = (rank, vector)
    ids = sorted(best)
    matrix = np.empty((len(ids), VECTOR_DIM), dtype=np.float32)
    for row, track_id in enumerate(ids):
        matrix[row] = np.frombuffer(best[track_id][1], dtype="<f4")
    return TrackVectors(np.asarray(ids, dtype=np.int64), matrix)
