"""How long the Similar and Duplicates screens take to open, and their first reads, beside the core call
they wrap (the peer: the same question asked without a window, as ``tonearm similar``/``duplicates`` do).

Each run is a fresh process (FAISS and the first queries are paid once per process, as a person opening
the screen pays them), offscreen, on a copy of the database given:
- similar_painted: build the screen, show it, ``activated()``, first paint (the reads still running);
- similar_open: ... until the readiness read ended (any analysed track? FAISS and the list's modules are
  loaded in that read when there is one) and the answer is painted;
- similar_search: the first seed search (reads the library's columns, then matches ``--query``), painted;
- similar_search_again: a second search (``--query`` plus ``bpm:>0``) on the columns already read;
- similar_results: the first "More like this" (FAISS loads, the index is read, 25 nearest), painted;
- duplicates_open: build, show, the groups read (``duplicate_overview``) and painted;
- core_*: ``has_analysed_tracks``, ``load_library`` + ``search_seeds``, ``similar_tracks``, ``duplicate_overview``
  called directly in the same process afterwards (warm: the GUI's numbers include the first-use costs).
Usage: ``.venv/bin/python -m bench.bench_similar_duplicates_gui --database DB [--runs 5] [--query TEXT]``.
Prints one line per measure (min-max ms over runs, median) and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _child(database: str, query: str) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from app.gui.duplicates import DuplicatesScreen
    from app.gui.similar import SimilarScreen
    from app.gui.state import AppState, open_initialized

    db = open_initialized(f"sqlite:///{database}")
    state = AppState.for_tests(db)
    state.screen_names = frozenset({"library", "folders", "similar", "duplicates"})
    out: dict[str, float] = {}

    def settle() -> None:
        state.jobs.wait_idle(600_000)
        app.processEvents()

    began = time.perf_counter()
    similar = SimilarScreen(state)
    similar.resize(1200, 760)
    similar.show()
    similar.activated()
    app.processEvents()
    similar.grab()
    out["similar_painted"] = (time.perf_counter() - began) * 1000
    settle()
    similar.grab()
    out["similar_open"] = (time.perf_counter() - began) * 1000

    began = time.perf_counter()
    similar.picker.search.setText(query)
    similar.picker.run_search()
    settle()
    similar.grab()
    out["similar_search"] = (time.perf_counter() - began) * 1000
    began = time.perf_counter()
    similar.picker.search.setText(f"{query} bpm:>0")
    similar.picker.run_search()
    settle()
    similar.grab()
    out["similar_search_again"] = (time.perf_counter() - began) * 1000
    similar.picker.search.setText(query)
    similar.picker.run_search()
    settle()
    analysed = [
        similar.picker.model.item(r)
        for r in range(similar.picker.model.rowCount())
        if similar.picker.model.item(r).key
    ]
    # A seed only where similar lists exist (the 100k bench library has BPM and keys but no vectors).
    seed = analysed[0].track_id if analysed and similar.controller.ready else None
    if seed is not None:
        began = time.perf_counter()
        similar.navigate({"track_id": seed})
        settle()
        similar.grab()
        out["similar_results"] = (time.perf_counter() - began) * 1000
    similar.hide()

    began = time.perf_counter()
    duplicates = DuplicatesScreen(state)
    duplicates.resize(1200, 760)
    duplicates.show()
    settle()
    duplicates.grab()
    out["duplicates_open"] = (time.perf_counter() - began) * 1000
    out["groups"] = duplicates.groups_model.rowCount()

    from analyzer.catalog.library import load_library
    from analyzer.duplicates.overview import duplicate_overview
    from analyzer.similarity.query import similar_tracks
    from analyzer.similarity.seeds import has_analysed_tracks, search_seeds

    began = time.perf_counter()
    with db.session() as session:
        has_analysed_tracks(session)
    out["core_ready"] = (time.perf_counter() - began) * 1000
    began = time.perf_counter()
    with db.session() as session:
        columns = load_library(session)
    _, total = search_seeds(columns, query)
    out["core_search"] = (time.perf_counter() - began) * 1000
    out["tracks"], out["matched"] = len(columns), total
    if seed is not None:
        began = time.perf_counter()
        similar_tracks(db, seed, k=25)
        out["core_results"] = (time.perf_counter() - began) * 1000
    began = time.perf_counter()
    with db.session() as session:
        duplicate_overview(session)
    out["core_duplicates"] = (time.perf_counter() - began) * 1000
    state.jobs.wait_idle(10_000)
    db.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a SQLite library (copied, never changed)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--query", default="a", help="the seed search typed (the library's syntax)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.database, args.query)))
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-simdup-"))
    copy = work / "library.db"
    for suffix in ("", ".similarity.faiss", ".similarity.json"):
        if Path(f"{args.database}{suffix}").exists():
            shutil.copyfile(f"{args.database}{suffix}", f"{copy}{suffix}")
    from app.gui.state import open_initialized

    open_initialized(f"sqlite:///{copy}").dispose()  # an older library is migrated once, not in run 1
    runs: list[dict[str, float]] = []
    try:
        for _ in range(args.runs):
            child = subprocess.run(
                [sys.executable, "-m", "bench.bench_similar_duplicates_gui", "--child", "--database", str(copy),
                 "--query", args.query],
                capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent,
            )  # fmt: skip
            runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary: dict[str, object] = {"database": args.database, "runs": args.runs, "query": args.query}
    for key in runs[0]:
        values = [run[key] for run in runs if key in run]
        if key in ("groups", "tracks", "matched"):
            summary[key] = values[0]
            print(f"{key:18s} {values[0]:,.0f}")
            continue
        summary[key] = {"min": min(values), "max": max(values), "median": statistics.median(values)}
        print(
            f"{key:18s} {min(values):8.1f} - {max(values):8.1f} ms (median {statistics.median(values):.1f})"
        )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
