"""The app composes analyzer and scrobbler: stats' recommendations ask the analyzer's FAISS index which
owned tracks sound like the ones a person plays most (scrobbler may not import analyzer itself)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analyzer.similarity.index import index_path, load_index
from analyzer.similarity.vectors import load_track_vectors
from models.engine import Database
from scrobbler.stats.recommend import SimilarTracks


def similar_tracks_search(db: Database) -> SimilarTracks | None:
    """A search over the saved similarity index, or None when `tonearm analyze` has not built one."""
    found = load_index(index_path(db))
    if found is None or found.size == 0:
        return None

    def search(seed_track_ids: Sequence[int], k: int) -> list[tuple[int, float]]:
        with db.session() as session:
            vectors = load_track_vectors(session, list(seed_track_ids))
        if not len(vectors.track_ids):
            return []
        distances, ids = found.search(found.place(vectors.matrix), k)
        # Best similarity per owned track over all seeds; 1 / (1 + L2 distance) maps distance to 0..1.
        best: dict[int, float] = {}
        for row_ids, row_distances in zip(ids, distances, strict=True):
            for track_id, distance in zip(row_ids.tolist(), row_distances.tolist(), strict=True):
                if track_id < 0:
                    continue
                score = 1.0 / (1.0 + float(np.sqrt(max(distance, 0.0))))
                if score > best.get(track_id, -1.0):
                    best[track_id] = score
        return sorted(best.items(), key=lambda item: -item[1])

    return search
