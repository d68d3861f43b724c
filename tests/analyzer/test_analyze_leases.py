"""Several analyze runs on one library: leases split the pending files (a file is claimed by one run), two
runs at once on one MariaDB analyse every file exactly once, and a crashed run's leases expire."""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from analyzer.analysis import AnalysisSummary, run_analysis
from analyzer.analysis.leases import claim_jobs, release_leases, renew_leases, unclaimed_count
from analyzer.scan import run_scan
from models.bootstrap import init_database
from models.engine import Database, open_database
from models.leases import AnalysisLease
from models.media import MediaFile
from models.types import utcnow
from tests.analyzer.cluster_fixtures import Logged
from tests.audio_signals import garbled_mp3, make_library
from tests.conftest import open_layout

pytestmark = [
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures"),
    pytest.mark.timeout(600),  # a run that claims its own failed files again would never end
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("leases-audio"))


@pytest.fixture
def mariadb_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    request.applymarker(pytest.mark.mariadb)
    database = open_layout("mariadb", tmp_path, request)
    init_database(database)
    try:
        yield database
    finally:
        database.dispose()


def add_files(db: Database, count: int) -> list[int]:
    with db.session() as s:
        rows = [MediaFile(file_path=f"/music/{n:02}.flac", file_path_hash=f"{n:040}") for n in range(count)]
        s.add_all(rows)
        s.flush()
        return [row.id for row in rows]


def test_claims_never_overlap_expire_and_come_back_when_released(db: Database) -> None:
    ids = add_files(db, 10)
    with db.session() as s:
        first = claim_jobs(s, "run-a", 4)
    with db.session() as s:
        second = claim_jobs(s, "run-b", 4)
    assert [j.media_file_id for j in first] == ids[:4] and [j.media_file_id for j in second] == ids[4:8]
    assert first[0].path == "/music/00.flac"
    with db.session() as s:
        assert unclaimed_count(s) == 2
        assert [j.media_file_id for j in claim_jobs(s, "run-b", 4)] == ids[8:]
    with db.session() as s:
        assert claim_jobs(s, "run-c", 4) == []  # everything is held
    with db.session() as s:  # run-a crashed: once its leases expire, another run takes its files
        past = utcnow() - timedelta(seconds=1)
        s.execute(update(AnalysisLease).where(AnalysisLease.owner == "run-a").values(expires_at=past))
    with db.session() as s:
        assert [j.media_file_id for j in claim_jobs(s, "run-c", 10)] == ids[:4]
    with db.session() as s:
        assert renew_leases(s, "run-b") == 6
        release_leases(s, "run-b", ids[4:6])
    with db.session() as s:
        assert [j.media_file_id for j in claim_jobs(s, "run-d", 10)] == ids[4:6]
        release_leases(s, "run-c")
        owners = Counter(s.scalars(select(AnalysisLease.owner)))
    assert owners == {"run-b": 4, "run-d": 2}


def test_a_crashed_runs_leases_keep_its_files_until_they_expire(
    db: Database, generated: Path, tmp_path: Path
) -> None:
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    run_scan(db, [root], workers=1)
    with db.session() as s:
        held = [job.media_file_id for job in claim_jobs(s, "crashed-run", 2)]
    summary = run_analysis(db, workers=1, leases=True)
    assert (summary.pending, summary.analyzed) == (4, 4)
    with db.session() as s:
        pending = s.scalars(select(MediaFile.id).where(MediaFile.analysis_status == "pending")).all()
        assert sorted(pending) == sorted(held)
        s.execute(update(AnalysisLease).values(expires_at=utcnow() - timedelta(seconds=1)))
    rest = run_analysis(db, workers=1, leases=True)
    assert (rest.pending, rest.analyzed, sorted(rest.analyzed_ids)) == (2, 2, sorted(held))
    with db.session() as s:
        assert s.scalars(select(AnalysisLease.media_file_id)).all() == []  # nothing left behind


def test_two_runs_at_once_on_one_mariadb_analyse_every_file_exactly_once(
    mariadb_db: Database, generated: Path, tmp_path: Path
) -> None:
    root = tmp_path / "music"
    for copy in range(3):
        shutil.copytree(generated, root / f"copy{copy}")
    run_scan(mariadb_db, [root], workers=1)
    with mariadb_db.session() as s:
        all_ids = set(s.scalars(select(MediaFile.id)))
    assert len(all_ids) == 18
    log = tmp_path / "analysed.log"
    start = threading.Barrier(2)
    summaries: list[AnalysisSummary] = []
    failures: list[BaseException] = []

    def one_run() -> None:
        own = open_database(mariadb_db.url, mariadb_db.schemas)  # another program, its own connections
        try:
            start.wait()
            summaries.append(run_analysis(own, workers=2, analyze=Logged(str(log))))
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)
        finally:
            own.dispose()

    runs = [threading.Thread(target=one_run) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=600)
    assert not failures, failures
    analysed = Counter(log.read_text(encoding="utf-8").splitlines())
    assert len(analysed) == 18 and set(analysed.values()) == {1}  # every file, each exactly once
    first, second = (set(s.analyzed_ids) for s in summaries)
    assert first and second and not first & second  # both runs worked, on different files
    assert first | second == all_ids
    assert sum(s.pending for s in summaries) == 18
    with mariadb_db.session() as s:
        statuses = Counter(str(v) for v in s.scalars(select(MediaFile.analysis_status)))
        assert statuses == {"done": 18}
        assert s.scalars(select(AnalysisLease.media_file_id)).all() == []


def test_a_failed_file_is_taken_once_per_run_even_when_errors_are_retried(
    db: Database, generated: Path, tmp_path: Path
) -> None:
    """A file that fails stays claimable under --retry-errors: the run must not claim it again itself."""
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    garbled_mp3(root / "third.mp3", root / "broken.mp3")
    run_scan(db, [root], workers=1)
    first = run_analysis(db, workers=1, leases=True, retry_errors=True)
    assert (first.pending, first.analyzed, first.errors) == (7, 6, 1)
    again = run_analysis(db, workers=1, leases=True, retry_errors=True)
    assert (again.pending, again.analyzed, again.errors) == (1, 0, 1)
    with db.session() as s:
        assert s.scalars(select(AnalysisLease.media_file_id)).all() == []


def test_a_killed_run_on_this_machine_leaves_no_wait(db: Database, generated: Path, tmp_path: Path) -> None:
    """Its process is gone, so its leases are dropped at once; a live run's leases are kept."""
    import os
    import socket
    import subprocess
    import sys

    root = tmp_path / "music"
    shutil.copytree(generated, root)
    run_scan(db, [root], workers=1)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = socket.gethostname()[:40]
    with db.session() as s:
        dead = [job.media_file_id for job in claim_jobs(s, f"{host}:{gone.pid}:killed", 2)]
    with db.session() as s:
        live = [job.media_file_id for job in claim_jobs(s, f"{host}:{os.getpid()}:alive", 1)]
    summary = run_analysis(db, workers=1, leases=True)
    assert summary.analyzed == 5 and set(dead) <= set(summary.analyzed_ids)
    assert live[0] not in summary.analyzed_ids
    with db.session() as s:
        assert s.scalars(select(AnalysisLease.media_file_id)).all() == live
