"""The `tonearm` command line. Each command group lives in its own module under :mod:`app.commands`."""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

from app.context import CliContext, CliError
from models import __version__

if TYPE_CHECKING:
    from app.commands.first_scan import FirstScan


@dataclass(frozen=True)
class _Lazy:
    module: str  # under app.commands
    kind: str  # "group": the module's Typer is this command; "merged": a command of it; "register": added by register()
    help: str  # the first paragraph of the command's help, for `tonearm --help` (a test keeps it true)


# Each command's module is imported only when that command runs: `tonearm --version` and `--help` no longer
# import the analyzer, Essentia bindings, FAISS and Alembic (2.4 s before, on the quiet machine).
LAZY_COMMANDS: dict[str, _Lazy] = {
    "import": _Lazy("listens", "register", "Import listening-history files; each gets a report (imported, duplicates, skipped, failed rows)."),
    "serve": _Lazy("listens", "register", "Serve the ListenBrainz-compatible scrobble API (point your player's ListenBrainz URL here)."),
    "db": _Lazy("db", "group", "Create, inspect, check and upgrade the Tonearm database."),
    "user": _Lazy("users", "register", "Add and list Tonearm users."),
    "token": _Lazy("users", "register", "Create, list and revoke API tokens."),
    "folders": _Lazy("folders", "group", "Add, remove and list the library folders that `tonearm scan` scans by default."),
    "scan": _Lazy("scan", "merged", "Scan music folders into the library: new files added, changed files re-read, vanished ones marked."),
    "files": _Lazy("scan", "merged", "Files that need attention: unreadable ones and failed analyses with the reason, and (without --errors) missing ones."),
    "tracks": _Lazy("tracks", "merged", "List the library's tracks: artist, title, album, length, year, plays, format, BPM and key."),
    "enrich": _Lazy("enrich", "merged", "Link listens to library tracks: by IDs, exact names, learned aliases, then fuzzy candidates."),
    "review": _Lazy("review", "group", "Review listens enrich could not link for sure."),
    "stats": _Lazy("stats", "group", "Listening stats per user, in the user's time zone."),
    "export": _Lazy("export", "group", "Export listens, stats, charts and playlists."),
    "analyze": _Lazy("analyze", "merged", "Analyse new and changed files: audio hash, Chromaprint fingerprint, Essentia features, then the index."),
    "duplicates": _Lazy("duplicates", "merged", "List duplicate groups: identical audio (audio hash) and the same recording (fingerprint)."),
    "similar": _Lazy("similar", "merged", "Tracks that sound most like TRACK (nearest first, TRACK itself excluded)."),
    "playlist": _Lazy("playlist", "group", "Import, list, show, re-match and export playlists; each entry is matched to a library track."),
    "setlist": _Lazy("setlist", "merged", "Build a harmonic DJ set from TRACK: sound-alikes within the BPM window that mix on the Camelot wheel."),
    "organize": _Lazy("organize", "merged", "Rename and move files from their tags with a path template: preview first, then --apply, --undo."),
    "rate": _Lazy("rate", "merged", "Rate an album from 0.5 to 5 stars in halves, with a favourite track and a review."),
}  # fmt: skip


def load_command(name: str) -> Any:
    """The real click command for ``name``, importing its module."""
    entry = LAZY_COMMANDS[name]
    module = importlib.import_module(f"app.commands.{entry.module}")
    holder = typer.Typer()
    if entry.kind == "register":
        module.register(holder)
    elif entry.kind == "group":
        holder.add_typer(module.app, name=name)
    else:
        holder.add_typer(module.app)
    return typer.main.get_group(holder).commands[name]


class _LazyGroup(TyperGroup):
    """The root command: subcommands come from :data:`LAZY_COMMANDS` and load on first use."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(LAZY_COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = LAZY_COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if self._listing:  # the help screen needs names and one line each, not the modules
            return TyperCommand(cmd_name, help=entry.help, short_help=entry.help)
        return load_command(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # Click's plain help for the root listing: Typer's rich renderer imports rich.markdown and
        # markdown-it, ~70 ms of a 0.15 s budget for `tonearm --help`. Each command's own help stays rich.
        self._listing = True
        markup, self.rich_markup_mode = self.rich_markup_mode, None
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
            self.rich_markup_mode = markup


app = typer.Typer(
    name="tonearm",
    help="Tonearm: a local-first music library analyzer and scrobbler.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=_LazyGroup,
)


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
    from models.unit_of_work import WriteContention

    if isinstance(exc, CliError | DatabaseConfigError | WriteContention):
        return str(exc)  # WriteContention: "... nothing of this step was written - run it again ..."
    if isinstance(exc, sa_exc.DBAPIError):
        orig = exc.orig
        detail = str(orig.args[-1] if orig is not None and orig.args else orig).strip()
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


def main(
    argv: list[str] | None = None,
    *,
    first_scan: FirstScan | BaseException | None = None,
    first_scan_checked: bool = False,
) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return its exit code.

    The console script (:mod:`app.launch`) has already looked for a first scan before importing this module:
    ``first_scan_checked`` says so, with the scan it started, or what starting it raised (reported here as
    every command's errors are), or None when the command line is anything else.
    """
    # Freeze the heap at exit: the interpreter's shutdown otherwise walks SQLAlchemy, the models and the
    # caches (0.2-0.3 s after `tonearm tracks` has printed; ~16 ms frozen). Registered once per process.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    try:
        if isinstance(first_scan, BaseException):
            raise first_scan
        if first_scan is not None:
            from app.commands.first_scan import finish_first_scan

            return finish_first_scan(first_scan)
        # A library's first scan starts its read workers before Typer builds the command (app.commands.
        # first_scan); None for every other command line.
        args = sys.argv[1:] if argv is None else argv
        if "scan" in args and not first_scan_checked:
            from app.commands.first_scan import run_first_scan

            first = run_first_scan(args)
            if first is not None:
                return first
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
        # Typer vendors its own click: its ClickException (usage errors, bad option values) derives from
        # typer.TyperException, not from the click package's ClickException.
        if isinstance(exc, typer.TyperException) and hasattr(exc, "show"):
            exc.show()
            return int(getattr(exc, "exit_code", 1))
        line = error_line(exc)
        if line is None:
            raise
        typer.echo(f"tonearm: error: {line}", err=True)
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
