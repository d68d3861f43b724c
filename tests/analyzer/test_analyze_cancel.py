"""A cancelled analysis returns its summary: what it counted is committed, the rest stays pending, the
similarity index holds what was committed, and the next run finishes the job (real generated audio)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from analyzer.analysis import analyze_library, run_analysis
from analyzer.scan import run_scan
from analyzer.similarity import index_path, load_index
from models.engine import Database
from models.media import AudioFeatures, MediaFile
from models.progress import CancelToken
from tests.audio_signals import make_library

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("analyze-cancel-audio"))


def statuses(db: Database) -> Counter[str]:
    with db.session() as s:
        return Counter(str(status) for status in s.scalars(select(MediaFile.analysis_status)))


def test_cancel_midway_keeps_the_committed_files_and_returns_the_summary(
    sqlite_db: Database, generated: Path, tmp_path: Path
) -> None:
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    run_scan(sqlite_db, [root], workers=1)
    token = CancelToken()
    events = analyze_library(sqlite_db, cancel=token, workers=1, batch=50)
    stages = []
    while True:
        try:
            event = next(events)
        except StopIteration as stop:
            summary = stop.value
            break
        stages.append(event.stage)
        if event.stage == "analyze" and event.done == 2:
            token.cancel()
    assert summary.cancelled and summary.pending == 6
    assert (summary.analyzed, summary.errors) == (
        2,
        0,
    )  # cancelled before the batch of 50 filled: still written
    assert statuses(sqlite_db) == Counter({"done": 2, "pending": 4})
    with sqlite_db.session() as s:
        assert len(s.scalars(select(AudioFeatures.media_file_id)).all()) == 2
    index = load_index(index_path(sqlite_db))
    assert index is not None and index.size == 2  # the index took in what was committed
    assert stages[-1] == "index"

    rest = run_analysis(sqlite_db, workers=1)
    assert not rest.cancelled and (rest.pending, rest.analyzed) == (4, 4)
    assert statuses(sqlite_db) == Counter({"done": 6})
    index = load_index(index_path(sqlite_db))
    assert index is not None and index.size == 6


def test_cancel_before_the_first_file_writes_nothing(
    sqlite_db: Database, generated: Path, tmp_path: Path
) -> None:
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    run_scan(sqlite_db, [root], workers=1)
    token = CancelToken()
    token.cancel()
    summary = run_analysis(sqlite_db, cancel=token, workers=1)
    assert summary.cancelled and (summary.pending, summary.analyzed, summary.errors) == (6, 0, 0)
    assert statuses(sqlite_db) == Counter({"pending": 6})


def test_ctrl_c_to_tonearm_analyze_stops_it_without_failing_a_file(generated: Path, tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group, the analysis workers too: they must leave it to the parent,
    or the files they were decoding would be recorded as crashed."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import threading

    root = tmp_path / "music"
    shutil.copytree(generated, root)
    database = tmp_path / "cli.db"
    cli = [sys.executable, "-m", "app.cli", "--database-url", f"sqlite:///{database}"]
    assert subprocess.run([*cli, "scan", "--json", str(root)], capture_output=True).returncode == 0
    # stderr on a pseudo-terminal, so the command draws its progress bar ("1/6" once a file is analysed):
    # the interrupt then comes mid-run whatever the machine's speed.
    import pty
    import re

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*cli, "analyze", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
        start_new_session=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    os.close(follower)

    def done() -> int:
        with sqlite3.connect(database) as peek:
            query = "SELECT count(*) FROM media_files WHERE analysis_status != 'pending'"
            return int(peek.execute(query).fetchone()[0])

    chunks: list[str] = []
    started = threading.Event()

    def read_stderr() -> None:
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # the command ended: the terminal is gone
                return
            if not data:
                return
            chunks.append(data.decode("utf-8", "replace"))
            if re.search(r"\b[1-5]/6\b", "".join(chunks)):
                started.set()  # at least one file analysed, and not all of them

    reader = threading.Thread(target=read_stderr)
    reader.start()
    assert started.wait(120), "".join(chunks)
    os.killpg(process.pid, signal.SIGINT)
    assert process.stdout is not None
    out = process.stdout.read()
    process.wait(timeout=120)
    reader.join(timeout=10)
    os.close(leader)
    err = re.sub(r"\s+", " ", re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", "".join(chunks)))
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err and "Traceback" not in out
    stopped = re.search(r"analysis stopped: (\d+) of 6 files done, run analyze again to continue", err)
    assert stopped, err
    analyzed = int(stopped.group(1))
    assert 0 < analyzed < 6 and "0 errors" in out, out
    assert done() == analyzed
