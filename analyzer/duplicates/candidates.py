"""Candidate pairs of fingerprints that may be the same recording, without comparing all pairs.

An inverted index on exact sub-fingerprint values, as AcoustID's own index works: the same audio in
another codec, gain or trim keeps many of its 32-bit frames bit-identical (at a bit-error rate of 2%,
half of them), while unrelated audio shares almost none. To keep the index small every fingerprint
contributes only the frames whose *value* hashes into a 1-in-``SAMPLE_EVERY`` slice — a choice made on
the value, so two copies of the same audio sample the same frames whatever their offset. Pairs sharing at
least ``MIN_SHARED`` sampled values, with durations within ``MAX_DURATION_DIFF`` seconds, are candidates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SAMPLE_EVERY = 4
MIN_SHARED = 2
MAX_POSTING = 64
"""Values held by more fingerprints than this (silence, test tones) say nothing about identity."""
MAX_DURATION_DIFF = 7.0
"""acoustid-server's FINGERPRINT_MAX_LENGTH_DIFF: the same recording differs by at most 7 s."""
_MIX = np.uint32(0x9E3779B1)  # Knuth's multiplicative hash: spreads similar values over the slices


def sampled_values(frames: np.ndarray, sample_every: int = SAMPLE_EVERY) -> np.ndarray:
    """The distinct frame values of one fingerprint that fall into the indexed slice."""
    frames = np.asarray(frames, dtype=np.uint32)
    keep = ((frames * _MIX) >> np.uint32(24)) % np.uint32(sample_every) == 0
    return np.unique(frames[keep])


def candidate_pairs(
    fingerprints: Sequence[np.ndarray],
    durations: np.ndarray,
    *,
    sample_every: int = SAMPLE_EVERY,
    min_shared: int = MIN_SHARED,
    max_posting: int = MAX_POSTING,
    max_duration_diff: float = MAX_DURATION_DIFF,
) -> tuple[np.ndarray, np.ndarray]:
    """(pairs (m, 2) of indexes i < j, shared value counts), most shared first."""
    parts = [sampled_values(f, sample_every) for f in fingerprints]
    owners = np.repeat(np.arange(len(parts), dtype=np.int64), [len(p) for p in parts])
    if not len(owners):
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    values = np.concatenate(parts)
    order = np.argsort(values, kind="stable")
    values, owners = values[order], owners[order]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    pair_codes = [np.zeros(0, dtype=np.int64)]
    n = np.int64(len(parts))
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_posting)]):
        rows = owners[starts[sizes == size][:, None] + np.arange(size)]  # (runs, size), ascending owners
        a, b = np.triu_indices(int(size), k=1)
        pair_codes.append((rows[:, a] * n + rows[:, b]).ravel())
    codes, shared = np.unique(np.concatenate(pair_codes), return_counts=True)
    keep = shared >= min_shared
    codes, shared = codes[keep], shared[keep]
    pairs = np.stack([codes // n, codes % n], axis=1)
    durations = np.asarray(durations, dtype=np.float64)
    close = np.abs(durations[pairs[:, 0]] - durations[pairs[:, 1]]) <= max_duration_diff
    pairs, shared = pairs[close], shared[close]
    order = np.argsort(-shared, kind="stable")
    return pairs[order], shared[order]
