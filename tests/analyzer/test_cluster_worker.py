"""A Dask worker's memory allocator, set back to a local pool worker's (issue 19: analysis on a cluster cost
20-30 % more CPU than in the local pool, all of it page faults from Dask's MALLOC_TRIM_THRESHOLD_).

Measured through page faults, which the kernel counts exactly: a 1 MiB buffer filled and freed again and
again faults its 256 pages every time when each one is a fresh mmap (Dask's setting), and about once when
freed memory is used again (a local worker, and a cluster worker once it has analysed a file)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from analyzer.analysis.cluster import WorkerAnalysis
from analyzer.analysis.path_map import PathMap
from analyzer.analysis.pool import analyze_one, process_pool
from analyzer.audio import EXTRACTOR_VERSION, FileAnalysis, analyze_file
from analyzer.audio.features import feature_vector
from tests.analyzer import cluster_worker_probe as probe
from tests.analyzer.test_audio_fingerprint import synth_music, write_wav
from tests.audio_signals import encode

distributed = pytest.importorskip("distributed")
pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is what is tuned"),
    pytest.mark.timeout(300),
]

TIMES = 40
PAGES = probe.BUFFER_BYTES // 4096
FRESH_EVERY_TIME = TIMES * PAGES // 2  # at least half the buffers faulted in page by page
REUSED = 4 * PAGES  # the first buffer or two, then none


@pytest.fixture(scope="module")
def track(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is needed to encode the track")
    folder = tmp_path_factory.mktemp("cluster-worker")
    return encode(write_wav(folder / "piece.wav", synth_music(20.0, seed=3, bpm=120)), folder / "piece.flac")


@pytest.fixture(scope="module")
def dask_worker() -> Iterator[distributed.Client]:
    """One worker process started by a nanny with Dask's defaults, as `dask worker --nthreads 1` is."""
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


def on_worker(client: distributed.Client, fn: object, *args: object) -> object:
    return client.submit(fn, *args, pure=False).result(timeout=120)


def test_a_cluster_worker_reuses_freed_buffers_once_it_has_analysed_a_file(
    dask_worker: distributed.Client, track: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The nanny gave its worker Dask's malloc setting (and leaked it into this process; a local pool started
    # from here must not inherit it, as `tonearm analyze` never runs a nanny).
    assert on_worker(dask_worker, probe.malloc_environment) == "65536"
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    local = process_pool(1)
    try:
        in_local_worker = local.submit(probe.reused_buffer_faults, TIMES).result(timeout=120)
    finally:
        local.shutdown()
    assert in_local_worker <= REUSED, in_local_worker

    before = on_worker(dask_worker, probe.reused_buffer_faults, TIMES)
    assert isinstance(before, int) and before >= FRESH_EVERY_TIME, before

    got = on_worker(dask_worker, analyze_one, str(track), WorkerAnalysis(PathMap(), EXTRACTOR_VERSION))
    after = on_worker(dask_worker, probe.reused_buffer_faults, TIMES)
    assert isinstance(after, int) and after <= REUSED, (before, after, in_local_worker)

    # ... and analyses as before: the same results as this process gives.
    assert isinstance(got, FileAnalysis)
    here = analyze_file(track)
    assert (got.audio_hash, got.fingerprint) == (here.audio_hash, here.fingerprint)
    assert got.features is not None and here.features is not None
    np.testing.assert_allclose(
        feature_vector(got.features), feature_vector(here.features), rtol=1e-5, atol=1e-6
    )


def test_tune_allocator_undoes_dasks_setting_and_is_done_once() -> None:
    """In a fresh process started with Dask's MALLOC_TRIM_THRESHOLD_: many faults, then few after the tune;
    a second call finds it done; Dask's values put back by hand bring the faults back (so the few faults
    come from the thresholds, not from the buffers having been touched before)."""
    script = textwrap.dedent(
        f"""
        from analyzer.analysis.cluster_worker import set_malloc_thresholds, tune_allocator
        from tests.analyzer.cluster_worker_probe import reused_buffer_faults
        dask = reused_buffer_faults({TIMES})
        first, second = tune_allocator(), tune_allocator()
        tuned = reused_buffer_faults({TIMES})
        set_malloc_thresholds(mmap=128 * 1024, trim=64 * 1024)
        print(dask, first, second, tuned, reused_buffer_faults({TIMES}))
        """
    )
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    dask, first, second, tuned, back = done.stdout.split()
    assert (first, second) == ("True", "True")
    assert int(dask) >= FRESH_EVERY_TIME and int(back) >= FRESH_EVERY_TIME, done.stdout
    assert int(tuned) <= REUSED, done.stdout
