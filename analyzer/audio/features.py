"""Per-track audio features from one decode: tempo, key, loudness, timbre and a few perceptual scores.

Everything runs on the decoded signal halved to ~22 kHz (timbre, loudness) and ~11 kHz (rhythm, key,
danceability), with the cheap variants of each algorithm, to stay far above 200x real time per core.

Perceptual 0..1 scores, as streaming services show them:
- `energy`: a documented heuristic (loudness, onset rate, brightness), monotone but uncalibrated.
- `danceability_score`: Essentia's DFA danceability (0..~3) divided by 3 and clipped.
- `valence`, `acousticness`, `instrumentalness`: need Essentia's trained TensorFlow classifiers, which
  this install cannot download; they stay None rather than being guessed from hand-made rules.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from analyzer.audio.decode import DecodedAudio
from analyzer.audio.loudness import integrated_loudness
from analyzer.audio.resample import octave_steps
from analyzer.audio.spectral import N_CONTRAST, N_MFCC, magnitude_spectrogram, onset_envelope, timbre_stats

# Bump when any number below would come out differently for the same file.
EXTRACTOR_VERSION = 1

MIN_FEATURE_SECS = 3.0  # shorter clips get an all-None AudioFeatures
TIMBRE_RATE = 22050.0
TONAL_RATE = 11025.0
_TIMBRE_FRAME = 2048  # ~93 ms at 22.05 kHz
_TIMBRE_HOP = 2 * _TIMBRE_FRAME  # every other frame: means/stds need samples, not overlap
_ODF_RATE = 44100.0 / 512.0  # 86.13 Hz, the resolution Essentia's TempoTapDegara is tuned for
# KeyExtractor's 4096-sample frames and hop, taken at 11025 Hz: 0.37 s frames, 2.7 Hz bins.
_KEY_FRAME_SECS = 4096 / 11025.0
_KEY_HOP_FRAMES = 2  # analyse every other frame: the key comes from the mean HPCP
_ODF_FRAME_FACTOR = 2  # frame = 2 hops (23 ms), as BeatTrackerDegara's 1024/512 at 44.1 kHz
_KEY_PROFILE = "bgate"  # KeyExtractor's default profile in Essentia 2.1b6
_MIN_BPM, _MAX_BPM = 40, 208  # RhythmExtractor2013 defaults

_PITCH_CLASSES = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6,
                  "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11}  # fmt: skip


@dataclass(frozen=True)
class AudioFeatures:
    """Plain values only (picklable, JSON-friendly); None where a feature is undefined for the clip."""

    bpm: float | None
    bpm_confidence: float | None  # share of beat intervals in the main BPM histogram peak, 0..1
    key: str | None  # "C", "C#", ..., "Bb", "B" (Essentia's spelling)
    scale: str | None  # "major" | "minor"
    key_strength: float | None
    camelot: str | None  # "8B" = C major, "8A" = A minor
    loudness_lufs: float | None  # integrated, EBU R128
    dynamic_complexity: float | None  # dB, Essentia DynamicComplexity
    danceability: float | None  # Essentia Danceability, 0..~3
    onset_rate: float | None  # onsets per second
    mfcc_mean: tuple[float, ...] | None
    mfcc_std: tuple[float, ...] | None
    spectral_centroid_mean: float | None  # Hz
    spectral_centroid_std: float | None
    spectral_contrast_mean: tuple[float, ...] | None
    hpcp_mean: tuple[float, ...] | None  # 12 pitch classes from A, max-normalised
    energy: float | None
    danceability_score: float | None
    valence: float | None = None
    acousticness: float | None = None
    instrumentalness: float | None = None


def camelot_code(key: str, scale: str) -> str | None:
    """Camelot wheel code: majors are B, minors A; C major = 8B, A minor = 8A, one fifth up = +1."""
    pc = _PITCH_CLASSES.get(key)
    if pc is None or scale not in ("major", "minor"):
        return None
    major_pc = pc if scale == "major" else (pc + 3) % 12  # relative major shares the number
    number = ((major_pc * 7) % 12 + 7) % 12 + 1  # position on the circle of fifths, C -> 8
    return f"{number}{'B' if scale == 'major' else 'A'}"


def _rhythm(x: np.ndarray, rate: float, duration: float) -> tuple[float | None, float | None, float]:
    """(bpm, confidence, onset rate) from one spectral-flux envelope at ~86 Hz.

    Essentia's RhythmExtractor2013 needs 44.1 kHz and costs ~1/230 of real time even with "degara";
    its beat tracker, TempoTapDegara, only needs an onset envelope, which we compute at 11 kHz.
    """
    import essentia
    import essentia.standard as es

    hop = max(1, round(rate / _ODF_RATE))
    size = _ODF_FRAME_FACTOR * hop
    odf = onset_envelope(x, size, hop)
    odf_rate = rate / hop
    # Onsets warns that any frame rate but 44100/512 "might not be as good": our envelope is ~86 Hz by
    # design (see above), and the warning printed once per file into every analysis run's terminal.
    essentia.log.warningActive = False
    try:
        onsets = es.Onsets(frameRate=odf_rate)(odf[None, :], np.ones(1, dtype=np.float32))
    finally:
        essentia.log.warningActive = True
    onset_rate = len(onsets) / duration
    ticks = es.TempoTapDegara(sampleRateODF=odf_rate, minTempo=_MIN_BPM, maxTempo=_MAX_BPM)(odf)
    if len(ticks) < 4:
        return None, None, onset_rate
    intervals = np.diff(ticks).astype(np.float32)
    peak_bpm, peak_weight = es.BpmHistogramDescriptors()(intervals)[:2]
    if peak_bpm <= 0:
        return None, None, onset_rate
    # The histogram has 1 BPM bins; average the intervals under the peak for a finer value.
    beat_bpm = 60.0 / intervals
    near = np.abs(beat_bpm - peak_bpm) <= 0.05 * peak_bpm
    bpm = 60.0 / float(intervals[near].mean()) if near.any() else float(peak_bpm)
    return bpm, float(peak_weight), onset_rate


def _key(x: np.ndarray, rate: float) -> tuple[str, str, float, np.ndarray]:
    """KeyExtractor's chain (SpectralPeaks -> SpectralWhitening -> HPCP -> Key on the mean HPCP).

    The magnitude spectra come from one batched FFT; only the peak/HPCP steps run per frame.
    """
    import essentia.standard as es

    size = 1 << round(math.log2(_KEY_FRAME_SECS * rate))
    # Essentia's Windowing(normalized=True) scales the window to a sum of 2; SpectralPeaks'
    # magnitudeThreshold is calibrated for that scale.
    mag = magnitude_spectrogram(x, size, _KEY_HOP_FRAMES * size) * np.float32(2.0 / np.hanning(size).sum())
    peaks = es.SpectralPeaks(orderBy="magnitude", magnitudeThreshold=1e-4, minFrequency=25.0,
                             maxFrequency=3500.0, maxPeaks=60, sampleRate=rate)  # fmt: skip
    whitening = es.SpectralWhitening(maxFrequency=3500.0, sampleRate=rate)
    hpcp = es.HPCP(bandPreset=False, harmonics=4, maxFrequency=3500.0, minFrequency=25.0,
                   nonLinear=False, normalized="none", referenceFrequency=440.0, sampleRate=rate,
                   size=12, weightType="cosine", windowSize=1.0, maxShifted=False)  # fmt: skip
    total = np.zeros(12, dtype=np.float64)
    for spectrum in mag:
        freqs, mags = peaks(spectrum)
        if len(freqs):
            total += hpcp(freqs, whitening(spectrum, freqs, mags))
    peak = total.max()
    mean = (total / peak if peak > 0 else total).astype(np.float32)
    key, scale, strength, _ = es.Key(usePolyphony=False, useThreeChords=False, numHarmonics=4,
                                     slope=0.6, profileType=_KEY_PROFILE, pcpSize=12)(mean)  # fmt: skip
    return str(key), str(scale), float(strength), mean


def _loudness(decoded: DecodedAudio) -> float | None:
    """Integrated LUFS on every other sample (every 4th at 88.2/96 kHz), without anti-alias filtering.

    Dropping samples keeps the signal's energy and folds 11-22 kHz onto 0-11 kHz, where K-weighting is
    the same flat +4 dB shelf, so the result stays within ~0.05 dB of full rate (checked on real music
    against a low-passed version and Essentia's LoudnessEBUR128) at half the IIR cost.
    """
    step = 2 ** octave_steps(decoded.sample_rate, TIMBRE_RATE)
    side = decoded.samples_side
    return integrated_loudness(
        np.ascontiguousarray(decoded.samples_mono[::step]),
        None if side is None else np.ascontiguousarray(side[::step]),
        decoded.sample_rate / step,
    )


def _energy(loudness: float | None, onset_rate: float, centroid_hz: float) -> float | None:
    """Heuristic 0..1 energy: mean of loudness (-30..-5 LUFS), onset rate (0..6 /s) and spectral
    centroid (500..3500 Hz) mapped linearly and clipped; the ingredients Spotify documents for energy
    (perceived loudness, onset rate, timbre), without a trained model."""
    if loudness is None:
        return None
    terms = ((loudness + 30.0) / 25.0, onset_rate / 6.0, (centroid_hz - 500.0) / 3000.0)
    return float(np.mean(np.clip(terms, 0.0, 1.0)))


class _StepClock:
    """Adds the CPU time since the previous lap to `timings[name]` (no-op without a dict)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self._timings = timings
        self._last = time.process_time()

    def lap(self, name: str) -> None:
        if self._timings is not None:
            now = time.process_time()
            self._timings[name] = self._timings.get(name, 0.0) + now - self._last
            self._last = now


def _empty_features() -> AudioFeatures:
    return AudioFeatures(
        bpm=None, bpm_confidence=None, key=None, scale=None, key_strength=None, camelot=None,
        loudness_lufs=None, dynamic_complexity=None, danceability=None, onset_rate=None,
        mfcc_mean=None, mfcc_std=None, spectral_centroid_mean=None, spectral_centroid_std=None,
        spectral_contrast_mean=None, hpcp_mean=None, energy=None, danceability_score=None,
    )  # fmt: skip


def extract_features(decoded: DecodedAudio, timings: dict[str, float] | None = None) -> AudioFeatures:
    """All features of one decoded file; clips under MIN_FEATURE_SECS get an all-None result.

    `timings`, when given, receives CPU seconds per step ("features.rhythm", ...) for profiling.
    """
    import essentia.standard as es

    if decoded.duration_secs < MIN_FEATURE_SECS:
        return _empty_features()
    clock = _StepClock(timings)
    duration = decoded.duration_secs
    timbre_x, timbre_rate = decoded.mono_at_least(TIMBRE_RATE)
    tonal_x, tonal_rate = decoded.mono_at_least(TONAL_RATE)
    clock.lap("features.resample")
    loudness = _loudness(decoded)
    clock.lap("features.loudness")
    bpm, bpm_confidence, onset_rate = _rhythm(tonal_x, tonal_rate, duration)
    clock.lap("features.rhythm")
    key, scale, strength, hpcp_mean = _key(tonal_x, tonal_rate)
    clock.lap("features.key")
    timbre = timbre_stats(magnitude_spectrogram(timbre_x, _TIMBRE_FRAME, _TIMBRE_HOP), timbre_rate)
    clock.lap("features.timbre")
    dynamic_complexity = float(es.DynamicComplexity(sampleRate=tonal_rate)(tonal_x)[0])
    # tauMultiplier 1.3 instead of 1.1: 12 DFA scales instead of 31, a third of the cost.
    danceability = float(es.Danceability(sampleRate=tonal_rate, tauMultiplier=1.3)(tonal_x)[0])
    clock.lap("features.dynamics")
    return AudioFeatures(
        bpm=bpm,
        bpm_confidence=bpm_confidence,
        key=key,
        scale=scale,
        key_strength=strength,
        camelot=camelot_code(key, scale),
        loudness_lufs=loudness,
        dynamic_complexity=dynamic_complexity,
        danceability=danceability,
        onset_rate=onset_rate,
        mfcc_mean=timbre.mfcc_mean,
        mfcc_std=timbre.mfcc_std,
        spectral_centroid_mean=timbre.centroid_mean_hz,
        spectral_centroid_std=timbre.centroid_std_hz,
        spectral_contrast_mean=timbre.contrast_mean,
        hpcp_mean=tuple(float(v) for v in hpcp_mean),
        energy=_energy(loudness, onset_rate, timbre.centroid_mean_hz),
        danceability_score=float(np.clip(danceability / 3.0, 0.0, 1.0)),
    )


# feature_vector layout (VECTOR_DIM = 57 float32 values; NaN where the feature is None):
#   0 bpm | 1 bpm_confidence | 2 loudness_lufs | 3 dynamic_complexity | 4 danceability | 5 onset_rate
#   6 energy | 7 key_strength | 8-9 cos/sin of the Camelot number (circle of fifths; relative keys
#   coincide) | 10 major (1) / minor (0) | 11-23 mfcc_mean | 24-36 mfcc_std | 37 centroid mean (Hz)
#   38 centroid std | 39-44 spectral_contrast_mean | 45-56 hpcp_mean (from A)
_SCALARS = ("bpm", "bpm_confidence", "loudness_lufs", "dynamic_complexity", "danceability", "onset_rate",
            "energy", "key_strength")  # fmt: skip
VECTOR_DIM = len(_SCALARS) + 3 + 2 * N_MFCC + 2 + N_CONTRAST + 12


def feature_vector(features: AudioFeatures) -> np.ndarray:
    """Fixed-length float32 vector (layout above), unscaled: `standardize` it over the library."""
    values: list[float] = []
    for name in _SCALARS:
        v = getattr(features, name)
        values.append(math.nan if v is None else float(v))
    camelot = features.camelot
    if camelot is None:
        values += [math.nan] * 3
    else:
        angle = 2.0 * math.pi * int(camelot[:-1]) / 12.0
        values += [math.cos(angle), math.sin(angle), 1.0 if camelot.endswith("B") else 0.0]

    def block(seq: tuple[float, ...] | None, n: int) -> list[float]:
        return [math.nan] * n if seq is None else [float(v) for v in seq]

    values += block(features.mfcc_mean, N_MFCC) + block(features.mfcc_std, N_MFCC)
    for v in (features.spectral_centroid_mean, features.spectral_centroid_std):
        values.append(math.nan if v is None else float(v))
    values += block(features.spectral_contrast_mean, N_CONTRAST) + block(features.hpcp_mean, 12)
    return np.asarray(values, dtype=np.float32)


def standardize(
    matrix: np.ndarray, mean: np.ndarray | None = None, std: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Z-score columns; NaN (missing features) become 0, i.e. the column mean.

    Pass the `mean`/`std` returned for the library to place new tracks in the same space.
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2:
        raise ValueError("standardize expects a (tracks, VECTOR_DIM) matrix")
    if mean is None or std is None:
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            mean = np.nan_to_num(np.nanmean(m, axis=0)) if len(m) else np.zeros(m.shape[1])
            std = np.nan_to_num(np.nanstd(m, axis=0)) if len(m) else np.ones(m.shape[1])
        std = np.where(std > 1e-9, std, 1.0)
    z = (m - mean) / std
    z[np.isnan(z)] = 0.0
    return z.astype(np.float32), np.asarray(mean, dtype=np.float32), np.asarray(std, dtype=np.float32)
