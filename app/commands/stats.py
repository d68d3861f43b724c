"""`tonearm stats ...`: top lists, listening clock, daily trend, taste, library, compatibility.

Every command reads one user's listens (``--user``, default: the local user) over a range of their local
days (``--range``); output is a table, or ``--json`` / ``--csv`` for scripts.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import time

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from app.context import CliError, cli_context
from app.similarity_bridge import similar_tracks_search
from scrobbler.stats import (
    RANGE_HELP,
    ListenScope,
    NoAnalysisData,
    RangeError,
    StatsTable,
    TopBy,
    TopKind,
    build_stats_table,
    compatibility,
    recommendations,
    scope_for,
    table_of,
    taste_profile,
    track_daily_plays,
)
from scrobbler.users import UserError, get_user, resolve_user

app = typer.Typer(help="Listening stats per user, in the user's time zone.", no_args_is_help=True)
console = Console()

RangeOption = typer.Option("all", "--range", "-r", help=RANGE_HELP)
UserOption = typer.Option(None, "--user", "-u", help="Whose listens (default: the local user).")
JsonOption = typer.Option(False, "--json", help="Output JSON.")
CsvOption = typer.Option(False, "--csv", help="Output CSV.")


def open_scope(session: Session, user: str | None, range_text: str) -> ListenScope:
    """The user's scope for ``range_text``, with bad names and ranges as one-line errors."""
    try:
        return scope_for(resolve_user(session, user), range_text)
    except (UserError, RangeError) as error:
        raise CliError(str(error)) from None


def print_table(table: StatsTable, as_json: bool, as_csv: bool, title: str | None = None) -> None:
    """One stats table as rich text, JSON (list of objects) or CSV."""
    if as_json:
        typer.echo(json.dumps(table.records(), indent=2, ensure_ascii=False, default=str))
    elif as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        shown = Table(title=title or table.name)
        for column in table.columns:
            shown.add_column(column.replace("_", " "))
        for row in table.rows:
            shown.add_row(*("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row))
        console.print(shown if table.rows else f"[dim]{title or table.name}: no listens in this range[/]")


def _stat(ctx: typer.Context, name: str, user: str | None, range_text: str, limit: int | None) -> StatsTable:
    with cli_context(ctx).database().session() as session:
        return build_stats_table(session, open_scope(session, user, range_text), name, limit)


@app.command("top")
def top_command(
    ctx: typer.Context,
    kind: TopKind = typer.Argument(..., help="artists, releases, tracks or genres."),
    range_text: str = RangeOption,
    by: TopBy = typer.Option(TopBy.PLAYS, "--by", help="Rank by plays or by listening time."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="How many rows."),
    user: str | None = UserOption,
    as_json: bool = JsonOption,
    as_csv: bool = CsvOption,
) -> None:
    """Top artists, releases (release groups), tracks or genres; unmatched listens count under their
    scrobbled names."""
    name = f"top-{kind.value}" + ("-by-time" if by is TopBy.TIME else "")
    table = _stat(ctx, name, user, range_text, limit)
    print_table(table, as_json, as_csv, f"Top {kind.value} by {by.value} ({range_text})")


def _simple(name: str, doc: str) -> None:
    def command(
        ctx: typer.Context,
        range_text: str = RangeOption,
        user: str | None = UserOption,
        as_json: bool = JsonOption,
        as_csv: bool = CsvOption,
    ) -> None:
        print_table(_stat(ctx, name, user, range_text, None), as_json, as_csv, f"{name} ({range_text})")

    command.__doc__ = doc
    app.command(name)(command)


_simple("clock", "Listening clock: plays per weekday and local hour.")
_simple("daily", "Daily trend: plays, unique tracks and unique artists per local day.")
_simple("discoveries", "First listens ever (tracks) that fall in the range.")
_simple("streaks", "Longest and latest runs of consecutive listening days.")
_simple("library", "Library: files, size, duration, analysed share, duplicates, unmatched listens.")
_simple("ratings", "Your rated albums (tonearm rate), best first, with how often you played them.")
_simple("ratings-vs-plays", "Mean plays per rating, and how rating and plays go together (Spearman's rho).")


@app.command("track")
def track_plays(
    ctx: typer.Context,
    track_id: int = typer.Argument(..., help="Catalog track id (see `tonearm tracks --json`)."),
    range_text: str = RangeOption,
    user: str | None = UserOption,
    as_json: bool = JsonOption,
    as_csv: bool = CsvOption,
) -> None:
    """Plays of one catalog track per local day (days with plays only)."""
    with cli_context(ctx).database().session() as session:
        days = track_daily_plays(session, open_scope(session, user, range_text), track_id)
    print_table(table_of("track-plays", days, ["day", "plays"]), as_json, as_csv, f"Track {track_id} per day")


@app.command("taste")
def taste(
    ctx: typer.Context,
    range_text: str = RangeOption,
    user: str | None = UserOption,
    as_json: bool = JsonOption,
) -> None:
    """Taste profile: genres, audio-feature means and spreads, keys, hours of the day."""
    with cli_context(ctx).database().session() as session:
        profile = taste_profile(session, open_scope(session, user, range_text))
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(profile), indent=2, ensure_ascii=False))
        return
    console.print(f"{profile.plays:,} plays, {profile.analysed_plays:,} with analysed audio")
    print_table(table_of("features", list(profile.features.values())), False, False, "Audio features")
    genres = [{"genre": g, "share": f"{s:.1%}"} for g, s in list(profile.genres.items())[:15]]
    print_table(table_of("genres", genres, ["genre", "share"]), False, False, "Genres")
    keys = [{"key": k, "plays": p} for k, p in list(profile.keys.items())[:12]]
    print_table(table_of("keys", keys, ["key", "plays"]), False, False, "Keys")


@app.command("compat")
def compat(
    ctx: typer.Context,
    user_a: str = typer.Argument(..., help="First user."),
    user_b: str = typer.Argument(..., help="Second user."),
    range_text: str = RangeOption,
    as_json: bool = JsonOption,
) -> None:
    """Compatibility of two users: a 0-100 score from artist and track overlap and feature profiles."""
    with cli_context(ctx).database().session() as session:
        scopes = []
        for name in (user_a, user_b):
            user = get_user(session, name)
            if user is None:
                raise CliError(f"no user named {name!r}")
            scopes.append(open_scope(session, name, range_text))
        result = compatibility(session, scopes[0], scopes[1])
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(result), indent=2, ensure_ascii=False))
        return
    console.print(f"[bold]{user_a} and {user_b}: {result.score:g}/100[/]")
    for reason in result.reasons:
        console.print(f"  - {reason}")


@app.command("recommend")
def recommend(
    ctx: typer.Context,
    range_text: str = typer.Option("last-90-days", "--range", "-r", help=RANGE_HELP),
    not_played_days: int = typer.Option(
        180, "--not-played-days", min=1, help="'Long ago' means this many days."
    ),
    limit: int = typer.Option(20, "--limit", "-n", min=1),
    user: str | None = UserOption,
    as_json: bool = JsonOption,
) -> None:
    """Owned tracks and albums close to what you play most that you have not played for a long time."""
    db = cli_context(ctx).database()
    search = similar_tracks_search(db)
    with db.session() as session:
        scope = open_scope(session, user, range_text)
        try:
            found = recommendations(
                session,
                scope,
                search,
                now_epoch=int(time.time()),
                not_played_days=not_played_days,
                limit=limit,
            )
        except NoAnalysisData as error:
            raise CliError(str(error)) from None
    print_table(table_of("recommendations", found), as_json, False, "Rediscover")
