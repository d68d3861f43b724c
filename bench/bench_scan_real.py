"""Benchmark the first scan of a library of real-size files, as a user runs it: ``tonearm scan PATH --json``.

The library (cached under bench/out/) is 5,000 paths in an Artist/Album/NN Title tree, hard-linked to a few
DISTINCT files per format (MP3 192k, FLAC, M4A/AAC, Opus): Debian's game soundtracks (wesnoth-1.16-music,
hyperrogue-music, planetblupi-music-ogg) looped to 3-6 minutes, with Picard-style tags (MusicBrainz ids on
half), ReplayGain and an embedded JPEG cover of 200-600 KB. Links share their inode, so every path of one
distinct file has that file's tags: the read cost per file is real, but the catalog gets only as many tracks
as there are distinct files (the tiny-file bench, bench_scan.py, has a distinct track per file).

Each run is a fresh process into a NEW SQLite database; wall time is from spawn to exit (process start
included). Warm runs read the library once first; one cold run drops the page cache first (needs root).
The writer/worker CPU split comes from the child's own rusage against its children's (the pool workers).
``--profile`` also profiles one in-process scan (the share of the identity rule, ``RecordingIndex.assign``,
in the writer) and the workers' tag reading (mutagen against our code).
Usage: ``.venv/bin/python -m bench.bench_scan_real [--files 5000] [--per-format 12] [--runs 3]
[--cold-runs 1 | --no-cold] [--timeline] [--profile] [--identity-ab ROUNDS] [--profile-library bench/out/library-20000]``.
"""

from __future__ import annotations

import argparse
import base64
import compileall
import cProfile
import json
import os
import pstats
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
from mutagen.flac import Picture
from mutagen.id3 import APIC, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK, TXXX, UFID
from mutagen.mp4 import MP4Cover, MP4FreeForm

from bench.calibrate import reference_ms

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
PACKAGES = ("wesnoth-1.16-music", "hyperrogue-music", "planetblupi-music-ogg")
FORMATS: dict[str, tuple[str, ...]] = {
    ".mp3": ("-c:a", "libmp3lame", "-b:a", "192k"),
    ".flac": ("-c:a", "flac"),
    ".m4a": ("-c:a", "aac", "-b:a", "192k"),
    ".opus": ("-c:a", "libopus", "-b:a", "128k"),
}
TRACKS_PER_ALBUM = 12

# The scan as a user runs it, with the child's CPU split written to stderr at exit: its own (the writer,
# the walk, start-up) and its reaped children's (the pool workers; the pool is shut down before exit).
CHILD = """
import atexit, json, os, resource, sys, time
_marks = []
def _mark(what):
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    _marks.append((what, time.time(), own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime))
def _split():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stderr.write("\\nBENCH-CPU " + json.dumps([own.ru_utime, own.ru_stime, kids.ru_utime, kids.ru_stime]))
    sys.stderr.write("\\nBENCH-MARKS " + json.dumps(_marks))
atexit.register(_split)
_mark("python started")
try:
    from app.launch import main  # the `tonearm` console script's entry point
except ImportError:  # a --compare-tree from before app.launch
    from app.cli import main
_mark("entry point imported")
if os.environ.get("BENCH_TIMELINE") and "app.launch" in sys.modules:  # when the pool starts, the database is
    import analyzer.scan.reading as reading, app.commands.first_scan as first_scan  # made, the reads end
    submit, results, finish = reading.ReadAhead._submit, reading.ReadAhead.results, first_scan.finish_first_scan
    def _submit(self, *, final):
        first = self.executor is None
        submit(self, final=final)
        if first and self.executor is not None:
            _mark("read workers started")
    def _results(self):
        for n, item in enumerate(results(self)):
            if n == 0:
                _mark("first chunk read")
            yield item
        _mark("last chunk read")
    def _finish(scan):  # app.context (Typer) only once the entry point has imported it
        import app.context as context
        database = context.CliContext.database
        def _database(self, **options):
            new = self._db is None
            new and _mark("database: opening")
            db = database(self, **options)
            new and _mark("database: ready")
            return db
        context.CliContext.database = _database
        _mark("command line imported")
        return finish(scan)
    reading.ReadAhead._submit, reading.ReadAhead.results, first_scan.finish_first_scan = _submit, _results, _finish
sys.argv = ["tonearm", *sys.argv[1:]]
code = main()
_mark("command done")
sys.exit(code)
"""


def _sources(count: int) -> list[Path]:
    """The ``count`` longest soundtrack files of the Debian packages (looped to length later)."""
    listed = subprocess.run(["dpkg", "-L", *PACKAGES], capture_output=True, text=True, check=True).stdout
    files = [Path(line) for line in listed.splitlines() if line.endswith((".ogg", ".mp3", ".flac"))]
    if len(files) < 4:
        sys.exit(f"the soundtrack packages are missing: apt-get install {' '.join(PACKAGES)}")
    files.sort(key=lambda path: (-path.stat().st_size, str(path)))
    return [files[i % len(files)] for i in range(count)]


def _cover(path: Path, seed: int) -> None:
    """A JPEG of a few hundred KB: a test pattern with noise (noise keeps JPEG from shrinking it to 50 KB)."""
    pattern = f"testsrc2=size=1000x1000:rate=1,noise=alls={20 + 6 * seed}:allf=u"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", pattern, "-frames:v", "1",
                    "-q:v", "3", str(path)], check=True)  # fmt: skip


def _fields(index: int, ext: str, source: Path) -> dict[str, str]:
    album = list(FORMATS).index(ext)
    number = index % TRACKS_PER_ALBUM + 1
    fields = {
        "TITLE": source.stem.replace("_", " ").replace("-", " ").title(),
        "ARTIST": f"{source.parent.name.title()} Composer {index % 5}",
        "ALBUMARTIST": "Various Artists",
        "ALBUM": f"{source.parts[3].title() if len(source.parts) > 3 else 'Game'} Soundtrack {album}",
        "TRACKNUMBER": str(number),
        "DISCNUMBER": "1",
        "DATE": f"{2005 + album}-06-21",
        "GENRE": "Soundtrack",
        "REPLAYGAIN_TRACK_GAIN": f"{-6.5 - index % 7 * 0.31:.2f} dB",
        "REPLAYGAIN_TRACK_PEAK": "0.988312",
        "REPLAYGAIN_ALBUM_GAIN": "-7.12 dB",
        "REPLAYGAIN_ALBUM_PEAK": "0.999969",
    }
    if index % 2 == 0:
        fields["MUSICBRAINZ_TRACKID"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"real-rec{index}"))
        fields["MUSICBRAINZ_ALBUMID"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"real-rel{album}"))
        fields["MUSICBRAINZ_ARTISTID"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"real-art{index % 5}"))
    return fields


_ID3 = {"TITLE": TIT2, "ARTIST": TPE1, "ALBUMARTIST": TPE2, "ALBUM": TALB, "TRACKNUMBER": TRCK,
        "DISCNUMBER": TPOS, "DATE": TDRC, "GENRE": TCON}  # fmt: skip
_MP4 = {"TITLE": "\xa9nam", "ARTIST": "\xa9ART", "ALBUMARTIST": "aART", "ALBUM": "\xa9alb", "DATE": "\xa9day",
        "GENRE": "\xa9gen"}  # fmt: skip
_MB_NAMES = {"MUSICBRAINZ_ALBUMID": "MusicBrainz Album Id", "MUSICBRAINZ_ARTISTID": "MusicBrainz Artist Id"}


def _tag(path: Path, fields: dict[str, str], cover: bytes) -> None:
    """Tags as Picard writes them per format, and the cover as each format embeds it."""
    audio: Any = mutagen.File(path)
    ext = path.suffix
    if ext == ".mp3":
        if audio.tags is None:
            audio.add_tags()
        for key, value in fields.items():
            if key in _ID3:
                audio.tags.add(_ID3[key](encoding=3, text=[value]))
            elif key == "MUSICBRAINZ_TRACKID":
                audio.tags.add(UFID(owner="http://musicbrainz.org", data=value.encode()))
            else:
                desc = _MB_NAMES.get(key, key.lower() if key.startswith("REPLAYGAIN") else key)
                audio.tags.add(TXXX(encoding=3, desc=desc, text=[value]))
        audio.tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover))
    elif ext == ".m4a":
        for key, value in fields.items():
            if key in _MP4:
                audio[_MP4[key]] = [value]
            elif key == "TRACKNUMBER":
                audio["trkn"] = [(int(value), TRACKS_PER_ALBUM)]
            elif key == "DISCNUMBER":
                audio["disk"] = [(int(value), 1)]
            else:
                name = {"MUSICBRAINZ_TRACKID": "MusicBrainz Track Id", **_MB_NAMES}.get(key, key.lower())
                audio["----:com.apple.iTunes:" + name] = [MP4FreeForm(value.encode())]
        audio["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
    else:
        for key, value in fields.items():
            audio[key] = [value]
        picture = Picture()
        picture.type, picture.mime, picture.desc, picture.data = 3, "image/jpeg", "Cover", cover
        picture.width = picture.height = 1000
        picture.depth = 24
        if ext == ".flac":
            audio.add_picture(picture)
        else:
            audio["METADATA_BLOCK_PICTURE"] = [base64.b64encode(picture.write()).decode("ascii")]
    audio.save()


def _encode_one(job: tuple[int, str, str, str, float]) -> None:
    index, source, target, cover, seconds = job
    ext = Path(target).suffix
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-stream_loop", "-1", "-i", source, "-t",
                    f"{seconds:.1f}", "-map", "0:a", "-ac", "2", "-ar", "44100" if ext != ".opus" else "48000",
                    *FORMATS[ext], target], check=True)  # fmt: skip
    _tag(Path(target), _fields(index, ext, Path(source)), Path(cover).read_bytes())


def make_library(files: int, per_format: int) -> Path:
    """The cached library: ``per_format`` distinct files per format, hard-linked to ``files`` paths."""
    folder = OUT / f"real-library-{files}-{per_format}"
    if (folder / ".complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    distinct = OUT / f"real-distinct-{per_format}"  # outside the scanned tree
    shutil.rmtree(distinct, ignore_errors=True)
    distinct.mkdir(parents=True)
    covers = [distinct / f"cover{n}.jpg" for n in range(4)]
    for n, cover in enumerate(covers):
        _cover(cover, n)
    jobs = []
    sources = _sources(per_format * len(FORMATS))
    for index, source in enumerate(sources):
        ext = list(FORMATS)[index % len(FORMATS)]
        seconds = 180 + (index * 37) % 181  # 3-6 minutes
        target = distinct / f"{index:03d}{ext}"
        jobs.append((index, str(source), str(target), str(covers[index % len(covers)]), float(seconds)))
    with Pool() as pool:
        pool.map(_encode_one, jobs, chunksize=1)
    originals = [Path(job[2]) for job in jobs]
    for n in range(files):
        original = originals[n % len(originals)]
        target = library_path(folder, n, original.suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(original, target)
    (folder / ".complete").touch()
    return folder


def library_path(folder: Path, n: int, suffix: str) -> Path:
    """The ``n``-th file's path in a bench library: Artist/Album/NN Title n, twelve tracks an album."""
    album, number = divmod(n, TRACKS_PER_ALBUM)
    return folder / f"Artist {album // 4}" / f"Album {album}" / f"{number + 1:02d} Title {n}{suffix}"


def library_paths(library: Path) -> list[Path]:
    """The scanned paths (every file but the ``.complete`` mark)."""
    return [path for path in library.rglob("*") if path.is_file() and not path.name.startswith(".")]


def compile_tree(root: Path) -> None:
    """Cache the bytecode of Tonearm's packages, as an install does: with PYTHONDONTWRITEBYTECODE=1 (our
    machines) Python never writes it, so every scan process would compile each module edited since the
    last ``make venv`` (0.1-0.2 CPU-s a process after a day's edits)."""
    for package in ("app", "analyzer", "models"):
        compileall.compile_dir(str(root / package), quiet=1)


def warm_page_cache(library: Path) -> int:
    """Read each distinct file once (links share their pages) and stat every path."""
    seen: set[int] = set()
    size = 0
    for path in library.rglob("*"):
        if path.is_file() and path.stat().st_ino not in seen:
            seen.add(path.stat().st_ino)
            size += len(path.read_bytes())
    return size


def cold_read_cost(per_format: int) -> None:
    """What one DISTINCT file costs to read cold: the cold scan above reads each distinct file's pages from
    disk once (links share them), so it understates a library of 5,000 distinct files. This reads the
    distinct originals' tags after a cache drop, then warm, with the bytes the kernel read from disk
    (``/proc/self/io``), to extrapolate."""
    from analyzer.scan.reading import read_file

    folder = OUT / f"real-distinct-{per_format}"
    originals = sorted(path for path in folder.iterdir() if path.suffix in FORMATS)
    results = []
    for cache in ("cold", "warm"):
        if cache == "cold":
            drop_page_cache()
        disk_before = _disk_read_bytes()
        began = time.perf_counter()
        for path in originals:
            read_file(str(path), (str(folder),))
        seconds = time.perf_counter() - began
        results.append(
            (cache, 1000 * seconds / len(originals), (_disk_read_bytes() - disk_before) / len(originals))
        )
    print(f"\nreading the tags of the {len(originals)} distinct files in one process: " + "; ".join(
        f"{cache} {ms:.2f} ms wall per file, {read / 1024:.0f} KiB from disk per file" for cache, ms, read in results
    ))  # fmt: skip


def _disk_read_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("read_bytes:"):
            return int(line.split()[1])
    return 0


def drop_page_cache() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


CHILD_ENV: dict[str, str] = {}
"""Extra environment of the scan process (--child-env), to try a lever such as glibc malloc's tunables."""


def scan_process(
    library: Path, database: Path, *, timeline: bool = False, tree: Path = ROOT
) -> dict[str, Any]:
    """One ``tonearm scan --json`` in a fresh process into a new database: wall time, CPU split, and (with
    ``timeline``) when the read workers started, the database was ready and the last chunk was read."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    for extra in database.parent.glob(database.name + "*"):
        extra.unlink()
    env = {**os.environ, **CHILD_ENV, "TONEARM_DATABASE_URL": f"sqlite:///{database}"}
    if timeline:
        env["BENCH_TIMELINE"] = "1"
    began = time.time()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, "scan", str(library), "--json"], env=env, cwd=tree,
                          capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"tonearm scan failed ({done.returncode}):\n{done.stderr[-3000:]}")
    split = json.loads(done.stderr.rpartition("BENCH-CPU ")[2].partition("\n")[0])
    marks = [
        (what, at - began, own, kids)
        for what, at, own, kids in json.loads(done.stderr.rpartition("BENCH-MARKS ")[2])
    ]
    marks.append(("process reaped", seconds, split[0] + split[1], split[2] + split[3]))
    summary = json.loads(done.stdout)
    return {"seconds": seconds, "summary": summary, "writer": split[0] + split[1], "workers": split[2] + split[3],
            "workers_user": split[2], "workers_sys": split[3], "marks": marks}  # fmt: skip


def compare_trees(library: Path, database: Path, other: Path, rounds: int, files: int) -> None:
    """The scan of another tree and this one, alternating (A/B in the same minutes): wall time and the CPU
    of the scan process and of its workers, per run and as ranges."""
    compile_tree(other)
    spent: dict[str, list[dict[str, Any]]] = {"other": [], "this": []}
    for round_ in range(rounds):
        order = ("other", "this") if round_ % 2 == 0 else ("this", "other")
        for name in order:
            result = scan_process(library, database, tree=other if name == "other" else ROOT)
            assert result["summary"]["added"] == files, result["summary"]
            result["load"] = os.getloadavg()[0]
            spent[name].append(result)
    print(f"\nA/B against {other} ({rounds} pairs, alternating): wall s, files/s, scan process CPU s, "
          "workers ms a file, all CPU s")  # fmt: skip
    for name, results in spent.items():
        for r in results:
            print(f"  {name}: {r['seconds']:.2f} s, {files / r['seconds']:,.0f} files/s, scan process {r['writer']:.2f}, "
                  f"workers {1000 * r['workers'] / files:.3f} ms, all {r['writer'] + r['workers']:.2f} (load {r['load']:.1f})")  # fmt: skip
    for key in ("seconds", "writer", "workers"):
        ratios = sorted(a[key] / b[key] for a, b in zip(spent["other"], spent["this"], strict=True))
        print(f"  other/this {key}: {ratios[0]:.2f}-{ratios[-1]:.2f} (median {ratios[len(ratios) // 2]:.2f})")


def print_cpu_budget(rows: list[Any], fixed: list[dict[str, Any]], files: int) -> None:
    """What the CPU seconds say where wall time cannot (a shared machine): the scan process's own CPU
    beyond the fixed cost, the workers' CPU per file, and the quiet two-core wall time they imply."""
    warm = [result for cache, *_, result in rows if cache == "warm"]
    fixed_cpu = sorted(result["writer"] for result in fixed)
    own = sorted(result["writer"] for result in warm)
    per_file = sorted(1000 * result["workers"] / files for result in warm)
    total = sorted(result["writer"] + result["workers"] for result in warm)
    print(
        f"CPU: fixed cost {fixed_cpu[0]:.2f}-{fixed_cpu[-1]:.2f} s (empty folder, one process); scan process "
        f"{own[0]:.2f}-{own[-1]:.2f} s; workers {per_file[0]:.3f}-{per_file[-1]:.3f} ms a file; all "
        f"{total[0]:.2f}-{total[-1]:.2f} CPU-s = {files / (total[-1] / 2):,.0f}-{files / (total[0] / 2):,.0f} "
        "files/s if two cores were kept busy from spawn to exit"
    )


def profile_writer(library: Path) -> None:
    """One in-process scan under cProfile: the writer process's time and the identity rule's share of it."""
    from analyzer.scan import run_scan
    from models.bootstrap import init_database
    from models.engine import open_database
    from models.gc_policy import bulk_collector
    from models.schemas import SchemaConfig

    path = OUT / "bench-real-profile.db"
    for extra in OUT.glob(path.name + "*"):
        extra.unlink()
    db = open_database(f"sqlite:///{path}", SchemaConfig())
    init_database(db)
    profiler = cProfile.Profile()
    with bulk_collector():
        profiler.enable()
        summary = run_scan(db, [library])
        profiler.disable()
    db.dispose()
    _report(profiler, f"in-process scan of {library.name} ({summary.added:,} added)")


def identity_ab(library: Path, rounds: int) -> None:
    """The identity rule switched off against on, in-process and alternating: the writer process's CPU
    (``RUSAGE_SELF``: walk, catalog writes, the rule) for a scan into a new database. "Off" replaces
    ``RecordingIndex.assign`` for this process only with a pass-through (every file keeps its base uid, as
    before the rule); production code is unchanged."""
    from analyzer.catalog.identity import RecordingIndex
    from analyzer.scan import run_scan
    from models.bootstrap import init_database
    from models.engine import open_database
    from models.gc_policy import bulk_collector
    from models.schemas import SchemaConfig

    rule = RecordingIndex.assign

    def pass_through(self: Any, session: Any, uids: Any, lengths: Any) -> list[str]:
        return list(uids)

    spent: dict[str, list[float]] = {"on": [], "off": []}
    path = OUT / "bench-real-ab.db"
    for _ in range(rounds):
        for mode in ("off", "on"):
            RecordingIndex.assign = rule if mode == "on" else pass_through  # type: ignore[method-assign]
            for extra in OUT.glob(path.name + "*"):
                extra.unlink()
            db = open_database(f"sqlite:///{path}", SchemaConfig())
            init_database(db)
            before = resource.getrusage(resource.RUSAGE_SELF)
            with bulk_collector():
                summary = run_scan(db, [library])
            after = resource.getrusage(resource.RUSAGE_SELF)
            db.dispose()
            assert summary.errors == 0, summary
            spent[mode].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    RecordingIndex.assign = rule  # type: ignore[method-assign]
    on, off = sorted(spent["on"]), sorted(spent["off"])
    print(f"\nidentity rule on {library.name}, writer process CPU s over {rounds} alternating rounds: "
          f"on {', '.join(f'{x:.2f}' for x in on)}; off {', '.join(f'{x:.2f}' for x in off)}; "
          f"median on/off {on[len(on) // 2] / off[len(off) // 2]:.3f}")  # fmt: skip


def profile_reading(library: Path, count: int = 2_000) -> None:
    """The workers' part, in-process: ``read_file`` (tags to records) timed per format without a profiler,
    then under cProfile over ``count`` paths (mutagen against our code)."""
    from analyzer.scan.reading import read_file

    paths = library_paths(library)
    folders = (str(library),)
    print("\ntag reading per file, in-process (one worker's CPU per file):")
    for ext in FORMATS:
        some = [path for path in paths if path.suffix == ext][:400]
        before = resource.getrusage(resource.RUSAGE_SELF)
        for path in some:
            read_file(str(path), folders)
        after = resource.getrusage(resource.RUSAGE_SELF)
        user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
        print(
            f"  {ext}: {1000 * user / len(some):.2f} ms user + {1000 * system / len(some):.2f} ms system CPU, "
            f"{(after.ru_minflt - before.ru_minflt) / len(some):.0f} page faults"
        )
    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths[:count]:
        read_file(str(path), folders)
    profiler.disable()
    _report(profiler, f"tag reading of {min(count, len(paths)):,} paths (the pool workers' code, in-process)")


def _report(profiler: cProfile.Profile, title: str) -> None:
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    cumulative: dict[str, float] = {}
    by_package: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        cumulative[name] = max(cumulative.get(name, 0.0), cumtime)
        package = _package(filename)
        by_package[package] = by_package.get(package, 0.0) + tottime
    print(f"\n{title}: {total:.2f} s profiled")
    for name in ("assign", "write", "_artists", "_releases", "_tracks", "_track_links", "read_file", "File"):
        if name in cumulative:
            print(f"  {name}: {cumulative[name]:.3f} s cumulative ({100 * cumulative[name] / total:.1f} %)")
    print("  own time by package: " + ", ".join(
        f"{package} {100 * secs / total:.0f} %" for package, secs in sorted(by_package.items(), key=lambda kv: -kv[1])[:8]
    ))  # fmt: skip
    stats.sort_stats("tottime").print_stats(12)


def _package(filename: str) -> str:
    for marker in (
        "/mutagen/",
        "/sqlalchemy/",
        "/analyzer/",
        "/models/",
        "/multiprocessing/",
        "/concurrent/",
    ):
        if marker in filename:
            return marker.strip("/")
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    return "other python"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=5_000)
    parser.add_argument("--per-format", type=int, default=12, help="distinct encoded files per format")
    parser.add_argument(
        "--runs", type=int, default=3, help="warm-cache scans, each a new process and database"
    )
    parser.add_argument("--cold-runs", type=int, default=1, help="runs after dropping the page cache (root)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-cache runs")
    parser.add_argument("--profile", action="store_true", help="profile the writer and the tag reading too")
    parser.add_argument(
        "--timeline", action="store_true", help="when each warm run's workers start, its database is ready..."
    )
    parser.add_argument(
        "--profile-library",
        type=Path,
        help="profile the writer on this library instead (e.g. bench_scan's bench/out/library-20000, a "
        "distinct track per file: the identity rule then has a new recording to place for every file)",
    )
    parser.add_argument(
        "--identity-ab",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="in-process scans with the identity rule off and on, alternating, ROUNDS each",
    )
    parser.add_argument(
        "--compare-tree",
        type=Path,
        help="another checkout (e.g. `git archive COMMIT | tar -x -C DIR`): its scan and this one alternate",
    )
    parser.add_argument("--compare-rounds", type=int, default=4, help="pairs of runs for --compare-tree")
    parser.add_argument(
        "--child-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set in the scan process (e.g. MALLOC_MMAP_THRESHOLD_=16777216: cover-art buffers then come "
        "from the heap instead of fresh mmap'd pages, each page faulted in and unmapped per file)",
    )
    args = parser.parse_args()
    for pair in args.child_env:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            parser.error(f"--child-env wants NAME=VALUE, got {pair!r}")
        CHILD_ENV[name] = value
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg is needed to make the benchmark library")
    began = time.perf_counter()
    library = make_library(args.files, args.per_format)
    made = time.perf_counter() - began
    paths = library_paths(library)
    distinct = {path.stat().st_ino for path in paths}
    sizes = sorted((OUT / f"real-distinct-{args.per_format}").glob("*.*"))
    print(f"library {library}: {len(paths):,} paths over {len(distinct)} distinct files "
          f"({sum(p.stat().st_size for p in sizes if p.suffix != '.jpg') / 2**20:.0f} MiB distinct; ready in "
          f"{made:.1f} s)")  # fmt: skip
    for ext in FORMATS:
        some = [p.stat().st_size for p in sizes if p.suffix == ext]
        print(f"  {ext}: {len(some)} files, {min(some) / 2**20:.1f}-{max(some) / 2**20:.1f} MiB")
    covers = [p.stat().st_size // 1024 for p in sizes if p.suffix == ".jpg"]
    print(f"  covers: {covers} KiB")
    database = OUT / "bench-real.db"
    rows = []
    compile_tree(ROOT)
    warm_page_cache(library)
    for run in range(args.runs):
        reference = reference_ms()
        load = os.getloadavg()[0]
        result = scan_process(library, database, timeline=args.timeline)
        rows.append(("warm", run + 1, reference, load, result))
    empty = OUT / "real-empty-folder"
    empty.mkdir(exist_ok=True)
    fixed = [scan_process(empty, database) for _ in range(3)]
    for run in range(0 if args.no_cold else args.cold_runs):
        reference = reference_ms()
        load = os.getloadavg()[0]
        drop_page_cache()
        rows.append(("cold", run + 1, reference, load, scan_process(library, database)))
    print(f"\n{os.cpu_count()} CPUs, Python {sys.version.split()[0]}; `tonearm scan PATH --json`, a new process "
          f"and a new SQLite database per run, wall time spawn to exit; extra environment {CHILD_ENV or 'none'}\n")  # fmt: skip
    print(
        "| run | page cache | wall s | files/s | writer CPU s | workers CPU s (user+sys) | reference ms | load |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for cache, run, reference, load, result in rows:
        added = result["summary"].get("added")
        assert added == len(paths), result["summary"]
        print(f"| {run} | {cache} | {result['seconds']:.2f} | {len(paths) / result['seconds']:,.0f} | "
              f"{result['writer']:.2f} | {result['workers']:.2f} ({result['workers_user']:.2f}+"
              f"{result['workers_sys']:.2f}) | {reference:.0f} | {load:.1f} |")  # fmt: skip
    print(
        "\nfixed cost (process start, new database, scan of an empty folder): "
        + ", ".join(f"{result['seconds']:.2f} s (writer {result['writer']:.2f} CPU s)" for result in fixed)
    )
    warm = sorted(len(paths) / result["seconds"] for cache, _, _, _, result in rows if cache == "warm")
    if warm:
        print(
            f"\nwarm: {warm[0]:,.0f}-{warm[-1]:,.0f} files/s over {len(warm)} runs, median {warm[len(warm) // 2]:,.0f}"
        )
        print_cpu_budget(rows, fixed, len(paths))
    if args.timeline:
        for cache, run, _, load, result in rows:
            print(
                f"\ntimeline of {cache} run {run} (load {load:.1f}): wall s from spawn, CPU-s (scan process / workers)"
            )
            for what, at, own, kids in result["marks"]:
                print(f"  {at:6.3f}  {what:22s} {own:5.2f} / {kids:5.2f}")
    if not args.no_cold:
        cold_read_cost(args.per_format)
    if args.compare_tree:
        compare_trees(library, database, args.compare_tree, args.compare_rounds, len(paths))
    if args.identity_ab:
        identity_ab(args.profile_library or library, args.identity_ab)
    if args.profile:
        profile_writer(args.profile_library or library)
        profile_reading(library)


if __name__ == "__main__":
    main()
