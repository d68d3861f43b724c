"""Users and their API tokens for the local ListenBrainz-compatible API.

Tokens are ``secrets.token_urlsafe`` strings shown once at creation; only their SHA-256 is stored, so a
copied database does not leak working tokens. Every function takes a Session: the caller owns the
transaction (architecture.md).
"""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.users import ApiToken, ConfigEntry, User

DEFAULT_USER_KEY = "scrobbler.default_user"
DEFAULT_USER_ENV = "TONEARM_USER"
TOKEN_PREFIX_LENGTH = 8
_USERNAME = re.compile(r"^[^\s/\\\x00-\x1f][^/\\\x00-\x1f]{0,254}$")


class UserError(ValueError):
    """A user or token request that cannot be met; the message is one line for a person."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``token`` is the clear text, available only here, once."""

    id: int
    user: str
    prefix: str
    token: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def get_user(session: Session, name: str) -> User | None:
    return session.scalars(select(User).where(User.username == name)).first()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def add_user(session: Session, name: str, timezone: str | None = None) -> User:
    """Create a user; :class:`UserError` when the name is taken or unusable (blank, slashes: it is a URL part)."""
    name = name.strip()
    if not _USERNAME.match(name):
        raise UserError(f"unusable user name {name!r}: 1-255 characters, no slashes or control characters")
    if get_user(session, name) is not None:
        raise UserError(f"user {name!r} already exists")
    user = User(username=name, timezone=timezone)
    session.add(user)
    session.flush()
    return user


def _os_user_name(environ: Mapping[str, str]) -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        name = ""
    return environ.get(DEFAULT_USER_ENV) or name or "me"


def default_user(session: Session, environ: Mapping[str, str] | None = None) -> User:
    """The user listens belong to when none is named; created on first run.

    Its name comes from the config entry ``scrobbler.default_user``, else ``TONEARM_USER``, else the OS
    user; the choice is written back to config so it stays stable when the OS user changes.
    """
    env = os.environ if environ is None else environ
    entry = session.get(ConfigEntry, DEFAULT_USER_KEY)
    name = entry.value if entry is not None and entry.value else _os_user_name(env)
    user = get_user(session, name)
    if user is None:
        user = add_user(session, name)
    if entry is None:
        session.add(ConfigEntry(key=DEFAULT_USER_KEY, value=name))
        session.flush()
    return user


def resolve_user(session: Session, name: str | None) -> User:
    """The named user (which must exist), or the default user when ``name`` is None."""
    if name is None:
        return default_user(session)
    user = get_user(session, name)
    if user is None:
        raise UserError(f"no user {name!r} (create it with `tonearm user add {name}`)")
    return user


def create_token(session: Session, user: User, label: str | None = None) -> IssuedToken:
    """Issue a token for ``user``; the clear text is in the result and nowhere else."""
    token = secrets.token_urlsafe(32)
    while token.startswith("-"):  # `tonearm token revoke -abc…` would read the prefix as an option
        token = secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, token_sha256=token_digest(token), prefix=token[:TOKEN_PREFIX_LENGTH], label=label
    )
    session.add(row)
    session.flush()
    return IssuedToken(id=row.id, user=user.username, prefix=row.prefix, token=token)


def list_tokens(session: Session, user: User | None = None) -> list[tuple[ApiToken, str]]:
    """Tokens (with their user's name), oldest first, revoked ones included."""
    query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return [(token, name) for token, name in session.execute(query).tuples()]


def revoke_token(session: Session, reference: str) -> int:
    """Revoke the token given in clear, by its prefix, or by its id; returns how many were revoked.

    A prefix that names more than one live token is refused, so a typo cannot revoke the wrong one.
    """
    reference = reference.strip()
    live = ApiToken.revoked_at.is_(None)
    by_digest = select(ApiToken.id).where(ApiToken.token_sha256 == token_digest(reference), live)
    ids = list(session.scalars(by_digest))
    if not ids:
        ids = list(session.scalars(select(ApiToken.id).where(ApiToken.prefix == reference[:12], live)))
    if not ids and reference.isdigit():
        ids = list(session.scalars(select(ApiToken.id).where(ApiToken.id == int(reference), live)))
    if len(ids) > 1:
        raise UserError(f"{reference!r} matches {len(ids)} tokens; give the token id instead")
    if not ids:
        return 0
    session.execute(update(ApiToken).where(ApiToken.id == ids[0]).values(revoked_at=datetime.now(UTC)))
    return 1


def validate_token(session: Session, token: str, *, touch: bool = True) -> User | None:
    """The user a live token belongs to, or None; records when it was last used."""
    if not token:
        return None
    live = (ApiToken.token_sha256 == token_digest(token)) & ApiToken.revoked_at.is_(None)
    if touch:
        # Write first: an SQLite transaction that reads and then writes fails at once ("database is
        # locked") when another writer got in between; one that starts with the write waits its turn.
        session.execute(
            update(ApiToken).where(live).values(last_used_at=datetime.now(UTC)),
            execution_options={"synchronize_session": False},
        )
    return session.scalars(select(User).join(ApiToken, ApiToken.user_id == User.id).where(live)).first()
