"""The real-size first scan on DISTINCT files: 5,000 files that are 5,000 recordings, not 48 hard-linked ones.

``bench_scan_real``'s library links 5,000 paths to 48 files, so its catalog holds 48 tracks that every batch
updates again, and the page cache holds 48 files. A real library is the other way round: every file is its
own inode and its own track (track rows, credits, a dozen attributes each inserted, not ignored). Here each
of the 5,000 files is a copy of one of those 48 real-size files (3-6 minute MP3/FLAC/M4A/Opus, 276-449 KiB
covers) with its own title, track number and MusicBrainz recording id (half of them), written as a SPARSE
file: the bytes a tag scan reads (the tags and cover with what follows them, the file's end: the M4A ``moov``,
the last Ogg pages, an ID3v1 tag) are the real bytes, and the audio in between is a hole of the same length,
so sizes, offsets and lengths are those of the real file while 5,000 files take ~10 GB instead of ~80. The
build checks that a sample of the sparse files reads exactly as their full copies.

Runs as ``bench_scan_real`` does: a new ``tonearm scan PATH --json`` process into a new SQLite database per
run, page cache warm (every file read once first), wall time from spawn to exit.
Usage: ``.venv/bin/python -m bench.bench_scan_distinct [--files 5000] [--runs 6] [--timeline]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import sys
import uuid
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import mutagen
from mutagen.id3 import TIT2, TRCK, UFID
from mutagen.mp4 import MP4FreeForm

from bench.bench_scan_real import (
    OUT,
    ROOT,
    TRACKS_PER_ALBUM,
    compile_tree,
    library_path,
    library_paths,
    make_library,
    print_cpu_budget,
    scan_process,
)
from bench.calibrate import reference_ms

sys.path.insert(0, str(ROOT))

HEAD_BYTES = 256 * 1024
"""Real bytes kept after the tags and cover (the first audio frames, which stream parsers read)."""
TAIL_BYTES = 256 * 1024
"""Real bytes kept at the end (the last Ogg pages, an ID3v1 or APE tag)."""


def _tags_end(path: Path) -> int:
    """Where a file's tags (and cover) end: the ID3v2 tag, the FLAC metadata blocks, the Opus comment
    pages (found as the first page after them that starts a new packet), or the M4A file's start."""
    data = path.read_bytes()[: 8 * 1024 * 1024]
    if path.suffix == ".mp3" and data[:3] == b"ID3":
        size = data[6:10]
        return 10 + (size[0] << 21 | size[1] << 14 | size[2] << 7 | size[3])
    if path.suffix == ".flac":
        pos = 4
        while True:
            header = data[pos]
            pos += 4 + int.from_bytes(data[pos + 1 : pos + 4], "big")
            if header & 0x80:
                return pos
    if path.suffix == ".opus":
        pos, pages = 0, 0
        while data[pos : pos + 4] == b"OggS":
            segments = data[pos + 26]
            lacing = data[pos + 27 : pos + 27 + segments]
            pages += 1
            if pages > 2 and not data[pos + 5] & 0x01:  # the first page after the comment packet's pages
                return pos
            pos += 27 + segments + sum(lacing)
        return pos
    return 0


def _moov_start(path: Path) -> int | None:
    with path.open("rb") as f:
        pos, size = 0, path.stat().st_size
        while pos + 8 <= size:
            f.seek(pos)
            length, name = struct.unpack(">I4s", f.read(8))
            if length == 1:
                (length,) = struct.unpack(">Q", f.read(8))
            if name == b"moov":
                return pos
            if length < 8:
                return None
            pos += length
    return None


def _retag(path: Path, n: int) -> None:
    """Its own recording: title, track number and (every other file) MusicBrainz recording id."""
    audio: Any = mutagen.File(path)
    title = f"Title {n}"
    number = n % TRACKS_PER_ALBUM + 1
    recording = str(uuid.uuid5(uuid.NAMESPACE_URL, f"distinct-rec{n}")) if n % 2 == 0 else None
    if path.suffix == ".mp3":
        audio.tags.add(TIT2(encoding=3, text=[title]))
        audio.tags.add(TRCK(encoding=3, text=[str(number)]))
        audio.tags.delall("UFID")
        if recording:
            audio.tags.add(UFID(owner="http://musicbrainz.org", data=recording.encode()))
    elif path.suffix == ".m4a":
        audio["\xa9nam"] = [title]
        audio["trkn"] = [(number, TRACKS_PER_ALBUM)]
        key = "----:com.apple.iTunes:MusicBrainz Track Id"
        if recording:
            audio[key] = [MP4FreeForm(recording.encode())]
        elif key in audio:
            del audio[key]
    else:
        audio["TITLE"] = [title]
        audio["TRACKNUMBER"] = [str(number)]
        if recording:
            audio["MUSICBRAINZ_TRACKID"] = [recording]
        elif "MUSICBRAINZ_TRACKID" in audio:
            del audio["MUSICBRAINZ_TRACKID"]
    audio.save()


def _sparse_copy(full: Path, target: Path) -> None:
    """``target``: ``full``'s real bytes where a tag scan reads, a hole of the same length elsewhere."""
    size = full.stat().st_size
    keep = [(0, min(size, _tags_end(full) + HEAD_BYTES)), (max(0, size - TAIL_BYTES), size)]
    moov = _moov_start(full) if full.suffix == ".m4a" else None
    if moov is not None:
        keep.append((moov, size))
    with full.open("rb") as source, target.open("wb") as out:
        for start, end in keep:
            source.seek(start)
            out.seek(start)
            out.write(source.read(end - start))
        out.truncate(size)


def _make_one(job: tuple[int, str, str, str]) -> None:
    """A sparse copy of ``original`` retagged as its own recording (mutagen writes in place where the tags'
    padding allows; where it moves the audio, the hole is written out as zeros: same bytes, more disk). One
    file in 97 is also made as a full copy, and both must read the same."""
    n, original, target, scratch = job
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    _sparse_copy(Path(original), Path(target))
    _retag(Path(target), n)
    if n % 97 == 0:
        from analyzer.scan.reading import read_file

        full = Path(scratch) / f"{n}{Path(original).suffix}"
        shutil.copyfile(original, full)
        _retag(full, n)
        assert read_file(str(full), ("A", "B")) == read_file(target, ("A", "B")), target
        full.unlink()


def make_distinct_library(files: int) -> Path:
    folder = OUT / f"real-sparse-distinct-{files}"
    if (folder / ".complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    make_library(5_000, 12)  # the 48 distinct real-size files (bench_scan_real's)
    originals = sorted((OUT / "real-distinct-12").glob("[0-9][0-9][0-9].*"))
    scratch = OUT / "real-sparse-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    jobs = []
    for n in range(files):
        original = originals[n % len(originals)]
        target = library_path(folder, n, original.suffix)
        jobs.append((n, str(original), str(target), str(scratch)))
    with Pool() as pool:
        pool.map(_make_one, jobs, chunksize=16)
    shutil.rmtree(scratch)
    (folder / ".complete").touch()
    return folder


def warm_files(paths: list[Path]) -> None:
    """Read each file's data into the page cache, skipping its hole (reading ~70 GiB of holes would fill
    the page cache with zeros and push the real bytes out: the first run was then a cold one)."""
    for path in paths:
        with path.open("rb") as f:
            fd, size, pos = f.fileno(), os.fstat(f.fileno()).st_size, 0
            while pos < size:
                try:
                    start = os.lseek(fd, pos, os.SEEK_DATA)
                except OSError:  # no data past pos
                    break
                end = os.lseek(fd, start, os.SEEK_HOLE)
                while start < end:
                    start += len(os.pread(fd, min(1 << 20, end - start), start)) or end - start
                pos = end


def compare_beets(paths: list[Path], count: int, database: Path, tonearm_rate: float) -> None:
    """beets' first import of ``count`` of the files (hard links: the same sparse files) beside Tonearm's scan
    of the same links and its median rate on the whole library, in the same minutes."""
    from bench.bench_scan import run_beets

    if not (OUT / "beets-venv" / "bin" / "beet").exists():
        print("beets: python3 -m venv bench/out/beets-venv && bench/out/beets-venv/bin/pip install beets")
        return
    subset = OUT / f"real-sparse-distinct-beets-{count}"
    shutil.rmtree(subset, ignore_errors=True)
    for path in sorted(paths)[:count]:
        target = subset / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
    load = os.getloadavg()[0]
    beets_seconds = run_beets(subset)
    ours = scan_process(subset, database)
    beets_rate = count / beets_seconds
    print(f"\nbeets `import -A -q` (no copy, write or autotag) of {count:,} of the files: {beets_seconds:.1f} s, "
          f"{beets_rate:,.0f} files/s (load {load:.1f}); Tonearm on the same {count:,}: {ours['seconds']:.2f} s "
          f"({count / ours['seconds']:,.0f} files/s, fixed cost included); Tonearm's median on all "
          f"{len(paths):,}: {tonearm_rate:,.0f} files/s = {tonearm_rate / beets_rate:.0f}x beets' rate")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--timeline", action="store_true")
    parser.add_argument(
        "--beets", type=int, default=0, metavar="N",
        help="also run beets (`beet import -A -q`, bench/out/beets-venv) and Tonearm on the library's first N files",
    )  # fmt: skip
    args = parser.parse_args()
    library = make_distinct_library(args.files)
    paths = library_paths(library)
    allocated = sum(p.stat().st_blocks * 512 for p in paths)
    print(f"library {library}: {len(paths):,} distinct files, {sum(p.stat().st_size for p in paths) / 2**30:.1f} "
          f"GiB as sizes, {allocated / 2**30:.1f} GiB on disk (sparse)")  # fmt: skip
    database = OUT / "bench-distinct.db"
    compile_tree(ROOT)
    warm_files(paths)
    rows = []
    for run in range(args.runs):
        reference = reference_ms()
        load = os.getloadavg()[0]
        result = scan_process(library, database, timeline=args.timeline)
        assert result["summary"].get("added") == len(paths), result["summary"]
        rows.append(("warm", run + 1, reference, load, result))
        print(f"| {run + 1} | warm | {result['seconds']:.2f} | {len(paths) / result['seconds']:,.0f} | "
              f"{result['writer']:.2f} | {result['workers']:.2f} | {reference:.0f} | {load:.1f} |")  # fmt: skip
    from sqlalchemy import create_engine, text

    with create_engine(f"sqlite:///{database}").connect() as connection:
        counts = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("media_files", "tracks", "track_artists", "track_tag_attributes")
        }
    empty = OUT / "real-empty-folder"
    empty.mkdir(exist_ok=True)
    fixed = [scan_process(empty, database) for _ in range(3)]
    warm = sorted(len(paths) / result["seconds"] for *_, result in rows)
    print(
        f"\nwarm: {warm[0]:,.0f}-{warm[-1]:,.0f} files/s over {len(warm)} runs, median {warm[len(warm) // 2]:,.0f}"
    )
    print_cpu_budget(rows, fixed, len(paths))
    print("  rows after a run: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
    if args.beets:
        compare_beets(
            paths, args.beets, database, len(paths) / sorted(r["seconds"] for *_, r in rows)[len(rows) // 2]
        )
    if args.timeline:
        for cache, run, _, load, result in rows:
            print(f"\ntimeline of {cache} run {run} (load {load:.1f})")
            for what, at, own, kids in result["marks"]:
                print(f"  {at:6.3f}  {what:22s} {own:5.2f} / {kids:5.2f}")


if __name__ == "__main__":
    main()
