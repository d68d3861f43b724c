"""Issue 18: every job runs beside the scrobble server. While a client scrobbles 50 requests a second (single
scrobbles, and every 25th request a 500-listen import, as players flushing an offline backlog send), a scan
of real audio, its analysis, a file import and enrich run as real ``tonearm`` processes on the same database,
on SQLite and on MariaDB. Every job finishes and every scrobble is stored exactly once.

Before the write discipline (models/unit_of_work.py) enrich and the first scan failed here on SQLite with
"database is locked".
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.bootstrap import init_database
from models.engine import Database
from tests.concurrency_scenario import (
    LANE_JOBS,
    REPO,
    JobRun,
    Scrobbler,
    ServerProcess,
    api_listens,
    cli_env,
    make_history,
    make_music,
    make_user_and_token,
    percentile,
    run_lanes,
)
from tests.conftest import open_layout

pytestmark = [
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio"),
    pytest.mark.timeout(900),  # five jobs and a server: 2-5 minutes on a busy 2-core machine
]

ANALYSED = 150  # scanned and analysed (0.5 s each)
SCANNED = 1500  # then a first scan of more files: two batches and a part
HISTORY = 25_000  # two import batches
RATE = 50.0


@pytest.fixture(params=["sqlite", "mariadb"])
def engine_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "mariadb":
        request.applymarker(pytest.mark.mariadb)
    database = open_layout(request.param, tmp_path, request)
    init_database(database)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("concurrency")
    return make_music(folder, ANALYSED, 0.5), make_music(folder, SCANNED, 0.1, first=ANALYSED)


def _finished(run: JobRun) -> str:
    return f"{run.name} exited {run.returncode} after {run.seconds:.1f} s: {run.stderr[-1500:]}"


def test_jobs_beside_a_scrobbling_client_all_finish_and_every_scrobble_is_stored_once(
    engine_db: Database, music: tuple[Path, Path], tmp_path: Path
) -> None:
    history = make_history(tmp_path / "history.jsonl", HISTORY)
    token = make_user_and_token(engine_db, "alice")
    server = ServerProcess(engine_db)
    try:
        client = Scrobbler(server.port, token, RATE).begin()
        started = time.monotonic()
        try:
            runs = run_lanes(engine_db, *music, history, "alice")
        finally:
            busy = time.monotonic() - started
            log = client.stop()
    finally:
        code, server_err = server.stop()
    assert code in (0, 130) and "Traceback" not in server_err, server_err[-3000:]

    assert [run.name for run in runs] == list(LANE_JOBS), [_finished(r) for r in runs]
    for run in runs:
        assert run.returncode == 0, _finished(run)
        assert "database is locked" not in run.stderr and "Traceback" not in run.stderr, _finished(run)
    scan, analyze, first_scan, imported, enrich = (run.summary for run in runs)
    assert scan["added"] == ANALYSED and scan["errors"] == 0 and not scan["cancelled"], scan
    assert analyze["analyzed"] == ANALYSED and not analyze["cancelled"], analyze
    assert first_scan["added"] == SCANNED and first_scan["errors"] == 0, first_scan
    assert imported["imported"] == HISTORY, imported
    assert not enrich["cancelled"] and enrich["selected"] >= HISTORY, enrich

    assert log.failures == [], log.failures[:5]
    # The client kept (most of) its rate through the jobs: they really ran beside a busy server.
    assert log.requests >= 0.5 * RATE * busy, f"{log.requests} requests in {busy:.1f} s"
    stored, distinct = api_listens(engine_db, "alice")
    assert (stored, distinct) == (log.sent_listens, log.sent_listens)

    check = subprocess.run(
        [sys.executable, "-m", "app.cli", "db", "check"],
        capture_output=True,
        text=True,
        env=cli_env(engine_db),
        cwd=REPO,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    print(
        f"\n{engine_db.dialect}: {log.requests} requests ({log.sent_listens} listens); single p50 "
        f"{percentile(log.single_latencies, 0.5) * 1000:.0f} ms p99 "
        f"{percentile(log.single_latencies, 0.99) * 1000:.0f} ms; import p50 "
        f"{percentile(log.import_latencies, 0.5) * 1000:.0f} ms p99 "
        f"{percentile(log.import_latencies, 0.99) * 1000:.0f} ms; jobs "
        + ", ".join(f"{run.name} {run.seconds:.1f} s" for run in runs)
    )
