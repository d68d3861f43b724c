"""A pool worker started with models.process_lifetime dies when its parent is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

PARENT = textwrap.dedent(
    """
    import os, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context
    from models.process_lifetime import pool_initializer

    def pid():
        return os.getpid()

    if __name__ == "__main__":
        guarded = sys.argv[1] == "guarded"
        options = {"initializer": pool_initializer, "initargs": (os.getpid(),)} if guarded else {}
        pool = ProcessPoolExecutor(max_workers=2, mp_context=get_context(sys.argv[2]), **options)
        pids = {pool.submit(pid).result() for _ in range(8)}
        print(" ".join(map(str, sorted(pids))), flush=True)
        time.sleep(60)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose (reaped by init shortly).
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def _workers_after_parent_kill(tmp_path: Path, mode: str, method: str) -> list[int]:
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    root = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen(
        [sys.executable, str(script), mode, method],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert parent.stdout is not None
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert workers, "the pool ran no task"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.05)
    survivors = [p for p in workers if _alive(p)]
    for p in survivors:
        os.kill(p, signal.SIGKILL)
    return survivors


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the orphan case is measured on Linux")
@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_workers_die_with_a_killed_parent(tmp_path: Path, method: str) -> None:
    assert _workers_after_parent_kill(tmp_path, "guarded", method) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the orphan case is measured on Linux")
def test_without_the_guard_workers_are_orphaned(tmp_path: Path) -> None:
    """The failure the guard prevents: plain pool workers outlive a SIGKILLed parent."""
    assert _workers_after_parent_kill(tmp_path, "plain", "fork") != []
