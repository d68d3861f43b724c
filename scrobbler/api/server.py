"""Serving the API with uvicorn: loopback only unless the caller asks for another address."""

from __future__ import annotations

import uvicorn

from scrobbler.api.app import create_app
from scrobbler.ingest import DEFAULT_DUPLICATE_WINDOW_SECS, SessionSource

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def make_server(
    target: SessionSource,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    log_level: str = "warning",
    duplicate_window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
) -> uvicorn.Server:
    """A uvicorn server for the API; ``server.run()`` blocks, ``server.should_exit = True`` stops it."""
    config = uvicorn.Config(
        create_app(target, duplicate_window_secs=duplicate_window_secs),
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        server_header=False,
    )
    return uvicorn.Server(config)
