"""The scrobble server as a long operation: bind, serve until cancelled, report status as Progress events.

This is how an app that already has a thread for long work (the desktop window's job runner) runs the
server without a thread or process of its own: :meth:`LocalServer.run` is a generator that binds the port
first (a port in use is a clear :class:`PortUnavailable` at once), then drives uvicorn's event loop in
short slices on the caller's thread, yielding a :class:`~models.progress.Progress` with the status after
each slice, and shuts the server down cleanly when the token is cancelled or the generator is closed.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.progress import CancelToken, Progress
from scrobbler.api.status import ServerStatus, StatusSnapshot
from scrobbler.ingest import DEFAULT_DUPLICATE_WINDOW_SECS, SessionSource

if TYPE_CHECKING:
    import uvicorn

SERVE_STAGE = "serve"
LOOPBACK = "127.0.0.1"
SHUTDOWN_GRACE_SECS = 10.0


class PortUnavailable(OSError):
    """The port cannot be bound; the message says why in words a person can act on."""


@dataclass(frozen=True, slots=True)
class ServeSummary:
    url: str
    listens: int
    requests: int
    cancelled: bool

    def counts(self) -> dict[str, int]:
        return {"listens received": self.listens, "requests": self.requests}


def bind_port(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0: any free port); :class:`PortUnavailable` when it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # as uvicorn does: TIME_WAIT is no obstacle
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortUnavailable(
                f"port {port} is already in use by another program; choose another port"
            ) from None
        if error.errno == errno.EACCES:
            raise PortUnavailable(
                f"port {port} needs administrator rights; choose a port above 1024"
            ) from None
        raise PortUnavailable(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    return sock


class LocalServer:
    """One run of the scrobble API on ``host:port``. ``status`` is the running app's :class:`ServerStatus`
    (None until :meth:`run` has built the app); ``port`` is the bound port once running (useful with 0)."""

    def __init__(
        self,
        target: SessionSource,
        host: str = LOOPBACK,
        port: int = 8765,
        *,
        duplicate_window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
    ) -> None:
        self.target = target
        self.host = host
        self.port = port
        self.duplicate_window_secs = duplicate_window_secs
        self.status: ServerStatus | None = None

    @property
    def url(self) -> str:
        """What a ListenBrainz client's custom URL field takes (clients append ``/1/...``; formats.md §1)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def snapshot(self) -> StatusSnapshot | None:
        return self.status.snapshot() if self.status is not None else None

    def run(self, cancel: CancelToken, *, poll_secs: float = 0.5) -> Generator[Progress, None, ServeSummary]:
        """Serve until ``cancel`` is set; yields the status every ``poll_secs``; returns what was received."""
        sock = bind_port(self.host, self.port)
        self.port = int(sock.getsockname()[1])
        loop: asyncio.AbstractEventLoop | None = None
        server: uvicorn.Server | None = None
        task: asyncio.Task[None] | None = None
        try:
            from scrobbler.api.server import make_server  # uvicorn and FastAPI: loaded only to serve

            server = make_server(
                self.target, self.host, self.port, duplicate_window_secs=self.duplicate_window_secs
            )
            app: Any = server.config.app  # the FastAPI app create_app built, with its ServerStatus
            self.status = app.state.status
            # The loop uvicorn.run would use (uvloop where installed): the default asyncio loop answered a
            # single scrobble several times slower in bench/bench_import_screen.py.
            factory = server.config.get_loop_factory()
            loop = factory() if factory is not None else asyncio.new_event_loop()
            task = loop.create_task(server.serve(sockets=[sock]))
            while not server.started and not task.done():
                loop.run_until_complete(asyncio.wait({task}, timeout=0.05))
            if task.done():
                _raise_failure(task)
                raise RuntimeError("the scrobble server stopped while starting")
            yield self._progress()
            while not task.done():
                if cancel.cancelled:
                    server.should_exit = True
                loop.run_until_complete(asyncio.wait({task}, timeout=poll_secs))
                if not task.done():
                    yield self._progress()
            _raise_failure(task)
        finally:
            if loop is not None and server is not None and task is not None and not task.done():
                server.should_exit = True  # closed early (an error, or the caller dropped the generator)
                loop.run_until_complete(asyncio.wait({task}, timeout=SHUTDOWN_GRACE_SECS))
                if not task.done():
                    server.force_exit = True
                    loop.run_until_complete(asyncio.wait({task}, timeout=SHUTDOWN_GRACE_SECS))
            if loop is not None:
                loop.close()
            sock.close()
        snapshot = self.snapshot()
        return ServeSummary(
            self.url,
            snapshot.listens_total if snapshot else 0,
            snapshot.requests if snapshot else 0,
            cancel.cancelled,
        )

    def _progress(self) -> Progress:
        snapshot = self.snapshot()
        today = snapshot.listens_today if snapshot else 0
        counts = {
            "port": self.port,
            "listens_today": today,
            "listens": snapshot.listens_total if snapshot else 0,
            "requests": snapshot.requests if snapshot else 0,
        }
        # Shown by a progress line as "serving <url> · listens today · <done>".
        return Progress(SERVE_STAGE, today, None, f"serving {self.url} · listens today", counts)


def _raise_failure(task: asyncio.Task[None]) -> None:
    """Re-raise what ended the server task; uvicorn ends a failed start with SystemExit, which would end the
    whole thread, so it becomes a RuntimeError."""
    try:
        task.result()
    except SystemExit as error:
        raise RuntimeError(f"the scrobble server could not start (exit code {error.code})") from None
