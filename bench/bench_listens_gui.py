"""The Listens screen (issue 14) on 100,000 tracks and 1,000,000 listens: opens <= 0.6 s, scroll jumps <= 16 ms.

Each run is a fresh process on a private copy of bench_library's generated database (the shared copy is
never written; the app may upgrade a schema on open), offscreen, with its own settings (default filters):
- open: ``activated()`` to the first rows painted, and to the whole id list in (the scroll bar's full size);
- scroll jumps: ``scrollTo`` 40 random rows, each followed by a synchronous repaint of the table (the page
  of rows read from the database included);
- sort / filter: a header click or a filter to the new rows painted, split into the worker's read and the
  swap on the main thread, with the main thread's worst stall meanwhile (a 10 ms QTimer probe): the old rows
  stay on screen and the window keeps answering;
- memory: resident set before the screen opened and after everything (the id list, the row cache).
Peers side by side, from the same database, each in its own process: Qt's ``QSqlTableModel`` on the listens
table sorted newest first (lazy ``fetchMore`` paging: a jump deep into the list fetches every row above it),
and a plain model that loads every display row into Python lists (what most apps start with).
Usage: ``.venv/bin/python -m bench.bench_listens_gui [--runs 3] [--peer-runs 2] [--no-peer]``; prints one
line per figure as min-max over runs, and one JSON line with everything.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OPEN_TARGET_MS, JUMP_TARGET_MS = 600.0, 16.0
JUMPS = 40
CHANGES = (  # (label, what to do): sorts by header click, filters as the filter bar sets them
    ("sort artist ascending", {"sort": ("artist", False)}),
    ("sort time newest first", {"sort": ("time", True)}),
    ("filter status unmatched", {"choice": {"status": "unmatched"}}),
    ("filter text 'artist 12'", {"choice": {"text": "artist 12"}}),
    ("filters cleared", {"choice": {}}),
)


def _rss_mib() -> tuple[float, float]:
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def _ms(began: float) -> float:
    return (time.perf_counter() - began) * 1000


class _StallProbe:
    """How late a 10 ms timer on the main thread fires while something runs in the background."""

    def __init__(self) -> None:
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        self.clock = QElapsedTimer()
        self.late: list[float] = []
        self._last = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed() / 1e6
        self.late.append(now - self._last - 10)
        self._last = now

    def start(self) -> None:
        self.late.clear()
        self.clock.start()
        self._last = 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return max(self.late[1:], default=0.0)


def _jumps(table: Any, rows: int, out: dict[str, Any], fetch_to: Any = None) -> None:
    """``jumps_ms`` (wall) and ``jumps_cpu_ms`` (the main thread's CPU: what the jump costs on a machine
    where other processes do not take the cores away) of jumps to random rows."""
    from PySide6.QtWidgets import QAbstractItemView, QApplication

    picks = random.Random(14).sample(range(rows), JUMPS)
    wall, cpu = [], []
    for row in picks:
        began, began_cpu = time.perf_counter(), time.thread_time()
        if fetch_to is not None:
            fetch_to(row)
        table.scrollTo(table.model().index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        table.viewport().repaint()
        QApplication.processEvents()
        wall.append(_ms(began))
        cpu.append((time.thread_time() - began_cpu) * 1000)
    out["jumps_ms"], out["jumps_cpu_ms"] = wall, cpu
    out["load_average"] = os.getloadavg()[0]


def child_tonearm(db_path: Path) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    import app.gui.library.screen  # the window's start screen: imported before any click
    from app.gui.main import share_the_interpreter
    from app.gui.state import AppState, open_initialized

    share_the_interpreter()  # the main thread gets the GIL back quickly, as tonearm-gui's main() sets up
    app = QApplication.instance() or QApplication([])
    state = AppState.for_tests(open_initialized(f"sqlite:///{db_path}"))
    app.processEvents()
    before, _ = _rss_mib()
    out: dict[str, Any] = {}
    # The first click on "Listens" in a running window: the screen's modules are imported (the window builds
    # screens lazily), the screen is built and shown, and it reads its first rows.
    began = time.perf_counter()
    from app.gui.listens.screen import ListensScreen

    screen = ListensScreen(state)
    screen.resize(1024, 720)
    screen.show()
    out["build_ms"] = _ms(began)
    activated, activated_cpu = time.perf_counter(), time.process_time()
    screen.activated()
    while screen.model.rowCount() == 0:
        app.processEvents()
        time.sleep(0.0005)
    screen.table.viewport().repaint()
    out["open_ms"] = _ms(began)
    out["open_from_activated_ms"] = _ms(activated)
    out["open_cpu_ms"] = (
        time.process_time() - activated_cpu
    ) * 1000  # both threads: what an idle machine waits
    from app.gui.listens.controller import FilterChoice
    from app.gui.listens.model import COLUMNS

    while screen.controller.loads == 0:
        app.processEvents()
        time.sleep(0.0005)
    screen.table.viewport().repaint()
    out["ids_ms"] = _ms(began)
    state.jobs.wait_idle(60000)  # the filter options too
    out["rows"] = screen.model.rowCount()
    _jumps(screen.table, screen.model.rowCount(), out)
    out["pages_read"] = screen.model.pages_read

    swap: list[float] = []
    model = screen.model
    plain_set_ids = model.set_ids

    def timed_set_ids(*args: Any, **kwargs: Any) -> None:  # the main thread's share of a change
        began = time.perf_counter()
        plain_set_ids(*args, **kwargs)
        screen.table.viewport().repaint()
        swap.append(_ms(began))

    model.set_ids = timed_set_ids  # type: ignore[method-assign]
    probe = _StallProbe()
    changes: dict[str, dict[str, float]] = {}
    for label, change in CHANGES:
        swap.clear()
        probe.start()
        began = time.perf_counter()
        if "sort" in change:
            key, descending = change["sort"]
            column = next(n for n, spec in enumerate(COLUMNS) if spec[2] == key)
            from PySide6.QtCore import Qt

            order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            screen.table.horizontalHeader().setSortIndicator(column, order)  # what a header click does
        else:
            screen.controller.set_choice(FilterChoice(**change["choice"]))
        job = screen.controller._loading
        loads = screen.controller.loads
        while screen.controller.loads == loads:
            app.processEvents()
            time.sleep(0.0005)
        total = _ms(began)
        stall = probe.stop()
        changes[label] = {
            "total_ms": total,
            "worker_ms": (job.elapsed * 1000) if job is not None else float("nan"),
            "swap_ms": swap[-1] if swap else float("nan"),
            "stall_ms": stall,
            "rows": float(model.rowCount()),
        }
    out["changes"] = changes
    state.jobs.wait_idle(60000)
    out["rss_before_mib"] = before
    out["rss_mib"], out["peak_rss_mib"] = _rss_mib()
    return out


_PEER_SQL = (
    "SELECT l.id, l.listened_at, l.artist_name, l.track_name, l.release_name, l.source, l.enrich_status, "
    "t.title, l.match_confidence FROM listens l LEFT JOIN tracks t ON t.id = l.track_id"
)


def child_qsqltable(db_path: Path) -> dict[str, Any]:
    """Qt's own way: QSqlTableModel on the listens table, newest first, rows fetched as the view asks."""
    from PySide6.QtCore import Qt
    from PySide6.QtSql import QSqlDatabase, QSqlTableModel
    from PySide6.QtWidgets import QApplication, QTableView

    app = QApplication.instance() or QApplication([])
    connection = QSqlDatabase.addDatabase("QSQLITE")
    connection.setDatabaseName(str(db_path))
    assert connection.open()
    view = QTableView()
    view.resize(1024, 720)
    view.show()
    app.processEvents()
    before, _ = _rss_mib()
    out: dict[str, Any] = {}
    began = time.perf_counter()
    model = QSqlTableModel(None, connection)
    model.setTable("listens")
    listened_at = model.fieldIndex("listened_at")
    model.setSort(listened_at, Qt.SortOrder.DescendingOrder)
    model.select()
    view.setModel(model)
    view.viewport().repaint()
    out["open_ms"] = _ms(began)
    total = connection.exec("SELECT count(*) FROM listens")
    total.next()
    rows = int(total.value(0))

    def fetch_to(row: int) -> None:
        while model.rowCount() <= row and model.canFetchMore():
            model.fetchMore()

    _jumps(view, rows, out, fetch_to)
    out["rows"] = model.rowCount()
    changes = {}
    for label, column, order in (
        ("sort artist ascending", model.fieldIndex("artist_name_normalized"), Qt.SortOrder.AscendingOrder),
        ("sort time newest first", listened_at, Qt.SortOrder.DescendingOrder),
    ):
        began = time.perf_counter()
        model.setSort(column, order)
        model.select()  # on the main thread: the window is frozen meanwhile
        view.viewport().repaint()
        spent = _ms(began)
        changes[label] = {"total_ms": spent, "stall_ms": spent}
    out["changes"] = changes
    out["rss_before_mib"] = before
    out["rss_mib"], out["peak_rss_mib"] = _rss_mib()
    return out


def child_load_all(db_path: Path) -> dict[str, Any]:
    """A plain Python table model holding every display row (sort = Python sort of the rows)."""
    import sqlite3

    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QApplication, QTableView

    class AllRows(QAbstractTableModel):
        def __init__(self, rows: list[tuple[Any, ...]]) -> None:
            super().__init__()
            self.rows = rows

        def rowCount(self, parent: Any = QModelIndex()) -> int:
            return 0 if parent.isValid() else len(self.rows)

        def columnCount(self, parent: Any = QModelIndex()) -> int:
            return 0 if parent.isValid() else 9

        def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
            if role != Qt.ItemDataRole.DisplayRole:
                return None
            value = self.rows[index.row()][index.column()]
            return "" if value is None else str(value)

        def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
            self.layoutAboutToBeChanged.emit()
            self.rows.sort(
                key=lambda row: (row[column] is None, row[column] or 0),
                reverse=order == Qt.SortOrder.DescendingOrder,
            )
            self.layoutChanged.emit()

    app = QApplication.instance() or QApplication([])
    view = QTableView()
    view.resize(1024, 720)
    view.show()
    app.processEvents()
    before, _ = _rss_mib()
    out: dict[str, Any] = {}
    began = time.perf_counter()
    connection = sqlite3.connect(db_path)
    rows = connection.execute(_PEER_SQL + " ORDER BY l.listened_at DESC, l.id").fetchall()
    model = AllRows(rows)
    view.setModel(model)
    view.viewport().repaint()
    out["open_ms"] = _ms(began)
    out["rows"] = len(rows)
    _jumps(view, len(rows), out)
    changes = {}
    for label, column, order in (
        ("sort artist ascending", 2, Qt.SortOrder.AscendingOrder),
        ("sort time newest first", 1, Qt.SortOrder.DescendingOrder),
    ):
        began = time.perf_counter()
        model.sort(column, order)
        view.viewport().repaint()
        spent = _ms(began)
        changes[label] = {"total_ms": spent, "stall_ms": spent}
    out["changes"] = changes
    out["rss_before_mib"] = before
    out["rss_mib"], out["peak_rss_mib"] = _rss_mib()
    return out


CHILDREN = {"tonearm": child_tonearm, "qsqltable": child_qsqltable, "load-all": child_load_all}


def _run_child(kind: str, db_path: Path) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": tempfile.mkdtemp(prefix="tonearm-home-")}
    command = [sys.executable, "-m", "bench.bench_listens_gui", "--child", kind, "--database", str(db_path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])


def private_copy(cache: Path, work: Path, tracks: int, listens: int) -> Path:
    """bench_library's database for these sizes copied into ``work`` once; the shared file is only read.
    Any schema revision will do (the newest found): the first open of the copy upgrades it, as the app
    does. Generated (minutes) only when none exists."""
    found = sorted(cache.glob(f"library-{tracks}-{listens}-[0-9]*.db"))
    found = [path for path in found if ".partial" not in path.name]
    if found:
        shared = found[-1]
    else:
        from bench.bench_library import library_database

        shared = library_database(cache, tracks, listens)
    copy = work / f"listens-{shared.name}"
    if not copy.exists():
        partial = copy.with_suffix(".partial")
        shutil.copyfile(shared, partial)
        partial.rename(copy)
    return copy


def _span(values: list[float]) -> str:
    return f"{min(values):,.1f}-{max(values):,.1f}"


def _report(kind: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    opens = [r["open_ms"] for r in runs]
    jumps = [j for r in runs for j in r["jumps_ms"]]
    medians = [statistics.median(r["jumps_ms"]) for r in runs]
    worst = [max(r["jumps_ms"]) for r in runs]
    print(f"{kind}: {runs[0]['rows']:,} rows shown at the end of a run; {len(runs)} runs")
    print(f"  open (first rows painted): {_span(opens)} ms")
    if "build_ms" in runs[0]:
        print(f"    of which importing and building the screen {_span([r['build_ms'] for r in runs])} ms, from "
              f"activated() {_span([r['open_from_activated_ms'] for r in runs])} ms, CPU of the process meanwhile "
              f"{_span([r['open_cpu_ms'] for r in runs])} ms")  # fmt: skip
    if "ids_ms" in runs[0]:
        print(f"  whole id list in: {_span([r['ids_ms'] for r in runs])} ms; pages read for {JUMPS} jumps: "
              f"{_span([r['pages_read'] for r in runs])}")  # fmt: skip
    cpu = [statistics.median(r["jumps_cpu_ms"]) for r in runs]
    print(f"  scroll jump + repaint: median {_span(medians)} ms, worst {_span(worst)} ms (p95 all runs "
          f"{sorted(jumps)[int(len(jumps) * 0.95)]:.1f}); main-thread CPU per jump, median {_span(cpu)} ms; "
          f"load average {_span([r['load_average'] for r in runs])}")  # fmt: skip
    for label in runs[0]["changes"]:
        figures = [r["changes"][label] for r in runs]
        parts = [f"total {_span([f['total_ms'] for f in figures])} ms"]
        if "worker_ms" in figures[0]:
            parts.append(f"worker {_span([f['worker_ms'] for f in figures])}")
            parts.append(f"swap {_span([f['swap_ms'] for f in figures])}")
        parts.append(f"main-thread stall {_span([f['stall_ms'] for f in figures])} ms")
        rows = f" ({figures[0]['rows']:,.0f} rows)" if "rows" in figures[0] else ""
        print(f"  {label}{rows}: " + ", ".join(parts))
    grown = [r["rss_mib"] - r["rss_before_mib"] for r in runs]
    print(f"  memory: +{_span(grown)} MiB for the screen (resident {_span([r['rss_mib'] for r in runs])} MiB, "
          f"peak {_span([r['peak_rss_mib'] for r in runs])})")  # fmt: skip
    return {"open_ms": opens, "jump_median_ms": medians, "jump_worst_ms": worst, "jump_cpu_ms": cpu,
            "grown_mib": grown, "runs": runs}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--listens", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-runs", type=int, default=2)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tonearm-bench-library")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "tonearm-bench-listens")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args.database)))
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    db_path = private_copy(args.cache, args.work, args.tracks, args.listens)
    _run_child("tonearm", db_path)  # schema check, page cache warm: every later open is a warm start
    summary: dict[str, Any] = {}
    ours = [_run_child("tonearm", db_path) for _ in range(args.runs)]
    summary["tonearm"] = _report("Listens screen", ours)
    worst_open = max(summary["tonearm"]["open_ms"])
    worst_jump = max(summary["tonearm"]["jump_median_ms"])
    print(f"  targets: open {worst_open:.0f} ms (<= {OPEN_TARGET_MS:.0f}: {'met' if worst_open <= OPEN_TARGET_MS else 'MISSED'}), "
          f"median jump {worst_jump:.1f} ms (<= {JUMP_TARGET_MS:.0f}: {'met' if worst_jump <= JUMP_TARGET_MS else 'MISSED'})")  # fmt: skip
    if not args.no_peer:
        for kind, label in (("qsqltable", "peer QSqlTableModel"), ("load-all", "peer load-all-rows model")):
            runs = [_run_child(kind, db_path) for _ in range(args.peer_runs)]
            summary[kind] = _report(label, runs)
            ratio_open = [p / o for p in summary[kind]["open_ms"] for o in summary["tonearm"]["open_ms"]]
            ratio_jump = [
                p / o for p in summary[kind]["jump_median_ms"] for o in summary["tonearm"]["jump_median_ms"]
            ]
            print(f"  {label} against ours: open {_span(ratio_open)}x, median jump {_span(ratio_jump)}x")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
