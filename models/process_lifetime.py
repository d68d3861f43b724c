"""Worker processes that die with their parent.

A pool worker blocked on its task queue outlives a parent killed with SIGKILL: nothing tells it the parent
is gone, so it waits forever (issue 18 found 2-3 orphans after every ``kill -9`` of scan or analyze). Every
pool and worker process the core starts calls :func:`die_with_parent` (pools: :func:`pool_initializer`)
first:

- on Linux the kernel sends the worker SIGKILL when its parent thread exits (``PR_SET_PDEATHSIG``); a
  parent that died before the call is caught by reading ``os.getppid()`` again;
- elsewhere a daemon thread polls the parent pid once a second and exits the worker when it changes.

Pool workers are started from the pool's own process (or, with the forkserver start method, from the fork
server, which itself exits when the main process goes), so the direct parent is always the one to watch.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Make the calling (child) process end when its direct parent ends. Idempotent; never raises."""
    parent = os.getppid()
    if sys.platform.startswith("linux") and _set_parent_death_signal(signal.SIGKILL):
        if os.getppid() != parent:  # the parent died before the kernel was told to watch it
            os._exit(1)
        return
    _watch_parent(parent)


def pool_initializer(owner_pid: int, *then: str) -> None:
    """A ``ProcessPoolExecutor(initializer=..., initargs=(os.getpid(), ...))`` entry.

    The worker dies with its direct parent and with ``owner_pid`` (the process that made the pool). They
    differ under the forkserver start method, where the fork server is the parent and does NOT exit while
    its workers live (each holds its "alive" pipe), so the worker watches the owner itself. An owner already
    gone ends the worker at once. ``"ignore-sigint"`` in ``then``: Ctrl-C goes to the owner only, which stops
    the pool at a safe point."""
    die_with_parent()
    if owner_pid != os.getppid():
        watch_process(owner_pid)
    if "ignore-sigint" in then:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def watch_process(pid: int) -> None:
    """End this process as soon as process ``pid`` ends (a daemon thread waiting on a pidfd where Linux has
    one, else polling once a second)."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):
        handle = None

    def wait() -> None:
        if handle is not None:
            select.select([handle], [], [])
            os._exit(1)
        while _exists(pid):
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=wait, name=f"watch-{pid}", daemon=True).start()


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _set_parent_death_signal(signum: int) -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(expected: int) -> None:
    def watch() -> None:
        while True:
            if os.getppid() != expected:
                os._exit(1)
            time.sleep(1.0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
