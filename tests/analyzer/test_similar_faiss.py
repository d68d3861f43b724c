"""The index kinds without a library: exact below the size threshold, HNSW above it, both persisted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import analyzer.similarity.index as index_module
from analyzer.audio.features import VECTOR_DIM
from analyzer.similarity.index import build_index, load_index, save_index
from analyzer.similarity.vectors import TrackVectors


def vectors(n: int) -> TrackVectors:
    rng = np.random.default_rng(3)
    matrix = rng.standard_normal((n, VECTOR_DIM)).astype(np.float32)
    matrix[:, 0] = np.nan  # a feature no track has: standardized to 0, never NaN in the index
    return TrackVectors(np.arange(100, 100 + n, dtype=np.int64), matrix)


@pytest.mark.parametrize(("limit", "kind"), [(10_000, "flat"), (50, "hnsw")])
def test_kinds_find_each_track_itself_and_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int, kind: str
) -> None:
    monkeypatch.setattr(index_module, "FLAT_MAX_TRACKS", limit)
    data = vectors(300)
    built = build_index(data)
    assert built.kind == kind and built.size == 300
    save_index(built, tmp_path / "i.faiss")
    loaded = load_index(tmp_path / "i.faiss")
    assert loaded is not None and loaded.kind == kind and loaded.standardized_count == 300
    _, ids = loaded.search(loaded.place(data.matrix[:20]), 1)
    assert ids[:, 0].tolist() == data.track_ids[:20].tolist()


def test_an_index_for_another_extractor_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_index(build_index(vectors(10)), tmp_path / "i.faiss")
    monkeypatch.setattr(index_module, "EXTRACTOR_VERSION", 999)
    assert load_index(tmp_path / "i.faiss") is None
