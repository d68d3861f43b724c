"""Duplicate search over 100,000 fingerprints: candidate index plus verification, against the 60 s target.

Fingerprints are derived from real ones (Chromaprint of the Debian game music bench_analysis uses):
a synthetic recording is a stretch of a real fingerprint XORed with a random 32-bit mask (the frame-to-
frame structure of real audio, but its own values), 1 in 10 starting with 2 s of a shared silence frame.
A duplicate is that recording with a trim (0-3 s), bit flips (0.3-2 % of the bits) and a cut end. Real
tracks shorter than 600 frames (75 s) are not sources: wrapped around they would be unnaturally repetitive.
Prints the sizes, timings and group quality as markdown.

    .venv/bin/python -m bench.bench_duplicates [--total 100000] [--groups 5000] [--copies 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from analyzer.audio.fingerprint import CHROMAPRINT_RATE, compute_fingerprint, decode_fingerprint
from analyzer.duplicates import candidate_pairs, verified_groups
from bench.bench_analysis import SOURCE_DIRS

OUT = Path(__file__).parent / "out"
FRAME_SECS = 4096 / 3 / 11025  # one sub-fingerprint, ~0.124 s
MAX_FRAMES = 968  # 120 s, the fingerprint cap


def real_fingerprints(limit: int = 24) -> list[np.ndarray]:
    """Raw fingerprints of up to ``limit`` real tracks (cached: decoding them takes a while)."""
    cache = OUT / f"dup-real-prints-{limit}.npz"
    if cache.exists():
        loaded = np.load(cache)
        return [loaded[name] for name in sorted(loaded.files)]
    from analyzer.audio.decode import decode

    sources = sorted(p for d in SOURCE_DIRS if Path(d).is_dir() for p in Path(d).glob("*.ogg"))[:limit]
    if not sources:
        raise SystemExit("no real music found: apt-get install wesnoth-1.16-music (see bench_analysis.py)")
    prints = []
    for path in sources:
        decoded = decode(path)
        samples, rate = decoded.mono_at_least(CHROMAPRINT_RATE)
        prints.append(
            decode_fingerprint(compute_fingerprint(samples, rate, decoded.duration_secs).fingerprint)
        )
    OUT.mkdir(exist_ok=True)
    np.savez(cache, **{f"p{i:03d}": p for i, p in enumerate(prints)})
    return prints


def synthetic_recording(rng: np.random.Generator, real: list[np.ndarray], silence: np.uint32) -> np.ndarray:
    source = real[int(rng.integers(len(real)))]
    length = int(rng.integers(600, len(source) + 1))
    start = int(rng.integers(0, len(source) - length + 1))
    frames = source[start : start + length] ^ np.uint32(rng.integers(0, 2**32))
    if rng.random() < 0.1:
        frames[:16] = silence
    return frames


def duplicate_of(rng: np.random.Generator, frames: np.ndarray) -> np.ndarray:
    trim = int(rng.integers(0, 25))
    cut = int(rng.integers(0, 8))
    copy = frames[trim : len(frames) - cut]
    flips = rng.random((len(copy), 32)) < rng.uniform(0.003, 0.02)
    return copy ^ np.packbits(flips, axis=1, bitorder="little").view("<u4").ravel()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=5_000)
    parser.add_argument("--copies", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(42)
    real = [p for p in real_fingerprints() if len(p) >= 600]
    silence = np.uint32(rng.integers(0, 2**32))
    prints: list[np.ndarray] = []
    truth: list[int] = []  # the recording each fingerprint is a copy of
    for group in range(args.groups):
        base = synthetic_recording(rng, real, silence)
        prints.append(base)
        truth.append(group)
        for _ in range(args.copies):
            prints.append(duplicate_of(rng, base))
            truth.append(group)
    while len(prints) < args.total:
        prints.append(synthetic_recording(rng, real, silence))
        truth.append(len(truth) + args.groups)
    durations = np.asarray([len(p) * FRAME_SECS for p in prints])
    frames_total = sum(len(p) for p in prints)

    start = time.perf_counter()
    pairs, _ = candidate_pairs(prints, durations)
    candidates_secs = time.perf_counter() - start
    start = time.perf_counter()
    groups, compared = verified_groups(prints, pairs)
    verify_secs = time.perf_counter() - start

    expected = {g: {i for i, t in enumerate(truth) if t == g} for g in range(args.groups)}
    exact = sum(1 for members, _ in groups if set(members) == expected.get(truth[members[0]]))
    mixed = sum(1 for members, _ in groups if len({truth[m] for m in members}) > 1)
    grouped_files = sum(len(m) for m, _ in groups)

    sample = prints[:2000]
    import chromaprint

    encoded = [chromaprint.encode_fingerprint(p.tolist(), 1, base64=True).decode() for p in sample]
    start = time.perf_counter()
    for text in encoded:
        decode_fingerprint(text)
    decode_ms = (time.perf_counter() - start) / len(encoded) * 1e3

    print(f"\n### Duplicates: {len(prints):,} fingerprints ({frames_total / len(prints):.0f} frames each)\n")
    print(f"{args.groups:,} recordings with {args.copies} duplicates each, the rest unrelated; "
          f"{len(real)} real fingerprints as the frame source.\n")  # fmt: skip
    print("| step | result | seconds |")
    print("|---|---|---|")
    print(f"| candidate search (inverted index) | {len(pairs):,} candidate pairs | {candidates_secs:.1f} |")
    print(
        f"| verification (aligned bit error) | {compared:,} comparisons, {len(groups):,} groups | {verify_secs:.1f} |"
    )
    print(f"| **total** | | **{candidates_secs + verify_secs:.1f}** (target <= 60) |")
    print(f"\nGroups exactly right: {exact:,} / {args.groups:,}; groups mixing recordings: {mixed}; "
          f"files grouped: {grouped_files:,} (expected {args.groups * (args.copies + 1):,}).")  # fmt: skip
    print(f"Decoding stored fingerprints (not in the total): {decode_ms:.2f} ms each, "
          f"~{decode_ms * len(prints) / 1e3:.0f} s for {len(prints):,}.")  # fmt: skip


if __name__ == "__main__":
    main()
