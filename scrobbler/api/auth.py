"""Token checks for the API: one database read per request, so a revoked token stops working at once.

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
    """Checks every request's token against the database, so a token revoked from the CLI or the GUI is
    refused on the very next request. ``last_used_at`` is written at most once per ``touch_secs`` per
    token: the common request is one indexed read, not a write that would queue behind the listen writer.
    """

    def __init__(self, sessions: sessionmaker[Session], touch_secs: float = 60.0) -> None:
        self._sessions = sessions
        self._touch_secs = touch_secs
        self._lock = threading.Lock()
        self._touched: dict[str, float] = {}

    def user_for(self, token: str) -> ApiUser | None:
        """The token's user, or None for an unknown or revoked token."""
        key = token_digest(token)
        now = time.monotonic()
        touch = self._touched.get(key, -self._touch_secs) + self._touch_secs <= now
        with self._sessions.begin() as session:
            user = validate_token(session, token, touch=touch)
            found = ApiUser(user.id, user.username) if user is not None else None
        if touch and found is not None:
            with self._lock:
                if len(self._touched) > 10_000:
                    self._touched.clear()
                self._touched[key] = now
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
