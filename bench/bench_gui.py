"""Desktop-app speed (issue 13) on 100,000 tracks and 1,000,000 listens, on this 2-core machine.

- start-up: ``tonearm-gui --startup-probe`` from process start to the library rows painted (offscreen), its
  resident memory then, and which heavy modules were imported; beside it, a bare PySide6 window started and
  painted the same way (the floor every Qt app pays), as a ratio from the same run;
- stalls: the real window while a scan of 20,000 files runs as a job started from the Folders screen's Scan
  button; a 10 ms QTimer probe on the main thread records how late each tick fires (max and p99);
- memory: RSS with the library and the listens database open (from the start-up probe).
Usage: ``.venv/bin/python -m bench.bench_gui [--runs 5] [--scan-files 20000] [--skip-scan]``.
The database is bench_library's generated library (``--cache``, built once: credits, years, files in five
formats with 5 % tracks without a file and 2 % missing files, features on two thirds, 1M listens).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_library import library_database
from models.bootstrap import init_database
from models.engine import open_database
from models.schemas import SchemaConfig

_BARE_WINDOW = """
import json, os, sys, time
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
app = QApplication([])
window = QMainWindow(); window.setCentralWidget(QTableView()); window.resize(1200, 760); window.show()
app.processEvents(); window.grab()
from app.gui.main import _process_age_ms
print(json.dumps({"rows_painted_ms": None, "process_age_ms": _process_age_ms()}))
"""


def _rss_mib_of(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _run_probe(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = (time.perf_counter() - began) * 1000
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    line = [text for text in done.stdout.splitlines() if text.startswith("{")][-1]
    result = json.loads(line)
    result["wall_ms"] = wall
    return result


def bench_startup(db_path: Path, runs: int) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": tempfile.mkdtemp(prefix="tonearm-home-")}
    env.pop("TONEARM_DATABASE_URL", None)
    gui = [sys.executable, "-m", "app.gui.main", "--startup-probe", "--database-url", f"sqlite:///{db_path}"]
    bare = [sys.executable, "-c", _BARE_WINDOW]
    _run_probe(gui, env)  # page cache warm, as for every later start
    tonearm: list[dict[str, Any]] = []
    floor: list[dict[str, Any]] = []
    for _ in range(runs):
        floor.append(_run_probe(bare, env))
        tonearm.append(_run_probe(gui, env))
    ages = [r["process_age_ms"] for r in tonearm]
    floors = [r["process_age_ms"] for r in floor]
    ratios = [a / b for a, b in zip(ages, floors, strict=True)]
    print(
        f"  start -> library rows painted: {min(ages):.0f}-{max(ages):.0f} ms (median {statistics.median(ages):.0f})"
    )
    print(
        f"  bare PySide6 window painted:  {min(floors):.0f}-{max(floors):.0f} ms; ratio {min(ratios):.1f}-{max(ratios):.1f}x"
    )
    print(
        f"  rows shown: {tonearm[-1]['rows']}; heavy modules imported: {tonearm[-1]['heavy_modules'] or 'none'}"
    )
    database = [r["database_rows_ms"] for r in tonearm]
    print(f"  the database's rows in place (snapshot replaced): {min(database):.0f}-{max(database):.0f} ms")
    rss = [r["rss_mib"] for r in tonearm]
    peak = [r["peak_rss_mib"] for r in tonearm]
    print(
        f"  resident memory once loaded: {min(rss):.0f}-{max(rss):.0f} MiB (peak while loading {min(peak):.0f}-{max(peak):.0f})"
    )
    cold = []
    for _ in range(max(2, runs // 2)):  # a first start: no snapshot yet (a new HOME, so a new cache folder)
        fresh = {**env, "HOME": tempfile.mkdtemp(prefix="tonearm-home-")}
        cold.append(_run_probe(gui, fresh)["process_age_ms"])
    print(f"  first start without a snapshot: rows painted {min(cold):.0f}-{max(cold):.0f} ms")
    return {"startup_ms": ages, "bare_ms": floors, "rss_mib": rss, "peak_rss_mib": peak, "cold_ms": cold}


def _one_scan_with_probe(library: Path, work: Path, run: int) -> dict[str, float]:
    """The real window on a new database: add the folder, press Scan, record the main thread's lateness."""
    from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from analyzer.scan.folders import add_folder
    from app.gui.jobs import JobRunner
    from app.gui.main import build_window
    from app.gui.state import AppState

    path = work / f"stalls-{run}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    db = open_database(f"sqlite:///{path}", SchemaConfig())
    init_database(db)
    with db.session() as session:
        add_folder(session, library)
    settings = QSettings(str(work / f"stalls-{run}.ini"), QSettings.Format.IniFormat)
    state = AppState(db, JobRunner(), settings)
    window = build_window(state, start_screen="library")
    window.resize(1200, 760)
    window.show()
    state.jobs.wait_idle(60000)
    QApplication.processEvents()

    interval_ms = 10
    clock = QElapsedTimer()
    late: list[float] = []
    last = [0.0]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        late.append(now - last[0] - interval_ms)
        last[0] = now

    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(interval_ms)
    probe.timeout.connect(tick)
    folders = window.screens["folders"]
    window.show_screen("folders")
    clock.start()
    probe.start()
    began = time.perf_counter()
    job = folders.jobs.start_scan()
    assert job is not None
    while job.running or state.jobs.busy():  # the scan, then the library reload it triggers
        QApplication.processEvents()
        time.sleep(0.001)
    wall = time.perf_counter() - began
    probe.stop()
    window.show_screen("library")
    QApplication.processEvents()
    rows = window.screens["library"].visible_row_count()
    window.close()
    db.dispose()
    summary = job.result
    late_sorted = sorted(late[1:])
    p99 = late_sorted[int(len(late_sorted) * 0.99)] if late_sorted else float("nan")
    return {
        "files": float(summary.found if summary is not None else 0),
        "seconds": wall,
        "max_ms": max(late_sorted),
        "p99_ms": p99,
        "ticks": float(len(late_sorted)),
        "rows": float(rows),
    }


def bench_scan_stalls(files: int, runs: int, work: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.gui.main import share_the_interpreter, use_forkserver
    from bench.bench_scan import make_library, warm_page_cache

    use_forkserver()  # as tonearm-gui's main() sets up its process
    share_the_interpreter()
    library = make_library(files)
    warm_page_cache(library)
    app = QApplication.instance() or QApplication([])
    assert app is not None
    print(f"main-thread stalls while the window scans {files:,} files ({runs} runs)", flush=True)
    results = [_one_scan_with_probe(library, work, run) for run in range(runs)]
    for result in results:
        print(
            f"  {result['files']:,.0f} files in {result['seconds']:.1f} s; probe ticks {result['ticks']:,.0f}:"
            f" late by max {result['max_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; library rows after: "
            f"{result['rows']:,.0f}",
            flush=True,
        )
    worst = [r["max_ms"] for r in results]
    p99s = [r["p99_ms"] for r in results]
    print(f"  max stall {min(worst):.1f}-{max(worst):.1f} ms, p99 {min(p99s):.1f}-{max(p99s):.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--listens", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scan-files", type=int, default=20_000)
    parser.add_argument("--skip-scan", action="store_true")
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "tonearm-bench")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "tonearm-bench-library",
        help="where bench_library's generated database is kept (the same one serves both benchmarks)",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.skip_startup:
        args.cache.mkdir(parents=True, exist_ok=True)
        db_path = library_database(args.cache, args.tracks, args.listens)
        print(f"start-up on {args.tracks:,} tracks / {args.listens:,} listens ({args.runs} runs)", flush=True)
        bench_startup(db_path, args.runs)
    if not args.skip_scan:
        bench_scan_stalls(args.scan_files, args.runs, args.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
