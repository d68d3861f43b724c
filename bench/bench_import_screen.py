"""Benchmark what the Import and Scrobble server screens run: the import dry run against the real import of
the same file, and scrobble latency through the in-app server against the server `tonearm serve` runs.

1. Dry run vs import: a generated ListenBrainz export of ``--listens`` listens (bench/listen_files.py) on
   a fresh SQLite database: ``preview_file`` (reads only), then ``ingest_file`` (writes), then the dry
   run again on the now-filled database (every row a duplicate: what "Check again" after an import costs).
   Each runs on a thread of its own, as the window's job runner runs them (so a large file's parser
   process is spawned, as in the GUI), without the CLI's collector tuning (the GUI has none).
2. Scrobble latency: ``--requests`` single-listen submissions, one after the other over one keep-alive
   connection (a player scrobbles one listen at a time), to ``LocalServer.run`` driven on a thread as the
   job runner drives it, and to ``make_server(...).run()`` on a thread (what `tonearm serve` runs), on
   fresh databases. Percentiles of the client-side round trip.

Usage: ``.venv/bin/python bench/bench_import_screen.py [--listens 100000] [--runs 3] [--requests 300]``.
Prints markdown; records nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import orjson

from bench.listen_files import write_listenbrainz_jsonl
from models.bootstrap import init_database
from models.engine import Database, open_database
from models.progress import CancelToken, run_to_end
from models.schemas import SchemaConfig
from scrobbler.importers import get
from scrobbler.ingest import ingest_file
from scrobbler.ingest_preview import preview_file
from scrobbler.users import create_token, default_user


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process (all threads) and of its ended children (the parser process)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def on_thread(work: Callable[[], Any]) -> tuple[float, Any, float, float]:
    """Run ``work`` on a new thread (as a job runs); wall seconds, its result, and the CPU seconds of this
    process and of the parser child it used."""
    box: dict[str, Any] = {}

    def run() -> None:
        began = time.perf_counter()
        box["result"] = work()
        box["wall"] = time.perf_counter() - began

    own, children = _cpu()
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    own_after, children_after = _cpu()
    return box["wall"], box["result"], own_after - own, children_after - children


def _drain(operation: Callable[..., Any], *args: Any) -> Any:
    return run_to_end(operation(*args))


def fresh_db(folder: Path) -> tuple[Database, int]:
    db = open_database(f"sqlite:///{folder / 'tonearm.db'}", SchemaConfig())
    init_database(db)
    with db.session() as session:
        user_id = default_user(session).id
    return db, user_id


def bench_dry_run(listens: int, runs: int) -> None:
    importer = get("listenbrainz_export")
    rows: list[tuple[float, float, float]] = []
    cpu: list[tuple[float, float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as temp:
        path = write_listenbrainz_jsonl(Path(temp) / "listens.jsonl", listens)
        size_mb = path.stat().st_size / 1e6
        for run in range(runs):
            folder = Path(temp) / f"run{run}"
            folder.mkdir()
            db, user_id = fresh_db(folder)
            dry, preview, dry_own, dry_child = on_thread(
                partial(_drain, preview_file, db, importer, path, user_id)
            )
            real, report, real_own, real_child = on_thread(
                partial(_drain, ingest_file, db, importer, path, user_id)
            )
            again, second, _, _ = on_thread(partial(_drain, preview_file, db, importer, path, user_id))
            cpu.append((dry_own, dry_child, real_own, real_child))
            assert preview.report.imported == report.imported == listens, (preview.report, report)
            assert second.report.duplicates == listens
            rows.append((dry, real, again))
            db.dispose()
    print(f"\n### Dry run vs import: {listens:,} ListenBrainz listens ({size_mb:.0f} MB JSONL), SQLite\n")
    print(
        "| run | dry run s | import s | dry run / import | dry run after import s "
        "| dry run CPU s (this process + parser) | import CPU s (this process + parser) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for number, ((dry, real, again), (d_own, d_child, r_own, r_child)) in enumerate(
        zip(rows, cpu, strict=True), 1
    ):
        print(
            f"| {number} | {dry:.2f} | {real:.2f} | {dry / real:.2f} | {again:.2f} "
            f"| {d_own:.1f} + {d_child:.1f} | {r_own:.1f} + {r_child:.1f} |"
        )
    ratios = [dry / real for dry, real, _ in rows]
    print(
        f"\ndry run {min(r[0] for r in rows):.2f}-{max(r[0] for r in rows):.2f} s, import "
        f"{min(r[1] for r in rows):.2f}-{max(r[1] for r in rows):.2f} s, ratio {min(ratios):.2f}-{max(ratios):.2f}"
    )


def _submit_all(url: str, token: str, requests: int) -> list[float]:
    latencies: list[float] = []
    now = int(time.time())
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
        for index in range(requests):
            body = orjson.dumps(
                {
                    "listen_type": "single",
                    "payload": [
                        {
                            "listened_at": now - 100_000 + index * 200,
                            "track_metadata": {
                                "artist_name": f"Artist {index % 50}",
                                "track_name": f"Song {index}",
                            },
                        }
                    ],
                }
            )
            began = time.perf_counter()
            response = client.post("/1/submit-listens", content=body)
            latencies.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.text
    return latencies


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100)
    return f"{q[49]:.1f} | {q[94]:.1f} | {q[98]:.1f} | {ordered[-1]:.1f}"


def bench_latency(requests: int, runs: int) -> None:
    from scrobbler.api.server import make_server
    from scrobbler.api.serving import LocalServer, bind_port

    print(
        f"\n### Scrobble latency: {requests} single listens in sequence, one keep-alive connection, SQLite\n"
    )
    print("| run | server | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---:|---:|---:|---:|")
    medians: dict[str, list[float]] = {"in-app (job)": [], "tonearm serve (peer)": []}
    for run in range(runs):
        for label in medians:
            with tempfile.TemporaryDirectory(prefix="bench-serve-") as temp:
                db, _ = fresh_db(Path(temp))
                with db.session() as session:
                    token = create_token(session, default_user(session)).token
                cancel = CancelToken()
                if label.startswith("in-app"):
                    server = LocalServer(db, port=0)
                    # The generator is created and driven on the thread, as the job runner does.
                    thread = threading.Thread(target=partial(_drain, server.run, cancel))
                else:
                    probe = bind_port("127.0.0.1", 0)
                    port = probe.getsockname()[1]
                    probe.close()
                    peer = make_server(db, "127.0.0.1", port)
                    thread = threading.Thread(target=peer.run)
                    url = f"http://127.0.0.1:{port}/"
                thread.start()
                if label.startswith("in-app"):
                    while server.status is None or server.port == 0:
                        time.sleep(0.01)
                    time.sleep(0.2)
                    url = server.url
                else:
                    while not peer.started:
                        time.sleep(0.01)
                latencies = _submit_all(url, token, requests)
                if label.startswith("in-app"):
                    cancel.cancel()
                else:
                    peer.should_exit = True
                thread.join(20)
                db.dispose()
            medians[label].append(statistics.median(latencies))
            print(f"| {run + 1} | {label} | {_percentiles(latencies)} |")
    ours, peer_medians = medians["in-app (job)"], medians["tonearm serve (peer)"]
    ratios = [a / b for a, b in zip(ours, peer_medians, strict=True)]
    print(f"\nmedian ratio in-app / tonearm serve per run: {', '.join(f'{r:.2f}' for r in ratios)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listens", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-dry-run", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    if not args.skip_dry_run:
        bench_dry_run(args.listens, args.runs)
    if not args.skip_latency:
        bench_latency(args.requests, args.runs)


if __name__ == "__main__":
    main()
