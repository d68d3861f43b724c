"""Candidate search and verification on synthetic fingerprints, and the keep-suggestion order."""

from __future__ import annotations

import numpy as np

from analyzer.duplicates import DuplicateFile, candidate_pairs, suggest_keep, verified_groups


def random_walk_print(rng: np.random.Generator, frames: int) -> np.ndarray:
    """Chromaprint-like: each frame differs from the previous one in a few bits."""
    out = np.empty(frames, dtype=np.uint32)
    value = np.uint32(rng.integers(0, 2**32))
    for i in range(frames):
        flips = rng.choice(32, size=int(rng.integers(2, 10)), replace=False)
        value ^= np.uint32(sum(1 << int(b) for b in flips))
        out[i] = value
    return out


def variant(rng: np.random.Generator, frames: np.ndarray, shift: int, flip_rate: float) -> np.ndarray:
    bits = rng.random((len(frames) - shift, 32)) < flip_rate
    mask = np.packbits(bits, axis=1, bitorder="little").view("<u4").ravel()
    return frames[shift:] ^ mask


def test_variants_are_candidates_and_verify_while_unrelated_do_not() -> None:
    rng = np.random.default_rng(7)
    originals = [random_walk_print(rng, 900) for _ in range(20)]
    prints = list(originals)
    prints.append(variant(rng, originals[0], 16, 0.02))  # index 20: a 2 s trim of 0, slightly noisy
    prints.append(variant(rng, originals[0], 0, 0.01))  # 21: another encoding of 0
    prints.append(variant(rng, originals[5], 30, 0.03))  # 22: of 5
    durations = np.asarray([len(p) * 0.1238 for p in prints])
    pairs, _ = candidate_pairs(prints, durations)
    found = {tuple(p) for p in pairs.tolist()}
    assert {(0, 20), (0, 21), (20, 21), (5, 22)} <= found
    assert all(a in (0, 5, 20, 21, 22) and b in (0, 5, 20, 21, 22) for a, b in found)
    groups, compared = verified_groups(prints, pairs)
    assert [members for members, _ in groups] == [[0, 20, 21], [5, 22]]
    assert compared <= len(pairs) and compared == 3  # the transitive pair is never compared
    assert all(score > 0.85 for _, score in groups)


def test_durations_too_far_apart_are_never_candidates() -> None:
    rng = np.random.default_rng(8)
    base = random_walk_print(rng, 900)
    pairs, _ = candidate_pairs([base, base.copy()], np.asarray([111.0, 119.0]))
    assert len(pairs) == 0


def file(mid: int, *, lossless: bool, bitrate: int, tags: int = 3, duration: float = 200.0) -> DuplicateFile:
    return DuplicateFile(mid, f"/m/{mid}", "x", "flac" if lossless else "mp3", bitrate, lossless, duration,
                         None, None, tags)  # fmt: skip


def test_keep_order_lossless_then_bitrate_then_tags_then_length() -> None:
    keep, why = suggest_keep(
        [file(1, lossless=False, bitrate=320_000), file(2, lossless=True, bitrate=900_000)]
    )
    assert keep.media_file_id == 2 and why.startswith("lossless")
    keep, why = suggest_keep(
        [file(1, lossless=False, bitrate=128_000), file(2, lossless=False, bitrate=320_000)]
    )
    assert keep.media_file_id == 2 and "higher bitrate" in why and "320 kbps" in why
    # Between lossless files bitrate is compression, not quality: tags decide.
    keep, why = suggest_keep(
        [file(1, lossless=True, bitrate=1_411_000, tags=1), file(2, lossless=True, bitrate=800_000, tags=4)]
    )
    assert keep.media_file_id == 2 and "more complete tags" in why
    keep, why = suggest_keep(
        [file(1, lossless=True, bitrate=0, duration=198.0), file(2, lossless=True, bitrate=0)]
    )
    assert keep.media_file_id == 2 and "not trimmed" in why
    keep, why = suggest_keep([file(2, lossless=True, bitrate=0), file(1, lossless=True, bitrate=0)])
    assert keep.media_file_id == 1 and "alphabetically" in why
