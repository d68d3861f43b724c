"""Candidate pairs of fingerprints that may be the same recording, without comparing all pairs.

An inverted index on exact sub-fingerprint values, as AcoustID's own index works: the same audio in
another codec, gain or trim keeps many of its 32-bit frames bit-identical (at a bit-error rate of 2%,
half of them), while unrelated audio shares almost none. To keep the index small every fingerprint
contributes only the frames whose *value* hashes into a 1-in-``SAMPLE_EVERY`` slice (a power of two) — a choice made on
the value, so two copies of the same audio sample the same frames whatever their offset. Pairs sharing at
least ``MIN_SHARED`` sampled values, with durations within ``MAX_DURATION_DIFF`` seconds, are candidates.

Short fingerprints index denser slices (down to every value): a 5.5 s track has ~23 frames, and 1 in 8
of them leaves two or three values, too few to share two by chance of the codec. The slices are nested
(1-in-8 values are also 1-in-4 and 1-in-2 values), so a short and a long print still meet on the long
one's slice. A pair whose shorter print indexes fewer than ``SHORT_INDEXED`` values needs one shared
value: a 3 s track has three frames at all. Prints under ``SHORT_FRAMES`` frames also meet on the top
16 bits of their frames (one shared key makes a candidate), since a codec's few bit errors leave a short
print with no bit-identical frame more often than not; verification then decides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SAMPLE_EVERY = 8
MIN_SHARED = 2
DENSE_TARGET = 16
"""A print is indexed at the sparsest slice (down to 1-in-SAMPLE_EVERY) that keeps about this many values."""
SHORT_INDEXED = 8
"""Prints indexing fewer values than this (tracks under ~4 s) become candidates on one shared value."""
SHORT_FRAMES = 32
"""Prints of fewer frames (tracks under ~6.6 s) are also indexed by their frames' top 16 bits."""
MAX_POSTING = 64
"""Values held by more fingerprints than this (silence, test tones) say nothing about identity."""
MAX_DURATION_DIFF = 7.0
"""acoustid-server's FINGERPRINT_MAX_LENGTH_DIFF: the same recording differs by at most 7 s."""
_MIX = np.uint32(0x9E3779B1)  # Knuth's multiplicative hash: spreads similar values over the slices


def sampled_values(frames: np.ndarray, sample_every: int = SAMPLE_EVERY) -> np.ndarray:
    """The distinct frame values of one fingerprint that fall into the indexed slice."""
    frames = np.asarray(frames, dtype=np.uint32)
    return np.unique(frames[_in_slice(frames, sample_every)])


def slice_bits(lengths: np.ndarray, sample_every: int = SAMPLE_EVERY) -> np.ndarray:
    """Per print, log2 of its sampling step: 0 (every value) for short prints, up to log2(sample_every)."""
    top = _log2(sample_every)
    ratio = np.maximum(np.asarray(lengths, dtype=np.float64), 1.0) / DENSE_TARGET
    return np.clip(np.floor(np.log2(np.maximum(ratio, 1.0))), 0, top).astype(np.int64)


def _in_slice_of_each(frames: np.ndarray, lengths: np.ndarray, sample_every: int) -> np.ndarray:
    """Like `_in_slice`, each print at its own `slice_bits` (0 keeps every value).

    Most frames belong to long prints at the sparsest slice; only the others are looked at again.
    """
    keep = _in_slice(frames, sample_every)
    bits = slice_bits(lengths, sample_every)
    for level in np.unique(bits[bits < _log2(sample_every)]).tolist():
        at = _frames_of(bits == level, lengths)
        keep[at] = _in_slice(frames[at], 1 << level)
    return keep


def _frames_of(chosen: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Indexes into the concatenated frames of the prints where `chosen` is True."""
    starts = np.cumsum(lengths) - lengths
    sizes = lengths[chosen]
    if not sizes.sum():
        return np.zeros(0, dtype=np.int64)
    # Frame k of the selection belongs to print p: its index is start[p] + (k - first k of p).
    first = np.cumsum(sizes) - sizes
    return np.repeat(starts[chosen] - first, sizes) + np.arange(int(sizes.sum()))


def _log2(sample_every: int) -> int:
    bits = sample_every.bit_length() - 1
    if sample_every != 1 << bits:
        raise ValueError("sample_every must be a power of two")
    return bits


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
    lengths = np.asarray([len(f) for f in fingerprints], dtype=np.int64)
    print_of_frame = np.repeat(np.arange(len(fingerprints), dtype=np.uint64), lengths)
    keep = _in_slice_of_each(frames, lengths, sample_every)
    n = np.int64(len(fingerprints))
    pair_codes, indexed = _pairs_by_posting(frames[keep], print_of_frame[keep], n, max_posting)
    # Short prints also meet on their frames' top 16 bits: a few frames at a bit-error rate of 5% are
    # often none of them bit-identical, but about half keep their top 16 bits.
    short = _frames_of(lengths < SHORT_FRAMES, lengths)
    coarse_codes, _ = _pairs_by_posting(frames[short] >> np.uint32(16), print_of_frame[short], n, max_posting)
    codes, shared = _sorted_runs(np.concatenate([pair_codes, np.unique(coarse_codes)]))
    fewest = np.minimum(indexed[codes // n], indexed[codes % n])
    needed = np.where(
        (fewest < SHORT_INDEXED) | (np.minimum(lengths[codes // n], lengths[codes % n]) < SHORT_FRAMES),
        min(1, min_shared),
        min_shared,
    )
    keep = shared >= needed
    codes, shared = codes[keep], shared[keep]
    pairs = np.stack([codes // n, codes % n], axis=1)
    durations = np.asarray(durations, dtype=np.float64)
    close = np.abs(durations[pairs[:, 0]] - durations[pairs[:, 1]]) <= max_duration_diff
    pairs, shared = pairs[close], shared[close]
    order = np.argsort(-shared, kind="stable")
    return pairs[order], shared[order]


def _pairs_by_posting(
    values: np.ndarray, owners: np.ndarray, n: np.int64, max_posting: int
) -> tuple[np.ndarray, np.ndarray]:
    """(pair code i * n + j for every pair of prints sharing a value, once per shared value; the number
    of distinct values each print holds)."""
    # One sort of (value, owner) codes orders the postings by value, owners ascending within a value,
    # and puts a fingerprint's repeats of a value side by side (dropped: a value counts once per print).
    codes = _sorted_runs((values.astype(np.uint64) << np.uint64(32)) | owners.astype(np.uint64))[0]
    values = codes >> np.uint64(32)
    owner = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
    held = np.bincount(owner, minlength=int(n))
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    pair_codes = [np.zeros(0, dtype=np.int64)]
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_posting)]):
        rows = owner[starts[sizes == size][:, None] + np.arange(size)]  # (runs, size), ascending owners
        a, b = np.triu_indices(int(size), k=1)
        pair_codes.append((rows[:, a] * n + rows[:, b]).ravel())
    return np.concatenate(pair_codes), held


def _sorted_runs(items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and their counts by an in-place sort (NumPy 2's hash-based unique is far slower
    on tens of millions of integers)."""
    items.sort()
    if not len(items):
        return items, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
    return items[starts], np.diff(np.r_[starts, len(items)])
