"""A small generated music library for the analysis, duplicates and similarity tests (made once per session).

The same 40 s piece in WAV/FLAC/MP3/Ogg plus a copy 2 s shorter and 3 dB quieter, and two different
pieces. Every file is tagged with its own title and album, so the scan makes one track per file.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from tests.analyzer.test_audio_fingerprint import RATE, synth_music, write_wav
from tests.scan_audio import tag

SONG_VARIANTS = ("song.flac", "song.mp3", "song.ogg", "song-trimmed.flac")
OTHERS = ("other.flac", "third.mp3")
ENCODE = {
    ".flac": ["-c:a", "flac"],
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "128k"],
    ".ogg": ["-c:a", "libvorbis"],
}


def encode(wav: Path, target: Path) -> Path:
    cmd = ["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), *ENCODE[target.suffix], str(target)]
    subprocess.run(cmd, check=True)
    return target


def make_library(folder: Path) -> Path:
    """Write the library into ``folder`` (returned); see the module docstring for what is in it."""
    raw = folder / "raw"
    raw.mkdir(parents=True)
    song = synth_music(40.0, seed=11, bpm=100)
    song_wav = write_wav(raw / "song.wav", song)
    trimmed_wav = write_wav(raw / "trimmed.wav", song[2 * RATE :] * 10 ** (-3 / 20))
    other_wav = write_wav(raw / "other.wav", synth_music(40.0, seed=99, bpm=128))
    third_wav = write_wav(raw / "third.wav", synth_music(35.0, seed=5, bpm=80))
    lib = folder / "library"
    lib.mkdir()
    for name in ("song.flac", "song.mp3", "song.ogg"):
        encode(song_wav, lib / name)
    encode(trimmed_wav, lib / "song-trimmed.flac")
    encode(other_wav, lib / "other.flac")
    encode(third_wav, lib / "third.mp3")
    for path in lib.iterdir():
        tag(path, title=path.name, artist="Generator", album=f"Album {path.name}")
    return lib


def copy_library(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def garbled_mp3(template: Path, target: Path) -> Path:
    """Valid MP3 header, random payload: the scan accepts it, the decoder rejects it as corrupt."""
    data = template.read_bytes()
    garbage = np.random.default_rng(4).integers(0, 256, len(data), dtype=np.uint8).tobytes()
    target.write_bytes(data[:4096] + garbage)
    return target
