"""Kill-safety of analysis (issue 18): results are committed about every second, so a kill loses about a
second of work; a plain ``kill`` (SIGTERM) of ``tonearm analyze`` stops it like Ctrl-C; after SIGTERM or
``kill -9`` no worker process of it survives, and the next run resumes from what was written."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.analysis import analyze_library
from analyzer.analysis.runner import BATCH_FILES, BATCH_SECONDS
from analyzer.scan import run_scan
from models.engine import Database
from tests.audio_signals import make_library

psutil = pytest.importorskip("psutil")
pytestmark = [
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's"),
    pytest.mark.timeout(600),
]
COPIES = 3


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("kill-audio"))


def committed(database: Path) -> int:
    with sqlite3.connect(database) as peek:
        query = "SELECT count(*) FROM media_files WHERE analysis_status != 'pending'"
        return int(peek.execute(query).fetchone()[0])


def test_results_are_committed_by_time_long_before_a_batch_fills(
    sqlite_db: Database, generated: Path, tmp_path: Path
) -> None:
    assert BATCH_SECONDS <= 1.0 and BATCH_FILES >= 50
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    run_scan(sqlite_db, [root], workers=1)
    events = analyze_library(sqlite_db, workers=1, batch=BATCH_FILES, batch_seconds=0.2)
    seen = []
    for event in events:
        if event.stage == "analyze" and event.done == 3:
            # The run is suspended here, as a killed one would be: what is on disk is what a kill keeps.
            seen.append(committed(Path(sqlite_db.url.database or "")))
            break
    events.close()
    assert seen and seen[0] >= 2, seen  # a 0.2 s clock commits the files long before 50 are done


@pytest.fixture
def running_analysis(
    generated: Path, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], Path, list[str]]]:
    root = tmp_path / "music"
    for copy in range(COPIES):
        shutil.copytree(generated, root / f"copy{copy}")
    database = tmp_path / "cli.db"
    cli = [sys.executable, "-m", "app.cli", "--database-url", f"sqlite:///{database}"]
    assert subprocess.run([*cli, "scan", "--json", str(root)], capture_output=True).returncode == 0
    process = subprocess.Popen(
        [*cli, "analyze", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while committed(database) == 0:  # mid-run: some files written, more in the workers' hands
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no file was committed"
            time.sleep(0.05)
        yield process, database, cli
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def workers_of(pid: int) -> list[psutil.Process]:
    children = psutil.Process(pid).children(recursive=True)
    assert children, "the analysis pool has no worker processes"
    return children


def assert_all_gone(processes: list[psutil.Process], within: float) -> None:
    _, alive = psutil.wait_procs(processes, timeout=within)
    survivors = [f"{p.pid} {p.cmdline()}" for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    assert not survivors, survivors


def test_sigterm_stops_like_ctrl_c_commits_and_leaves_no_worker(
    running_analysis: tuple[subprocess.Popen[str], Path, list[str]],
) -> None:
    process, database, _ = running_analysis
    workers = workers_of(process.pid)
    os.kill(process.pid, signal.SIGTERM)  # the command only, as `kill PID` does
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "analysis stopped:" in err, err
    assert_all_gone(workers, within=10)
    done = committed(database)
    assert 0 < done < 6 * COPIES  # some written, not all
    assert f"{done} of {6 * COPIES} files done" in " ".join(err.split())


def test_kill_9_leaves_no_worker_and_the_next_run_resumes(
    running_analysis: tuple[subprocess.Popen[str], Path, list[str]],
) -> None:
    process, database, cli = running_analysis
    workers = workers_of(process.pid)
    before = committed(database)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert_all_gone(workers, within=10)
    kept = committed(database)
    assert kept >= before > 0
    rest = subprocess.run([*cli, "analyze", "--json", "--workers", "2"], capture_output=True, text=True)
    assert rest.returncode == 0, rest.stderr
    summary = json.loads(rest.stdout)
    assert summary["pending"] == 6 * COPIES - kept and summary["analyzed"] == 6 * COPIES - kept
    assert committed(database) == 6 * COPIES
