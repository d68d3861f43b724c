"""A cancelled analysis returns its summary: what it counted is committed, the rest stays pending, the
similarity index holds what was committed, and the next run finishes the job (real generated audio)."""

from __future__ import annotations

import json
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
    process = subprocess.Popen(
        [*cli, "analyze", "--json", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )

    def done() -> int:
        with sqlite3.connect(database) as peek:
            query = "SELECT count(*) FROM media_files WHERE analysis_status != 'pending'"
            return int(peek.execute(query).fetchone()[0])

    lines: list[str] = []
    started = threading.Event()

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            started.set()  # Essentia's first log line: a worker is decoding its first file

    reader = threading.Thread(target=read_stderr)
    reader.start()
    assert started.wait(120)
    os.killpg(process.pid, signal.SIGINT)
    assert process.stdout is not None
    out = process.stdout.read()
    process.wait(timeout=120)
    reader.join()
    err = "".join(lines)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert out, err
    summary = json.loads(out)
    assert summary["cancelled"] is True and summary["errors"] == 0 and 0 < summary["analyzed"] < 6
    assert f"analysis stopped: {summary['analyzed']:,} of 6 files done, run analyze again to continue" in err
    assert done() == summary["analyzed"]
