"""`tonearm review ...`: the queue of unsure matches and the decisions on them (same core as the GUI)."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict
from typing import Any

import typer
from rich.console import Console

from analyzer import review as core
from app.context import CliError, cli_context
from models.enums import EnrichStatus

app = typer.Typer(help="Review listens enrich could not link for sure.", no_args_is_help=True)
out = Console()


def _reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


_REVIEWER = typer.Option(None, "--reviewer", help="Who decides (default: the login name).")


@app.command("list")
def review_list(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="ambiguous or unmatched (default: both)."),
    group_by: str = typer.Option("song", "--group-by", help="song, artist or release."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many groups."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List listens waiting for review, in groups, biggest first, with their candidates."""
    if status not in (None, "ambiguous", "unmatched"):
        raise CliError(f"--status must be ambiguous or unmatched, not {status!r}")
    if group_by not in ("song", "artist", "release"):
        raise CliError(f"--group-by must be song, artist or release, not {group_by!r}")
    with cli_context(ctx).database().session() as session:
        groups = core.review_queue(
            session,
            status=EnrichStatus(status) if status else None,
            group_by=group_by,  # type: ignore[arg-type]
            limit=limit,
        )
    if as_json:
        payload = [{"group": g.key, "listens": [_item_json(i) for i in g.items]} for g in groups]
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for group in groups:
        out.print(f"[bold]{group.key}[/] ({len(group.items)} listens)")
        for item in group.items[:20]:
            confidence = f"{item.confidence:.2f}" if item.confidence is not None else "-"
            out.print(
                f"  listen {item.listen_id}: {item.artist_name} - {item.track_name}"
                f" [{item.status}, {item.reason or ''}, {confidence}]"
            )
            for candidate in item.candidates[:3]:
                out.print(
                    f"    {candidate.rank}. track {candidate.track_id}: {candidate.artist} - {candidate.title}"
                    f" ({candidate.confidence:.2f})"
                )
        if len(group.items) > 20:
            out.print(f"  ... {len(group.items) - 20} more")
    out.print(f"{sum(len(g.items) for g in groups):,} listens in {len(groups):,} groups")


def _item_json(item: core.ReviewItem) -> dict[str, Any]:
    data = asdict(item)
    data["listened_at"] = item.listened_at.isoformat()
    return data


def _decide(ctx: typer.Context, action: str, *args: Any, reviewer: str | None) -> None:
    with cli_context(ctx).database().session() as session:
        try:
            decision = getattr(core, action)(session, *args, reviewer=reviewer or _reviewer())
        except core.ReviewError as exc:
            raise CliError(str(exc)) from None
    _report(decision)


def _report(decision: core.Decision | None) -> None:
    if decision is None:
        out.print("nothing to undo")
        return
    target = f" -> track {decision.track_id}" if decision.track_id is not None else ""
    out.print(f"{decision.action}: {len(decision.listen_ids)} listen(s){target}")
    for line in decision.learned:
        out.print(f"  learned {line}")
    if decision.skipped:
        skipped = ", ".join(map(str, decision.skipped))
        out.print(f"  left alone (same play at the same second already linked): {skipped}")


@app.command("accept")
def review_accept(
    ctx: typer.Context,
    listen: int = typer.Argument(..., help="Listen id."),
    candidate: int | None = typer.Argument(None, help="Track id of a candidate (default: the best)."),
    reviewer: str | None = _REVIEWER,
) -> None:
    """Link a listen to its best candidate, or to the candidate track given."""
    _decide(ctx, "accept", listen, candidate, reviewer=reviewer)


@app.command("accept-group")
def review_accept_group(
    ctx: typer.Context,
    listen: int = typer.Argument(..., help="Any listen of the group (same artist and title)."),
    track: int | None = typer.Argument(None, help="Track id (default: that listen's best candidate)."),
    reviewer: str | None = _REVIEWER,
) -> None:
    """Link every undecided listen with this listen's artist and title to one track."""
    _decide(ctx, "accept_group", listen, track, reviewer=reviewer)


@app.command("link")
def review_link(
    ctx: typer.Context,
    listen: int = typer.Argument(..., help="Listen id."),
    track: int = typer.Argument(..., help="Any track id of the library."),
    reviewer: str | None = _REVIEWER,
) -> None:
    """Link a listen to any track (find ids with `tonearm tracks --search`)."""
    _decide(ctx, "link", listen, track, reviewer=reviewer)


@app.command("reject")
def review_reject(
    ctx: typer.Context, listen: int = typer.Argument(..., help="Listen id."), reviewer: str | None = _REVIEWER
) -> None:
    """Say the listen is none of its candidates; enrich will leave it alone."""
    _decide(ctx, "reject", listen, reviewer=reviewer)


@app.command("undo")
def review_undo(ctx: typer.Context) -> None:
    """Undo the last review decision (and forget the aliases it learned)."""
    with cli_context(ctx).database().session() as session:
        decision = core.undo(session)
    _report(decision)
