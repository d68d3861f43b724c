"""Serving the API with uvicorn: loopback only unless the caller asks for another address.

Uvicorn closes an idle keep-alive connection after ``timeout_keep_alive``, but it arms no timer while a
request is being read: a client that sends half a request (or nothing at all) holds its connection for as
long as it likes. :class:`DeadlineH11Protocol` gives every request a total read deadline, counted from its
first byte (or from the connection's opening), not renewed by each trickled byte.
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from scrobbler.api.app import create_app
from scrobbler.ingest import DEFAULT_DUPLICATE_WINDOW_SECS, SessionSource

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
REQUEST_READ_TIMEOUT_SECS = 10.0  # headers and body of one request, however slowly they trickle in
KEEP_ALIVE_TIMEOUT_SECS = 5.0  # idle time allowed between two requests on one connection
_HEADER_LIMIT_BYTES = 16 * 1024  # the request line and headers; a real scrobbler sends well under 1 KB
_READING = (h11.IDLE, h11.SEND_BODY)  # the client's side while a request is not fully in


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on reading each request (see the module docstring)."""

    read_timeout_secs = REQUEST_READ_TIMEOUT_SECS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_read_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state in _READING and not self.transport.is_closing():
            self._arm_read_deadline()
        else:
            self._cancel_read_deadline()

    def on_response_complete(self) -> None:
        # Between requests the keep-alive timer rules; the next request's first byte arms a new deadline.
        self._cancel_read_deadline()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_read_deadline()
        super().connection_lost(exc)

    def _arm_read_deadline(self) -> None:
        if self._read_deadline is None:
            self._read_deadline = self.loop.call_later(self.read_timeout_secs, self._read_timed_out)

    def _cancel_read_deadline(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _read_timed_out(self) -> None:
        self._read_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def make_server(
    target: SessionSource,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    log_level: str = "warning",
    duplicate_window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> uvicorn.Server:
    """A uvicorn server for the API; ``server.run()`` blocks, ``server.should_exit = True`` stops it.

    With ``tls_cert`` and ``tls_key`` (PEM files) it speaks HTTPS only. A missing, unreadable or mismatched
    pair is a ValueError saying which, raised here rather than when the first client connects.
    """
    config = uvicorn.Config(
        create_app(target, duplicate_window_secs=duplicate_window_secs),
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        server_header=False,
        http=DeadlineH11Protocol,
        timeout_keep_alive=int(KEEP_ALIVE_TIMEOUT_SECS),
        h11_max_incomplete_event_size=_HEADER_LIMIT_BYTES,
        **_tls_options(tls_cert, tls_key),
    )
    return uvicorn.Server(config)


def _tls_options(cert: Path | None, key: Path | None) -> dict[str, Any]:
    if cert is None and key is None:
        return {}
    if cert is None or key is None:
        raise ValueError("HTTPS needs both a certificate (--tls-cert) and its private key (--tls-key)")
    for what, path in (("certificate", cert), ("private key", key)):
        if not Path(path).is_file():
            raise ValueError(f"the TLS {what} {path} is not a readable file")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(str(cert), str(key))
    except (ssl.SSLError, OSError) as error:
        raise ValueError(
            f"cannot use {cert} with {key} for HTTPS (PEM certificate and its matching key?): {error}"
        ) from None
    return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
