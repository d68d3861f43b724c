"""Throughput of `analyze_file` on real music, against Essentia's MusicExtractor on the same files.

Real tagged Ogg music comes from Debian game packages:
    apt-get install -y wesnoth-1.16-music hyperrogue-music planetblupi-music-ogg
A subset is converted to MP3/FLAC/M4A/Opus with ffmpeg into a cache dir. Throughput is "x real time per
core": total audio seconds / CPU seconds of this one process. Prints a markdown summary, with a
decode-only table per codec: the same `--codec-files` tracks in every codec the scan accepts, through
`decode()` (whichever decoder serves that codec) and through PyAV alone, side by side.

    .venv/bin/python bench/bench_analysis.py [--files 24] [--extractor-files 8] [--codec-files 4] [--cache DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

SOURCE_DIRS = (
    "/usr/share/games/wesnoth/1.16/data/core/music",
    "/usr/share/hyperrogue/music",
    "/usr/share/planetblupi/music",
)
CONVERSIONS = {  # extension -> ffmpeg codec arguments
    "mp3": ["-c:a", "libmp3lame", "-b:a", "192k"],
    "flac": ["-c:a", "flac"],
    "m4a": ["-c:a", "aac", "-b:a", "192k"],
    "opus": ["-c:a", "libopus", "-b:a", "128k"],
}
# Every codec decode() serves, for the decode-only table: extension -> ffmpeg codec arguments.
CODEC_TABLE = {
    "ogg": [],  # the Vorbis original
    "mp3": CONVERSIONS["mp3"],
    "flac": CONVERSIONS["flac"],
    "m4a": CONVERSIONS["m4a"],
    "opus": CONVERSIONS["opus"],
    "alac.m4a": ["-c:a", "alac"],
    "wav": ["-c:a", "pcm_s16le"],
    "aiff": ["-c:a", "pcm_s16be"],
    "wv": ["-c:a", "wavpack"],
    "wma": ["-c:a", "wmav2", "-b:a", "192k"],
}
MAX_TRACK_SECS = 600.0  # planetblupi has 25-minute tracks; keep the set song-like
TARGET_X = 200.0


def _duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return float(out.stdout.strip())
    except ValueError:
        return 0.0


def _sources() -> list[Path]:
    sources = sorted(p for d in SOURCE_DIRS if Path(d).is_dir() for p in Path(d).glob("*.ogg"))
    sources = [p for p in sources if 20.0 <= _duration(p) <= MAX_TRACK_SECS]
    if not sources:
        sys.exit(
            "no music found: apt-get install -y wesnoth-1.16-music hyperrogue-music planetblupi-music-ogg"
        )
    return sources


def _converted(src: Path, ext: str, args: list[str], cache: Path) -> Path:
    dst = cache / f"{src.parent.parent.name}-{src.stem}.{ext}"
    if not dst.exists():
        tmp = dst.with_name(dst.stem + ".tmp." + ext)
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(src), *args, str(tmp)], check=True)
        tmp.rename(dst)
    return dst


def build_corpus(n_files: int, cache: Path) -> list[Path]:
    """`n_files` real tracks: a fifth each as the original Ogg, MP3, FLAC, M4A and Opus."""
    sources = _sources()
    step = max(1, len(sources) // n_files)
    chosen = sources[::step][:n_files]
    cache.mkdir(parents=True, exist_ok=True)
    corpus: list[Path] = []
    formats = ["ogg", *CONVERSIONS]
    for i, src in enumerate(chosen):
        ext = formats[i % len(formats)]
        if ext == "ogg":
            corpus.append(src)
            continue
        corpus.append(_converted(src, ext, CONVERSIONS[ext], cache))
    return corpus


def build_codec_corpus(n_files: int, cache: Path) -> dict[str, list[Path]]:
    """The same `n_files` tracks (spread over the sources) in every codec of CODEC_TABLE."""
    sources = _sources()
    chosen = sources[max(1, len(sources) // n_files) // 2 :: max(1, len(sources) // n_files)][:n_files]
    cache.mkdir(parents=True, exist_ok=True)
    return {
        ext: [src if ext == "ogg" else _converted(src, ext, args, cache) for src in chosen]
        for ext, args in CODEC_TABLE.items()
    }


def bench_decode_per_codec(by_codec: dict[str, list[Path]]) -> list[tuple[str, str, float, float, float]]:
    """Per codec: (extension, codec name, audio seconds, x real time via decode(), x via PyAV alone)."""
    from analyzer.audio.decode import decode
    from analyzer.audio.pyav_decode import decode_with_pyav

    for paths in by_codec.values():  # warm-up: each decoder's first call loads its codec tables
        decode(paths[0])
        decode_with_pyav(paths[0])
    rows = []
    for ext, paths in by_codec.items():
        audio = ours = alone = 0.0
        codec = ""
        for path in paths:
            t0 = time.process_time()
            decoded = decode(path)
            ours += time.process_time() - t0
            audio += decoded.duration_secs
            codec = decoded.codec
            t0 = time.process_time()
            decode_with_pyav(path)
            alone += time.process_time() - t0
        rows.append((ext, codec, audio, audio / ours, audio / alone))
    return rows


def bench_analyze(corpus: list[Path]) -> dict[str, object]:
    from analyzer.audio import AudioDecodeError, analyze_file

    analyze_file(corpus[0])  # warm-up: imports, FFmpeg and Essentia registries
    audio = 0.0
    stages: dict[str, float] = defaultdict(float)
    per_format: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    start = time.process_time()
    for path in corpus:
        t0 = time.process_time()
        try:
            result = analyze_file(path)
        except AudioDecodeError as exc:
            print(f"  skipped {path.name}: {exc}", file=sys.stderr)
            continue
        spent = time.process_time() - t0
        audio += result.duration_secs
        for stage, secs in result.timings.items():
            stages[stage] += secs
        top_level = sum(v for k, v in result.timings.items() if "." not in k)
        stages["other"] += spent - top_level
        per_format[path.suffix.lstrip(".")][0] += result.duration_secs
        per_format[path.suffix.lstrip(".")][1] += spent
    cpu = time.process_time() - start
    return {"audio": audio, "cpu": cpu, "stages": dict(stages), "per_format": dict(per_format)}


def bench_md5_cost(corpus: list[Path]) -> float:
    """CPU seconds to MD5 every file's bytes: an upper bound for hashing the audio payload.

    (AudioLoader with and without computeMD5 differ by less than the run-to-run noise.)
    """
    total = 0.0
    for path in corpus:
        data = path.read_bytes()
        t0 = time.process_time()
        hashlib.md5(data).hexdigest()
        total += time.process_time() - t0
    return total


def bench_music_extractor(corpus: list[Path]) -> tuple[float, float]:
    import essentia.standard as es

    extractor = es.MusicExtractor()
    audio = cpu = 0.0
    for path in corpus:
        t0 = time.process_time()
        features, _ = extractor(str(path))
        cpu += time.process_time() - t0
        audio += float(features["metadata.audio_properties.length"])
    return audio, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=24, help="tracks for analyze_file")
    parser.add_argument("--extractor-files", type=int, default=8, help="of those, for MusicExtractor")
    parser.add_argument("--codec-files", type=int, default=4, help="tracks per codec, decode-only table")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/tonearm-bench-audio"))
    args = parser.parse_args()
    # One core: keep BLAS/OpenMP from spreading work (CPU time is counted over all threads anyway).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if not shutil.which("ffmpeg"):
        sys.exit("ffmpeg is required")

    import essentia

    essentia.log.infoActive = False
    corpus = build_corpus(args.files, args.cache)
    load_before = os.getloadavg()[0]
    ours = bench_analyze(corpus)
    hash_share = bench_md5_cost(corpus)
    # MusicExtractor decodes with Essentia's own FFmpeg, which has no Opus decoder.
    essentia_readable = [p for p in corpus if p.suffix != ".opus"]
    step = max(1, len(essentia_readable) // max(1, args.extractor_files))
    ext_corpus = essentia_readable[::step][: args.extractor_files]
    ours_subset = bench_analyze(ext_corpus)
    ext_audio, ext_cpu = bench_music_extractor(ext_corpus)
    codec_rows = bench_decode_per_codec(build_codec_corpus(args.codec_files, args.cache))

    load_after = os.getloadavg()[0]
    audio, cpu = float(ours["audio"]), float(ours["cpu"])  # type: ignore[arg-type]
    x_ours = audio / cpu
    x_subset = float(ours_subset["audio"]) / float(ours_subset["cpu"])  # type: ignore[arg-type]
    x_ext = ext_audio / ext_cpu
    stages: dict[str, float] = ours["stages"]  # type: ignore[assignment]
    print(f"## analyze_file throughput ({len(corpus)} tracks, {audio / 60:.1f} min of audio, one process)\n")
    print("| stage | CPU s | ms per audio s | x real time |")
    print("|---|---:|---:|---:|")
    rows = [
        ("decode (incl. MD5)", stages.get("decode", 0.0)),
        ("  of which MD5 (bound: hashlib on file bytes)", hash_share),
    ]
    rows += [(name, stages.get(name, 0.0)) for name in ("fingerprint", "features")]
    rows += [(f"  {name}", secs) for name, secs in sorted(stages.items()) if name.startswith("features.")]
    rows += [("other", stages.get("other", 0.0))]
    for name, secs in rows:
        print(
            f"| {name} | {secs:.2f} | {1000 * secs / audio:.2f} | {audio / secs if secs else float('inf'):.0f}x |"
        )
    print(f"| **total** | **{cpu:.2f}** | **{1000 * cpu / audio:.2f}** | **{x_ours:.0f}x** |\n")
    print("| format | audio min | x real time |")
    print("|---|---:|---:|")
    per_format: dict[str, list[float]] = ours["per_format"]  # type: ignore[assignment]
    for fmt, (secs, spent) in sorted(per_format.items()):
        print(f"| {fmt} | {secs / 60:.1f} | {secs / spent:.0f}x |")
    others = [v for fmt, v in per_format.items() if fmt != "opus"]
    if others and len(others) < len(per_format):
        x_others = sum(v[0] for v in others) / sum(v[1] for v in others)
        print(f"| all but opus (the formats before Opus was decoded) | - | {x_others:.0f}x |")
    print(f"\n## decode only, per codec ({args.codec_files} tracks each, the same music in every codec)\n")
    print("| file | codec | audio min | decode() x real time | PyAV alone x real time |")
    print("|---|---|---:|---:|---:|")
    for ext, codec, secs, x_decode, x_pyav in codec_rows:
        print(f"| .{ext} | {codec} | {secs / 60:.1f} | {x_decode:.0f}x | {x_pyav:.0f}x |")
    print(
        f"\n## vs Essentia MusicExtractor ({len(ext_corpus)} tracks, {ext_audio / 60:.1f} min)\n\n"
        f"| pipeline | x real time per core |\n|---|---:|\n"
        f"| analyze_file | {x_subset:.0f}x |\n| MusicExtractor() | {x_ext:.0f}x |\n"
        f"| **ratio** | **{x_subset / x_ext:.1f}x faster** |\n"
    )
    print(
        f"Machine: {os.cpu_count()} CPUs, 1-min load {load_before:.1f} before / {load_after:.1f} after"
        " (CPU time still inflates when other processes share the cores and caches).\n"
    )
    verdict = "met" if x_ours >= TARGET_X else "NOT met"
    print(f"Target >= {TARGET_X:.0f}x real time per core: **{verdict}** ({x_ours:.0f}x).")


if __name__ == "__main__":
    main()
