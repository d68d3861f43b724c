"""Benchmark the library scan end to end: initial scan and unchanged rescan, SQLite and MariaDB, beets beside.

Generates a tagged library of mixed formats under bench/out/ (cached between runs): tiny ffmpeg-encoded
templates copied and retagged with mutagen, one format per album, Picard-style tags (half the albums carry
MusicBrainz ids). The 100,000-file rescan library is hard links to five copies of the 20,000 files.
Usage: ``.venv/bin/python -m bench.bench_scan [--files 20000] [--rescan-files 100000] [--no-mariadb]
[--no-beets]``. Needs ffmpeg; beets is run from bench/out/beets-venv when present. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
import uuid
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import mutagen
from mutagen.apev2 import APEv2
from mutagen.id3 import TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TPUB, TRCK, TSRC, TXXX, UFID
from mutagen.mp4 import MP4FreeForm

from bench.calibrate import reference_ms

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyzer.scan import run_scan  # noqa: E402
from models.bootstrap import init_database  # noqa: E402
from models.engine import Database, open_database  # noqa: E402
from models.gc_policy import bulk_collector  # noqa: E402
from models.schemas import SchemaConfig  # noqa: E402

OUT = ROOT / "bench" / "out"
FORMATS: dict[str, tuple[str, ...]] = {
    ".mp3": ("-c:a", "libmp3lame", "-b:a", "64k"),
    ".flac": ("-c:a", "flac"),
    ".ogg": ("-c:a", "libvorbis"),
    ".opus": ("-c:a", "libopus"),
    ".m4a": ("-c:a", "aac"),
    ".wma": ("-c:a", "wmav2"),
    ".wv": ("-c:a", "wavpack"),
    ".aiff": ("-c:a", "pcm_s16be"),
}
TRACKS_PER_ALBUM = 12
ALBUMS_PER_ARTIST = 4


def _fields(index: int) -> dict[str, list[str]]:
    album = index // TRACKS_PER_ALBUM
    artist = album // ALBUMS_PER_ARTIST
    number = index % TRACKS_PER_ALBUM + 1
    fields = {
        "TITLE": [f"Song {index} (Radio Edit)" if number == 3 else f"Song {index}"],
        "ARTIST": [f"Artist {artist} feat. Guest {index % 50}" if number == 5 else f"Artist {artist}"],
        "ALBUMARTIST": [f"Artist {artist}"],
        "ALBUM": [f"Album {album}"],
        "TRACKNUMBER": [str(number)],
        "DISCNUMBER": ["1"],
        "DATE": [f"{1970 + album % 50}-03-14"],
        "GENRE": ["Rock", f"Genre {album % 40}"],
        "LABEL": [f"Label {album % 100}"],
        "ISRC": [f"USRC1{index:07d}"],
    }
    if album % 2 == 0:
        fields["MUSICBRAINZ_TRACKID"] = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"rec{index}"))]
        fields["MUSICBRAINZ_ALBUMID"] = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"rel{album}"))]
        fields["MUSICBRAINZ_ARTISTID"] = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"art{artist}"))]
    return fields


_ID3 = {"TITLE": TIT2, "ARTIST": TPE1, "ALBUMARTIST": TPE2, "ALBUM": TALB, "TRACKNUMBER": TRCK,
        "DISCNUMBER": TPOS, "DATE": TDRC, "GENRE": TCON, "LABEL": TPUB, "ISRC": TSRC}  # fmt: skip
_MP4 = {"TITLE": "\xa9nam", "ARTIST": "\xa9ART", "ALBUMARTIST": "aART", "ALBUM": "\xa9alb", "DATE": "\xa9day",
        "GENRE": "\xa9gen"}  # fmt: skip
_ASF = {"TITLE": "Title", "ARTIST": "Author", "ALBUMARTIST": "WM/AlbumArtist", "ALBUM": "WM/AlbumTitle",
        "TRACKNUMBER": "WM/TrackNumber", "DATE": "WM/Year", "GENRE": "WM/Genre", "LABEL": "WM/Publisher",
        "ISRC": "WM/ISRC", "MUSICBRAINZ_TRACKID": "MusicBrainz/Track Id",
        "MUSICBRAINZ_ALBUMID": "MusicBrainz/Album Id", "MUSICBRAINZ_ARTISTID": "MusicBrainz/Artist Id",
        "DISCNUMBER": "WM/PartOfSet"}  # fmt: skip


def _tag(path: Path, fields: dict[str, list[str]]) -> None:
    ext = path.suffix
    if ext == ".wv":
        ape = APEv2()
        for key, values in fields.items():
            ape[key] = values
        ape.save(path)
        return
    audio: Any = mutagen.File(path)
    if ext in (".mp3", ".aiff"):
        if audio.tags is None:
            audio.add_tags()
        for key, values in fields.items():
            if key in _ID3:
                audio.tags.add(_ID3[key](encoding=3, text=values))
            elif key == "MUSICBRAINZ_TRACKID":
                audio.tags.add(UFID(owner="http://musicbrainz.org", data=values[0].encode()))
            else:
                audio.tags.add(TXXX(encoding=3, desc=key.replace("_", " ").title(), text=values))
    elif ext == ".m4a":
        for key, values in fields.items():
            if key in _MP4:
                audio[_MP4[key]] = values
            elif key == "TRACKNUMBER":
                audio["trkn"] = [(int(values[0]), TRACKS_PER_ALBUM)]
            elif key == "DISCNUMBER":
                audio["disk"] = [(int(values[0]), 1)]
            else:
                audio["----:com.apple.iTunes:" + key] = [MP4FreeForm(v.encode()) for v in values]
    elif ext == ".wma":
        for key, values in fields.items():
            audio.tags[_ASF.get(key, key)] = values
    else:
        for key, values in fields.items():
            audio[key] = values
    audio.save()


def _make_one(job: tuple[int, str, str]) -> None:
    index, template, target = job
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    _tag(Path(target), _fields(index))


def make_library(count: int) -> Path:
    """The cached library of ``count`` files (made in parallel the first time)."""
    folder = OUT / f"library-{count}"
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    templates = OUT / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    for ext, codec in FORMATS.items():
        path = templates / f"t{ext}"
        if not path.exists():
            sine = "sine=frequency=440:duration=0.2"
            subprocess.run(
                [
                    "ffmpeg",
                    "-v",
                    "error",
                    "-nostdin",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    sine,
                    "-ac",
                    "1",
                    *codec,
                    str(path),
                ],
                check=True,
            )
    exts = list(FORMATS)
    jobs = []
    for index in range(count):
        album = index // TRACKS_PER_ALBUM
        ext = exts[album % len(exts)]
        target = (
            folder
            / f"Artist {album // ALBUMS_PER_ARTIST}"
            / f"Album {album}"
            / f"{index % 12 + 1:02d} Song {index}{ext}"
        )
        jobs.append((index, str(templates / f"t{ext}"), str(target)))
    with Pool() as pool:
        pool.map(_make_one, jobs, chunksize=200)
    done.touch()
    return folder


def make_linked_library(source: Path, copies: int) -> Path:
    """``copies`` hard-linked copies of ``source`` (distinct paths, no extra disk space)."""
    folder = OUT / f"linked-{source.name}-x{copies}"
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    for copy in range(copies):
        for dirpath, _dirs, files in os.walk(source):
            target_dir = folder / f"copy{copy}" / os.path.relpath(dirpath, source)
            target_dir.mkdir(parents=True, exist_ok=True)
            for name in files:
                if not name.startswith("."):
                    os.link(os.path.join(dirpath, name), target_dir / name)
    done.touch()
    return folder


def sqlite_database(name: str) -> Database:
    path = OUT / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    db = open_database(f"sqlite:///{path}", SchemaConfig())
    init_database(db)
    return db


CPU_SECONDS: list[float] = []
"""CPU seconds (this process + its pool workers) of each timed scan: on a shared machine wall time moves
with other people's load, CPU time much less."""
CPU_SPLIT: list[tuple[float, float]] = []
"""The same, as (writer process, pool workers): the writer's share decides how well two cores overlap."""


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def warm_page_cache(library: Path) -> int:
    """Read every file of the library once (untimed), so the runs measure the scan on a warm page cache as
    this benchmark states: whatever ran before (another benchmark writing gigabytes) may have evicted the
    library, and a cold first run then spends its extra time in the disk (measured after
    ``echo 3 > /proc/sys/vm/drop_caches``: 2,864 files/s, pool workers 7.1 user + 1.4 system CPU-s against
    5.9 + 0.55 warm; docs/benchmarks.md)."""
    size = 0
    for path in library.rglob("*"):
        if path.is_file():
            size += len(path.read_bytes())
    return size


def timed_scan(db: Database, library: Path) -> tuple[float, Any]:
    (own, children), start = _cpu(), time.perf_counter()
    with bulk_collector():  # as `tonearm scan` runs it (models.gc_policy: the entry point opts in)
        summary = run_scan(db, [library])
    own_after, children_after = _cpu()
    CPU_SPLIT.append((own_after - own, children_after - children))
    CPU_SECONDS.append(sum(CPU_SPLIT[-1]))
    return time.perf_counter() - start, summary


def run_beets(library: Path) -> float:
    beet = OUT / "beets-venv" / "bin" / "beet"
    work = OUT / "beets-run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    config = work / "config.yaml"
    config.write_text(
        f"directory: {work / 'music'}\nlibrary: {work / 'library.db'}\n"
        "import:\n  copy: no\n  write: no\n  move: no\n  autotag: no\n  log: null\nplugins: []\n"
    )
    env = {**os.environ, "BEETSDIR": str(work)}
    start = time.perf_counter()
    subprocess.run([str(beet), "-c", str(config), "import", "-A", "-q", str(library)], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--rescan-files", type=int, default=100_000)
    parser.add_argument("--no-mariadb", action="store_true")
    parser.add_argument("--no-beets", action="store_true")
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="initial scans of the --files library, each into a fresh database (the machine's speed moves "
        "from minute to minute: judge by the range and the CPU split)",
    )
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg is needed to make the benchmark library")
    rows: list[tuple[str, str, str]] = []
    load_before = os.getloadavg()[0]
    library = make_library(args.files)
    n = args.files

    warm_page_cache(library)
    runs: list[tuple[float, float]] = []  # (seconds, load average after)
    references: list[float] = []  # the machine's speed just before each run (bench/calibrate.py)
    for run in range(args.runs):
        references.append(reference_ms())
        db = sqlite_database("bench-sqlite")
        seconds, summary = timed_scan(db, library)
        assert summary.added == n and summary.errors == 0, summary
        runs.append((seconds, os.getloadavg()[0]))
        label = f" (run {run + 1} of {args.runs})" if args.runs > 1 else ""
        if run < args.runs - 1:
            db.dispose()  # the last run's database gets the rescan below
        rows.append(
            (f"SQLite initial scan, {n:,} files{label}", f"{seconds:.2f} s", f"{n / seconds:,.0f} files/s")
        )
    tonearm_rate = n / sorted(seconds for seconds, _ in runs)[len(runs) // 2]  # the median run
    seconds, summary = timed_scan(db, library)
    assert summary.unchanged == n, summary
    rows.append((f"SQLite unchanged rescan, {n:,} files", f"{seconds:.2f} s", f"{n / seconds:,.0f} files/s"))
    db.dispose()

    if args.rescan_files:
        copies = -(-args.rescan_files // n)
        big = make_linked_library(library, copies)
        db = sqlite_database("bench-sqlite-big")
        seconds, summary = timed_scan(db, big)
        total = summary.added
        rows.append(
            (f"SQLite initial scan, {total:,} files", f"{seconds:.2f} s", f"{total / seconds:,.0f} files/s")
        )
        seconds, summary = timed_scan(db, big)
        assert summary.unchanged == total, summary
        rows.append(
            (
                f"SQLite unchanged rescan, {total:,} files",
                f"{seconds:.2f} s",
                f"{total / seconds:,.0f} files/s",
            )
        )
        db.dispose()

    if not args.no_mariadb:
        rows.extend(_mariadb_rows(library, n))

    if not args.no_beets and (OUT / "beets-venv" / "bin" / "beet").exists():
        seconds = run_beets(library)
        rows.append(
            (
                f"beets import -A (no copy/write), {n:,} files",
                f"{seconds:.2f} s",
                f"{n / seconds:,.0f} files/s",
            )
        )
        rows.append(("Tonearm / beets (initial scan, SQLite)", "", f"{tonearm_rate / (n / seconds):.1f}x"))

    print(
        f"\n{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, warm page cache, 1-min load average "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after (other work on the machine)\n"
    )
    print("| measurement | wall time | rate | CPU s (all processes) |")
    print("|---|---:|---:|---:|")
    cpu = iter(CPU_SECONDS)
    for name, duration, rate in rows:
        spent = f"{next(cpu):.1f}" if name.startswith(("SQLite", "MariaDB")) else ""
        print(f"| {name} | {duration} | {rate} | {spent} |")
    print()
    for run, ((seconds, load), (own, workers)) in enumerate(zip(runs, CPU_SPLIT, strict=False), start=1):
        print(
            f"SQLite initial scan of {n:,} files, run {run}: {n / seconds:,.0f} files/s, writer process "
            f"{own:.1f} CPU s, pool workers {workers:.1f} CPU s (load average {load:.1f} after; reference "
            f"workload {references[run - 1]:.0f} ms CPU just before)"
        )
    if len(runs) > 1:
        rates = sorted(n / seconds for seconds, _ in runs)
        print(
            f"{len(runs)} runs: {rates[0]:,.0f}-{rates[-1]:,.0f} files/s, median {rates[len(rates) // 2]:,.0f}"
        )


def _mariadb_rows(library: Path, n: int) -> list[tuple[str, str, str]]:
    from tests.conftest import make_mariadb_database
    from tests.mariadb_server import MariaDBServer

    server = MariaDBServer.start()
    rows = []
    try:
        url, schemas = make_mariadb_database(server.url, split=False)
        db = open_database(url, schemas)
        init_database(db)
        seconds, summary = timed_scan(db, library)
        assert summary.added == n, summary
        rows.append((f"MariaDB initial scan, {n:,} files", f"{seconds:.2f} s", f"{n / seconds:,.0f} files/s"))
        seconds, summary = timed_scan(db, library)
        rows.append(
            (f"MariaDB unchanged rescan, {n:,} files", f"{seconds:.2f} s", f"{n / seconds:,.0f} files/s")
        )
        db.dispose()
    finally:
        server.stop()
    return rows


if __name__ == "__main__":
    main()
