"""The FAISS index over standardized track vectors, persisted beside the database.

Exact search (IndexFlatL2) up to ``FLAT_MAX_TRACKS``, HNSW past it (bench/bench_similarity.py measured the
crossover). The standardization (library mean/std) is stored with the index; new tracks are placed with
the stored statistics, and the whole index is rebuilt once the library has grown or shrunk by
``RESTANDARDIZE_SHARE`` since they were computed, or when an HNSW index would need a removal.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analyzer.audio.features import EXTRACTOR_VERSION, VECTOR_DIM, standardize
from analyzer.similarity.vectors import TrackVectors, load_track_vectors
from models.engine import Database, data_dir

FLAT_MAX_TRACKS = 100_000
"""Exact search up to here: one thread answers a top-10 query over 100k tracks in ~0.7 ms (50k: 0.28 ms,
300k: 2.9 ms, 1M: 9.5 ms; bench_similarity, loaded 2-core machine)."""
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
"""On 1M clustered vectors: recall@10 0.990 at 0.27 ms a query (64: 0.969 at 0.17 ms; bench_similarity)."""
RESTANDARDIZE_SHARE = 0.2
FORMAT_VERSION = 1


def index_path(db: Database) -> Path:
    """Beside the SQLite file; in the data dir for a server database (one file per database URL)."""
    if db.is_sqlite and db.url.database and db.url.database != ":memory:":
        return Path(db.url.database + ".similarity.faiss")
    key = hashlib.sha1(db.url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    return data_dir() / f"similarity-{key}.faiss"


@dataclass
class SimilarityIndex:
    """A FAISS index keyed by tracks.id plus the standardization that placed its vectors."""

    index: object  # faiss.IndexIDMap2
    mean: np.ndarray
    std: np.ndarray
    standardized_count: int
    kind: str  # "flat" | "hnsw"

    @property
    def size(self) -> int:
        return int(self.index.ntotal)  # type: ignore[attr-defined]

    def place(self, matrix: np.ndarray) -> np.ndarray:
        return standardize(matrix, self.mean, self.std)[0]

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(distances, track ids) of the ``k`` nearest tracks to each standardized query row."""
        k = max(1, min(k, self.size))
        distances, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)  # type: ignore[attr-defined]
        return distances, ids


def kind_for(count: int) -> str:
    return "flat" if count <= FLAT_MAX_TRACKS else "hnsw"


def new_faiss_index(kind: str, dim: int = VECTOR_DIM) -> object:
    import faiss

    if kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatL2(dim))
    hnsw = faiss.IndexHNSWFlat(dim, HNSW_M)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    hnsw.hnsw.efSearch = HNSW_EF_SEARCH
    return faiss.IndexIDMap2(hnsw)


def build_index(vectors: TrackVectors) -> SimilarityIndex:
    """A fresh index over ``vectors`` standardized by their own statistics."""
    z, mean, std = (
        standardize(vectors.matrix)
        if len(vectors.matrix)
        else (
            np.zeros((0, VECTOR_DIM), np.float32),
            np.zeros(VECTOR_DIM, np.float32),
            np.ones(VECTOR_DIM, np.float32),
        )
    )
    kind = kind_for(len(z))
    index = new_faiss_index(kind)
    if len(z):
        index.add_with_ids(z, vectors.track_ids)  # type: ignore[attr-defined]
    return SimilarityIndex(index, mean, std, len(z), kind)


def save_index(found: SimilarityIndex, path: Path) -> None:
    """Write the index and its metadata atomically (a reader never sees half a file)."""
    import faiss

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    faiss.write_index(found.index, str(tmp))  # type: ignore[call-overload]
    os.replace(tmp, path)
    meta = {
        "format": FORMAT_VERSION,
        "extractor_version": EXTRACTOR_VERSION,
        "mean": found.mean.tolist(),
        "std": found.std.tolist(),
        "standardized_count": found.standardized_count,
        "kind": found.kind,
    }
    meta_tmp = path.with_suffix(".json.tmp")
    meta_tmp.write_text(json.dumps(meta))
    os.replace(meta_tmp, path.with_suffix(".json"))


def load_index(path: Path) -> SimilarityIndex | None:
    """The saved index, or None when there is none or it was built for another extractor/format."""
    import faiss

    meta_path = path.with_suffix(".json")
    if not path.exists() or not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    if meta.get("format") != FORMAT_VERSION or meta.get("extractor_version") != EXTRACTOR_VERSION:
        return None
    index = faiss.read_index(str(path))
    mean = np.asarray(meta["mean"], dtype=np.float32)
    std = np.asarray(meta["std"], dtype=np.float32)
    return SimilarityIndex(index, mean, std, int(meta["standardized_count"]), str(meta["kind"]))


def rebuild_similarity_index(db: Database) -> SimilarityIndex:
    """Build the index from every track's vector and save it."""
    with db.session() as session:
        vectors = load_track_vectors(session)
    found = build_index(vectors)
    save_index(found, index_path(db))
    return found


def update_similarity_index(db: Database, changed_track_ids: set[int]) -> SimilarityIndex:
    """Bring the saved index up to date after analysis changed ``changed_track_ids``.

    Incremental (remove + add those tracks) while the stored standardization still fits the library;
    a full rebuild otherwise. Returns the index as saved.
    """
    path = index_path(db)
    found = load_index(path)
    if found is None:
        return rebuild_similarity_index(db)
    with db.session() as session:
        fresh = load_track_vectors(session, sorted(changed_track_ids)) if changed_track_ids else None
    ids = np.asarray(sorted(changed_track_ids), dtype=np.int64)
    stale = ids[np.isin(ids, _stored_ids(found))] if len(ids) else ids
    grown = found.size - len(stale) + (len(fresh.track_ids) if fresh else 0)
    drift = abs(grown - found.standardized_count) / max(1, found.standardized_count)
    # HNSW cannot remove vectors: a changed track there means a rebuild.
    if drift > RESTANDARDIZE_SHARE or kind_for(grown) != found.kind or (found.kind == "hnsw" and len(stale)):
        return rebuild_similarity_index(db)
    if len(stale):
        found.index.remove_ids(stale)  # type: ignore[attr-defined]
    if fresh is not None and len(fresh.track_ids):
        found.index.add_with_ids(found.place(fresh.matrix), fresh.track_ids)  # type: ignore[attr-defined]
    save_index(found, path)
    return found


def _stored_ids(found: SimilarityIndex) -> np.ndarray:
    import faiss

    return faiss.vector_to_array(found.index.id_map).astype(np.int64)  # type: ignore[attr-defined]
