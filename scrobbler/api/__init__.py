"""The local ListenBrainz-compatible HTTP API (FastAPI): :func:`create_app`, :func:`make_server`."""

from scrobbler.api.app import create_app
from scrobbler.api.server import DEFAULT_HOST, DEFAULT_PORT, make_server

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "create_app", "make_server"]
