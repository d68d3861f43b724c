"""The `tonearm` command line. Each command group lives in its own module under :mod:`app.commands`."""

from __future__ import annotations

import sys

import typer

from app.commands import analyze as analyze_commands
from app.commands import db as db_commands
from app.commands import duplicates as duplicates_commands
from app.commands import enrich as enrich_commands
from app.commands import export as export_commands
from app.commands import listens as listens_commands
from app.commands import review as review_commands
from app.commands import scan as scan_commands
from app.commands import similar as similar_commands
from app.commands import stats as stats_commands
from app.commands import tracks as tracks_commands
from app.commands import users as users_commands
from app.context import CliContext, CliError
from models import __version__

app = typer.Typer(
    name="tonearm",
    help="Tonearm: a local-first music library analyzer and scrobbler.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_commands.app, name="db")
listens_commands.register(app)
users_commands.register(app)
app.add_typer(scan_commands.app)
app.add_typer(tracks_commands.app)
app.add_typer(enrich_commands.app)
app.add_typer(review_commands.app, name="review")
app.add_typer(stats_commands.app, name="stats")
app.add_typer(export_commands.app, name="export")
app.add_typer(analyze_commands.app)
app.add_typer(duplicates_commands.app)
app.add_typer(similar_commands.app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tonearm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        envvar="TONEARM_DATABASE_URL",
        help="sqlite:///PATH or mariadb+pymysql://USER:PASS@HOST/DB (default: SQLite in the data dir).",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    ctx.obj = CliContext(database_url=database_url)
    ctx.call_on_close(ctx.obj.close)


def error_line(exc: BaseException) -> str | None:
    """One line for a person, for the errors we expect from the environment; None for real bugs."""
    from sqlalchemy import exc as sa_exc

    from models.engine import DatabaseConfigError

    if isinstance(exc, CliError | DatabaseConfigError):
        return str(exc)
    if isinstance(exc, sa_exc.DBAPIError):
        orig = exc.orig
        detail = str(orig.args[-1] if getattr(orig, "args", None) else orig).strip()
        message = detail.lower()
        if "readonly" in message or "read-only" in message:
            return f"the database is read-only: {detail}"
        if "unable to open database" in message:
            return f"cannot open the database file: {detail}"
        if (
            "can't connect" in message
            or "connection refused" in message
            or "unknown mysql server host" in message
        ):
            return f"cannot reach the database server: {detail}"
        if "access denied" in message:
            return f"the database server refused the login: {detail}"
        return f"database error: {detail}"
    if isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError):
        return f"bad database URL: {exc}"
    if isinstance(exc, PermissionError | FileNotFoundError | IsADirectoryError):
        return str(exc)
    return None


def main(argv: list[str] | None = None) -> int:
    try:
        # standalone_mode=False: click returns the exit code of typer.Exit instead of raising it
        result = app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return 130
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        line = error_line(exc)
        if line is None:
            raise
        typer.echo(f"tonearm: error: {line}", err=True)
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
