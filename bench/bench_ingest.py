"""Benchmark listen ingest: 1,000,000 generated ListenBrainz listens into SQLite and MariaDB, and the same
50,000-row Last.fm CSV through `maloja import` and `tonearm import`.

Usage: ``.venv/bin/python bench/bench_ingest.py [--listens 1000000] [--csv-rows 50000] [--skip-mariadb]
[--skip-maloja]``. Maloja runs from a throwaway venv (``bench/out/maloja-venv``, made with
``python3 -m venv bench/out/maloja-venv && bench/out/maloja-venv/bin/pip install malojaserver``), never
from the project's lock. Prints markdown tables; records nothing. Wall and CPU time are both shown because
a shared machine makes wall time noisy.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.listen_files import write_lastfm_csv, write_listenbrainz_jsonl
from models.bootstrap import init_database
from models.engine import Database, open_database
from models.gc_policy import bulk_collector
from models.progress import run_to_end
from models.schemas import SchemaConfig
from scrobbler.importers import get
from scrobbler.ingest import IngestReport, ingest_file
from scrobbler.users import default_user

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parent.parent
MALOJA_VENV = OUT / "maloja-venv"


@dataclass
class Timing:
    label: str
    rows: int
    wall: float
    cpu: float
    note: str = ""

    def row(self) -> str:
        rate = self.rows / self.wall if self.wall else 0
        return (
            f"| {self.label} | {self.rows:,} | {self.wall:.1f} | {self.cpu:.1f} | {rate:,.0f} | {self.note} |"
        )


HEADER = "| run | rows | wall s | CPU s | rows/s (wall) | notes |\n|---|---:|---:|---:|---:|---|"


def emit(timing: Timing) -> None:
    """Print a result as soon as it exists: a long run that is stopped still leaves its figures."""
    print(timing.row(), flush=True)


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_into(db: Database, path: Path, label: str) -> tuple[Timing, IngestReport]:
    """What `tonearm import` does: ingest_file (a parser process beside the writer for large files)."""
    init_database(db)
    with db.session() as session:
        user_id = default_user(session, {"TONEARM_USER": "bench"}).id
    wall, cpu, child = time.perf_counter(), time.process_time(), _child_cpu()
    with bulk_collector():  # as `tonearm import` runs it (models.gc_policy: the entry point opts in)
        report = run_to_end(ingest_file(db, get("listenbrainz_export"), path, user_id))
    writer_cpu = time.process_time() - cpu
    parser_cpu = _child_cpu() - child
    timing = Timing(label, report.read, time.perf_counter() - wall, writer_cpu + parser_cpu)
    timing.note = (
        f"imported {report.imported:,}, failed {report.failed_count}; "
        f"CPU s writer {writer_cpu:.1f} + parser {parser_cpu:.1f}"
    )
    return timing, report


def bench_sqlite(path: Path, work: Path, reimport: bool) -> list[Timing]:
    db = open_database(f"sqlite:///{work / 'bench.db'}", SchemaConfig())
    try:
        first, _ = import_into(db, path, "SQLite, fresh database")
        emit(first)
        if not reimport:
            return [first]
        wall, cpu = time.perf_counter(), time.process_time()
        with db.session() as session:
            user_id = default_user(session).id
        with bulk_collector():
            again = run_to_end(ingest_file(db, get("listenbrainz_export"), path, user_id))
        second = Timing(
            "SQLite, same file again (adds nothing)",
            again.read,
            time.perf_counter() - wall,
            time.process_time() - cpu,
            f"imported {again.imported}, duplicates {again.duplicates:,}",
        )
        emit(second)
        return [first, second]
    finally:
        db.dispose()


def bench_sqlite_floor(path: Path, work: Path, rows: int = 200_000) -> list[Timing]:
    """What the writer costs apart from parsing, and what SQLite alone costs for the same rows.

    The first ``rows`` listens of the file are prepared in memory (not timed). Then (1) Tonearm's import
    writer stores them in 20,000-row transactions (the write loop of ``ingest_file``, fed the chunks the
    parser process would send), and (2) plain sqlite3 executemany inserts the same listens_raw and listens
    rows into fresh databases of the same schema with no Python work besides the tuples: the floor any
    writer in Python pays for this schema on this machine, with foreign-key checks on and off (the import
    writes with them off).
    """
    import gc

    from scrobbler.ingest import _ingest_pieces
    from scrobbler.ingest_rows import PreparedListen
    from scrobbler.ingest_worker import CHUNK_ROWS, prepare_rows

    prepared = [
        item
        for item in prepare_rows(itertools.islice(get("listenbrainz_export").parse(path), rows))
        if isinstance(item, PreparedListen)
    ]
    timings = []
    gc.disable()
    try:
        db = open_database(f"sqlite:///{work / 'writer.db'}", SchemaConfig())
        init_database(db)
        with db.session() as session:
            user_id = default_user(session, {"TONEARM_USER": "bench"}).id
        # As the import's writer gets them from the parser process: lists of CHUNK_ROWS prepared rows.
        chunks = [prepared[start : start + CHUNK_ROWS] for start in range(0, len(prepared), CHUNK_ROWS)]
        wall, cpu = time.perf_counter(), time.process_time()
        run_to_end(_ingest_pieces(db, iter(chunks), user_id))
        timings.append(
            Timing("writer only (prepared rows, no parsing)", len(prepared), time.perf_counter() - wall,
                   time.process_time() - cpu)
        )  # fmt: skip
        db.dispose()

        for foreign_keys in ("ON", "OFF"):  # OFF: as the import's own connection writes (scrobbler/ingest.py)
            timings.append(_sqlite_floor(prepared, work / f"floor-fk-{foreign_keys}.db", foreign_keys))
    finally:
        gc.enable()
    return timings


def _sqlite_floor(prepared: list[Any], path: Path, foreign_keys: str) -> Timing:
    floor = open_database(f"sqlite:///{path}", SchemaConfig())
    init_database(floor)
    with floor.session() as session:
        user_id = default_user(session, {"TONEARM_USER": "bench"}).id
    floor.dispose()
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"foreign_keys={foreign_keys}", "cache_size=-65536",
                   "wal_autocheckpoint=10000"):  # fmt: skip
        connection.execute("PRAGMA " + pragma)
    now = "2026-01-01 00:00:00.000000"
    wall, cpu = time.perf_counter(), time.process_time()
    next_id = 1
    for start in range(0, len(prepared), 20_000):
        chunk = prepared[start : start + 20_000]
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO listens_raw (id, user_id, ingested_at, source, source_track_id, payload_json,"
            " listened_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(next_id + i, user_id, now, r.source, r.source_track_id, r.payload_json, r.listened_at)
             for i, r in enumerate(chunk)],
        )  # fmt: skip
        connection.executemany(
            "INSERT INTO listens (raw_id, user_id, listened_at, duration_secs, track_duration_secs, source,"
            " artist_name, track_name, release_name, artist_name_normalized, track_name_normalized,"
            " release_name_normalized, recording_mbid, isrc, spotify_id, enrich_status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
            [(next_id + i, user_id, *r[:13]) for i, r in enumerate(chunk)],
        )
        connection.execute("COMMIT")
        next_id += len(chunk)
    timing = Timing(f"SQLite floor: plain sqlite3 executemany, same rows, foreign_keys={foreign_keys}",
                    len(prepared), time.perf_counter() - wall, time.process_time() - cpu)  # fmt: skip
    connection.close()
    return timing


def bench_mariadb(path: Path, listens: int | None = None) -> list[Timing]:
    """The same import into a throwaway MariaDB server (schema split); ``listens``: only the file's first
    rows (the server's own CPU is not in the figures)."""
    from tests.conftest import make_mariadb_database
    from tests.mariadb_server import MariaDBServer

    if listens is not None:
        head = path.with_name(f"{path.stem}-head-{listens}.jsonl")
        if not head.exists():
            with path.open("rb") as source, head.open("wb") as out:
                out.writelines(itertools.islice(source, listens))
        path = head

    server = MariaDBServer.start()
    try:
        url, schemas = make_mariadb_database(server.url, split=True)
        db = open_database(url, schemas)
        try:
            timing, _ = import_into(db, path, "MariaDB (schema split), fresh database")
            timing.note += "; server CPU not counted"
            emit(timing)
            return [timing]
        finally:
            db.dispose()
    finally:
        server.stop()


def bench_parse_only(path: Path) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    count = sum(1 for _ in get("listenbrainz_export").parse(path))
    return Timing(
        "parse only (importer, no database)", count, time.perf_counter() - wall, time.process_time() - cpu
    )


def bench_maloja(csv_path: Path, work: Path) -> list[Timing]:
    maloja = MALOJA_VENV / "bin" / "maloja"
    timings: list[Timing] = []
    if not maloja.exists():
        print(f"Maloja not installed at {maloja}; see this module's docstring.", file=sys.stderr)
    else:
        data = work / "maloja-data"
        data.mkdir()
        env = {**os.environ, "MALOJA_DATA_DIRECTORY": str(data)}
        cpu, wall = _child_cpu(), time.perf_counter()
        done = subprocess.run(
            [str(maloja), "import", str(csv_path)], env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - wall
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        (OUT / "maloja-import.log").write_text(done.stdout + done.stderr)
        note = f"exit {done.returncode}: " + " / ".join(line.strip()[:80] for line in tail)
        timings.append(
            Timing("maloja import (Maloja 3.x)", _csv_rows(csv_path), elapsed, _child_cpu() - cpu, note)
        )
        emit(timings[-1])
    tonearm = ROOT / ".venv" / "bin" / "tonearm"
    db_url = f"sqlite:///{work / 'tonearm-csv.db'}"
    cpu, wall = _child_cpu(), time.perf_counter()
    done = subprocess.run(
        [str(tonearm), "--database-url", db_url, "import", "--json", str(csv_path)],
        capture_output=True, text=True, check=False, env={**os.environ, "TONEARM_USER": "bench"},
    )  # fmt: skip
    elapsed = time.perf_counter() - wall
    note = f"exit {done.returncode}" + ("" if done.returncode == 0 else f": {done.stderr.strip()[-200:]}")
    timings.append(
        Timing("tonearm import (CLI, SQLite)", _csv_rows(csv_path), elapsed, _child_cpu() - cpu, note)
    )
    emit(timings[-1])
    return timings


def _csv_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listens", type=int, default=1_000_000)
    parser.add_argument("--csv-rows", type=int, default=50_000)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-mariadb", action="store_true")
    parser.add_argument("--skip-maloja", action="store_true")
    parser.add_argument("--reimport", action="store_true", help="Also time importing the file a second time.")
    parser.add_argument(
        "--mariadb-listens", type=int, default=200_000, help="MariaDB imports only this many of the listens."
    )
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    jsonl = OUT / f"listens-{args.listens}.jsonl"
    if not jsonl.exists():
        write_listenbrainz_jsonl(jsonl, args.listens)
    csv_path = OUT / f"lastfm-{args.csv_rows}.csv"
    if not csv_path.exists():
        write_lastfm_csv(csv_path, args.csv_rows)

    work = Path(tempfile.mkdtemp(prefix="tonearm-bench-", dir=OUT))
    try:
        print(f"\n### Ingest of {args.listens:,} ListenBrainz listens ({os.cpu_count()} CPUs)\n")
        print(HEADER, flush=True)
        emit(bench_parse_only(jsonl))
        if not args.skip_sqlite:
            bench_sqlite(jsonl, work, args.reimport)
            for timing in bench_sqlite_floor(jsonl, work):
                emit(timing)
        if not args.skip_maloja:
            print(f"\n### The same {args.csv_rows:,}-row Last.fm CSV through Maloja and Tonearm\n")
            print(HEADER, flush=True)
            maloja_rows = bench_maloja(csv_path, work)
            if len(maloja_rows) == 2 and maloja_rows[1].wall:
                ratio = maloja_rows[0].wall / maloja_rows[1].wall
                print(f"\nTonearm is {ratio:.1f}x faster (wall time).", flush=True)
        if not args.skip_mariadb:
            print(f"\n### MariaDB: {min(args.listens, args.mariadb_listens):,} listens\n")
            print(HEADER, flush=True)
            bench_mariadb(jsonl, args.mariadb_listens if args.mariadb_listens < args.listens else None)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
