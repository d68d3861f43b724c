"""Analysis on a Dask cluster against the local process pool (issue 19), on real music.

Three measurements, printed as markdown:

1. Speed-up on the same files and cores: the local 2-process pool, both as ``tonearm analyze --workers 2``
   runs it (pool started for the run: process start and each worker's first-call costs included) and warm
   (started once and kept), against a LocalCluster of 2 single-threaded worker processes (as ``dask worker
   --nthreads 1`` on this machine; connect + worker check included), alternating, several rounds. All go
   through ``analyze_in_pool``; only the executor differs. Ratio = cluster / local, same round, for wall
   and CPU seconds. The cluster runs twice a round: as ``tonearm analyze --cluster`` runs it (worker malloc
   thresholds tuned) and with Dask's own malloc settings left in its workers (before the fix; each on
   new, warmed workers). Workers' user/system CPU and page faults are shown apart.
2. Per-file overhead of the cluster: tasks that do no analysis but return a real result (a few KB, pickled
   across processes like a real one) through the same 2-worker cluster; the slot time each costs is the
   cluster's serialization + scheduling per file, compared with one 4-minute track's analysis.
3. A simulation of scale: a scheduler with 2, 8, 32 and 64 workers (in-process, one thread each) running a
   stand-in task that sleeps the measured per-file analysis time and returns a real result; throughput
   against the ideal workers / per-file time.

Real tagged Ogg music comes from Debian game packages (see bench_analysis.py):
    apt-get install -y wesnoth-1.16-music hyperrogue-music planetblupi-music-ogg

    .venv/bin/python -m bench.bench_cluster [--files 8] [--rounds 3] [--noop-files 400] [--scale 2,8,32,64]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from analyzer.analysis.pending import AnalysisJob
from analyzer.analysis.pool import analyze_in_pool, process_pool
from analyzer.audio import FileAnalysis, analyze_file
from bench.bench_analysis import _duration, _sources


@dataclass(frozen=True)
class Replay:
    """A stand-in analysis: wait ``seconds`` (0: none), then return a real result, as a worker would."""

    result: FileAnalysis
    seconds: float = 0.0

    def __call__(self, path: str) -> FileAnalysis:
        if self.seconds:
            time.sleep(self.seconds)
        return self.result


def song_like(count: int) -> list[Path]:
    """``count`` real tracks of 2.5-6 minutes (songs, not jingles or 25-minute suites)."""
    tracks = [p for p in _sources() if 150.0 <= _duration(p) <= 360.0]
    if len(tracks) < count:
        raise SystemExit(f"only {len(tracks)} song-length tracks found, {count} asked")
    step = len(tracks) // count
    return tracks[::step][:count]


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and every process under it, alive or ended (the pool's
    workers, the cluster's workers; LocalCluster's scheduler and nannies run in this process). On a machine
    shared with other jobs the wall time of a run says more about them than about the run; this does not."""
    own, user, system, _faults = usage()
    return own + user + system


def usage() -> tuple[float, float, float, int]:
    """So far: CPU seconds of this process (the client, plus LocalCluster's scheduler and nannies), user and
    system CPU seconds of its children (the pool's or the cluster's workers), alive or ended, and their
    minor page faults. Faults are counted exactly by the kernel, whatever else the machine runs; the system
    time each one costs is not (it grows with the load)."""
    import resource

    import psutil

    times = os.times()
    user, system = times.children_user, times.children_system
    faults = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    for child in psutil.Process().children(recursive=True):
        try:
            got = child.cpu_times()
            with open(f"/proc/{child.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (psutil.NoSuchProcess, FileNotFoundError, ProcessLookupError):
            continue
        user += got.user
        system += got.system
        faults += int(fields[7])  # minflt, field 10 of proc_pid_stat(5) (fields after the name start at 3)
    return times.user + times.system, user, system, faults


LAST_CPU: list[float] = [0.0]


def run_pool(jobs: list[AnalysisJob], **options: object) -> float:
    """Wall seconds of one run (its CPU seconds, all processes, land in ``LAST_CPU[0]``)."""
    cpu = cpu_seconds()
    start = time.perf_counter()
    outcomes = list(analyze_in_pool(jobs, **options))  # type: ignore[arg-type]
    wall = time.perf_counter() - start
    LAST_CPU[0] = cpu_seconds() - cpu
    assert len(outcomes) == len(jobs) and all(isinstance(o, FileAnalysis) for _, o in outcomes), outcomes
    return wall


class WarmPool(Executor):
    """The local analysis pool, started once and kept across rounds (its ``shutdown`` is a no-op until
    :meth:`close`): the steady state, as the cluster's long-lived workers are."""

    def __init__(self, workers: int, warm_with: Path) -> None:
        self.pool = process_pool(workers)
        list(self.pool.map(analyze_file, [str(warm_with)] * workers * 2))  # every worker's first-call costs

    def submit(self, fn, /, *args, **kwargs):
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return None

    def close(self) -> None:
        self.pool.shutdown(wait=True)


@dataclass
class Measured:
    """One run: wall seconds; CPU seconds of this process (client, plus LocalCluster's scheduler and
    nannies) and of the workers (user, system); the workers' minor page faults."""

    wall: float
    own: float
    user: float
    system: float
    faults: int

    @property
    def cpu(self) -> float:
        return self.own + self.user + self.system


def measured(run: Callable[[], object]) -> Measured:
    before = usage()
    start = time.perf_counter()
    run()
    wall = time.perf_counter() - start
    after = usage()
    own, user, system = (b - a for a, b in zip(before[:3], after[:3], strict=True))
    return Measured(wall, own, user, system, after[3] - before[3])


SPEED_UP_RUNS = ("local pool, started for the run", "local pool, warm", "cluster", "cluster, Dask's malloc")


@contextmanager
def warmed_cluster(warm_with: Path, *, tuned: bool) -> Iterator[str]:
    """A new LocalCluster of 2 single-threaded worker processes (as Dask starts them: its
    MALLOC_TRIM_THRESHOLD_ included), each warmed with two analyses as :class:`WarmPool` is: with the
    worker's malloc thresholds set as ``tonearm analyze --cluster`` sets them, or (``tuned=False``) left as
    Dask's. A process keeps its allocator's state, so each kind of run gets processes that never ran the
    other. (Restarting the workers of one cluster instead hung for 120 s in one run on the loaded machine.)"""
    from distributed import Client, LocalCluster

    from analyzer.analysis.cluster import WorkerAnalysis
    from analyzer.analysis.path_map import PathMap
    from analyzer.audio import EXTRACTOR_VERSION

    analysis = WorkerAnalysis(PathMap(), EXTRACTOR_VERSION, tune_allocator=tuned)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        client.wait_for_workers(2, timeout=120)
        warm = [
            client.submit(analysis, str(warm_with), workers=[worker], allow_other_workers=False, pure=False)
            for worker in client.scheduler_info()["workers"]
            for _ in range(2)
        ]
        client.gather(warm)
        yield str(cluster.scheduler_address)
    # Each nanny put Dask's MALLOC_TRIM_THRESHOLD_ into this process's environment before it started its
    # worker; a local pool started from here would inherit it and run as slowly as an untuned cluster worker
    # (`tonearm analyze` never runs a nanny, so its pool never has it).
    os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)


def speed_up(files: list[Path], rounds: int) -> list[dict[str, Measured]]:
    """Per round, each of :data:`SPEED_UP_RUNS` on the same files (the two cluster runs alternate which
    goes first): the pool as ``tonearm analyze --workers 2`` starts it and warm, the 2-worker cluster as
    ``tonearm analyze --cluster`` runs it (connect + worker check included), and the same with Dask's own
    malloc thresholds left in the workers (what it cost before ``tune_allocator``). Each cluster run gets
    new, warmed workers (started outside the measured time)."""
    from analyzer.analysis.cluster import connect_cluster
    from analyzer.analysis.path_map import PathMap

    jobs = [AnalysisJob(i, str(p)) for i, p in enumerate(files)]
    rows: list[dict[str, Measured]] = []
    warm = WarmPool(2, files[0])

    def on_cluster(address: str, *, tuned: bool) -> None:
        on = connect_cluster(address, PathMap())
        try:
            run_pool(jobs, workers=on.threads, executor_factory=on.executor_factory,
                     analyze=replace(on.analyze, tune_allocator=tuned), in_flight=on.in_flight,
                     crash_errors=on.crash_errors, lost_errors=on.lost_errors)  # fmt: skip
        finally:
            on.close()

    try:
        for round_no in range(rounds + 1):  # round 0 warms the page cache
            row = {}
            kinds = [(SPEED_UP_RUNS[2], True), (SPEED_UP_RUNS[3], False)]
            for name, tuned in kinds if round_no % 2 else kinds[::-1]:
                with warmed_cluster(files[0], tuned=tuned) as address:
                    row[name] = measured(lambda: on_cluster(address, tuned=tuned))  # noqa: B023
            row[SPEED_UP_RUNS[0]] = measured(lambda: run_pool(jobs, workers=2, executor_factory=process_pool))
            row[SPEED_UP_RUNS[1]] = measured(
                lambda: run_pool(jobs, workers=2, executor_factory=lambda _n: warm)
            )
            row = {name: row[name] for name in SPEED_UP_RUNS}
            if round_no:
                rows.append(row)
                print(f"  round {round_no} (load {os.getloadavg()[0]:.1f}): " + "; ".join(
                    f"{name} {m.wall:.2f} s wall / {m.cpu:.2f} s CPU (workers {m.user:.2f} user + "
                    f"{m.system:.2f} sys, {m.faults / 1000:.0f}k faults; this process {m.own:.2f})"
                    for name, m in row.items()
                ), flush=True)  # fmt: skip
    finally:
        warm.close()
    return rows


def overhead(result: FileAnalysis, count: int) -> tuple[float, float, int]:
    """Seconds of worker slot per file for tasks with no analysis: cluster (2 processes) and local pool."""
    import pickle

    from distributed import LocalCluster

    from analyzer.analysis.cluster import connect_cluster
    from analyzer.analysis.path_map import PathMap

    jobs = [AnalysisJob(i, f"/music/{i}.ogg") for i in range(count)]
    replay = Replay(result)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        on = connect_cluster(cluster.scheduler_address, PathMap())
        try:
            options = dict(workers=2, executor_factory=on.executor_factory, analyze=replay,
                           in_flight=on.in_flight, crash_errors=on.crash_errors, lost_errors=on.lost_errors)  # fmt: skip
            run_pool(jobs[:20], **options)  # warm-up
            remote = run_pool(jobs, **options)
            remote_cpu = LAST_CPU[0]
        finally:
            on.close()
    run_pool(jobs[:20], workers=2, executor_factory=process_pool, analyze=replay)
    local = run_pool(jobs, workers=2, executor_factory=process_pool, analyze=replay)
    local_cpu = LAST_CPU[0]
    print(f"CPU per file (client + scheduler + workers): cluster {remote_cpu / count * 1000:.2f} ms, "
          f"local pool {local_cpu / count * 1000:.2f} ms (its start included)")  # fmt: skip
    return remote * 2 / count, local * 2 / count, len(pickle.dumps(result))


def scale(
    result: FileAnalysis, per_file: float, sizes: list[int], files_per_worker: int
) -> list[tuple[int, int, float]]:
    """(workers, files, wall seconds) for a stand-in task of ``per_file`` seconds on in-process workers."""
    from distributed import LocalCluster

    from analyzer.analysis.cluster import connect_cluster
    from analyzer.analysis.path_map import PathMap

    rows = []
    for size in sizes:
        jobs = [AnalysisJob(i, f"/music/{i}.ogg") for i in range(size * files_per_worker)]
        # memory_limit=0: in one process every worker would count all the others' memory as its own and
        # pause at "80 % of its share" (a simulation artefact; real workers are separate processes).
        with LocalCluster(
            n_workers=size, threads_per_worker=1, processes=False, dashboard_address=":0", memory_limit=0
        ) as cluster:
            on = connect_cluster(cluster.scheduler_address, PathMap(), timeout=60)
            try:
                on.client.wait_for_workers(size, timeout=120)
                wall = run_pool(jobs, workers=on.threads, executor_factory=on.executor_factory,
                                analyze=Replay(result, per_file), in_flight=on.in_flight,
                                crash_errors=on.crash_errors, lost_errors=on.lost_errors)  # fmt: skip
            finally:
                on.close()
        rows.append((size, len(jobs), wall))
        print(f"  {size} workers: {len(jobs)} files in {wall:.2f} s", flush=True)
    return rows


def _span(values: Iterable[float]) -> str:
    got = list(values)
    return f"{min(got):.2f}-{max(got):.2f}"


def report_speed_up(rows: list[dict[str, Measured]]) -> None:
    """Ratios of the same round (cluster / local pool), then each run's figures as ranges over the rounds."""
    pool_cold, pool_warm, cluster, untuned = SPEED_UP_RUNS
    for measure in ("wall", "cpu"):
        for name in (cluster, untuned):
            for base in (pool_cold, pool_warm):
                ratios = [getattr(row[name], measure) / getattr(row[base], measure) for row in rows]
                print(f"{name} / {base}, {measure}: {min(ratios):.3f}-{max(ratios):.3f} "
                      f"(median {statistics.median(ratios):.3f})")  # fmt: skip
    ratios = [row[untuned].cpu / row[cluster].cpu for row in rows]
    print(f"{untuned} / {cluster}, cpu: {_span(ratios)}\n")
    print("| run | wall s | CPU s | workers user s | workers sys s | workers' page faults | this process s |\n"
          "|---|---|---|---|---|---|---|")  # fmt: skip
    for name in SPEED_UP_RUNS:
        got = [row[name] for row in rows]
        print(f"| {name} | {_span(m.wall for m in got)} | {_span(m.cpu for m in got)} | "
              f"{_span(m.user for m in got)} | {_span(m.system for m in got)} | "
              f"{min(m.faults for m in got):,}-{max(m.faults for m in got):,} | {_span(m.own for m in got)} |")  # fmt: skip
    print()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=8, help="real tracks for the speed-up (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating local/cluster rounds")
    parser.add_argument("--noop-files", type=int, default=400, help="tasks for the per-file overhead")
    parser.add_argument("--scale", default="2,8,32,64", help="worker counts for the scale simulation")
    parser.add_argument("--files-per-worker", type=int, default=6)
    parser.add_argument("--skip", default="", help="comma list of parts to skip: speedup,overhead,scale")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    files = song_like(args.files)
    probe = min(files, key=lambda p: abs(_duration(p) - 240.0))  # the track closest to 4 minutes
    analyze_file(probe)  # warm-up: Essentia's import and first-call costs
    cpu = time.process_time()
    wall = time.perf_counter()
    result = analyze_file(probe)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"## Analysis on a Dask cluster ({len(files)} real tracks, {sum(map(_duration, files)):.0f} s audio)\n"
    )
    print(f"one {result.duration_secs:.0f} s track: {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"({result.duration_secs / cpu:.0f}x real time per core)\n")  # fmt: skip
    # A file costs its CPU time on a worker with a core to itself; wall time on this shared machine can be
    # several times that, and would flatter the overhead's share.
    per_file = cpu

    if "speedup" not in skip:
        print("### speed-up: local 2-process pool vs 2 single-threaded cluster workers", flush=True)
        report_speed_up(speed_up(files, args.rounds))
    if "overhead" not in skip:
        print("### per-file overhead (tasks returning a real result, no analysis)", flush=True)
        remote, local, size = overhead(result, args.noop_files)
        print(f"\nresult pickled: {size:,} bytes; slot time per file: cluster {remote * 1000:.2f} ms, local pool "
              f"{local * 1000:.2f} ms; cluster = {100 * remote / per_file:.2f} % of this track's analysis "
              f"({per_file:.2f} s CPU)\n")  # fmt: skip
    if "scale" not in skip:
        sizes = [int(s) for s in args.scale.split(",")]
        print(f"### scale: stand-in task of {per_file:.2f} s per file, in-process workers", flush=True)
        scaled = scale(result, per_file, sizes, args.files_per_worker)
        print(
            "\n| workers | files | wall s | files/s | ideal files/s | efficiency |\n|---|---|---|---|---|---|"
        )
        for size, count, seconds in scaled:
            ideal = size / per_file
            print(f"| {size} | {count} | {seconds:.2f} | {count / seconds:.2f} | {ideal:.2f} | "
                  f"{100 * count / seconds / ideal:.0f} % |")  # fmt: skip


if __name__ == "__main__":
    main()
