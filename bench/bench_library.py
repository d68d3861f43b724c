"""Library table speed (issue 13): ``load_library`` and search masks on 100,000 tracks / 1,000,000 listens.

Targets (SQLite, this 2-core machine): ``load_library`` <= ~300 ms (the app's start-up budget is 1.0 s
in all, Python and Qt included); one search mask <= 20 ms on 100k rows (a keystroke may take 50 ms with
the model's re-index). The catalog and listens come from :func:`bench.bench_stats.generate`; on top of
it this bench writes what a scanned library has and the stats bench does not need: credits (10 %
featuring), album years, files (10 % of tracks with a second file in another format, 2 % of files
missing, 5 % of tracks without a file) and features for two thirds of the files. The database is cached
under ``--cache`` between runs.
Usage: ``.venv/bin/python -m bench.bench_library [--runs 5] [--cache DIR] [--profile]``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.catalog.library import LibraryColumns, load_library
from analyzer.catalog.search import SearchIndex, parse_query
from bench.bench_stats import _batches, _fast_sqlite_load, generate
from models.bootstrap import head_revision, init_database
from models.engine import Database, open_database
from models.enums import ArtistRole, ScanStatus
from models.media import AudioFeatures, MediaFile
from models.releases import ReleaseGroup
from models.schemas import SchemaConfig
from models.tracks import TrackArtist

FORMATS = ("flac", "mp3", "m4a_aac", "ogg_vorbis", "opus")
CAMELOT = [f"{n}{m}" for n in range(1, 13) for m in "AB"]
QUERIES = (
    "love",
    "artist 12",
    "e",
    "year:1990..1999",
    "bpm:120..130 key:8A",
    "format:flac plays:>10",
    "track 1 year:>2000 length:3:00..5:00",
    "missing:yes",
)


def _add_library_parts(db: Database, tracks: int, seed: int = 13) -> None:
    """Credits, years, files and features over the generated catalog (ids 1..tracks)."""
    rng = np.random.default_rng(seed)
    artists = tracks // 10
    with db.session() as session:
        for batch in _batches(
            {"track_id": i + 1, "artist_id": (i // 2) % artists + 1, "role": ArtistRole.PRIMARY, "position": 0,
             "join_phrase": " feat. " if i % 10 == 3 else ""}
            for i in range(tracks)
        ):  # fmt: skip
            session.execute(insert(TrackArtist), batch)
        for batch in _batches(
            {"track_id": i + 1, "artist_id": (i * 7 + 1) % artists + 1, "role": ArtistRole.FEATURING, "position": 1}
            for i in range(tracks)
            if i % 10 == 3 and (i * 7 + 1) % artists != (i // 2) % artists
        ):  # fmt: skip
            session.execute(insert(TrackArtist), batch)
        session.execute(update(ReleaseGroup).values(year=1960 + ReleaseGroup.id % 65))
        formats = rng.integers(0, len(FORMATS), tracks)
        seen = 1_600_000_000 + rng.integers(0, 100_000_000, tracks)
        files: list[dict[str, Any]] = []
        for i in range(tracks):
            if i % 20 == 7:
                continue  # 5 %: a track known only from tags gone or listens, no file
            count = 2 if i % 10 == 1 else 1
            for copy in range(count):
                fmt = FORMATS[(formats[i] + copy) % len(FORMATS)]
                files.append(
                    {"id": len(files) + 1, "file_path": f"/music/{i // 50}/{i // 5}/{i:06d}-{copy}.{fmt}",
                     "file_path_hash": f"{len(files) + 1:040x}", "track_id": i + 1, "format": fmt,
                     "duration_secs": 200.0, "size_bytes": 8_000_000, "mtime_ns": 0,
                     "scan_status": ScanStatus.MISSING if rng.random() < 0.02 else ScanStatus.OK,
                     "first_seen_at": _utc(int(seen[i]) + copy * 86_400)}
                )  # fmt: skip
        for batch in _batches(iter(files)):
            session.execute(insert(MediaFile), batch)
        bpms = rng.uniform(70, 175, len(files))
        keys = rng.integers(0, len(CAMELOT), len(files))
        for batch in _batches(
            {"media_file_id": n + 1, "extractor_version": "bench", "bpm": float(bpms[n]), "camelot": CAMELOT[keys[n]]}
            for n in range(len(files))
            if n % 3
        ):  # fmt: skip
            session.execute(insert(AudioFeatures), batch)


def _utc(epoch: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC)


def library_database(cache: Path, tracks: int, listens: int) -> Path:
    """The generated SQLite database for these sizes, built once and kept under ``cache``."""
    path = cache / f"library-{tracks}-{listens}-{head_revision()}.db"  # a new schema, a new database
    if path.exists():
        return path
    partial = path.with_suffix(".partial.db")
    for suffix in ("", "-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    db = open_database(f"sqlite:///{partial}", SchemaConfig())
    init_database(db)
    _fast_sqlite_load(db)
    began = time.perf_counter()
    generate(db, listens, tracks)
    _add_library_parts(db, tracks)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    db.dispose()  # the last connection closing checkpoints the WAL into the file
    partial.rename(path)
    print(f"  generated in {time.perf_counter() - began:.0f} s", flush=True)
    return path


def columns_bytes(columns: LibraryColumns) -> int:
    """Bytes held by the columns: numpy buffers plus the str objects (each distinct object counted once)."""
    total, seen = 0, set()
    for value in vars(columns).values():
        if isinstance(value, np.ndarray):
            total += value.nbytes
        elif isinstance(value, list):
            total += sys.getsizeof(value)
            for text in value:
                if id(text) not in seen:
                    seen.add(id(text))
                    total += sys.getsizeof(text)
    return total


def bench_load(db: Database, runs: int, profile: bool) -> LibraryColumns:
    with db.session() as session:
        columns = load_library(session)  # warm the page cache, as every start after the first
    if profile:
        from pyinstrument import Profiler

        with Profiler() as profiler, db.session() as session:
            load_library(session)
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    for label, collector in (("load_library", True), ("  the same, collector paused", False)):
        wall, cpu = [], []
        for _ in range(runs):
            if not collector:
                gc.disable()  # this bench is an entry point: it may; library code may not
            began, began_cpu = time.perf_counter(), time.process_time()
            with db.session() as session:
                columns = load_library(session)
            wall.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
            gc.enable()
        print(
            f"  {label}: {min(wall):.0f}-{max(wall):.0f} ms wall (median {statistics.median(wall):.0f}),"
            f" {min(cpu):.0f}-{max(cpu):.0f} ms CPU; {len(columns):,} rows",
            flush=True,
        )
    tracemalloc.start()
    with db.session() as session:
        traced = load_library(session)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  columns hold {columns_bytes(traced) / 2**20:.1f} MiB (traced: {current / 2**20:.1f} MiB kept,"
        f" {peak / 2**20:.1f} MiB peak while loading)"
    )
    return columns


def bench_search(columns: LibraryColumns, runs: int) -> None:
    began = time.perf_counter()
    index = SearchIndex(columns)
    built = time.perf_counter()
    index.prepare()
    prepared = time.perf_counter()
    tracemalloc.start()  # a second index, traced: tracemalloc slows building it several times
    traced = SearchIndex(columns).prepare()
    held = tracemalloc.get_traced_memory()[0]
    del traced
    tracemalloc.stop()
    print(
        f"  SearchIndex: {(built - began) * 1000:.0f} ms to build, {(prepared - built) * 1000:.0f} ms"
        f" to prepare its text fields (once per load, in the loading worker); holds {held / 2**20:.1f} MiB"
    )
    for text in QUERIES:
        query = parse_query(text)
        samples = []
        for _ in range(max(runs, 5)):
            began = time.perf_counter()
            mask = query.mask(index)
            samples.append((time.perf_counter() - began) * 1000)
        print(
            f"  mask {text!r:<40} {min(samples):6.1f}-{max(samples):6.1f} ms"
            f" (median {statistics.median(samples):.1f}), {int(mask.sum()):,} rows"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--listens", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="pyinstrument one load_library")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tonearm-bench-library")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    path = library_database(args.cache, args.tracks, args.listens)
    print(f"sqlite: {args.tracks:,} tracks, {args.listens:,} listens ({args.runs} runs)", flush=True)
    db = open_database(f"sqlite:///{path}", SchemaConfig())
    try:
        columns = bench_load(db, args.runs, args.profile)
    finally:
        db.dispose()
    bench_search(columns, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
