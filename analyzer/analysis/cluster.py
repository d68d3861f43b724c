"""Analysis on a Dask cluster: the pending files go to ``dask worker`` processes on other machines.

The same ``analyze_one`` runs on a worker as in the local pool, so the results are the same; a worker only
returns them (a few KB a file) and this process writes them with the local run's batched writer, so workers
need no database credentials and a result is written once. What this module adds to the local pool:

- the worker sees the music under its own mount: each path goes through the run's :class:`PathMap`, and a
  file the worker cannot open comes back as ``unreachable`` with the worker's reason (it stays pending);
- compatibility: before anything is submitted every worker is probed (``client.run``); a worker with another
  feature extractor version, or without Essentia, refuses the run with a message naming it. A worker that
  joins later checks itself before each file (``refused``, the file stays pending);
- faults: a killed worker's files run again on another worker (Dask reschedules them); a file that kills
  ``allowed-failures`` workers comes back as ``KilledWorker`` and is recorded as crashed. A scheduler that
  goes away cancels what is in flight: the run keeps what it committed and says so;
- speed: a worker process's malloc thresholds are set back to a local worker's before its first file
  (:mod:`analyzer.analysis.cluster_worker`), so a file costs the same CPU as in the local pool.

``distributed`` is the optional extra ``tonearm[cluster]``: imported only when a cluster is asked for.
"""

from __future__ import annotations

import os
import socket
from concurrent.futures import CancelledError, Executor, Future
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from analyzer.analysis.path_map import PathMap
from analyzer.analysis.pool import FileUnreachable
from analyzer.audio import FileAnalysis

if TYPE_CHECKING:
    from distributed import Client

CONNECT_SECONDS = 10.0
"""How long to wait for the scheduler, and then for a first worker, before saying there is none."""


class ClusterError(Exception):
    """The cluster cannot run this analysis; the message is for people (what is wrong, what to do)."""


class ClusterGone(Exception):
    """The scheduler stopped answering while files were being submitted."""


@dataclass(frozen=True, slots=True)
class WorkerCheck:
    """What a worker reports about itself before it gets files."""

    extractor_version: int
    essentia: str | None  # its version, None when it cannot be imported
    problem: str = ""  # why Essentia cannot be imported


def check_this_worker() -> WorkerCheck:
    """Runs on a worker (``client.run``): the analyzer version it would use and whether Essentia loads."""
    from analyzer.audio import features

    try:
        import essentia

        essentia.log.infoActive = False  # its per-process INFO line would land in the worker's log
        import essentia.standard  # the algorithms analysis uses
    except Exception as exc:  # an ImportError, or a broken native library
        return WorkerCheck(features.EXTRACTOR_VERSION, None, f"{type(exc).__name__}: {exc}")
    return WorkerCheck(features.EXTRACTOR_VERSION, str(getattr(essentia, "__version__", "unknown")))


def refusal(check: WorkerCheck, expected: int) -> str | None:
    """Why a worker may not analyse for this run (None: it may)."""
    if check.essentia is None:
        return f"Essentia cannot be loaded there ({check.problem}); install tonearm with its audio libraries"
    if check.extractor_version != expected:
        return (
            f"its feature extractor is version {check.extractor_version}, this library's is {expected} "
            "(features of two versions must not mix in one index): install the same tonearm version there"
        )
    return None


@dataclass(frozen=True, slots=True)
class WorkerAnalysis:
    """The ``analyze`` callable shipped to the workers: map the path, check the worker, analyse.

    The result carries the library's (local) path again, so it is what a local run would return.
    ``tune_allocator``: set the worker's malloc thresholds first (False keeps Dask's, for the benchmark's
    before/after comparison; the results are the same either way)."""

    path_map: PathMap
    expected_version: int
    tune_allocator: bool = True

    def __call__(self, path: str) -> FileAnalysis:
        from analyzer.analysis import cluster_worker
        from analyzer.audio import analyze_file

        if self.tune_allocator:
            cluster_worker.tune_allocator()  # Dask's worker malloc settings cost 20-30 % more CPU per file (see the module)
        reason = refusal(check_this_worker(), self.expected_version)
        if reason is not None:
            raise FileUnreachable(f"worker {socket.gethostname()} refused: {reason}", kind="refused")
        mapped = self.path_map.to_worker(path)
        try:
            with open(mapped, "rb"):
                pass
        except OSError as exc:
            via = f" (mapped from {path})" if mapped != path else " (no path map applies to it)"
            raise FileUnreachable(
                f"worker {socket.gethostname()} cannot open {mapped}{via}: {exc.strerror or exc}; "
                "check the path map (`tonearm folders map`, --path-map)"
            ) from None
        result = analyze_file(mapped)
        return replace(result, path=path) if mapped != path else result


def _cluster_executor(client: Client) -> Executor:
    from distributed.cfexecutor import ClientExecutor

    class ClusterExecutor(ClientExecutor):
        """Dask's concurrent.futures executor, with the ``shutdown(cancel_futures=)`` the pool calls, and a
        submit that turns a gone scheduler into a failed future (the pool then stops with ExecutorLost)."""

        def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            if self._client.status not in ("running", "connecting", "newly-created"):
                failed: Future[Any] = Future()
                failed.set_exception(ClusterGone(f"the Dask client is {self._client.status}"))
                return failed
            return super().submit(fn, *args, **kwargs)

        def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
            if cancel_futures and not self._shutdown:
                self._shutdown = True
                futures = list(self._futures)
                if futures and self._client.status == "running":
                    self._client.cancel(futures)
                return
            super().shutdown(wait=wait)

    executor: Executor = ClusterExecutor(client, pure=False)
    return executor


class AnalysisCluster:
    """A connected cluster whose workers all passed the check; what ``analyze_library(cluster=...)`` uses.

    ``workers`` counts worker processes, ``threads`` their task slots (one file each); ``dashboard_link``
    is the scheduler's web dashboard (None when it runs none)."""

    def __init__(self, client: Client, address: str, path_map: PathMap, expected_version: int) -> None:
        from distributed.scheduler import KilledWorker

        self.client = client
        self.address = address
        self.analyze = WorkerAnalysis(path_map, expected_version)
        self.crash_errors: tuple[type[BaseException], ...] = (KilledWorker,)
        self.lost_errors: tuple[type[BaseException], ...] = (CancelledError, ClusterGone)
        info = client.scheduler_info()
        workers = info.get("workers", {})
        self.workers = len(workers)
        self.threads = max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))
        link = client.dashboard_link
        self.dashboard_link: str | None = link if info.get("services", {}).get("dashboard") else None

    @property
    def in_flight(self) -> int:
        """Files submitted at once: one running and one waiting per slot, so no worker waits on a round trip."""
        return 2 * self.threads

    def executor_factory(self, _count: int) -> Executor:
        return _cluster_executor(self.client)

    def close(self) -> None:
        self.client.close()


def connect_cluster(address: str, path_map: PathMap, *, timeout: float = CONNECT_SECONDS) -> AnalysisCluster:
    """Connect to the scheduler at ``address`` (``tcp://HOST:8786``) and check every worker.

    Raises :class:`ClusterError` when ``distributed`` is not installed, nothing answers at ``address``, no
    worker joins within ``timeout`` seconds, or a worker is refused (see :func:`refusal`)."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(
            "analysis on a cluster needs Dask distributed: install tonearm with the 'cluster' extra "
            "(pip install 'tonearm[cluster]')"
        ) from None
    from analyzer.audio.features import EXTRACTOR_VERSION

    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"no Dask scheduler answers at {address}: {exc}") from None
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise ClusterError(
                f"the scheduler at {address} has no workers: start some with "
                f"`dask worker {address} --nthreads 1`"
            ) from None
        checks: dict[str, WorkerCheck] = client.run(check_this_worker)
        refused = {
            worker: reason
            for worker, check in sorted(checks.items())
            if (reason := refusal(check, EXTRACTOR_VERSION)) is not None
        }
        if refused:
            lines = "; ".join(f"worker {worker}: {reason}" for worker, reason in refused.items())
            raise ClusterError(
                f"{len(refused)} of {len(checks)} workers refused, nothing was analysed: {lines}"
            )
        return AnalysisCluster(client, address, path_map, EXTRACTOR_VERSION)
    except BaseException:
        client.close()
        raise


def cluster_address(given: str | None, environ: dict[str, str] | None = None) -> str | None:
    """``--cluster`` wins, then ``TONEARM_CLUSTER``; None: analyse on this machine."""
    env = os.environ if environ is None else environ
    return given or env.get("TONEARM_CLUSTER") or None
