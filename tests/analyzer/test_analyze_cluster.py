"""Analysis on a Dask cluster (a LocalCluster of 2 worker processes) against a local run on the same real
audio: the same results; a worker killed mid-run loses and doubles nothing; a file that kills its workers
is recorded as crashed; a path map is applied; a worker with another analyzer, or without Essentia, is
refused; a scheduler that goes away ends the run with what was committed."""

from __future__ import annotations

import os
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from analyzer.analysis import analyze_library, run_analysis
from analyzer.analysis.cluster import AnalysisCluster, ClusterError, connect_cluster
from analyzer.analysis.path_map import PathMap
from analyzer.scan import run_scan
from analyzer.scan.folders import add_folder, map_folder
from models.bootstrap import init_database
from models.engine import Database, open_database
from models.media import AudioFeatures, Fingerprint, MediaFile
from models.schemas import SchemaConfig
from tests.analyzer import cluster_fixtures as remote
from tests.audio_signals import garbled_mp3, make_library

distributed = pytest.importorskip("distributed")
pytestmark = [
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures"),
    pytest.mark.timeout(600),
]

Rows = dict[str, tuple[str | None, str | None, bytes | None, str]]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_library(tmp_path_factory.mktemp("cluster-audio"))
    garbled_mp3(root / "third.mp3", root / "broken.mp3")
    return root


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[str]:
    """Two single-threaded worker processes (as `dask worker --nthreads 1` on two machines)."""
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


@pytest.fixture
def cluster(local_cluster: str) -> Iterator[AnalysisCluster]:
    connected = connect_cluster(local_cluster, PathMap())
    connected.client.wait_for_workers(2, timeout=60)  # a worker killed by the test before is back
    try:
        yield connected
    finally:
        connected.close()


def stored(db: Database) -> Rows:
    """Per file name: audio hash, fingerprint, feature vector, status."""
    with db.session() as s:
        rows = s.execute(
            select(MediaFile.file_path, MediaFile.audio_hash, Fingerprint.chromaprint, AudioFeatures.vector,
                   MediaFile.analysis_status)
            .outerjoin(Fingerprint, Fingerprint.media_file_id == MediaFile.id)
            .outerjoin(AudioFeatures, AudioFeatures.media_file_id == MediaFile.id)
        ).tuples()  # fmt: skip
        return {Path(p).name: (h, fp, vec, str(st)) for p, h, fp, vec, st in rows}


@pytest.fixture(scope="module")
def local_result(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Rows:
    """The reference: the same files analysed by the local process pool."""
    folder = tmp_path_factory.mktemp("local-run")
    root = folder / "music"
    shutil.copytree(generated, root)
    db = open_database(f"sqlite:///{folder / 'local.db'}", SchemaConfig())
    init_database(db)
    try:
        run_scan(db, [root], workers=1)
        summary = run_analysis(db, workers=2)
        assert (summary.analyzed, summary.errors) == (6, 1)
        return stored(db)
    finally:
        db.dispose()


def scanned(db: Database, generated: Path, tmp_path: Path) -> Path:
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    run_scan(db, [root], workers=1)
    return root


def assert_same_as_local(db: Database, local_result: Rows) -> None:
    remote_rows = stored(db)
    assert set(remote_rows) == set(local_result)
    for name, (audio_hash, chromaprint, vector, status) in local_result.items():
        got = remote_rows[name]
        assert (got[0], got[1], got[3]) == (audio_hash, chromaprint, status), name
        if vector is None:
            assert got[2] is None, name
        else:
            assert got[2] is not None, name
            np.testing.assert_allclose(
                np.frombuffer(got[2], "<f4"), np.frombuffer(vector, "<f4"), rtol=1e-5, atol=1e-6
            )


def test_cluster_results_are_those_of_a_local_run(
    db: Database, generated: Path, tmp_path: Path, cluster: AnalysisCluster, local_result: Rows
) -> None:
    scanned(db, generated, tmp_path)
    events = analyze_library(db, cluster=cluster)
    progress = []
    while True:
        try:
            progress.append(next(events))
        except StopIteration as stop:
            summary = stop.value
            break
    assert (summary.pending, summary.analyzed, summary.errors) == (7, 6, 1)
    assert summary.error_kinds == {"corrupt": 1}  # a bad file is still "corrupt" on a worker
    assert summary.workers == 2 and summary.dashboard and summary.dashboard.startswith("http")
    analyzing = [event for event in progress if event.stage == "analyze"]
    assert [event.done for event in analyzing] == list(range(8)) and analyzing[-1].total == 7
    assert "2 cluster workers" in analyzing[0].message and summary.dashboard in analyzing[0].message
    assert analyzing[-1].counts["workers"] == 2
    assert_same_as_local(db, local_result)


def test_a_worker_killed_mid_run_loses_nothing_and_doubles_nothing(
    sqlite_db: Database, generated: Path, tmp_path: Path, cluster: AnalysisCluster, local_result: Rows
) -> None:
    scanned(sqlite_db, generated, tmp_path)
    cluster.analyze = remote.Slowed(cluster.analyze, 1.0)  # type: ignore[assignment]
    pids = cluster.client.run(remote.worker_pid)
    events = analyze_library(sqlite_db, cluster=cluster)
    done_ids: list[int] = []
    killed = False
    while True:
        try:
            event = next(events)
        except StopIteration as stop:
            summary = stop.value
            break
        if event.stage == "analyze" and event.done == 1 and not killed:
            # Both workers are inside a file now (each sleeps 1 s before analysing): kill one.
            os.kill(next(iter(pids.values())), signal.SIGKILL)
            killed = True
    assert killed
    done_ids = summary.analyzed_ids + [p.media_file_id for p in summary.problems]
    assert len(done_ids) == len(set(done_ids)) == 7
    assert (summary.analyzed, summary.errors, summary.error_kinds) == (6, 1, {"corrupt": 1})
    assert_same_as_local(sqlite_db, local_result)


def test_a_file_that_kills_workers_is_recorded_as_crashed(
    sqlite_db: Database, generated: Path, tmp_path: Path, cluster: AnalysisCluster
) -> None:
    scanned(sqlite_db, generated, tmp_path)
    cluster.analyze = remote.CrashesOn(cluster.analyze, "other.flac")  # type: ignore[assignment]
    summary = run_analysis(sqlite_db, cluster=cluster)
    assert (summary.analyzed, summary.errors) == (5, 2)
    assert summary.error_kinds == {"corrupt": 1, "crashed": 1}
    crashed = [p for p in summary.problems if p.kind == "crashed"]
    assert crashed[0].path.endswith("other.flac") and "worker process died" in crashed[0].reason
    assert stored(sqlite_db)["other.flac"][3] == "error"


def test_the_path_map_is_applied_and_an_unreachable_file_stays_pending(
    sqlite_db: Database, generated: Path, tmp_path: Path, local_cluster: str, local_result: Rows
) -> None:
    """The library is scanned at one path; the workers see it only under another (the local path is gone)."""
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    with sqlite_db.session() as s:
        add_folder(s, root)
    run_scan(sqlite_db, [root], workers=1)
    mount = tmp_path / "mnt" / "music"
    mount.parent.mkdir()
    root.rename(mount)

    wrong = connect_cluster(local_cluster, PathMap())
    try:
        summary = run_analysis(sqlite_db, cluster=wrong)
    finally:
        wrong.close()
    assert (summary.analyzed, summary.unstored, summary.error_kinds) == (0, 7, {"unreachable": 7})
    reason = summary.problems[0].reason
    assert "cannot open" in reason and "No such file" in reason and "path map" in reason
    assert {status for *_, status in stored(sqlite_db).values()} == {"pending"}  # nothing written

    with sqlite_db.session() as s:
        map_folder(s, str(root), str(mount))
    from analyzer.analysis.path_map import library_path_map

    with sqlite_db.session() as s:
        path_map = library_path_map(s)
    mapped = connect_cluster(local_cluster, path_map)
    try:
        summary = run_analysis(sqlite_db, cluster=mapped)
    finally:
        mapped.close()
    assert (summary.analyzed, summary.errors, summary.unstored) == (6, 1, 0)
    assert_same_as_local(sqlite_db, local_result)


def test_a_worker_with_another_analyzer_or_without_essentia_is_refused(local_cluster: str) -> None:
    connected = connect_cluster(local_cluster, PathMap())
    client = connected.client
    first, second = sorted(client.scheduler_info()["workers"])
    try:
        old = client.run(remote.set_extractor_version, 99, workers=[first])[first]
        with pytest.raises(ClusterError) as refused:
            connect_cluster(local_cluster, PathMap())
        message = str(refused.value)
        assert "1 of 2 workers refused" in message and first in message and second not in message
        assert "version 99" in message and "nothing was analysed" in message
        client.run(remote.set_extractor_version, old, workers=[first])

        client.run(remote.hide_essentia, workers=[second])
        with pytest.raises(ClusterError, match="Essentia cannot be loaded") as refused:
            connect_cluster(local_cluster, PathMap())
        assert second in str(refused.value) and first not in str(refused.value)
    finally:
        client.run(remote.restore_essentia)
        connected.close()
    connect_cluster(local_cluster, PathMap()).close()  # both accepted again


def test_no_scheduler_is_a_clear_error() -> None:
    with pytest.raises(ClusterError, match=r"no Dask scheduler answers at tcp://127\.0\.0\.1:9"):
        connect_cluster("tcp://127.0.0.1:9", PathMap(), timeout=2)


def test_the_scheduler_gone_ends_the_run_with_what_was_committed(
    sqlite_db: Database, generated: Path, tmp_path: Path
) -> None:
    root = scanned(sqlite_db, generated, tmp_path)
    assert root.exists()
    doomed = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    connected = connect_cluster(doomed.scheduler_address, PathMap())
    connected.analyze = remote.Slowed(connected.analyze, 0.5)  # type: ignore[assignment]
    events = analyze_library(sqlite_db, cluster=connected, batch_seconds=0.0)
    try:
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                summary = stop.value
                break
            if event.stage == "analyze" and event.done == 2:
                threading.Thread(target=doomed.close).start()
    finally:
        connected.close()
        doomed.close()
    assert summary.cancelled and summary.stopped_by
    written = summary.analyzed + summary.errors
    assert 2 <= written < 7
    statuses = [status for *_, status in stored(sqlite_db).values()]
    assert statuses.count("pending") == 7 - written  # nothing half-written: the rest waits for a rerun
