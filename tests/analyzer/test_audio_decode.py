"""decode(): payload hash across formats and tag edits, mono/side, decimation, and typed failures."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from analyzer.audio.decode import AudioDecodeError, decode
from analyzer.audio.resample import halve_rate

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")

RATE = 44100
ENCODERS = {
    "flac": ["-c:a", "flac"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "128k"],
    "ogg": ["-c:a", "libvorbis"],
    "m4a": ["-c:a", "aac", "-b:a", "128k"],
}


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """16-bit PCM; `samples` is (n,) for mono or (n, 2) for stereo, in [-1, 1]."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def encode(src: Path, ext: str) -> Path:
    dst = src.with_suffix("." + ext)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(src), *ENCODERS[ext], str(dst)], check=True
    )
    return dst


def tone_mix(seconds: float, seed: int) -> np.ndarray:
    """A few seconds of stereo tones and noise: enough for every codec to produce real packets."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    left = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(len(t))
    right = 0.3 * np.sin(2 * np.pi * 660 * t) + 0.05 * rng.standard_normal(len(t))
    return np.stack([left, right], axis=1)


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("decode-audio")
    wav = write_wav(d / "stereo.wav", tone_mix(6.0, seed=1))
    for ext in ENCODERS:
        encode(wav, ext)
    write_wav(d / "mono.wav", tone_mix(3.0, seed=2)[:, 0])
    return d


def copy_to(tmp_path: Path, src: Path) -> Path:
    dst = tmp_path / src.name
    shutil.copyfile(src, dst)
    return dst


def test_stereo_wav_metadata_and_hash_is_md5_of_the_pcm_payload(audio_dir: Path) -> None:
    decoded = decode(audio_dir / "stereo.wav")
    assert decoded.sample_rate == RATE
    assert decoded.channels == 2
    assert decoded.codec == "pcm_s16le"
    assert decoded.bit_rate == RATE * 2 * 16
    assert decoded.duration_secs == pytest.approx(6.0, abs=1e-3)
    assert decoded.samples_mono.dtype == np.float32
    assert decoded.samples_side is not None
    with wave.open(str(audio_dir / "stereo.wav")) as w:
        payload = w.readframes(w.getnframes())
    assert decoded.audio_hash == hashlib.md5(payload).hexdigest()


def test_mid_and_side_rebuild_the_channels(audio_dir: Path) -> None:
    decoded = decode(audio_dir / "stereo.wav")
    assert decoded.samples_side is not None
    left = decoded.samples_mono + decoded.samples_side
    expected = tone_mix(6.0, seed=1)[:, 0]
    assert np.max(np.abs(left - expected)) < 2e-4  # 16-bit quantisation


def test_mono_source_has_no_side_and_keeps_its_level(audio_dir: Path) -> None:
    decoded = decode(audio_dir / "mono.wav")
    assert decoded.channels == 1
    assert decoded.samples_side is None
    assert np.max(np.abs(decoded.samples_mono - tone_mix(3.0, seed=2)[:, 0])) < 2e-4


def test_each_encoding_has_its_own_hash(audio_dir: Path) -> None:
    hashes = {ext: decode(audio_dir / f"stereo.{ext}").audio_hash for ext in ("wav", *ENCODERS)}
    assert len(set(hashes.values())) == len(hashes)
    assert all(len(h) == 32 for h in hashes.values())


@pytest.mark.parametrize("ext", ["mp3", "flac", "ogg", "m4a"])
def test_tag_edit_keeps_the_audio_hash(audio_dir: Path, tmp_path: Path, ext: str) -> None:
    import mutagen

    path = copy_to(tmp_path, audio_dir / f"stereo.{ext}")
    before = decode(path).audio_hash
    tagged = mutagen.File(path, easy=True)
    assert tagged is not None
    if tagged.tags is None:
        tagged.add_tags()
    tagged["title"] = "A rather long new title " * 20
    tagged["artist"] = "Somebody Else"
    tagged.save()
    assert path.read_bytes() != (audio_dir / f"stereo.{ext}").read_bytes()
    assert decode(path).audio_hash == before


def test_ogg_hash_is_ffmpegs_packet_md5(audio_dir: Path) -> None:
    """Ogg's hash is computed by us (Essentia's follows the tags); it must equal FFmpeg's packet MD5."""
    out = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(audio_dir / "stereo.ogg"), "-map", "0:a", "-c", "copy",
         "-f", "md5", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert decode(audio_dir / "stereo.ogg").audio_hash == out.stdout.strip().removeprefix("MD5=")


def test_octaves_are_cached_and_halve_the_length(audio_dir: Path) -> None:
    decoded = decode(audio_dir / "stereo.wav")
    x22, r22 = decoded.mono_at_least(22050)
    x11, r11 = decoded.mono_at_least(11025)
    assert (r22, r11) == (22050.0, 11025.0)
    assert len(x22) == (len(decoded.samples_mono) + 1) // 2
    assert len(x11) == (len(x22) + 1) // 2
    assert decoded.mono_at_least(11025)[0] is x11
    side, rate = decoded.side_at_least(22050)
    assert side is not None and rate == 22050.0


def test_halve_rate_keeps_the_band_and_rejects_what_would_alias() -> None:
    t = np.arange(RATE * 2) / RATE
    low = halve_rate(np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    high = halve_rate(np.sin(2 * np.pi * 15000 * t).astype(np.float32))  # 1.36x the new Nyquist
    assert np.sqrt(np.mean(low[1000:-1000] ** 2)) == pytest.approx(np.sqrt(0.5), rel=0.01)
    assert 20 * np.log10(np.sqrt(np.mean(high[1000:-1000] ** 2)) / np.sqrt(0.5)) < -40


# --- failures -----------------------------------------------------------------------------------------


def expect_kind(path: Path, kind: str) -> AudioDecodeError:
    with pytest.raises(AudioDecodeError) as info:
        decode(path)
    assert info.value.kind == kind, info.value.reason
    assert info.value.reason
    return info.value


def test_zero_byte_file_is_empty(tmp_path: Path) -> None:
    (tmp_path / "nothing.mp3").write_bytes(b"")
    expect_kind(tmp_path / "nothing.mp3", "empty")


def test_random_bytes_are_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp3"
    path.write_bytes(np.random.default_rng(3).integers(0, 256, 200_000, dtype=np.uint8).tobytes())
    expect_kind(path, "not_audio")


def test_text_missing_and_directory_are_not_audio(tmp_path: Path) -> None:
    (tmp_path / "notes.flac").write_text("these are not the samples you are looking for\n")
    expect_kind(tmp_path / "notes.flac", "not_audio")
    expect_kind(tmp_path / "missing.ogg", "not_audio")
    expect_kind(tmp_path, "not_audio")


@pytest.mark.parametrize("ext", ["wav", "mp3", "flac"])
def test_half_a_file_is_truncated(audio_dir: Path, tmp_path: Path, ext: str) -> None:
    data = (audio_dir / f"stereo.{ext}").read_bytes()
    path = tmp_path / f"half.{ext}"
    path.write_bytes(data[: len(data) // 2])
    expect_kind(path, "truncated")


@pytest.mark.parametrize("ext", ["mp3", "flac"])
def test_valid_header_with_garbage_payload_is_corrupt(audio_dir: Path, tmp_path: Path, ext: str) -> None:
    data = (audio_dir / f"stereo.{ext}").read_bytes()
    garbage = np.random.default_rng(4).integers(0, 256, len(data), dtype=np.uint8).tobytes()
    path = tmp_path / f"garbled.{ext}"
    path.write_bytes(data[:4096] + garbage)
    expect_kind(path, "corrupt")


def test_surround_file_is_unsupported(audio_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "surround.flac"
    cmd = ["ffmpeg", "-loglevel", "error", "-y", "-i", str(audio_dir / "mono.wav"), "-ac", "6", str(path)]
    subprocess.run(cmd, check=True)
    expect_kind(path, "unsupported")


def test_unreadable_file_is_permission_denied(
    audio_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = copy_to(tmp_path, audio_dir / "stereo.wav")
    if os.geteuid() != 0:
        path.chmod(0)
    else:  # root reads anything: simulate the refusal at the first read
        decode_module = sys.modules["analyzer.audio.decode"]

        def refuse(_: Path) -> bytes:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(decode_module, "_read_head", refuse)
    expect_kind(path, "permission_denied")


def test_decode_error_survives_pickling() -> None:
    err = pickle.loads(pickle.dumps(AudioDecodeError("corrupt", "bad frames")))
    assert (err.kind, err.reason) == ("corrupt", "bad frames")


def test_damaged_codec_header_does_not_crash_later_decodes(audio_dir: Path, tmp_path: Path) -> None:
    """Essentia's AudioLoader corrupts the heap when a codec fails to open; decode() must contain it.

    Runs in a child process so a regression shows up as a failed test, not a dead test session.
    """
    data = bytearray((audio_dir / "stereo.ogg").read_bytes())
    rng = np.random.default_rng(5)
    for i in range(100, 4000, 97):  # the Vorbis setup header lives in the first pages
        data[i] = int(rng.integers(0, 256))
    damaged = tmp_path / "damaged.ogg"
    damaged.write_bytes(bytes(data))
    script = (
        "import sys\n"
        "from analyzer.audio.decode import decode, AudioDecodeError\n"
        "for p in sys.argv[1:]:\n"
        "    try:\n"
        "        decode(p)\n"
        "        print('ok')\n"
        "    except AudioDecodeError as e:\n"
        "        print(e.kind)\n"
    )
    good = str(audio_dir / "stereo.mp3")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(damaged),
            good,
            str(damaged),
            good,
            str(audio_dir / "stereo.flac"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.split()
    assert lines[1] == lines[3] == lines[4] == "ok"
    assert lines[0] in {"corrupt", "unsupported", "truncated", "ok"}
