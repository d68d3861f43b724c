"""Users and API tokens: the default local user, tokens shown once and stored hashed, revocation."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app
from models.engine import Database
from models.users import ApiToken, ConfigEntry
from scrobbler.users import (
    DEFAULT_USER_KEY,
    UserError,
    add_user,
    create_token,
    default_user,
    list_tokens,
    list_users,
    resolve_user,
    revoke_token,
    validate_token,
)


def test_default_user_is_created_once_and_stays(db: Database) -> None:
    with db.session() as session:
        first = default_user(session, {"TONEARM_USER": "carol"})
    with db.session() as session:
        again = default_user(session, {"TONEARM_USER": "someone-else"})  # config keeps the first choice
        assert again.id == first.id and again.username == "carol"
        assert session.get(ConfigEntry, DEFAULT_USER_KEY).value == "carol"  # type: ignore[union-attr]
        assert [u.username for u in list_users(session)] == ["carol"]
        assert resolve_user(session, None).id == first.id


def test_user_names_are_checked(db: Database) -> None:
    with db.session() as session:
        add_user(session, "dora", "Europe/Berlin")
        with pytest.raises(UserError, match="already exists"):
            add_user(session, "dora")
        for bad in ("", "a/b", " ", "x\x00"):
            with pytest.raises(UserError):
                add_user(session, bad)
        with pytest.raises(UserError, match="no user"):
            resolve_user(session, "nobody")


def test_token_lifecycle(db: Database) -> None:
    with db.session() as session:
        user = add_user(session, "erin")
        issued = create_token(session, user, "phone")
        stored = session.scalars(select(ApiToken)).one()
        assert stored.token_sha256 == hashlib.sha256(issued.token.encode()).hexdigest()
        assert issued.token not in (stored.prefix, stored.label, stored.token_sha256)
        assert stored.last_used_at is None and len(issued.token) >= 40
    with db.session() as session:
        assert validate_token(session, issued.token).username == "erin"  # type: ignore[union-attr]
        assert validate_token(session, issued.token + "x") is None
        assert validate_token(session, "") is None
    with db.session() as session:
        token, name = list_tokens(session)[0]
        assert name == "erin" and token.last_used_at is not None
        assert revoke_token(session, issued.prefix) == 1
    with db.session() as session:
        assert validate_token(session, issued.token) is None
        assert revoke_token(session, issued.token) == 0  # already revoked


def test_revoke_by_clear_token_and_id(db: Database) -> None:
    with db.session() as session:
        user = add_user(session, "finn")
        one, two = create_token(session, user), create_token(session, user)
        assert revoke_token(session, one.token) == 1
        assert revoke_token(session, str(two.id)) == 1
        assert all(token.revoked_at is not None for token, _ in list_tokens(session, user))


def test_cli_user_and_token_commands(sqlite_db: Database) -> None:
    runner = CliRunner()
    url = ["--database-url", sqlite_db.url.render_as_string()]
    assert runner.invoke(app, [*url, "user", "add", "gina"]).exit_code == 0
    assert runner.invoke(app, [*url, "user", "add", "gina"]).exit_code != 0
    listed = runner.invoke(app, [*url, "user", "list", "--json"])
    assert "gina" in [u["name"] for u in json.loads(listed.stdout)]
    created = runner.invoke(app, [*url, "token", "create", "gina"])
    assert created.exit_code == 0
    token = created.stdout.strip().splitlines()[0]
    with sqlite_db.session() as session:
        assert validate_token(session, token).username == "gina"  # type: ignore[union-attr]
    # "--": a token (and so its prefix) may begin with "-", which the command line would read as an option.
    assert runner.invoke(app, [*url, "token", "revoke", "--", token[:8]]).exit_code == 0
    assert runner.invoke(app, [*url, "token", "revoke", token[:8]]).exit_code != 0
    with sqlite_db.session() as session:
        assert validate_token(session, token) is None


def test_no_token_begins_with_a_dash(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        user = add_user(session, "dash")
        tokens = [create_token(session, user).token for _ in range(300)]
    assert not any(token.startswith("-") for token in tokens)  # ~1 in 64 would, drawn at random
