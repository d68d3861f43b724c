"""Tiny real audio files for the scan tests: encoded once per session by ffmpeg, copied and tagged per test.

``tag(path, **fields)`` writes Picard-style tags with mutagen: Vorbis comments for FLAC/Ogg/Opus (any key),
EasyID3/EasyMP4 for MP3/M4A (the common keys).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import mutagen
from mutagen.easyid3 import EasyID3
from mutagen.easymp4 import EasyMP4

FORMATS: dict[str, tuple[str, ...]] = {
    ".flac": ("-c:a", "flac"),
    ".mp3": ("-c:a", "libmp3lame", "-b:a", "64k"),
    ".ogg": ("-c:a", "libvorbis"),
    ".opus": ("-c:a", "libopus"),
    ".m4a": ("-c:a", "aac"),
    ".wav": ("-c:a", "pcm_s16le"),
}


def make_templates(folder: Path, duration: float = 0.3) -> dict[str, Path]:
    """One untagged file per extension in ``folder``."""
    made: dict[str, Path] = {}
    for ext, codec in FORMATS.items():
        path = folder / f"template{ext}"
        sine = f"sine=frequency=440:duration={duration}"
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-nostdin",
                "-f",
                "lavfi",
                "-i",
                sine,
                "-ac",
                "1",
                "-map_metadata",
                "-1",
                *codec,
                str(path),
            ],
            check=True,
        )
        made[ext] = path
    return made


def _values(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


_EASY_ID3 = {"musicbrainz_recordingid": "musicbrainz_trackid", "label": "organization"}


def tag(path: Path, **fields: Any) -> None:
    """Write tags: keys are Picard names (title, artist, artists, albumartist, tracknumber, ...)."""
    ext = path.suffix.lower()
    if ext in (".flac", ".ogg", ".opus"):
        audio: Any = mutagen.File(path)
        if audio.tags is None:
            audio.add_tags()
        for key, value in fields.items():
            vorbis = "MUSICBRAINZ_TRACKID" if key == "musicbrainz_recordingid" else key.upper()
            audio.tags[vorbis] = _values(value)
        audio.save()
    elif ext == ".mp3":
        try:
            easy = EasyID3(path)
        except mutagen.id3.ID3NoHeaderError:
            easy = EasyID3()
        for key, value in fields.items():
            easy[_EASY_ID3.get(key, key)] = _values(value)
        easy.save(path)
    elif ext == ".m4a":
        mp4 = EasyMP4(path)
        for key, value in fields.items():
            mp4[_EASY_ID3.get(key, key)] = _values(value)
        mp4.save()
    else:
        raise ValueError(f"no tag writer for {ext}")


def place(templates: dict[str, Path], target: Path, **fields: Any) -> Path:
    """Copy the template of ``target``'s extension to ``target`` and tag it (no tags when none given)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(templates[target.suffix.lower()], target)
    if fields:
        tag(target, **fields)
    return target
