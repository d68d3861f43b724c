"""Stats and export speed on 1,000,000 listens / 100,000 tracks (10,000 artists, 20,000 albums).

Budgets (issue 7, SQLite): top-50 artists for a year <= 100 ms; full listens CSV export <= 10 s. MariaDB is
reported beside it. Data is generated straight into the tables with Core executemany: one user, ten years
(2015-2024, ~100k listens a year), Zipf-like track popularity, 85 % of listens matched (track_id and a
listen_artists row), the rest unmatched raw names.
Usage: ``.venv/bin/python -m bench.bench_stats [--listens N] [--engines sqlite,mariadb] [--profile]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, event, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.artists import Artist
from models.bootstrap import init_database
from models.engine import Database, open_database
from models.listens import Listen, ListenArtist, ListenRaw, ListenStatsState
from models.releases import ReleaseGroup
from models.schemas import SchemaConfig
from models.tracks import Track
from models.users import User
from scrobbler.exports import export_listens
from scrobbler.stats import daily_trend, listening_clock, scope_for, top

START = 1_420_070_400  # 2015-01-01 UTC
SPAN = 10 * 365 * 86_400
BATCH = 50_000


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def generate(db: Database, listens: int, tracks: int, seed: int = 7) -> None:
    """Fill an initialized, empty database with the benchmark's catalog and history."""
    rng = np.random.default_rng(seed)
    artists, albums = tracks // 10, tracks // 5
    with db.session() as session:
        session.add(User(username="bench", timezone="Europe/Berlin"))
        session.flush()
        user_id = session.query(User.id).scalar()
        for batch in _batches(
            {"id": i + 1, "name": f"Artist {i}", "name_normalized": f"artist {i}"} for i in range(artists)
        ):
            session.execute(insert(Artist), batch)
        for batch in _batches(
            {
                "id": i + 1,
                "title": f"Album {i}",
                "title_normalized": f"album {i}",
                "primary_artist_id": i % artists + 1,
            }
            for i in range(albums)
        ):
            session.execute(insert(ReleaseGroup), batch)
        durations = rng.integers(120, 420, tracks)
        for batch in _batches(
            {
                "id": i + 1,
                "track_uid": f"uid{i}",
                "title": f"Track {i}",
                "title_normalized": f"track {i}",
                "duration_secs": float(durations[i]),
                "primary_artist_id": (i // 2) % artists + 1,
                "album_id": i // 5 + 1,
            }
            for i in range(tracks)
        ):
            session.execute(insert(Track), batch)
    times = np.sort(rng.integers(START, START + SPAN - listens, listens)) + np.arange(listens)  # unique
    picks = np.minimum(rng.zipf(1.3, listens), tracks) - 1
    picks = (picks * 7919) % tracks  # spread popular ids over the catalog
    matched = rng.random(listens) < 0.85
    played = rng.random(listens) < 0.5
    step = 100_000
    for lo in range(0, listens, step):
        hi = min(lo + step, listens)
        with db.session() as session:
            connection = session.connection()
            connection.execute(
                insert(ListenRaw),
                [
                    {
                        "id": i + 1,
                        "user_id": user_id,
                        "source": "bench",
                        "source_track_id": str(i),
                        "payload_json": "{}",
                        "listened_at": int(times[i]),
                    }
                    for i in range(lo, hi)
                ],
            )
            rows = []
            links = []
            for i in range(lo, hi):
                track = int(picks[i])
                artist = (track // 2) % artists
                rows.append(
                    {
                        "id": i + 1,
                        "raw_id": i + 1,
                        "user_id": user_id,
                        "track_id": track + 1 if matched[i] else None,
                        "listened_at": int(times[i]),
                        "duration_secs": float(durations[track]) if played[i] else None,
                        "track_duration_secs": float(durations[track]),
                        "source": "bench",
                        "artist_name": f"Artist {artist}",
                        "track_name": f"Track {track}",
                        "release_name": f"Album {track // 5}",
                        "artist_name_normalized": f"artist {artist}",
                        "track_name_normalized": f"track {track}",
                        "release_name_normalized": f"album {track // 5}",
                        "enrich_status": "matched" if matched[i] else "unmatched",
                    }
                )
                if matched[i]:
                    links.append({"listen_id": i + 1, "artist_id": artist + 1})
            connection.execute(insert(Listen), rows)
            connection.execute(insert(ListenArtist), links)
        print(f"  generated {hi:,} listens", flush=True)


def timed(label: str, func: Callable[[], Any], runs: int = 5) -> float:
    """Median wall time in ms; also prints this process's CPU time, which on a shared machine says more
    about SQLite (it runs in-process) than wall time does."""
    try:
        func()  # warm the caches, as a second look in the GUI would
    except Exception as error:  # report and go on: one failed figure should not hide the others
        print(f"  {label:<38} FAILED: {str(error).splitlines()[0][:160]}", flush=True)
        return float("nan")
    samples, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        func()
        samples.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    median = statistics.median(samples) * 1000
    print(
        f"  {label:<38} {median:9.1f} ms wall (median of {runs}; min {min(samples) * 1000:.1f}),"
        f" {statistics.median(cpu) * 1000:.1f} ms CPU",
        flush=True,
    )
    return median


def measure(db: Database, out_dir: Path, profile: bool) -> dict[str, float]:
    with db.session() as session:
        user = session.query(User).filter_by(username="bench").one()
        year = scope_for(user, "2024")
        everything = scope_for(user, "all")
    results: dict[str, float] = {}

    def top_artists() -> None:
        with db.session() as session:
            top(session, year, "artists", "plays", 50)

    # The artist rollup (scrobbler/stats/rollup.py) is derived data: forget it, and time the first query,
    # which rebuilds it for the whole history, as the first stats view after a big import does.
    with db.session() as session:
        session.execute(delete(ListenStatsState))
    began, began_cpu = time.perf_counter(), time.process_time()
    top_artists()
    results["rollup_rebuild_all_s"] = time.perf_counter() - began
    print(
        f"  {'first top-50 after an import (rebuild)':<38} {results['rollup_rebuild_all_s']:9.2f} s wall,"
        f" {time.process_time() - began_cpu:.2f} s CPU (rebuilds the rollup of every day)",
        flush=True,
    )

    if profile:
        from pyinstrument import Profiler

        with Profiler() as profiler:
            top_artists()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    results["top50_artists_year"] = timed("top-50 artists, 2024", top_artists)
    for kind in ("tracks", "releases"):
        results[f"top50_{kind}_year"] = timed(
            f"top-50 {kind}, 2024", lambda k=kind: _run(db, lambda s: top(s, year, k, "plays", 50))
        )
    results["top50_artists_time_all"] = timed(
        "top-50 artists by time, all time",
        lambda: _run(db, lambda s: top(s, everything, "artists", "time", 50)),
        3,
    )
    results["clock_year"] = timed(
        "listening clock, 2024", lambda: _run(db, lambda s: listening_clock(s, year))
    )
    results["daily_year"] = timed("daily trend, 2024", lambda: _run(db, lambda s: daily_trend(s, year)))

    def export_csv() -> None:
        generator = export_listens(db.sessions, everything, out_dir / "listens.csv", "csv")
        for _ in generator:
            pass

    began, began_cpu = time.perf_counter(), time.process_time()
    export_csv()
    results["export_csv_all_s"] = time.perf_counter() - began
    cpu = time.process_time() - began_cpu
    size = (out_dir / "listens.csv").stat().st_size
    print(
        f"  {'full listens CSV export':<38} {results['export_csv_all_s']:9.2f} s wall, {cpu:.2f} s CPU ({size / 1e6:.0f} MB)"
    )
    began = time.perf_counter()
    for _ in export_listens(db.sessions, everything, out_dir / "listens.parquet", "parquet"):
        pass
    results["export_parquet_all_s"] = time.perf_counter() - began
    print(f"  {'full listens Parquet export':<38} {results['export_parquet_all_s']:9.2f} s")
    return results


def _run(db: Database, query: Callable[[Any], Any]) -> None:
    with db.session() as session:
        query(session)


def _fast_sqlite_load(db: Database) -> None:
    @event.listens_for(db.engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA synchronous=OFF")


def bench_sqlite(listens: int, tracks: int, profile: bool, work: Path) -> dict[str, float]:
    path = work / f"stats-{listens}.db"
    fresh = not path.exists()
    db = open_database(f"sqlite:///{path}", SchemaConfig())
    if fresh:
        init_database(db)
        _fast_sqlite_load(db)
        began = time.perf_counter()
        generate(db, listens, tracks)
        print(f"  generated in {time.perf_counter() - began:.0f} s", flush=True)
        db.dispose()
        db = open_database(f"sqlite:///{path}", SchemaConfig())
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    try:
        return measure(db, work, profile)
    finally:
        db.dispose()


def bench_mariadb(listens: int, tracks: int, profile: bool, work: Path) -> dict[str, float]:
    from tests.conftest import make_mariadb_database
    from tests.mariadb_server import MariaDBServer

    server = MariaDBServer.start(work / "mariadb")
    try:
        url, schemas = make_mariadb_database(server.url, split=False)
        db = open_database(url, schemas)
        init_database(db)
        began = time.perf_counter()
        generate(db, listens, tracks)
        print(f"  generated in {time.perf_counter() - began:.0f} s", flush=True)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE TABLE listens, listen_artists, tracks, artists")
        try:
            return measure(db, work, profile)
        finally:
            db.dispose()
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listens", type=int, default=1_000_000)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,mariadb")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the top-artists query once")
    parser.add_argument("--work", type=Path, default=None, help="keep the generated SQLite file here")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="tonearm-bench-stats-"))
    work.mkdir(parents=True, exist_ok=True)
    failed = False
    for engine in args.engines.split(","):
        print(f"{engine}: {args.listens:,} listens, {args.tracks:,} tracks", flush=True)
        run = bench_sqlite if engine == "sqlite" else bench_mariadb
        results = run(args.listens, args.tracks, args.profile, work)
        if engine == "sqlite":
            ok_top = results["top50_artists_year"] <= 100
            ok_csv = results["export_csv_all_s"] <= 10
            print(f"  budget top-50 artists <= 100 ms: {'OK' if ok_top else 'OVER'}")
            print(f"  budget CSV export <= 10 s: {'OK' if ok_csv else 'OVER'}")
            failed |= not (ok_top and ok_csv)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
