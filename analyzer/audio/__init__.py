"""The audio core: one decode per file gives its identity (payload MD5, Chromaprint) and its features.

`analyze_file` is a top-level function returning plain dataclasses without sample arrays, so a process
pool can map it over a library. It touches no database; callers store the result.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from analyzer.audio.decode import AudioDecodeError, DecodedAudio
from analyzer.audio.decode import decode as decode_file
from analyzer.audio.features import EXTRACTOR_VERSION, AudioFeatures, extract_features
from analyzer.audio.fingerprint import CHROMAPRINT_RATE, compute_fingerprint

__all__ = [
    "EXTRACTOR_VERSION",
    "AudioDecodeError",
    "AudioFeatures",
    "DecodedAudio",
    "FileAnalysis",
    "analyze_file",
]


@dataclass(frozen=True)
class FileAnalysis:
    """Everything one decode yields. `problems` lists stages that failed after a good decode.

    `timings` holds CPU seconds per stage ("decode", "fingerprint", "features"), for benchmarks and logs.
    """

    path: str
    sample_rate: float
    channels: int
    duration_secs: float
    codec: str
    bit_rate: int
    audio_hash: str
    fingerprint: str | None
    fingerprint_duration: float | None
    features: AudioFeatures | None
    extractor_version: int = EXTRACTOR_VERSION
    problems: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict, compare=False)


def _quiet_essentia_info() -> None:
    """Essentia prints an INFO line per process ("MusicExtractorSVM: no classifier models...") into the
    terminal of whoever runs the analysis: what matters reaches the caller as results and problems."""
    import essentia

    essentia.log.infoActive = False


def analyze_file(path: str | os.PathLike[str]) -> FileAnalysis:
    """Decode `path` once and derive hash, fingerprint and features from the same samples.

    Raises AudioDecodeError when the file cannot be decoded; later failures land in `problems`.
    """
    _quiet_essentia_info()
    timings: dict[str, float] = {}
    problems: list[str] = []
    start = time.process_time()
    decoded = decode_file(path)
    timings["decode"] = time.process_time() - start

    start = time.process_time()
    fingerprint = None
    try:
        samples, rate = decoded.mono_at_least(CHROMAPRINT_RATE)
        fingerprint = compute_fingerprint(samples, rate, decoded.duration_secs)
    except RuntimeError as exc:  # Essentia reports algorithm failures as RuntimeError
        problems.append(f"fingerprint: {exc}")
    timings["fingerprint"] = time.process_time() - start

    start = time.process_time()
    features = None
    try:
        features = extract_features(decoded, timings)
    except (RuntimeError, ValueError, FloatingPointError) as exc:
        problems.append(f"features: {exc}")
    timings["features"] = time.process_time() - start  # the features.* entries break this down
    decoded.drop_cache()

    return FileAnalysis(
        path=os.fspath(path),
        sample_rate=decoded.sample_rate,
        channels=decoded.channels,
        duration_secs=decoded.duration_secs,
        codec=decoded.codec,
        bit_rate=decoded.bit_rate,
        audio_hash=decoded.audio_hash,
        fingerprint=fingerprint.fingerprint if fingerprint else None,
        fingerprint_duration=fingerprint.duration_secs if fingerprint else None,
        features=features,
        problems=tuple(problems),
        timings=timings,
    )
