"""Issue 18's write discipline: what it costs, and what the server sees while jobs run.

``--part cost``: the scan and import benchmarks' workloads (bench_scan's generated library, bench_ingest's
generated ListenBrainz file) with write units that begin as writers (``BEGIN IMMEDIATE``, the discipline)
against the same code with ``models.unit_of_work.begin_as_writer`` made a no-op (deferred ``BEGIN``, as
before), alternating, on SQLite and MariaDB. The retry wrapper runs in both.

``--part server``: tests/concurrency_scenario.py's jobs (scan, analyze, a first scan, import, enrich, as
``tonearm`` processes) with and without ``tonearm serve`` and a client at 50 requests/s beside them; the
client's latency (p50/p99 of single scrobbles and 500-listen imports) and each job's wall time.

Usage: ``.venv/bin/python -m bench.bench_write_discipline --part cost --files 3000 --listens 100000 --runs 3``
and ``--part server --rounds 2 [--no-mariadb]``.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path

import bench.bench_scan as bench_scan
import models.unit_of_work as unit_of_work
from bench.bench_ingest import import_into
from bench.bench_scan import make_library, sqlite_database, timed_scan
from bench.listen_files import write_listenbrainz_jsonl
from models.bootstrap import init_database
from models.engine import Database, open_database
from models.schemas import SchemaConfig

OUT = Path(__file__).resolve().parent / "out"


@contextlib.contextmanager
def deferred_writes() -> Iterator[None]:
    """Write units begin deferred, as before the discipline (the wrapper still runs)."""
    original = unit_of_work.begin_as_writer
    unit_of_work.begin_as_writer = lambda session: None  # type: ignore[assignment]
    try:
        yield
    finally:
        unit_of_work.begin_as_writer = original


def _mariadb(server_url: str) -> Database:
    from tests.conftest import make_mariadb_database

    url, schemas = make_mariadb_database(server_url, split=False)
    db = open_database(url, schemas)
    init_database(db)
    return db


def cost(files: int, listens: int, runs: int, mariadb: bool) -> None:
    library = make_library(files)
    history = OUT / f"discipline-{listens}.jsonl"
    if not history.exists():
        write_listenbrainz_jsonl(history, listens)
    server = None
    if mariadb:
        from tests.mariadb_server import MariaDBServer

        server = MariaDBServer.start()
    results: dict[tuple[str, str, str], list[float]] = {}
    try:
        for run in range(runs):
            for mode in ("immediate", "deferred") if run % 2 == 0 else ("deferred", "immediate"):
                engines = ["sqlite"] + (["mariadb"] if server is not None else [])
                for engine in engines:
                    with deferred_writes() if mode == "deferred" else contextlib.nullcontext():
                        db = (
                            sqlite_database("discipline-scan") if engine == "sqlite" else _mariadb(server.url)
                        )  # type: ignore[union-attr]
                        try:
                            wall, _ = timed_scan(db, library)
                        finally:
                            db.dispose()
                        results.setdefault((engine, "scan", mode), []).append(files / wall)
                        results.setdefault((engine, "scan cpu", mode), []).append(bench_scan.CPU_SECONDS[-1])
                        work = Path(tempfile.mkdtemp(prefix="discipline-", dir=OUT))
                        try:
                            if engine == "sqlite":
                                db = open_database(f"sqlite:///{work / 'ingest.db'}", SchemaConfig())
                            else:
                                from tests.conftest import make_mariadb_database

                                url, schemas = make_mariadb_database(server.url, split=False)  # type: ignore[union-attr]
                                db = open_database(url, schemas)
                            try:
                                timing, _ = import_into(db, history, f"{engine} {mode}")
                            finally:
                                db.dispose()
                        finally:
                            shutil.rmtree(work, ignore_errors=True)
                        results.setdefault((engine, "import", mode), []).append(listens / timing.wall)
                        results.setdefault((engine, "import cpu", mode), []).append(timing.cpu)
                        print(
                            f"run {run + 1} {engine} {mode}: scan {files / wall:,.0f} files/s, "
                            f"import {listens / timing.wall:,.0f} listens/s",
                            flush=True,
                        )
    finally:
        if server is not None:
            server.stop()
    print("\n| engine | workload | BEGIN IMMEDIATE (range) | deferred BEGIN (range) | ratio of medians |")
    print("|---|---|---|---|---|")
    for engine in ("sqlite", "mariadb"):
        for workload, unit in (
            ("scan", "files/s"),
            ("scan cpu", "CPU-s"),
            ("import", "listens/s"),
            ("import cpu", "CPU-s"),
        ):
            on, off = (
                results.get((engine, workload, "immediate")),
                results.get((engine, workload, "deferred")),
            )
            if not on or not off:
                continue
            print(
                f"| {engine} | {workload} | {min(on):,.1f}-{max(on):,.1f} {unit} | {min(off):,.1f}-{max(off):,.1f}"
                f" {unit} | {statistics.median(on) / statistics.median(off):.2f} |"
            )


def server(rounds: int, mariadb: bool) -> None:
    from tests.concurrency_scenario import (
        Scrobbler,
        ServerProcess,
        make_history,
        make_music,
        make_user_and_token,
        percentile,
        run_lanes,
    )
    from tests.conftest import make_mariadb_database

    folder = Path(tempfile.mkdtemp(prefix="discipline-server-", dir=OUT))
    music = (make_music(folder, 150, 0.5), make_music(folder, 1500, 0.1, first=150))
    history = make_history(folder / "history.jsonl", 25_000)
    maria = None
    if mariadb:
        from tests.mariadb_server import MariaDBServer

        maria = MariaDBServer.start()
    rows: list[str] = []
    try:
        for round_number in range(rounds):
            for engine in ["sqlite"] + (["mariadb"] if maria is not None else []):
                for loaded in (True, False) if round_number % 2 == 0 else (False, True):
                    if engine == "sqlite":
                        path = folder / f"r{round_number}-{loaded}.db"
                        db = open_database(f"sqlite:///{path}", SchemaConfig())
                    else:
                        url, schemas = make_mariadb_database(maria.url, split=False)  # type: ignore[union-attr]
                        db = open_database(url, schemas)
                    init_database(db)
                    token = make_user_and_token(db, "alice")
                    latency = "-"
                    if loaded:
                        process = ServerProcess(db)
                        client = Scrobbler(process.port, token, 50.0).begin()
                        try:
                            runs = run_lanes(db, *music, history, "alice")
                        finally:
                            log = client.stop()
                            process.stop()
                        latency = (
                            f"{log.requests} req, failures {len(log.failures)}; single p50/p99 "
                            f"{percentile(log.single_latencies, 0.5) * 1000:.0f}/"
                            f"{percentile(log.single_latencies, 0.99) * 1000:.0f} ms; import "
                            f"{percentile(log.import_latencies, 0.5) * 1000:.0f}/"
                            f"{percentile(log.import_latencies, 0.99) * 1000:.0f} ms"
                        )
                    else:
                        runs = run_lanes(db, *music, history, "alice")
                    db.dispose()
                    jobs = ", ".join(
                        f"{r.name} {r.seconds:.1f} s"
                        + (f" ({r.summary.get('selected', 0):,} listens)" if r.name == "enrich" else "")
                        + (f" (exit {r.returncode})" if r.returncode else "")
                        for r in runs
                    )
                    row = f"| {round_number + 1} | {engine} | {'server + client' if loaded else 'alone'} | {jobs} | {latency} |"
                    rows.append(row)
                    print(row, flush=True)
    finally:
        if maria is not None:
            maria.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print("\n| round | engine | beside | jobs (wall) | client |\n|---|---|---|---|---|")
    print("\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("cost", "server"), required=True)
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--listens", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-mariadb", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    if args.part == "cost":
        cost(args.files, args.listens, args.runs, not args.no_mariadb)
    else:
        server(args.rounds, not args.no_mariadb)


if __name__ == "__main__":
    main()
