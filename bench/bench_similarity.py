"""Similarity search at 1,000,000 tracks: HNSW (our settings) against exact search, and NumPy brute force.

Synthetic, clustered float32 vectors of the feature layout's dimension (57) stand in for a standardized
library; queries come from the same distribution but are not in the index. Reports single-query latency
(one thread, as `tonearm similar` runs), recall@10 against exact search, the NumPy ratio, and the exact
(Flat) latency by library size that sets FLAT_MAX_TRACKS. The HNSW index is cached under bench/out/.

    .venv/bin/python -m bench.bench_similarity [--n 1000000] [--queries 500]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

# One BLAS thread: the NumPy baseline is measured per query on one core, like FAISS below (and a
# threaded sgemv on a busy 2-core machine is slower than a single thread).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import faiss
import numpy as np

from analyzer.audio.features import VECTOR_DIM
from analyzer.similarity.index import (
    FLAT_MAX_TRACKS,
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    new_faiss_index,
)

OUT = Path(__file__).parent / "out"
K = 10


def clustered_vectors(n: int, seed: int, clusters: int = 2000) -> np.ndarray:
    """Genre-like clusters of different sizes and spreads, in a space like the standardized features."""
    rng = np.random.default_rng(1234)  # the same centres for the library and the queries
    centres = rng.standard_normal((clusters, VECTOR_DIM)).astype(np.float32)
    spreads = rng.uniform(0.2, 0.8, clusters).astype(np.float32)
    weights = rng.pareto(1.5, clusters) + 1.0
    sample = np.random.default_rng(seed)
    labels = sample.choice(clusters, size=n, p=weights / weights.sum())
    noise = sample.standard_normal((n, VECTOR_DIM), dtype=np.float32)
    return centres[labels] + noise * spreads[labels, None]


def single_query_ms(search, queries: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for row in range(len(queries)):
        search(queries[row : row + 1])
    return (time.perf_counter() - start) / len(queries) * 1e3


def numpy_top_k(data: np.ndarray, norms: np.ndarray, query: np.ndarray) -> np.ndarray:
    distances = norms - 2.0 * (data @ query[0])
    top = np.argpartition(distances, K)[:K]
    return top[np.argsort(distances[top])]


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    data = clustered_vectors(args.n, seed=1)
    queries = clustered_vectors(args.queries, seed=2)
    ids = np.arange(args.n, dtype=np.int64)

    # NumPy first: FAISS's OpenMP threads keep spinning after a parallel search and would slow BLAS down.
    norms = np.einsum("ij,ij->i", data, data)
    numpy_ms = single_query_ms(lambda q: numpy_top_k(data, norms, q), queries[:50])
    numpy_found = np.stack([numpy_top_k(data, norms, queries[i : i + 1]) for i in range(20)])

    flat = faiss.IndexFlatL2(VECTOR_DIM)
    flat.add(data)
    _, truth = flat.search(queries, K)  # batched, all threads: the ground truth

    cache = OUT / f"similarity-hnsw-{args.n}-M{HNSW_M}-efc{HNSW_EF_CONSTRUCTION}.faiss"
    if cache.exists():
        hnsw = faiss.read_index(str(cache))
        build = "cached"
    else:
        hnsw = new_faiss_index("hnsw")
        start = time.perf_counter()
        hnsw.add_with_ids(data, ids)
        build = f"{time.perf_counter() - start:.0f} s"
        faiss.write_index(hnsw, str(cache))

    faiss.omp_set_num_threads(1)  # one query at a time, as the CLI asks them
    flat_ms = single_query_ms(lambda q: flat.search(q, K), queries[:100])

    print(f"\n### Similarity: {args.n:,} vectors, dim {VECTOR_DIM}, top-{K}, single-thread queries\n")
    print(f"HNSW M={HNSW_M}, efConstruction={HNSW_EF_CONSTRUCTION}, build: {build} (2 cores)\n")
    print("| method | efSearch | ms / query | recall@10 | speed-up vs NumPy |")
    print("|---|---|---|---|---|")
    print(f"| NumPy brute force | - | {numpy_ms:.2f} | {recall(numpy_found, truth[:20]):.3f} | 1.0x |")
    print(f"| FAISS IndexFlatL2 (exact) | - | {flat_ms:.2f} | 1.000 | {numpy_ms / flat_ms:.1f}x |")
    inner = faiss.downcast_index(hnsw.index)
    for ef in (16, 32, 64, 128, 256):
        inner.hnsw.efSearch = ef
        ms = single_query_ms(lambda q: hnsw.search(q, K), queries)
        _, found = hnsw.search(queries, K)
        print(f"| FAISS HNSW | {ef} | {ms:.3f} | {recall(found, truth):.3f} | {numpy_ms / ms:.0f}x |")

    print("\n#### Exact (Flat) latency by library size: where HNSW starts to pay\n")
    print(f"| tracks | Flat ms / query | (FLAT_MAX_TRACKS = {FLAT_MAX_TRACKS:,}) |")
    print("|---|---|---|")
    for size in (10_000, 30_000, 50_000, 100_000, 300_000):
        if size >= args.n:
            break
        small = faiss.IndexFlatL2(VECTOR_DIM)
        small.add(data[:size])
        print(f"| {size:,} | {single_query_ms(lambda q, s=small: s.search(q, K), queries[:200]):.3f} | |")


if __name__ == "__main__":
    main()
