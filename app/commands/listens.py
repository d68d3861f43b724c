"""`tonearm import FILE...` and `tonearm serve`: bring listening history in, and take live scrobbles."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.table import Table

from app.commands.long_run import Bar, LongRun, interruptible, stopped
from app.context import CliError, cli_context
from models.engine import Database
from scrobbler import importers
from scrobbler.importers import ImportOptions
from scrobbler.ingest import DEFAULT_DUPLICATE_WINDOW_SECS, IngestReport, ingest_file
from scrobbler.users import UserError, default_user, resolve_user

console = Console()
err_console = Console(stderr=True)
SHOWN_FAILURES = 20
DEFAULTS = ImportOptions()
_FORMAT_NAMES = sorted(importer.NAME for importer in importers.all_importers())


def register(app: typer.Typer) -> None:
    app.command("import")(import_files)
    app.command("serve")(serve)


def import_files(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="History files to import."),
    user: str | None = typer.Option(
        None, "--user", help="Whose listens these are (default: the local user)."
    ),
    format_name: str | None = typer.Option(
        None,
        "--format",
        help="Importer to use instead of detecting it: " + ", ".join(_FORMAT_NAMES),
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON report per file on stdout."),
    all_plays: bool = typer.Option(
        False, "--all-plays", help="Import every play: no scrobble rule, .scrobbler.log skips included."
    ),
    min_track_secs: float = typer.Option(
        DEFAULTS.min_track_secs, "--min-track-secs", help="Scrobble rule: tracks must be longer than this."
    ),
    min_played_fraction: float = typer.Option(
        DEFAULTS.min_played_fraction,
        "--min-played-fraction",
        help="Scrobble rule: played at least this share of the track...",
    ),
    min_played_secs: float = typer.Option(
        DEFAULTS.min_played_secs, "--min-played-secs", help="...or at least this many seconds."
    ),
    timezone: str | None = typer.Option(
        None,
        "--timezone",
        help="Zone of files that log local clock times (.scrobbler.log with #TZ/UNKNOWN), e.g. Europe/Berlin; "
        "default: this machine's.",
    ),
    include_incognito: bool = typer.Option(
        False, "--include-incognito", help="Keep Spotify plays made in a private session."
    ),
    duplicate_window: int = typer.Option(
        DEFAULT_DUPLICATE_WINDOW_SECS,
        "--duplicate-window",
        min=0,
        help="Seconds within which the same song from another source (a live scrobble) is one listen.",
    ),
) -> None:
    """Import listening-history files; each gets a report (imported, duplicates, skipped, failed rows).

    Ctrl-C stops after writing the rows read so far and prints the report (exit code 130).
    Plays that are not scrobbles are skipped and counted by reason. Last.fm's rule (longer than 30 s,
    played for half the track or 4 minutes) applies when the file says how long a track was played.
    """
    options = ImportOptions(
        apply_scrobble_rule=not all_plays,
        min_track_secs=min_track_secs,
        min_played_fraction=min_played_fraction,
        min_played_secs=min_played_secs,
        timezone=_zone(timezone),
        include_incognito=include_incognito,
    )
    db = cli_context(ctx).database()
    with db.session() as session:
        try:
            user_id = resolve_user(session, user).id
        except UserError as error:
            raise CliError(str(error)) from None
    reports: list[dict[str, Any]] = []
    unreadable = 0
    unusable = 0  # read to the end, but no listen came out of it
    cut: tuple[Path, IngestReport] | None = None  # the file a Ctrl-C stopped, and its report
    notice = "Stopping after the rows read so far"
    with interruptible(notice, show_bar=not as_json and err_console.is_terminal) as run:
        for path in files:
            importer = _importer_for(path, format_name)
            if importer is None:
                unreadable += 1
                reports.append({"file": str(path), "error": "format not recognised (try --format)"})
                if not as_json:
                    err_console.print(f"[red]{path}: format not recognised (try --format)[/]")
                continue
            report = _run(run, db, importer, path, user_id, options, duplicate_window)
            entry: dict[str, Any] = {"file": str(path), "format": importer.NAME, **asdict(report)}
            problem = _why_nothing_read(path, importer, report, forced=format_name is not None)
            if problem is not None:
                unusable += 1
                entry["error"] = problem
            reports.append(entry)
            if not as_json:
                _print_report(path, importer.NAME, report)
                if problem is not None:
                    err_console.print(f"[red]{path}: {problem}[/]", soft_wrap=True)
            if report.cancelled:
                cut = (path, report)
                break
    if as_json:
        typer.echo(json.dumps(reports, indent=2, ensure_ascii=False))
    if cut is not None:
        left = len(files) - len(reports)
        rest = f"; {left} more file{'s' if left > 1 else ''} not started" if left else ""
        stopped(
            f"import stopped: {cut[1].imported:,} listens imported from {cut[0].name}{rest}. Import it "
            "again to continue: listens already stored count as duplicates"
        )
    if unreadable or unusable:
        raise typer.Exit(1)


def _importer_for(path: Path, format_name: str | None) -> importers.Importer | None:
    if format_name is None:
        return importers.detect(path)
    try:
        return importers.get(format_name)
    except KeyError as error:
        raise CliError(str(error.args[0])) from None


def _why_nothing_read(
    path: Path, importer: importers.Importer, report: IngestReport, *, forced: bool
) -> str | None:
    """Why a file read to the end counts as a failed import (exit 1), or None: no listen came out of it
    and either a forced ``--format`` does not fit the file, or rows failed. A file of skips only (a
    playing-now page, podcasts) is not a failure."""
    if report.cancelled or report.imported + report.duplicates + report.merged:
        return None
    if forced and not importer.sniff(path):
        detected = importers.detect(path)
        looks = f"it looks like {detected.NAME}" if detected is not None else "its format is not recognised"
        return f"{path.name} does not look like a {importer.NAME} file ({looks}); no listen was read"
    if report.failed_count:
        skipped = f", {report.skipped_count:,} skipped" if report.skipped_count else ""
        return f"no row of {path.name} could be imported ({report.failed_count:,} failed{skipped})"
    return None


def _zone(name: str | None) -> tzinfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(f"unknown time zone {name!r} (use a name like Europe/Berlin)") from None


def _run(
    run: LongRun,
    db: Database,
    importer: importers.Importer,
    path: Path,
    user_id: int,
    options: ImportOptions,
    duplicate_window: int,
) -> IngestReport:
    # Created before the bar draws: a large file's parser process is forked while no other thread runs.
    events = ingest_file(
        db, importer, path, user_id, options=options, cancel=run.token, duplicate_window_secs=duplicate_window
    )
    return run.drain(events, Bar(path.name, "rows read", {"write": path.name}, message=True))


def _print_report(path: Path, format_name: str, report: IngestReport) -> None:
    table = Table(title=f"{path.name} ({format_name})", show_header=False)
    table.add_row("read", f"{report.read:,}")
    table.add_row("imported", f"{report.imported:,}")
    for scheme, count in sorted(report.linked.items()):
        table.add_row(f"  linked by {scheme}", f"{count:,}")
    table.add_row("duplicates (already stored)", f"{report.duplicates:,}")
    table.add_row("merged (same listen from another source)", f"{report.merged:,}")
    table.add_row("skipped", f"{report.skipped_count:,}")
    for reason, count in sorted(report.skipped.items()):
        table.add_row(f"  {reason}", f"{count:,}")
    table.add_row("failed", f"{report.failed_count:,}")
    console.print(table)
    for failure in report.failed[:SHOWN_FAILURES]:
        console.print(f"  [red]failed[/] {failure.location}: {failure.reason}")
    if report.failed_count > SHOWN_FAILURES:
        console.print(f"  ... and {report.failed_count - SHOWN_FAILURES:,} more (see --json)")


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; loopback unless you say so."),
    port: int = typer.Option(8765, "--port", help="TCP port."),
    duplicate_window: int = typer.Option(
        DEFAULT_DUPLICATE_WINDOW_SECS,
        "--duplicate-window",
        min=0,
        help="Seconds within which a scrobble of a song already imported from another source is one listen.",
    ),
    tls_cert: Path | None = typer.Option(
        None, "--tls-cert", help="PEM certificate: serve HTTPS (with --tls-key)."
    ),
    tls_key: Path | None = typer.Option(None, "--tls-key", help="PEM private key of --tls-cert."),
) -> None:
    """Serve the ListenBrainz-compatible scrobble API (point your player's ListenBrainz URL here).

    With --tls-cert and --tls-key (PEM files) it speaks HTTPS only, for players that refuse plain HTTP.
    """
    from scrobbler.api import make_server

    db = cli_context(ctx).database()
    try:
        server = make_server(
            db,
            host,
            port,
            log_level="info",
            duplicate_window_secs=duplicate_window,
            tls_cert=tls_cert,
            tls_key=tls_key,
        )
    except ValueError as error:
        raise CliError(str(error)) from None
    with db.session() as session:
        user = default_user(session).username
    scheme = "https" if tls_cert is not None else "http"
    console.print(
        f"Tonearm scrobble API on {scheme}://{host}:{port} (OpenAPI: /openapi.json, docs: /docs). "
        f"Default user: {user}; create a token with `tonearm token create {user}`."
    )
    server.run()
