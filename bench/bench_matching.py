"""Enrichment speed on a generated 100,000-track library (SQLite file).

    python -m bench.bench_matching [--tracks 100000] [--exact 200000] [--fuzzy 20000] [--runs 1] [--profile]

Two runs of the real ``enrich_listens`` (index build, match, batched writes):
- exact path: listens naming library tracks as tagged (case varied, album and length given) -- target
  >= 20,000 listens/s for matching + writing;
- fuzzy path: listens with a typo in the title or artist, so every one goes through blocking and
  rapidfuzz scoring (reported, no target).
The index build (once per run) is timed apart. CPU seconds are this process's plus the matching worker's
(``enrich_listens`` forks one where it can; ``--in-process`` keeps matching in this process).
``--runs N`` repeats the exact run N times, each on a fresh copy of the loaded database files (the library
is generated once), and prints the range: the machine's speed varies, so compare ranges and CPU seconds.
``--profile`` writes a pyinstrument report of the (first) exact run (this process only).
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from analyzer.matching import EnrichSummary, enrich_listens
from bench.calibrate import reference_ms
from bench.matching_data import GenListen, _typo, generate_library, load_library, load_listens
from models.bootstrap import init_database
from models.engine import Database, open_database
from models.gc_policy import bulk_collector
from models.schemas import SchemaConfig


def _cpu() -> tuple[float, float]:
    """(CPU seconds of this process, of its finished children: the matching worker)."""
    times = os.times()
    return times.user + times.system, times.children_user + times.children_system


def timed_enrich(
    db: Database, worker: bool | None = None
) -> tuple[EnrichSummary, float, float, float, float]:
    """(summary, seconds to build the index and select listens, seconds to match and write, and the CPU
    seconds of this process and of the matching worker for the latter: the machine may be shared, and
    SQLite works in-process)."""
    started = time.perf_counter()
    events = enrich_listens(db, worker=worker)
    index_done, cpu_started = started, _cpu()
    with bulk_collector():  # as `tonearm enrich` runs it (models.gc_policy: the entry point opts in)
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                summary: EnrichSummary = stop.value
                break
            if event.stage == "match" and event.done == 0:
                index_done, cpu_started = time.perf_counter(), _cpu()
    own, children = _cpu()
    return (
        summary,
        index_done - started,
        time.perf_counter() - index_done,
        own - cpu_started[0],
        children - cpu_started[1],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--exact", type=int, default=200_000)
    parser.add_argument("--fuzzy", type=int, default=20_000)
    parser.add_argument(
        "--runs", type=int, default=1, help="exact runs, each on a fresh copy of the database"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--in-process", action="store_true", help="match in this process (no worker)")
    args = parser.parse_args(argv)
    run = functools.partial(timed_enrich, worker=False if args.in_process else None)
    rng = random.Random(3)
    data = generate_library(rng, args.tracks)
    tracks = list(data.tracks.values())
    exact = []
    for _ in range(args.exact):
        track = rng.choice(tracks)
        artist = data.artists[track.artist_ids[0]]
        title = track.title.lower() if rng.random() < 0.3 else track.title
        exact.append(GenListen(artist, title, data.albums[track.album_id][1], track.duration, track.id))
    fuzzy = []
    for _ in range(args.fuzzy):
        track = rng.choice(tracks)
        artist, title = data.artists[track.artist_ids[0]], track.title
        if rng.random() < 0.7 or len(artist) < 6:
            title = _typo(rng, title) + rng.choice(["", "x", "!!"])
        else:
            artist = _typo(rng, artist)
        fuzzy.append(GenListen(artist, title, None, track.duration, track.id))
    with tempfile.TemporaryDirectory() as tmp:
        url, schemas = f"sqlite:///{Path(tmp) / 'bench.db'}", SchemaConfig()
        db = open_database(url, schemas)
        init_database(db)
        load_library(db, data)
        load_listens(db, exact)
        print(f"library: {len(data.tracks):,} tracks, {len(data.artists):,} artists")
        files = [Path(path) for path in db.files().values()]
        db.dispose()  # the last connection closed: the WAL is checkpointed, the files hold everything
        for path in files:
            shutil.copyfile(path, path.with_name(path.name + ".loaded"))
        rates, cpus = [], []
        for number in range(max(1, args.runs)):
            if number:
                db.dispose()
                for path in files:
                    shutil.copyfile(path.with_name(path.name + ".loaded"), path)
                    for suffix in ("-wal", "-shm"):
                        path.with_name(path.name + suffix).unlink(missing_ok=True)
            reference = reference_ms()
            db = open_database(url, schemas)
            if args.profile and not number:
                from pyinstrument import Profiler

                profiler = Profiler()
                profiler.start()
            summary, index_secs, match_secs, match_cpu, worker_cpu = run(db)
            if args.profile and not number:
                profiler.stop()
                Path("bench/out").mkdir(parents=True, exist_ok=True)
                Path("bench/out/matching_profile.txt").write_text(profiler.output_text(unicode=False))
            rate = summary.selected / match_secs
            rates.append(rate)
            cpus.append(match_cpu)
            print(
                f"exact path: {summary.selected:,} listens in {match_secs:.2f} s = {rate:,.0f} listens/s "
                f"(CPU-s: {match_cpu:.2f} this process + {worker_cpu:.2f} matching worker; index build "
                f"{index_secs:.2f} s; {summary.matched:,} linked, {summary.fuzzy:,} went fuzzy; reference "
                f"workload {reference:.0f} ms CPU just before)"
            )
        if len(rates) > 1:
            print(
                f"exact path over {len(rates)} runs: {min(rates):,.0f}-{max(rates):,.0f} listens/s, "
                f"{min(cpus):.2f}-{max(cpus):.2f} CPU-s this process; target met in "
                f"{sum(r >= 20_000 for r in rates)} of {len(rates)}"
            )
        rate = min(rates)
        load_listens(db, fuzzy, first_id=len(exact) + 1)
        summary_f, index_f, match_f, cpu_f, worker_f = run(db)
        print(
            f"fuzzy path: {summary_f.selected:,} listens in {match_f:.2f} s = {summary_f.selected / match_f:,.0f} "
            f"listens/s (CPU-s: {cpu_f:.2f} + {worker_f:.2f} worker; index build {index_f:.2f} s; "
            f"{summary_f.matched:,} linked, "
            f"{summary_f.fuzzy:,} distinct listens scored fuzzily)"
        )
        db.dispose()
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores: above ~1 the wall-clock rates are shared)")
    ok = rate >= 20_000
    print("exact-path target (>= 20,000 listens/s) " + ("met" if ok else "NOT MET"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
