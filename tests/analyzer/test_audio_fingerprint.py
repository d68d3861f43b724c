"""Chromaprint: our fingerprints against fpcalc, the numpy decompressor, and aligned comparison."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from analyzer.audio.decode import decode
from analyzer.audio.fingerprint import (
    CHROMAPRINT_RATE,
    ChromaprintFingerprint,
    compare_fingerprints,
    compute_fingerprint,
    decode_fingerprint,
)

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")

RATE = 44100
ENCODERS = {
    "flac": ["-c:a", "flac"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "128k"],
    "ogg": ["-c:a", "libvorbis"],
}
needs_fpcalc = pytest.mark.skipif(
    shutil.which("fpcalc") is None, reason="fpcalc (libchromaprint-tools) missing"
)


def synth_music(seconds: float, seed: int, bpm: float) -> np.ndarray:
    """Stereo chords (random triads, harmonics, decay), noise-burst drums and a little hiss."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    out = np.zeros(n)
    chord_len = int(RATE * 60 / bpm * 4)
    for start in range(0, n, chord_len):
        seg = min(chord_len, n - start)
        t = np.arange(seg) / RATE
        root = 48 + int(rng.integers(0, 12))
        third = 3 + int(rng.integers(0, 2))
        for note in (root, root + third, root + 7, root + 12):
            f0 = 440.0 * 2 ** ((note - 69) / 12)
            for h in range(1, 5):
                out[start : start + seg] += 0.05 / h * np.sin(2 * np.pi * f0 * h * t) * np.exp(-t * 1.5)
    beat = int(RATE * 60 / bpm)
    hit = rng.standard_normal(2000) * np.exp(-np.arange(2000) / 300.0)
    for start in range(0, n - 2000, beat):
        out[start : start + 2000] += 0.4 * hit
    out += 0.01 * rng.standard_normal(n)
    out /= np.max(np.abs(out)) * 1.25
    return np.stack([out, np.roll(out, 7)], axis=1)


def write_wav(path: Path, samples: np.ndarray) -> Path:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return path


@pytest.fixture(scope="session")
def music_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fingerprint-audio")
    song = synth_music(40.0, seed=11, bpm=100)
    wav = write_wav(d / "song.wav", song)
    for ext, args in ENCODERS.items():
        cmd = ["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), *args, str(d / f"song.{ext}")]
        subprocess.run(cmd, check=True)
    trimmed = song[2 * RATE :] * 10 ** (-3 / 20)  # 2 s later, 3 dB quieter
    write_wav(d / "song-trimmed-quieter.wav", trimmed)
    write_wav(d / "other.wav", synth_music(40.0, seed=99, bpm=128))
    return d


@pytest.fixture(scope="session")
def prints(music_dir: Path) -> dict[str, ChromaprintFingerprint]:
    result = {}
    for path in sorted(music_dir.iterdir()):
        decoded = decode(path)
        samples, rate = decoded.mono_at_least(CHROMAPRINT_RATE)
        result[path.name] = compute_fingerprint(samples, rate, decoded.duration_secs)
    return result


def fpcalc(path: Path, *args: str) -> str:
    # fpcalc exits 3 on a benign "Error decoding audio frame (End of file)" yet prints the result.
    out = subprocess.run(["fpcalc", *args, str(path)], capture_output=True, text=True, check=False).stdout
    return out.split("FINGERPRINT=")[1].strip()


def test_fingerprint_is_compressed_base64_with_track_duration(
    prints: dict[str, ChromaprintFingerprint],
) -> None:
    fp = prints["song.wav"]
    assert fp.fingerprint.startswith("AQ")  # algorithm 2 header byte, as fpcalc's default
    assert fp.duration_secs == pytest.approx(40.0, abs=0.01)
    # ~8 items a second, less the edges chromaprint's filters need (302 for these 40 s).
    assert 0.9 * 40.0 * CHROMAPRINT_RATE / 1365.33 - 30 < len(decode_fingerprint(fp.fingerprint)) < 330


@needs_fpcalc
@pytest.mark.parametrize("name", ["song.wav", "song.mp3"])
def test_matches_fpcalc_on_the_same_file(
    music_dir: Path, prints: dict[str, ChromaprintFingerprint], name: str
) -> None:
    ours = decode_fingerprint(prints[name].fingerprint)
    theirs = np.array(fpcalc(music_dir / name, "-raw").split(","), dtype=np.int64).astype(np.uint32)
    n = min(len(ours), len(theirs))
    assert abs(len(ours) - len(theirs)) <= 1
    ber = np.bitwise_count(ours[:n] ^ theirs[:n]).sum() / (32 * n)
    assert ber < 0.01  # measured: identical for MP3, < 0.0002 on real Ogg/FLAC music
    assert compare_fingerprints(ours, theirs).score > 0.97


@needs_fpcalc
@pytest.mark.parametrize("algorithm", [1, 2, 3, 4, 5])
def test_decompressor_reproduces_fpcalc_raw(music_dir: Path, algorithm: int) -> None:
    path = music_dir / "song.ogg"
    compressed = fpcalc(path, "-algorithm", str(algorithm))
    raw = np.array(fpcalc(path, "-raw", "-algorithm", str(algorithm)).split(","), dtype=np.int64)
    assert np.array_equal(decode_fingerprint(compressed), raw.astype(np.uint32))


def test_decompressor_agrees_with_libchromaprint(prints: dict[str, ChromaprintFingerprint]) -> None:
    chromaprint = pytest.importorskip("chromaprint", exc_type=ImportError)  # pyacoustid + libchromaprint1
    fp = prints["song.flac"].fingerprint
    reference, algorithm = chromaprint.decode_fingerprint(fp.encode())
    assert algorithm == 1
    assert np.array_equal(decode_fingerprint(fp), np.array(reference, dtype=np.int64).astype(np.uint32))


@pytest.mark.parametrize("bad", ["", "AQ", "AQAAEA", "not base64 at all!", "AQADtEmSJEkSJUmS"[:-3]])
def test_malformed_fingerprints_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        decode_fingerprint(bad)


def test_empty_fingerprint_decodes_to_nothing() -> None:
    assert decode_fingerprint("AQAAAA").size == 0
    assert compare_fingerprints("AQAAAA", "AQAAAA").score == 0.0


@pytest.mark.parametrize("ext", ["flac", "mp3", "ogg"])
def test_same_audio_in_other_codecs_matches(prints: dict[str, ChromaprintFingerprint], ext: str) -> None:
    result = compare_fingerprints(prints["song.wav"].fingerprint, prints[f"song.{ext}"].fingerprint)
    assert result.score > 0.9
    assert result.offset == 0
    assert result.ber < 0.05


def test_trimmed_and_quieter_copy_still_matches(prints: dict[str, ChromaprintFingerprint]) -> None:
    result = compare_fingerprints(
        prints["song.wav"].fingerprint, prints["song-trimmed-quieter.wav"].fingerprint
    )
    assert result.score > 0.85  # measured 0.97
    # 2 s = 16.2 sub-fingerprints: item i of the original lines up with item i - 16 of the trimmed copy.
    assert result.offset in (16, 17)
    assert result.overlap >= len(decode_fingerprint(prints["song-trimmed-quieter.wav"].fingerprint)) - 2


def test_different_audio_scores_about_zero(prints: dict[str, ChromaprintFingerprint]) -> None:
    result = compare_fingerprints(prints["song.wav"].fingerprint, prints["other.wav"].fingerprint)
    assert result.score < 0.1
    assert result.ber > 0.3


def test_identical_fingerprints_score_one_and_inputs_can_be_arrays(
    prints: dict[str, ChromaprintFingerprint],
) -> None:
    raw = decode_fingerprint(prints["song.mp3"].fingerprint)
    result = compare_fingerprints(raw, raw.copy())
    assert (result.score, result.offset, result.ber) == (1.0, 0, 0.0)


def test_offset_outside_the_search_window_is_not_found(prints: dict[str, ChromaprintFingerprint]) -> None:
    raw = decode_fingerprint(prints["song.wav"].fingerprint)
    shifted = raw[100:]  # ~12 s: beyond max_offset=80
    assert compare_fingerprints(raw, shifted, max_offset=80).score < 0.3
    assert compare_fingerprints(raw, shifted, max_offset=0).score > 0.9
