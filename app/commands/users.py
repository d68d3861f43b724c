"""`tonearm user ...` and `tonearm token ...`: the people who scrobble and their API tokens."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from app.context import CliError, cli_context
from scrobbler.users import (
    UserError,
    add_user,
    create_token,
    default_user,
    get_user,
    list_tokens,
    list_users,
    revoke_token,
)

user_app = typer.Typer(help="Add and list Tonearm users.", no_args_is_help=True)
token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
console = Console()


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="User name (also the name in API URLs)."),
    timezone: str | None = typer.Option(None, "--timezone", help="IANA zone for stats, e.g. Europe/Berlin."),
) -> None:
    """Create a user."""
    with cli_context(ctx).database().session() as session:
        try:
            user = add_user(session, name, timezone)
        except UserError as error:
            raise CliError(str(error)) from None
        console.print(f"Added user {user.username!r} (id {user.id}).")


@user_app.command("list")
def user_list(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
) -> None:
    """Every user (the default local user is created on first run)."""
    with cli_context(ctx).database().session() as session:
        default = default_user(session).username
        users = [
            {"id": u.id, "name": u.username, "timezone": u.timezone, "default": u.username == default}
            for u in list_users(session)
        ]
    if as_json:
        typer.echo(json.dumps(users, indent=2))
        return
    table = Table("id", "name", "timezone", "default")
    for user in users:
        table.add_row(
            str(user["id"]), str(user["name"]), str(user["timezone"] or ""), "*" if user["default"] else ""
        )
    console.print(table)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The user the token scrobbles as."),
    label: str | None = typer.Option(None, "--label", help="A note to tell tokens apart (e.g. the player)."),
) -> None:
    """Create a token and print it once; only its hash is stored."""
    with cli_context(ctx).database().session() as session:
        user = get_user(session, name)
        if user is None:
            raise CliError(f"no user {name!r} (create it with `tonearm user add {name}`)")
        issued = create_token(session, user, label)
    typer.echo(issued.token)
    typer.echo(
        f"Token {issued.id} for {issued.user} (prefix {issued.prefix}). It is shown only now: store it in "
        "your player's ListenBrainz settings.",
        err=True,
    )


@token_app.command("list")
def token_list(
    ctx: typer.Context, name: str | None = typer.Argument(None, help="Only this user's tokens.")
) -> None:
    """Tokens by id and prefix (never the token itself), with last use and revocation."""
    with cli_context(ctx).database().session() as session:
        user = get_user(session, name) if name else None
        if name and user is None:
            raise CliError(f"no user {name!r}")
        table = Table("id", "user", "prefix", "label", "created", "last used", "revoked")
        for token, user_name in list_tokens(session, user):
            table.add_row(
                str(token.id),
                user_name,
                token.prefix,
                token.label or "",
                f"{token.created_at:%Y-%m-%d %H:%M}",
                f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "",
                f"{token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "",
            )
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context, reference: str = typer.Argument(..., help="The token, its prefix, or its id.")
) -> None:
    """Revoke a token; the API refuses it from then on (within seconds for a running server)."""
    with cli_context(ctx).database().session() as session:
        try:
            revoked = revoke_token(session, reference)
        except UserError as error:
            raise CliError(str(error)) from None
    if not revoked:
        raise CliError(f"no live token matches {reference!r}")
    console.print("Revoked.")
