"""The Review screen (issue 14) on 100,000 tracks and 1,000,000 listens with 100,000 listens to review.

Targets: the review queue of 100,000 pending listens opens <= 1 s; a key press paints the next group
<= 50 ms; accepting a group of 500 listens <= 300 ms. Peer: the review queue before this issue
(``analyzer/review.py`` at the commit before it, loaded from git), which read the whole queue before
applying its limit.

The database is bench_library's (``library-100000-1000000-<rev>.db``), copied into ``--work`` and made
ready once through the core: 100,000 new listens ingested with ``scrobbler.ingest`` (70 % live takes of
library songs, 15 % remixes/acoustic takes, 15 % songs the library lacks; biggest groups 2,000 listens,
ten groups of exactly 500) and the matcher run over them with ``--retry`` semantics (``enrich_listens``,
retry=True: the library's 150,276 generated unmatched listens get matched on the way), so they are
ambiguous or unmatched with stored candidates.

Measured, each over ``--runs`` runs (ranges):
- queue open: ``queue_page`` (the screen's read, 50 groups) against the old ``review_queue(limit=50)``
  (which also read every candidate of every listen of those groups), and the new ``review_queue(limit=50)``
  (``tonearm review list --limit 50``: the same groups with every listen and candidate, like the old one);
- the screen: time from opening to the first group painted (offscreen, real ReviewScreen, real JobRunner);
- key press to paint: a "2" (accept candidate 2) on the shown group until the next group is painted
  (``processEvents``: the window repaints what changed), with the main thread's CPU time beside the wall
  time (the machine is shared), and the same plus a full ``grab()`` of the screen as an upper bound;
- accept 500: ``accept_listens`` of a 500-listen group in its own transaction (then undone, not timed).
Usage: ``.venv/bin/python -m bench.bench_review_gui [--runs 5] [--work /tmp/review-bench]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from models.engine import Database, open_database
from models.schemas import SchemaConfig

SOURCE_DB = Path("/tmp/tonearm-bench-library/library-100000-1000000-0007.db")
PEER_COMMIT = "78ac6c8"  # analyzer/review.py before issue 14
REVIEW_LISTENS = 100_000
QUEUE_TARGET_MS, KEY_TARGET_MS, ACCEPT_TARGET_MS = 1000.0, 50.0, 300.0


def _group_sizes(total: int) -> list[int]:
    """Sizes of the groups to ingest: a long tail like a real history, with ten groups of exactly 500."""
    sizes = [2000, 1500, 1200, 1000, 800, 700, 600] + [500] * 10
    size = 400
    while sum(sizes) < total:
        sizes.append(max(1, min(size, total - sum(sizes))))
        size = max(1, int(size * 0.985))
    return sizes


def prepare(work: Path) -> Path:
    """The bench database with 100,000 listens waiting for review (built once, kept in ``work``)."""
    ready = work / "review-ready.db"
    if ready.exists():
        return ready
    work.mkdir(parents=True, exist_ok=True)
    partial = work / "review-partial.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    began = time.perf_counter()
    shutil.copyfile(SOURCE_DB, partial)
    db = open_database(f"sqlite:///{partial}", SchemaConfig())
    _ingest_review_listens(db)
    from analyzer.matching import enrich_listens
    from models.progress import run_to_end

    summary = run_to_end(enrich_listens(db, retry=True))
    print(f"  enrich: {summary.counts()}", flush=True)
    db.dispose()
    partial.rename(ready)
    print(f"  prepared in {time.perf_counter() - began:.0f} s", flush=True)
    return ready


def _ingest_review_listens(db: Database) -> None:
    import numpy as np
    from sqlalchemy import select

    from models.artists import Artist
    from models.progress import run_to_end
    from models.tracks import Track
    from models.users import User
    from scrobbler.ingest import ingest
    from scrobbler.records import ListenRecord

    rng = np.random.default_rng(14)
    with db.session() as session:
        user = session.scalars(select(User)).first()
        assert user is not None
        user_id = user.id
        tracks = session.execute(
            select(Track.title, Artist.name, Track.duration_secs)
            .join(Artist, Artist.id == Track.primary_artist_id)
            .order_by(Track.id)
        ).all()
    sizes = _group_sizes(REVIEW_LISTENS)
    picks = rng.choice(len(tracks), size=len(sizes), replace=False)
    at = datetime(2025, 3, 1, tzinfo=UTC)
    records = []
    for number, (size, pick) in enumerate(zip(sizes, picks.tolist(), strict=True)):
        title, artist, duration = tracks[pick]
        roll = number % 20
        if roll < 14 or size == 500:
            heard_title, heard_duration = f"{title} (Live)", (duration or 240) + 25
        elif roll < 17:
            heard_title, heard_duration = f"{title} ({'Remix' if roll % 2 else 'Acoustic'})", duration
        else:
            artist, heard_title, heard_duration = f"Stranger {number}", f"Unheard Song {number}", 200.0
        for _ in range(size):
            at += timedelta(seconds=int(rng.integers(200, 4000)))
            records.append(
                ListenRecord(
                    listened_at=at,
                    artist_name=artist,
                    track_name=heard_title,
                    source="bench-review",
                    duration_secs=heard_duration,
                )
            )
    report = run_to_end(ingest(db, records, user_id))
    print(f"  ingested {len(records):,} listens: {report}", flush=True)


def _old_review_module() -> Any:
    """analyzer/review.py as it was before this issue (the peer), loaded from git under another name."""
    source = subprocess.run(
        ["git", "show", f"{PEER_COMMIT}:analyzer/review.py"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    path = Path("/tmp") / f"review_peer_{os.getpid()}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("review_peer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["review_peer"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    path.unlink()
    return module


def _range(values: list[float]) -> str:
    return f"{min(values):.0f}-{max(values):.0f} ms (median {statistics.median(values):.0f})"


def bench_queue(db: Database, runs: int) -> dict[str, list[float]]:
    from analyzer.review_queue import queue_page

    old = _old_review_module()
    from analyzer.review import review_queue

    new_ms: list[float] = []
    old_ms: list[float] = []
    new_cpu: list[float] = []
    old_cpu: list[float] = []
    cli_ms: list[float] = []
    cli_cpu: list[float] = []
    for _ in range(runs):
        with db.session() as session:  # what `tonearm review list --limit 50` reads now (with candidates)
            began, cpu = time.perf_counter(), time.process_time()
            review_queue(session, limit=50)
            cli_ms.append((time.perf_counter() - began) * 1000)
            cli_cpu.append((time.process_time() - cpu) * 1000)
        with db.session() as session:
            began, cpu = time.perf_counter(), time.process_time()
            page = queue_page(session, limit=50)
            new_ms.append((time.perf_counter() - began) * 1000)
            new_cpu.append((time.process_time() - cpu) * 1000)
        with db.session() as session:
            began, cpu = time.perf_counter(), time.process_time()
            old.review_queue(session, limit=50)
            old_ms.append((time.perf_counter() - began) * 1000)
            old_cpu.append((time.process_time() - cpu) * 1000)
    print(f"  queue: {page.total_listens:,} listens in {page.total_groups:,} groups")
    return {
        "queue_page_ms": new_ms,
        "review_queue_cli_ms": cli_ms,
        "review_queue_cli_cpu_ms": cli_cpu,
        "queue_page_cpu_ms": new_cpu,
        "old_review_queue_ms": old_ms,
        "old_review_queue_cpu_ms": old_cpu,
    }


def bench_accept(db: Database, runs: int) -> dict[str, list[float]]:
    from sqlalchemy import func, select

    from analyzer import review
    from analyzer.review_queue import load_group, queue_page
    from models.listens import Listen

    with db.session() as session:
        page = queue_page(session, limit=100)
        group = next(g for g in page.groups if g.listens == 500)
        detail = load_group(session, group.key)
    ids, track = detail.listen_ids, detail.candidates[0].track_id
    timings: list[float] = []
    cpu_ms: list[float] = []
    for _ in range(runs):
        began, cpu = time.perf_counter(), time.process_time()
        with db.session() as session:
            decision = review.accept_listens(session, ids, track, reviewer="bench")
        timings.append((time.perf_counter() - began) * 1000)
        cpu_ms.append((time.process_time() - cpu) * 1000)
        assert len(decision.listen_ids) == 500, decision.skipped
        with db.session() as session:
            review.undo(session)
            left = session.scalar(select(func.count()).where(Listen.id.in_(ids), Listen.track_id.is_(None)))
            assert left == 500
    return {"accept_500_ms": timings, "accept_500_cpu_ms": cpu_ms}


def _settle(app: Any, screen: Any, state: Any) -> None:
    """Until every decision is written and every read is in (writes start just after the paint)."""
    while screen.controller.busy_writing or state.jobs.busy():
        state.jobs.wait_idle(60000)
        app.processEvents()
        time.sleep(0.005)


def bench_screen(db: Database, runs: int, work: Path) -> dict[str, list[float]]:
    from PySide6.QtWidgets import QApplication

    from app.gui.main import share_the_interpreter
    from app.gui.review.screen import ReviewScreen
    from app.gui.state import AppState

    share_the_interpreter()  # the window's process is set up so (GIL hand-over, collector thresholds)
    app = QApplication.instance() or QApplication([])
    opens: list[float] = []
    opens_cpu: list[float] = []  # every thread of the process (the queue is read in a worker)
    keys: list[float] = []
    keys_cpu: list[float] = []
    grabs: list[float] = []
    for run in range(runs):
        state = AppState.for_tests(db, work / f"settings-{run}")
        began, cpu = time.perf_counter(), time.process_time()
        screen = ReviewScreen(state)
        screen.resize(1200, 760)
        screen.show()
        screen.activated()
        while screen.controller.current is None:
            app.processEvents()
            time.sleep(0.001)
        app.processEvents()
        screen.grab()
        opens.append((time.perf_counter() - began) * 1000)
        opens_cpu.append((time.process_time() - cpu) * 1000)
        _settle(app, screen, state)  # read-ahead done, as after a person's first look at the group
        for _ in range(5):
            shown = screen.controller.current
            began, cpu = time.perf_counter(), time.thread_time()
            screen.press_key("2")
            app.processEvents()  # the window paints what changed (offscreen backing store)
            keys.append((time.perf_counter() - began) * 1000)
            keys_cpu.append((time.thread_time() - cpu) * 1000)
            screen.grab()  # and a full render of the whole screen on top, as an upper bound
            grabs.append((time.perf_counter() - began) * 1000)
            assert screen.controller.current is not shown
            _settle(app, screen, state)  # the write and the next read-ahead, while a person reads
        for _ in range(5):
            screen.controller.undo()
            _settle(app, screen, state)
        screen.close()
        app.processEvents()
    return {
        "screen_open_ms": opens,
        "screen_open_cpu_ms": opens_cpu,
        "key_to_paint_ms": keys,
        "key_to_paint_main_thread_cpu_ms": keys_cpu,
        "key_to_full_grab_ms": grabs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/review-bench"))
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--screenshots", type=Path, help="render the Review screen's faces into this folder")
    args = parser.parse_args()
    if args.screenshots is not None:
        args.screenshots.mkdir(parents=True, exist_ok=True)
        render_screenshots(args.work / "demo", args.screenshots)
        return 0
    ready = prepare(args.work)
    if args.prepare_only:
        return 0
    db = open_database(f"sqlite:///{ready}", SchemaConfig())
    results: dict[str, list[float]] = {}
    results.update(bench_queue(db, args.runs))
    results.update(bench_accept(db, args.runs))
    results.update(bench_screen(db, args.runs, args.work))
    for name, values in results.items():
        print(f"  {name}: {_range(values)}")
    ratio = [
        old / new for old, new in zip(results["old_review_queue_ms"], results["queue_page_ms"], strict=True)
    ]
    print(f"  old/new queue: {min(ratio):.1f}-{max(ratio):.1f}x")
    print(json.dumps({name: [round(v, 1) for v in values] for name, values in results.items()}))
    db.dispose()
    return 0


DEMO_LIBRARY = (  # (artist, album, title, file name) scanned into the demo copy beside its soundtrack files
    ("Air", "Moon Safari", "Sexy Boy", "02 Sexy Boy.flac"),
    ("Air", "Moon Safari", "Kelly Watch the Stars", "04 Kelly Watch the Stars.mp3"),
    ("Air", "Premiers Symptômes", "Sexy Boy", "01 Sexy Boy.ogg"),
    ("Björk", "Homogenic", "Jóga", "02 Jóga.flac"),
    ("Björk", "Homogenic", "Bachelorette", "06 Bachelorette.m4a"),
    ("Daft Punk", "Discovery", "One More Time", "01 One More Time.flac"),
    ("Daft Punk", "Discovery", "Digital Love", "03 Digital Love.mp3"),
    ("Massive Attack", "Mezzanine", "Teardrop", "03 Teardrop.flac"),
    ("Massive Attack", "Mezzanine", "Angel", "01 Angel.flac"),
    ("Portishead", "Dummy", "Roads", "09 Roads.mp3"),
    ("Portishead", "Dummy", "Glory Box", "11 Glory Box.flac"),
)
DEMO_LISTENS = (  # (artist, title, release, listens, reported length in seconds)
    ("Bjork", "Joga (Live)", "Homogenic Live", 14, 248),
    ("Air", "Sexy Boy", None, 16, 232),  # on two albums of the library: close rivals
    ("Massive Attack", "Teardrop (Mad Professor Remix)", "No Protection", 6, 380),
    ("Portishead", "Roads (Live at Roseland NYC)", "Roseland NYC Live", 5, 300),
    ("Boards of Canada", "Roygbiv", "Music Has the Right to Children", 4, 151),
    ("Massive Atack", "Angel", "Mezzanine", 3, 231),  # a misspelt artist: linked by the fuzzy stage
    ("Daft Punk", "Digital Love", "Discovery", 3, 253),  # 23 s longer: linked, but below green
    ("Air", "Kelly Watch The Stars (Moby Remix)", None, 2, 260),
)


def make_demo(work: Path) -> Path:
    """A copy of /tmp/demo2.db with a few more scanned tracks and a listening history imported and matched
    through the core: the database the Review screen's screenshots are rendered on."""
    import tempfile

    from analyzer.matching import enrich_listens
    from analyzer.scan import scan_folders
    from models.progress import run_to_end
    from models.users import User
    from scrobbler.ingest import ingest
    from scrobbler.records import ListenRecord
    from tests.scan_audio import make_templates, place

    work.mkdir(parents=True, exist_ok=True)
    target = work / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile("/tmp/demo2.db", target)
    db = open_database(f"sqlite:///{target}", SchemaConfig())
    music = work / "music"
    shutil.rmtree(music, ignore_errors=True)
    templates = make_templates(Path(tempfile.mkdtemp(prefix="review-demo-")), duration=230)
    for artist, album, title, name in DEMO_LIBRARY:
        place(templates, music / artist / album / name, artist=artist, albumartist=artist, album=album,
              title=title)  # fmt: skip
    run_to_end(scan_folders(db, [music]))
    with db.session() as session:
        from sqlalchemy import select

        user_id = session.scalar(select(User.id))
        if user_id is None:
            user = User(username="demo")
            session.add(user)
            session.flush()
            user_id = user.id
    at = datetime(2024, 2, 3, 19, 0, tzinfo=UTC)
    records = []
    for artist, title, release, count, length in DEMO_LISTENS:
        for number in range(count):
            at += timedelta(hours=7, minutes=13 * number)
            records.append(
                ListenRecord(
                    listened_at=at,
                    artist_name=artist,
                    track_name=title,
                    source="demo",
                    release_name=release,
                    duration_secs=float(length),
                )  # fmt: skip
            )
    run_to_end(ingest(db, records, user_id))
    run_to_end(enrich_listens(db, retry=True))
    db.dispose()
    return target


def render_screenshots(work: Path, folder: Path) -> None:
    """The Review screen's faces (queue with a group, key sheet, suspicious links, aliases) on the demo,
    rendered as ``tonearm-gui --screenshots`` does, into ``folder``."""
    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from analyzer import review
    from analyzer.review_queue import load_group, queue_page
    from app.gui import main as gui_main
    from app.gui.appearance import APPEARANCE_KEY, apply_appearance
    from app.gui.jobs import JobRunner
    from app.gui.review import ReviewScreen
    from app.gui.screens import screen_classes
    from app.gui.state import AppState, open_initialized
    from app.gui.window import MainWindow

    demo = make_demo(work)
    db = open_initialized(f"sqlite:///{demo}")
    with db.session() as session:  # one decision first, so the Aliases face has something learned
        group = next(g for g in queue_page(session).groups if g.track_name.startswith("Roads"))
        detail = load_group(session, group.key, listen_ids=group.listen_ids)
        review.accept_listens(session, detail.listen_ids, detail.candidates[0].track_id, reviewer="ada")
    app = QApplication.instance() or QApplication([])
    for scheme in ("light", "dark"):
        settings = QSettings(str(Path(tempfile.mkdtemp()) / "tonearm.ini"), QSettings.Format.IniFormat)
        settings.setValue(APPEARANCE_KEY, scheme)
        apply_appearance(settings)
        state = AppState(db, JobRunner(), settings)
        screens = screen_classes()
        if not any(getattr(screen, "object_name", None) == "review" for screen in screens):
            screens.append(ReviewScreen)
        window = MainWindow(state, screens, start_screen="review")
        window.remember = False
        out = Path(tempfile.mkdtemp(prefix=f"review-shots-{scheme}-"))
        gui_main._render_screenshots(window, state, out)
        for image in out.glob("review*.png"):
            name = image.name if scheme == "light" else image.name.replace("review", "review-dark", 1)
            shutil.copyfile(image, folder / name)
        app.processEvents()
    db.dispose()


if __name__ == "__main__":
    sys.exit(main())
