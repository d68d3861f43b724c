"""Benchmark read_tags against plain mutagen.File on one core, over a mixed set of tagged files.

The scan budget is >= 3,000 files/s on 2 cores; raw mutagen parsing is the ceiling, so what matters is
read_tags' overhead relative to it. Usage: ``.venv/bin/python bench/bench_tags.py [--files 3000]``.
Needs ffmpeg on PATH. Prints figures; records nothing.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mutagen
from mutagen.apev2 import APEv2
from mutagen.id3 import TXXX, UFID, Frames

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.tags import read_tags

FORMATS = {
    ".mp3": ("-c:a", "libmp3lame", "-b:a", "128k"),
    ".flac": ("-c:a", "flac"),
    ".ogg": ("-c:a", "libvorbis"),
    ".opus": ("-c:a", "libopus"),
    ".m4a": ("-c:a", "aac"),
    ".wav": ("-c:a", "pcm_s16le"),
    ".aiff": ("-c:a", "pcm_s16be"),
    ".wma": ("-c:a", "wmav2"),
    ".wv": ("-c:a", "wavpack"),
}
MBID = "b1a9c0e9-d987-4042-ae91-78d6a3267d69"
# A typical Picard-tagged track: ~30 fields, a few of them multi-valued.
VORBIS = {
    "TITLE": ["Title"], "ARTIST": ["Artist feat. Guest"], "ARTISTS": ["Artist", "Guest"],
    "ALBUMARTIST": ["Artist"], "ALBUM": ["Album"], "DATE": ["2011-03-14"], "ORIGINALDATE": ["1999"],
    "TRACKNUMBER": ["3"], "TRACKTOTAL": ["12"], "DISCNUMBER": ["1"], "DISCTOTAL": ["1"],
    "GENRE": ["Rock", "Pop"], "LABEL": ["Label"], "CATALOGNUMBER": ["CAT-1"], "BARCODE": ["0123456789012"],
    "ISRC": ["USRC17607839"], "RELEASETYPE": ["album"], "RELEASECOUNTRY": ["GB"], "MEDIA": ["CD"],
    "ARTISTSORT": ["Artist"], "ALBUMARTISTSORT": ["Artist"], "SCRIPT": ["Latn"], "LANGUAGE": ["eng"],
    "MUSICBRAINZ_TRACKID": [MBID], "MUSICBRAINZ_RELEASETRACKID": [MBID], "MUSICBRAINZ_ALBUMID": [MBID],
    "MUSICBRAINZ_RELEASEGROUPID": [MBID], "MUSICBRAINZ_ARTISTID": [MBID, MBID],
    "MUSICBRAINZ_ALBUMARTISTID": [MBID], "ACOUSTID_ID": [MBID],
}  # fmt: skip
ID3_FRAMES = {"TITLE": "TIT2", "ARTIST": "TPE1", "ALBUMARTIST": "TPE2", "ALBUM": "TALB", "DATE": "TDRC",
              "TRACKNUMBER": "TRCK", "DISCNUMBER": "TPOS", "GENRE": "TCON", "LABEL": "TPUB", "ISRC": "TSRC",
              "MEDIA": "TMED", "ARTISTSORT": "TSOP", "ALBUMARTISTSORT": "TSO2", "ORIGINALDATE": "TDOR",
              "LANGUAGE": "TLAN"}  # fmt: skip


def _tag(path: Path) -> None:
    audio: Any = mutagen.File(path)
    if path.suffix in (".mp3", ".wav", ".aiff"):
        if audio.tags is None:
            audio.add_tags()
        for key, values in VORBIS.items():
            frame_id = ID3_FRAMES.get(key)
            if frame_id:
                audio.tags.add(Frames[frame_id](encoding=3, text=values))
            elif key != "MUSICBRAINZ_TRACKID":
                audio.tags.add(TXXX(encoding=3, desc=key, text=values))
        audio.tags.add(UFID(owner="http://musicbrainz.org", data=MBID.encode()))
    elif path.suffix == ".m4a":
        audio.update({"\xa9nam": ["Title"], "\xa9ART": ["Artist"], "\xa9alb": ["Album"], "trkn": [(3, 12)]})
        for key, values in VORBIS.items():
            audio["----:com.apple.iTunes:" + key] = [value.encode() for value in values]
    elif path.suffix == ".wma":
        audio.tags.update({"Title": ["Title"], "Author": ["Artist"], "WM/AlbumTitle": ["Album"]})
        for key, values in VORBIS.items():
            audio.tags["MusicBrainz/" + key.title()] = values
    elif path.suffix == ".wv":
        tags = APEv2()
        for key, values in VORBIS.items():
            tags[key] = values
        tags.save(path)
        return
    else:
        for key, values in VORBIS.items():
            audio[key] = values
    audio.save()


def _make_files(folder: Path, count: int) -> list[Path]:
    bases = []
    for ext, codec in FORMATS.items():
        base = folder / f"base{ext}"
        sine = "sine=frequency=440:duration=3"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", sine, "-ac", "2", *codec, str(base)],
            check=True,
        )
        _tag(base)
        bases.append(base)
    files = []
    for index in range(count):
        base = bases[index % len(bases)]
        target = folder / f"{index:06d}{base.suffix}"
        shutil.copyfile(base, target)
        files.append(target)
    return files


def _rate(read: Callable[[str], object], files: list[str]) -> float:
    # CPU time of this process, not wall time: a shared machine's other load should not move the figure.
    start = time.process_time()
    for path in files:
        read(path)
    return len(files) / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg is needed to make the benchmark files")
    with tempfile.TemporaryDirectory(prefix="tonearm-bench-tags-") as tmp:
        files = [str(path) for path in _make_files(Path(tmp), args.files)]
        _rate(mutagen.File, files)  # warm the page cache and imports
        best = {"mutagen.File": 0.0, "read_tags": 0.0}
        for _ in range(args.rounds):
            best["mutagen.File"] = max(best["mutagen.File"], _rate(mutagen.File, files))
            best["read_tags"] = max(best["read_tags"], _rate(read_tags, files))
        per_format = {}
        for ext in FORMATS:
            subset = [path for path in files if path.endswith(ext)]
            plain = max(_rate(mutagen.File, subset) for _ in range(args.rounds))
            ours = max(_rate(read_tags, subset) for _ in range(args.rounds))
            per_format[ext] = (plain, ours)
    print(f"{args.files:,} files, {len(FORMATS)} formats, one core (CPU time), best of {args.rounds}:")
    for name, rate in best.items():
        print(f"  {name:14} {rate:9,.0f} files/s  ({1e6 / rate:6.1f} µs/file)")
    print(f"  read_tags / mutagen.File = {best['read_tags'] / best['mutagen.File']:.2f}")
    print("  per format (mutagen.File, read_tags) files/s:")
    for ext, (plain, ours) in per_format.items():
        print(f"    {ext:6} {plain:9,.0f} {ours:9,.0f}")


if __name__ == "__main__":
    main()
