"""`tonearm review ...`: the queue of unsure matches and the decisions on them (same core as the GUI)."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict
from typing import Any

import typer
from rich.console import Console

from analyzer import review as core
from analyzer.review_queue import GroupKey, queue_page, skip_group, skipped_keys, unskip_group
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
    suspicious: bool = typer.Option(
        False, "--suspicious", help="Automatic links worth a second look instead (weak, close rival, ...)."
    ),
    skipped: bool = typer.Option(False, "--skipped", help="The songs skipped for later instead."),
) -> None:
    """List listens waiting for review, in groups, biggest first, with their candidates."""
    if suspicious or skipped:
        _list_other(ctx, suspicious=suspicious, limit=limit or 50, as_json=as_json)
        return
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
    if group_by == "song":
        with cli_context(ctx).database().session() as session:
            skips = len(skipped_keys(session))
        if skips:
            out.print(f"{skips:,} song(s) skipped for later: `tonearm review list --skipped`")


def _list_other(ctx: typer.Context, *, suspicious: bool, limit: int, as_json: bool) -> None:
    """``--suspicious`` or ``--skipped``: groups as the window lists them (what was heard, how many listens)."""
    from analyzer.review_suspicious import suspicious_page

    with cli_context(ctx).database().session() as session:
        if suspicious:
            page, found = suspicious_page(session, limit=limit)
            reasons = {item.group.key: item.reason_text for item in found}
        else:
            page, reasons = queue_page(session, limit=limit, skipped=True), {}
    rows: list[dict[str, Any]] = [
        {
            "group": group.label,
            "listens": group.listens,
            "listen_ids": list(group.listen_ids),
            "first": group.first_at.isoformat(),
            "last": group.last_at.isoformat(),
            **({"why": reasons[group.key]} if group.key in reasons else {}),
        }
        for group in page.groups
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        first = row["listen_ids"][0] if row["listen_ids"] else "?"
        why = f" — {row['why']}" if "why" in row else ""
        out.print(f"[bold]{row['group']}[/] ({row['listens']:,} listens, e.g. listen {first}){why}")
    out.print(f"{page.total_listens:,} listens in {page.total_groups:,} groups")


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
    leave: list[int] = typer.Option([], "--except", help="A listen of the group to leave alone (repeat)."),
) -> None:
    """Link every undecided listen with this listen's artist and title to one track."""
    with cli_context(ctx).database().session() as session:
        try:
            decision = core.accept_group(
                session, listen, track, reviewer=reviewer or _reviewer(), exclude=set(leave)
            )
        except core.ReviewError as exc:
            raise CliError(str(exc)) from None
    _report(decision)


def _group_of(session: Any, listen_id: int) -> tuple[GroupKey, str]:
    from models.listens import Listen

    listen = session.get(Listen, listen_id)
    if listen is None:
        raise CliError(f"no listen {listen_id}")
    key = GroupKey(listen.artist_name_normalized, listen.track_name_normalized)
    return key, f"{listen.artist_name} – {listen.track_name}"


@app.command("skip")
def review_skip(
    ctx: typer.Context, listen: int = typer.Argument(..., help="Any listen of the song to put aside.")
) -> None:
    """Put a song aside for later: it leaves `review list` (and the window's queue) until `unskip`."""
    with cli_context(ctx).database().session() as session:
        key, label = _group_of(session, listen)
        skip_group(session, key, label)
    out.print(f"skipped for later: {label}")


@app.command("unskip")
def review_unskip(
    ctx: typer.Context, listen: int = typer.Argument(..., help="Any listen of the skipped song.")
) -> None:
    """Bring a skipped song back into the queue."""
    with cli_context(ctx).database().session() as session:
        key, label = _group_of(session, listen)
        if not unskip_group(session, key):
            raise CliError(f"{label} was not skipped")
    out.print(f"back in the queue: {label}")


@app.command("aliases")
def review_aliases(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
) -> None:
    """The aliases review decisions taught the matcher, newest first, with the decision that taught each."""
    from analyzer.aliases import learned_aliases

    with cli_context(ctx).database().session() as session:
        found = learned_aliases(session)
    if as_json:
        rows = [
            {
                "kind": a.kind,
                "id": a.alias_id,
                "alias": a.alias,
                "means": a.target,
                "decision": a.decision,
                "reviewer": a.reviewer,
                "reviewed_at": a.reviewed_at.isoformat() if a.reviewed_at else None,
            }
            for a in found
        ]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for a in found:
        out.print(f"{a.kind} {a.alias_id}: {a.alias!r} -> {a.target} ({a.decision})")
    out.print(f"{len(found):,} learned alias(es); forget one with `tonearm review forget-alias KIND ID`")


@app.command("forget-alias")
def review_forget_alias(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="title or artist"),
    alias_id: int = typer.Argument(..., help="The id `tonearm review aliases` shows."),
) -> None:
    """Remove one learned alias (the next enrich run re-tries without it; decided listens stay)."""
    from analyzer.aliases import remove_alias

    if kind not in ("title", "artist"):
        raise CliError(f"KIND must be title or artist, not {kind!r}")
    with cli_context(ctx).database().session() as session:
        if not remove_alias(session, kind, alias_id):  # type: ignore[arg-type]
            raise CliError(f"no learned {kind} alias {alias_id}")
    out.print(f"forgot {kind} alias {alias_id}")


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
