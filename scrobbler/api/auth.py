"""Token checks for the API, cached briefly so a busy scrobbler does not cost a database read per request.

A revoked token stops working within ``ttl_secs``; ``last_used_at`` is written when the cache refreshes.
LB reads the token as the text after the first space of ``Authorization: Token <token>`` (formats.md §1).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from scrobbler.api.errors import APIError
from scrobbler.users import token_digest, validate_token


@dataclass(frozen=True, slots=True)
class ApiUser:
    id: int
    name: str


def token_from_header(header: str | None) -> str | None:
    """The token in an Authorization header, or None when the header is absent or empty."""
    if not header:
        return None
    _, _, token = header.partition(" ")
    return token.strip() or None


class TokenChecker:
    def __init__(self, sessions: sessionmaker[Session], ttl_secs: float = 5.0) -> None:
        self._sessions = sessions
        self._ttl = ttl_secs
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, ApiUser | None]] = {}

    def cached(self, token: str) -> ApiUser | None:
        """The token's user when a fresh cache entry says it is valid; None means "ask the database"."""
        cached = self._cache.get(token_digest(token))
        return cached[1] if cached is not None and cached[0] > time.monotonic() else None

    def user_for(self, token: str) -> ApiUser | None:
        """The token's user, or None for an unknown or revoked token."""
        key = token_digest(token)
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        with self._sessions.begin() as session:
            user = validate_token(session, token)
            found = ApiUser(user.id, user.username) if user is not None else None
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now + self._ttl, found)
        return found

    def require(self, header: str | None) -> ApiUser:
        """The user of the request's token; 401 with LB's messages otherwise."""
        token = token_from_header(header)
        if token is None:
            raise APIError(401, "You need to provide an Authorization header.")
        user = self.user_for(token)
        if user is None:
            raise APIError(401, "Invalid authorization token.")
        return user
