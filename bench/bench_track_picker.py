"""The shared track picker (Similar seed, Set builder start): Enter pressed right after typing, before the
search's answer is in. Tonearm's picker marks "pick when it arrives" and hands the event loop back at once;
the peer is the picker as it was (issue 15/16): Enter ran the search and waited for it in the GUI thread
(``JobRunner.wait_idle``, a nested event loop, up to 5 s), then picked.

Each run is a fresh process (offscreen) on a copy of the database given, the two pickers in alternate
runs; per picker and per search it records:
- enter_ms: how long the Enter key press held the GUI thread (wall) before control came back to the loop;
- pick_ms: from Enter to ``picked`` (wall);
- max_gap_ms: the longest gap between ticks of a 5 ms QTimer from Enter to the pick (the window's worst
  stall; a nested loop still ticks, every ~20 ms at most);
- main_cpu_ms: CPU time of the GUI thread from Enter to the pick (time.thread_time; the window idles in
  its event loop meanwhile, the peer in its nested one);
- process_cpu_ms: CPU time of the whole process (every thread) from the first keystroke until every search
  has ended;
- picked: 1 when the pick happened at all (the peer gave up after 5 s and never picked).
Searches: "first" reads the library's columns (the costly one: 100k tracks take 1-6 s), "again" matches on
the columns kept, "typed_on" types on 300 ms into a first search (still reading the library) and presses
Enter: the peer reads the library a second time, Tonearm's picker waits for the columns being read. Usage:
``.venv/bin/python -m bench.bench_track_picker --database DB [--runs 3] [--query TEXT]``.
Prints min-max (median) per measure, the peer's beside Tonearm's with peer/Tonearm medians, one JSON line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PICK_TIMEOUT_S = 60.0
TYPED_ON_AFTER_MS = 300


def _child(database: str, query: str, peer: bool) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.setswitchinterval(0.001)  # as tonearm-gui's entry point: the GUI thread gets the GIL back within 1 ms
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from app.gui.state import AppState, open_initialized
    from app.gui.track_picker import TrackPicker

    class WaitingPicker(TrackPicker):
        """The peer: the picker as it was. Enter waits in the GUI thread for the answer; each search started
        while the library is being read reads it again."""

        def run_search(self) -> Any:
            self._timer.stop()
            text = self.search.text().strip()
            self._serial += 1
            if not text:
                self._answered = self._serial
                self.close_list()
                return None
            return self._start(self._serial, text)

        def _enter(self) -> None:
            if self._timer.isActive():
                self.run_search()
                self.state.jobs.wait_idle(5000)
            self._pick_current()

    db = open_initialized(f"sqlite:///{database}")
    state = AppState.for_tests(db)
    picker = (WaitingPicker if peer else TrackPicker)(state, "Find a track")
    picker.resize(900, 320)
    picker.show()
    app.processEvents()
    picked: list[float] = []
    picker.picked.connect(lambda _track: picked.append(time.perf_counter()))
    ticks: list[float] = []
    clock = QTimer(interval=5)
    clock.timeout.connect(lambda: ticks.append(time.perf_counter()))
    out: dict[str, float] = {}

    cases = (("first", query, ""), ("again", f"{query} bpm:>0", ""), ("typed_on", query, " bpm:>0"))
    for name, text, typed_on in cases:
        picker.search.clear()
        picker.run_search()
        state.jobs.wait_idle(600_000)
        app.processEvents()
        picked.clear()
        if typed_on:
            state.library_changed.emit()  # the library is read again by the next search
        all_cpu = time.process_time()
        QTest.keyClicks(picker.search, text)
        if typed_on:  # the debounce started the search; the person types on while it reads the library
            picker.run_search()
            pause = QEventLoop()
            QTimer.singleShot(TYPED_ON_AFTER_MS, pause.quit)
            pause.exec()
            QTest.keyClicks(picker.search, typed_on)
        ticks.clear()
        clock.start()
        began, cpu = time.perf_counter(), time.thread_time()
        QTest.keyClick(picker.search, Qt.Key.Key_Return)
        out[f"{name}_enter_ms"] = (time.perf_counter() - began) * 1000
        if not picked:  # idle in the event loop, as the window does, until the pick (or nothing is left)
            loop = QEventLoop()
            picker.picked.connect(loop.quit)
            watch = QTimer(interval=50)
            watch.timeout.connect(lambda loop=loop: _quit_when_idle(state, picker, loop))
            watch.start()
            QTimer.singleShot(int(PICK_TIMEOUT_S * 1000), loop.quit)
            loop.exec()
            watch.stop()
            picker.picked.disconnect(loop.quit)
        ended = picked[0] if picked else time.perf_counter()
        out[f"{name}_main_cpu_ms"] = (time.thread_time() - cpu) * 1000
        clock.stop()
        out[f"{name}_picked"] = 1.0 if picked else 0.0
        out[f"{name}_pick_ms"] = (ended - began) * 1000
        marks = [began, *(t for t in ticks if t <= ended), ended]
        out[f"{name}_max_gap_ms"] = max(b - a for a, b in itertools.pairwise(marks)) * 1000
        state.jobs.wait_idle(600_000)
        out[f"{name}_process_cpu_ms"] = (time.process_time() - all_cpu) * 1000
    state.jobs.wait_idle(10_000)
    db.dispose()
    return out


def _quit_when_idle(state: Any, picker: Any, loop: Any) -> None:
    """No search running and no pick waiting: the peer gave up (its 5 s wait ended), nothing will pick."""
    if not state.jobs.busy() and not picker.waiting_to_pick:
        loop.quit()


def _summary(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "max": max(values), "median": statistics.median(values)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a SQLite library (copied, never changed)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each picker")
    parser.add_argument("--query", default="a", help="the search typed (the library's syntax)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.database, args.query, args.peer)))
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-picker-"))
    copy = work / "library.db"
    shutil.copyfile(args.database, copy)
    from app.gui.state import open_initialized

    open_initialized(f"sqlite:///{copy}").dispose()  # an older library is migrated once, not in run 1
    runs: dict[str, list[dict[str, float]]] = {"tonearm": [], "peer": []}
    loads: list[float] = []
    try:
        for _ in range(args.runs):
            for side in ("tonearm", "peer"):
                command = [sys.executable, "-m", "bench.bench_track_picker", "--child", "--database", str(copy),
                           "--query", args.query, *(["--peer"] if side == "peer" else [])]  # fmt: skip
                child = subprocess.run(
                    command,
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=Path(__file__).resolve().parent.parent,
                )
                runs[side].append(json.loads(child.stdout.strip().splitlines()[-1]))
                loads.append(os.getloadavg()[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary: dict[str, Any] = {"database": args.database, "runs": args.runs, "query": args.query}
    summary["load_1min"] = _summary(loads)
    print(f"load average (1 min) during the runs: {min(loads):.1f}-{max(loads):.1f}")
    for key in runs["tonearm"][0]:
        ours = _summary([run[key] for run in runs["tonearm"]])
        theirs = _summary([run[key] for run in runs["peer"]])
        summary[key] = {"tonearm": ours, "peer": theirs}
        if key.endswith("_picked"):
            print(
                f"{key:24s} tonearm {ours['min']:.0f} of 1 every run  |  peer {theirs['min']:.0f}-{theirs['max']:.0f}"
            )
            continue
        ratio = theirs["median"] / ours["median"] if ours["median"] else float("inf")
        print(
            f"{key:24s} tonearm {ours['min']:8.1f} - {ours['max']:8.1f} ms (median {ours['median']:.1f})  |  "
            f"peer {theirs['min']:8.1f} - {theirs['max']:8.1f} ms (median {theirs['median']:.1f})  "
            f"peer/tonearm {ratio:.1f}x"
        )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
