"""The Organize files and Set builder screens on big inputs (issue 16's desktop part).

- organize read: the screen's read of a preview (``organize_status.preview_rows`` + ``organize_state``, right after its own preview) on
  ``--rows`` pending proposals in SQLite, beside the CLI's read of the same preview (``pending_proposals``,
  ORM objects): the peer, as a ratio from the same run;
- organize table: the real :class:`OrganizeScreen` showing those rows in its offscreen table (model fill,
  counts, filter labels, buttons, one repaint), a status filter and back, a sort by confidence and by path,
  and a selection change (the buttons count what Apply would move); beside it the naive peer, a
  ``QStandardItemModel`` filled with the same rows (5 items a row), from the same run;
- set build: ``build_setlist`` of 10 tracks on an analysed demo library (``--demo``, copied first) called
  directly as ``tonearm setlist`` does, beside the Set builder's way (``SetlistController.build`` as a job,
  through the job runner to the ``built`` signal).

Each figure is wall ms and CPU ms (``time.process_time``, this process incl. worker threads), min - max over
``--runs`` runs, with the load average. Usage:
``.venv/bin/python -m bench.bench_curation_gui [--rows 100000] [--runs 5] [--demo /tmp/demo6/tonearm.db]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _timed(figures: dict[str, list[tuple[float, float]]], name: str, action: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    figures[name].append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    return result


def _fill_proposals(db: Any, rows: int) -> None:
    """``rows`` media files, each with a pending proposal (bulk inserts: this is set-up, not measured)."""
    from sqlalchemy import insert

    from analyzer.scan.paths import path_hash
    from models.media import MediaFile
    from models.organize import OrganizeProposal

    with db.session() as session:
        for start in range(0, rows, 5000):
            chunk = range(start, min(rows, start + 5000))
            files = [{"id": i + 1, "file_path": f"/music/incoming/{i % 97}/track {i}.flac",
                      "file_path_hash": path_hash(f"/music/incoming/{i % 97}/track {i}.flac")} for i in chunk]  # fmt: skip
            session.execute(insert(MediaFile), files)
            proposals = [{"media_file_id": i + 1, "current_path": f["file_path"],
                          "proposed_path": f"/music/Artist {i % 800}/2001 - Album {i % 9000}/1-{i % 20:02d} Title {i}.flac",
                          "proposed_path_hash": path_hash(f"p{i}"), "template": "$albumartist/$year - $album/$disc-$track $title",
                          "reason": "moves to another folder; tags not confirmed by a MusicBrainz id",
                          "confidence": (i * 37) % 101} for i, f in zip(chunk, files, strict=True)]  # fmt: skip
            session.execute(insert(OrganizeProposal), proposals)


def _organize_run(app: Any, state: Any, rows: int, figures: dict[str, list[tuple[float, float]]]) -> None:
    """One run: the two reads, the screen's table, and the peer model, on the same rows."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel

    from analyzer.curation.organize import pending_proposals
    from analyzer.curation.organize_status import organize_state, preview_rows
    from app.gui.organize import OrganizeScreen
    from app.gui.organize.model import STATUS_COLUMN

    db = state.db

    own = list(range(1, rows + 1))  # right after a preview the screen's own ids are the whole preview

    def read() -> Any:
        with db.session() as session:
            return organize_state(session), preview_rows(session, own)

    def cli_read() -> int:
        with db.session() as session:
            return len([(p.id, p.current_path, p.proposed_path, p.confidence, p.reason)
                        for p in pending_proposals(session)])  # fmt: skip

    organize_state_now, shown = _timed(figures, "organize read (screen)", read)
    _timed(figures, "organize read (CLI's pending_proposals, peer)", cli_read)
    screen = OrganizeScreen(state)
    screen.resize(1200, 720)
    screen.show()
    app.processEvents()

    def show() -> None:
        screen._on_loaded(organize_state_now, shown)
        app.processEvents()

    _timed(figures, "organize table: show the preview", show)
    _timed(figures, "organize table: filter one status and back", lambda: (
        screen.status_filter.setCurrentIndex(2), screen.status_filter.setCurrentIndex(0), app.processEvents()))  # fmt: skip
    _timed(figures, "organize table: sort by confidence", lambda: (
        screen.table.sortByColumn(3, screen.table.horizontalHeader().sortIndicatorOrder()), app.processEvents()))  # fmt: skip
    _timed(figures, "organize table: sort by current path", lambda: (
        screen.table.sortByColumn(0, screen.table.horizontalHeader().sortIndicatorOrder()), app.processEvents()))  # fmt: skip
    _timed(figures, "organize table: select a row (buttons updated)", lambda: (
        screen.table.selectRow(rows // 2), app.processEvents()))  # fmt: skip
    assert screen.model.rowCount() == rows and screen.model.columnCount() > STATUS_COLUMN
    screen.close()
    screen.deleteLater()
    app.processEvents()

    def standard_items() -> QStandardItemModel:
        model = QStandardItemModel(0, 5)
        for r in shown:
            model.appendRow([QStandardItem(r.current_path), QStandardItem(r.proposed_path), QStandardItem(r.reason),
                             QStandardItem(f"{r.confidence} %"), QStandardItem(r.status)])  # fmt: skip
        return model

    _timed(figures, "organize table peer: QStandardItemModel fill", standard_items)


def bench_organize(rows: int, runs: int, figures: dict[str, list[tuple[float, float]]]) -> None:
    from PySide6.QtWidgets import QApplication

    from app.gui.state import AppState
    from models.bootstrap import init_database
    from models.engine import open_database
    from models.schemas import SchemaConfig

    folder = Path(tempfile.mkdtemp(prefix="bench-organize-"))
    db = open_database(f"sqlite:///{folder / 'bench.db'}", SchemaConfig())
    init_database(db)
    _fill_proposals(db, rows)
    app = QApplication.instance() or QApplication([])
    state = AppState.for_tests(db, folder / "settings")
    for _ in range(runs):
        _organize_run(app, state, rows, figures)
    state.jobs.wait_idle(10000)
    db.dispose()
    shutil.rmtree(folder, ignore_errors=True)


def bench_setlist(demo: str, runs: int, figures: dict[str, list[tuple[float, float]]]) -> None:
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from analyzer.curation.setlist import build_setlist
    from app.gui.setlist.controller import SetlistController
    from app.gui.state import AppState
    from models.engine import open_database
    from models.media import AudioFeatures, MediaFile
    from models.schemas import SchemaConfig

    folder = Path(tempfile.mkdtemp(prefix="bench-setlist-"))
    for suffix in ("", ".similarity.faiss", ".similarity.json"):
        shutil.copyfile(f"{demo}{suffix}", folder / f"library.db{suffix}")
    db = open_database(f"sqlite:///{folder / 'library.db'}", SchemaConfig())
    with db.session() as session:
        starts = list(session.scalars(select(MediaFile.track_id).join(AudioFeatures).where(
            AudioFeatures.camelot.is_not(None)).order_by(MediaFile.id).limit(runs)))  # fmt: skip
    app = QApplication.instance() or QApplication([])
    state = AppState.for_tests(db, folder / "settings")
    controller = SetlistController(state)
    build_setlist(db, starts[0], 10)  # the index loads once (both ways then find it on disk)
    for start in starts:
        _timed(
            figures, "set of 10: build_setlist (CLI's way, peer)", lambda s=start: build_setlist(db, s, 10)
        )

        def through_the_screen(s: int = start) -> None:
            done: list[Any] = []
            controller.built.connect(lambda setlist, _n: done.append(setlist))
            controller.build_failed.connect(done.append)
            controller.set_start(s, 10, 6.0)
            while not done:
                state.jobs.wait_idle(10)
                app.processEvents()
            controller.built.disconnect()
            controller.build_failed.disconnect()

        _timed(figures, "set of 10: Set builder (read start, build job, signal)", through_the_screen)
    state.jobs.wait_idle(10000)
    db.dispose()
    shutil.rmtree(folder, ignore_errors=True)


def _range(values: list[float]) -> str:
    return (
        f"{min(values):.0f} - {max(values):.0f}"
        if max(values) >= 10
        else f"{min(values):.1f} - {max(values):.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--demo", default="/tmp/demo6/tonearm.db", help="an analysed library (copied, never written)"
    )
    args = parser.parse_args()
    figures: dict[str, list[tuple[float, float]]] = defaultdict(list)
    load_before = os.getloadavg()
    bench_organize(args.rows, args.runs, figures)
    if Path(args.demo).is_file():
        bench_setlist(args.demo, args.runs, figures)
    load_after = os.getloadavg()
    print(
        f"{args.rows:,} proposals; {args.runs} runs; load average {load_before[0]:.1f} -> {load_after[0]:.1f}"
    )
    for name, values in figures.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        print(f"  {name:<58} wall {_range(walls):>13} ms   cpu {_range(cpus):>13} ms")
    print(json.dumps({"rows": args.rows, "runs": args.runs, "load": [load_before[0], load_after[0]],
                      "figures": {k: v for k, v in figures.items()}}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
