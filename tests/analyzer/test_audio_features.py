"""Features on signals with known answers (tempo, key, loudness) and the analyze_file pipeline."""

from __future__ import annotations

import math
import pickle
import shutil
import subprocess
import wave
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from analyzer.audio import FileAnalysis, analyze_file
from analyzer.audio.decode import decode
from analyzer.audio.features import (
    EXTRACTOR_VERSION,
    VECTOR_DIM,
    AudioFeatures,
    camelot_code,
    extract_features,
    feature_vector,
    standardize,
)
from analyzer.audio.loudness import integrated_loudness

RATE = 44100


def write_wav(path: Path, samples: np.ndarray) -> Path:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return path


def click_track(seconds: float, bpm: float) -> np.ndarray:
    """Short decaying 1.5 kHz blips (plus a low thump) on every beat."""
    n = int(seconds * RATE)
    out = np.zeros(n)
    t = np.arange(1500) / RATE
    blip = (np.sin(2 * np.pi * 1500 * t) + np.sin(2 * np.pi * 90 * t)) * np.exp(-t * 120)
    for beat in np.arange(0, seconds, 60.0 / bpm):
        start = round(float(beat) * RATE)
        seg = min(len(blip), n - start)
        out[start : start + seg] += 0.5 * blip[:seg]
    return out


def chord_progression(chords: list[list[int]], seconds_each: float) -> np.ndarray:
    """Sustained MIDI-note chords with decaying harmonics."""
    t = np.arange(int(seconds_each * RATE)) / RATE
    parts = []
    for chord in chords:
        seg = np.zeros(len(t))
        for note in chord:
            f0 = 440.0 * 2 ** ((note - 69) / 12)
            for h in range(1, 6):
                seg += 0.6**h * np.sin(2 * np.pi * f0 * h * t)
        parts.append(seg * (1 - np.exp(-t * 50)) * np.exp(-t * 0.3))
    out = np.concatenate(parts)
    return 0.5 * out / np.max(np.abs(out))


# A major: I - IV - V - vi - IV - V - I (A, D, E, F#m, D, E, A), roots around A3 with bass.
A_MAJOR = [[45, 57, 61, 64], [50, 62, 66, 69], [52, 64, 68, 71], [54, 57, 61, 66], [50, 62, 66, 69],
           [52, 64, 68, 71], [45, 57, 61, 64]]  # fmt: skip


@pytest.fixture(scope="session")
def signals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("feature-audio")
    t = np.arange(RATE * 10) / RATE
    sine = 0.1 * np.sin(2 * np.pi * 997 * t)  # -20 dBFS peak
    music = chord_progression(A_MAJOR, 2.5) + 0.6 * click_track(2.5 * 7, 120)
    paths = {
        "clicks": write_wav(d / "clicks120.wav", click_track(30.0, 120.0)),
        "a_major": write_wav(d / "a_major.wav", chord_progression(A_MAJOR * 2, 2.0)),
        "sine_stereo": write_wav(d / "sine_stereo.wav", np.stack([sine, sine], axis=1)),
        "sine_mono": write_wav(d / "sine_mono.wav", sine),
        "music": write_wav(d / "music.wav", np.stack([music, 0.8 * music], axis=1)),
        "short": write_wav(d / "short.wav", sine[: RATE * 2]),
    }
    if shutil.which("ffmpeg"):
        mp3 = d / "music.mp3"
        cmd = ["ffmpeg", "-loglevel", "error", "-y", "-i", str(paths["music"]), "-b:a", "192k", str(mp3)]
        subprocess.run(cmd, check=True)
        paths["music_mp3"] = mp3
    return paths


@pytest.fixture(scope="session")
def music_features(signals: dict[str, Path]) -> AudioFeatures:
    return extract_features(decode(signals["music"]))


def test_click_track_at_120_bpm(signals: dict[str, Path]) -> None:
    features = extract_features(decode(signals["clicks"]))
    assert features.bpm == pytest.approx(120.0, abs=1.0)
    assert features.bpm_confidence is not None and features.bpm_confidence > 0.5
    assert features.onset_rate is not None and 1.8 <= features.onset_rate <= 2.6  # 2 beats/s; measured 2.43


def test_a_major_progression_is_in_a_major(signals: dict[str, Path]) -> None:
    features = extract_features(decode(signals["a_major"]))
    assert (features.key, features.scale, features.camelot) == ("A", "major", "11B")
    assert features.key_strength is not None and features.key_strength > 0.5
    assert features.hpcp_mean is not None and len(features.hpcp_mean) == 12
    assert features.hpcp_mean[0] == pytest.approx(1.0)  # index 0 is A, the tonic dominates


@pytest.mark.parametrize(
    ("key", "scale", "code"),
    [("C", "major", "8B"), ("A", "minor", "8A"), ("G", "major", "9B"), ("E", "minor", "9A"),
     ("F", "major", "7B"), ("B", "major", "1B"), ("Ab", "minor", "1A"), ("G#", "minor", "1A"),
     ("Eb", "minor", "2A"), ("F#", "major", "2B"), ("Db", "major", "3B"), ("D", "minor", "7A")],
)  # fmt: skip
def test_camelot_codes(key: str, scale: str, code: str) -> None:
    assert camelot_code(key, scale) == code


def test_camelot_rejects_unknown_names() -> None:
    assert camelot_code("H", "major") is None
    assert camelot_code("C", "dorian") is None


def test_loudness_of_reference_sines(signals: dict[str, Path]) -> None:
    """BS.1770: a 997 Hz sine at -20 dBFS peak in both channels reads -20 LUFS, on one channel -23."""
    stereo = extract_features(decode(signals["sine_stereo"]))
    mono = extract_features(decode(signals["sine_mono"]))
    assert stereo.loudness_lufs == pytest.approx(-20.0, abs=0.15)
    assert mono.loudness_lufs == pytest.approx(-23.0, abs=0.15)


def test_loudness_agrees_with_essentia_ebur128(signals: dict[str, Path]) -> None:
    import essentia.standard as es

    decoded = decode(signals["music"])
    assert decoded.samples_side is not None
    stereo = np.stack(
        [decoded.samples_mono + decoded.samples_side, decoded.samples_mono - decoded.samples_side], 1
    )
    reference = es.LoudnessEBUR128(sampleRate=RATE)(stereo.astype(np.float32))[2]
    mid, rate = decoded.mono_at_least(22050)
    side, _ = decoded.side_at_least(22050)
    assert integrated_loudness(mid, side, rate) == pytest.approx(reference, abs=0.3)
    assert integrated_loudness(decoded.samples_mono, decoded.samples_side, RATE) == pytest.approx(
        reference, abs=0.3
    )


def test_silence_has_no_loudness() -> None:
    assert integrated_loudness(np.zeros(RATE * 5, dtype=np.float32), None, RATE) is None


def test_music_features_are_complete_and_in_range(music_features: AudioFeatures) -> None:
    f = music_features
    assert f.bpm is not None and 60 <= f.bpm <= 200
    assert f.mfcc_mean is not None and len(f.mfcc_mean) == 13
    assert f.mfcc_std is not None and len(f.mfcc_std) == 13
    assert f.spectral_contrast_mean is not None and len(f.spectral_contrast_mean) == 6
    assert f.spectral_centroid_mean is not None and 100 < f.spectral_centroid_mean < 5000
    assert f.dynamic_complexity is not None and f.dynamic_complexity >= 0
    assert f.danceability is not None and f.danceability > 0
    for score in (f.energy, f.danceability_score):
        assert score is not None and 0.0 <= score <= 1.0
    assert (f.valence, f.acousticness, f.instrumentalness) == (None, None, None)  # need models


def test_short_clip_gets_no_features(signals: dict[str, Path]) -> None:
    features = extract_features(decode(signals["short"]))
    assert features.bpm is None and features.key is None and features.mfcc_mean is None
    assert np.isnan(feature_vector(features)).all()


def test_feature_vector_layout(music_features: AudioFeatures) -> None:
    vec = feature_vector(music_features)
    assert vec.dtype == np.float32 and vec.shape == (VECTOR_DIM,) == (57,)
    assert not np.isnan(vec).any()
    assert vec[0] == pytest.approx(music_features.bpm)
    assert vec[2] == pytest.approx(music_features.loudness_lufs)
    assert music_features.mfcc_mean is not None and vec[11] == pytest.approx(music_features.mfcc_mean[0])
    assert music_features.hpcp_mean is not None and vec[-12] == pytest.approx(music_features.hpcp_mean[0])
    assert vec[8] ** 2 + vec[9] ** 2 == pytest.approx(1.0)  # key on the unit circle


def test_standardize_centres_scales_and_imputes() -> None:
    rng = np.random.default_rng(0)
    m = rng.normal(5.0, 3.0, size=(50, VECTOR_DIM)).astype(np.float32)
    m[:, 3] = 7.0  # constant column
    m[4, 10] = math.nan
    z, mean, std = standardize(m)
    assert z.dtype == np.float32 and not np.isnan(z).any()
    assert np.allclose(np.delete(z, 3, axis=1).mean(axis=0), 0.0, atol=1e-5)
    assert np.allclose(z[:, 3], 0.0) and std[3] == 1.0
    assert z[4, 10] == 0.0
    again, _, _ = standardize(m[:5], mean, std)
    assert np.allclose(again[:, :3], z[:5, :3], atol=1e-5)


def test_analyze_file_one_pass(signals: dict[str, Path]) -> None:
    path = signals.get("music_mp3", signals["music"])
    result = analyze_file(path)
    assert result.audio_hash == decode(path).audio_hash
    assert result.fingerprint is not None and result.fingerprint.startswith("AQ")
    assert result.fingerprint_duration == pytest.approx(result.duration_secs)
    assert result.features is not None and result.features.key is not None
    assert result.extractor_version == EXTRACTOR_VERSION
    assert result.problems == ()
    assert {"decode", "fingerprint", "features"} <= set(result.timings)
    # Nothing big travels back from a worker: no sample arrays anywhere in the result.
    blob = pickle.dumps(result)
    assert len(blob) < 10_000
    assert pickle.loads(blob) == result


def test_analyze_file_in_a_process_pool(signals: dict[str, Path]) -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        results = list(pool.map(analyze_file, [signals["clicks"], signals["a_major"]]))
    assert all(isinstance(r, FileAnalysis) for r in results)
    assert results[1].features is not None and results[1].features.camelot == "11B"
