"""Candidate pairs of fingerprints that may be the same recording, without comparing all pairs.

An inverted index on exact sub-fingerprint values, as AcoustID's own index works: the same audio in
another codec, gain or trim keeps many of its 32-bit frames bit-identical (at a bit-error rate of 2%,
half of them), while unrelated audio shares almost none. To keep the index small every fingerprint
contributes only the frames whose *value* hashes into a 1-in-``SAMPLE_EVERY`` slice (a power of two) — a choice made on
the value, so two copies of the same audio sample the same frames whatever their offset. Pairs sharing at
least ``MIN_SHARED`` sampled values, with durations within ``MAX_DURATION_DIFF`` seconds, are candidates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SAMPLE_EVERY = 8
MIN_SHARED = 2
MAX_POSTING = 64
"""Values held by more fingerprints than this (silence, test tones) say nothing about identity."""
MAX_DURATION_DIFF = 7.0
"""acoustid-server's FINGERPRINT_MAX_LENGTH_DIFF: the same recording differs by at most 7 s."""
_MIX = np.uint32(0x9E3779B1)  # Knuth's multiplicative hash: spreads similar values over the slices


def sampled_values(frames: np.ndarray, sample_every: int = SAMPLE_EVERY) -> np.ndarray:
    """The distinct frame values of one fingerprint that fall into the indexed slice."""
    frames = np.asarray(frames, dtype=np.uint32)
    return np.unique(frames[_in_slice(frames, sample_every)])


def _in_slice(frames: np.ndarray, sample_every: int) -> np.ndarray:
    """True for values whose multiplicative hash has its top log2(sample_every) bits clear."""
    bits = sample_every.bit_length() - 1
    if sample_every != 1 << bits:
        raise ValueError("sample_every must be a power of two")
    if bits == 0:
        return np.ones(len(frames), dtype=bool)
    return (frames * _MIX) >> np.uint32(32 - bits) == 0


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
    if not len(fingerprints):
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    frames = np.concatenate([np.asarray(f, dtype=np.uint32) for f in fingerprints])
    keep = _in_slice(frames, sample_every)
    owners = np.repeat(np.arange(len(fingerprints), dtype=np.uint64), [len(f) for f in fingerprints])[keep]
    # One sort of (value, owner) codes orders the postings by value, owners ascending within a value,
    # and puts a fingerprint's repeats of a value side by side (dropped: a value counts once per print).
    codes = _sorted_runs((frames[keep].astype(np.uint64) << np.uint64(32)) | owners)[0]
    values = codes >> np.uint64(32)
    owners = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    pair_codes = [np.zeros(0, dtype=np.int64)]
    n = np.int64(len(fingerprints))
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_posting)]):
        rows = owners[starts[sizes == size][:, None] + np.arange(size)]  # (runs, size), ascending owners
        a, b = np.triu_indices(int(size), k=1)
        pair_codes.append((rows[:, a] * n + rows[:, b]).ravel())
    codes, shared = _sorted_runs(np.concatenate(pair_codes))
    keep = shared >= min_shared
    codes, shared = codes[keep], shared[keep]
    pairs = np.stack([codes // n, codes % n], axis=1)
    durations = np.asarray(durations, dtype=np.float64)
    close = np.abs(durations[pairs[:, 0]] - durations[pairs[:, 1]]) <= max_duration_diff
    pairs, shared = pairs[close], shared[close]
    order = np.argsort(-shared, kind="stable")
    return pairs[order], shared[order]


def _sorted_runs(items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and their counts by an in-place sort (NumPy 2's hash-based unique is far slower
    on tens of millions of integers)."""
    items.sort()
    if not len(items):
        return items, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
    return items[starts], np.diff(np.r_[starts, len(items)])
