"""`tonearm enrich`: match pending listens (and re-try misses after the library changed) to tracks."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from analyzer.matching import EnrichSummary, MatchSettings, enrich_listens
from analyzer.matching.enrich import status_counts
from app.commands.long_run import Bar, interruptible, stopped
from app.context import cli_context

app = typer.Typer()
console = Console(stderr=True)
out = Console()
_DEFAULTS = MatchSettings()
ENRICH_BAR = Bar(
    "Reading the library", "listens", {"index": "Reading the library", "match": "Matching listens"}
)


@app.command("enrich")
def enrich(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="No progress bar; print the summary as JSON."),
    retry: bool = typer.Option(
        False, "--retry", help="Also re-try every unmatched and ambiguous listen (done anyway after a scan)."
    ),
    threshold: float = typer.Option(
        _DEFAULTS.auto_link, "--threshold", min=0.0, max=1.0, help="Confidence needed to link automatically."
    ),
    margin: float = typer.Option(
        _DEFAULTS.rival_margin, "--margin", min=0.0, help="Lead over the runner-up needed to link."
    ),
) -> None:
    """Link listens to library tracks: by IDs, exact names, learned aliases, then fuzzy candidates.

    Listens a person decided (review) are never changed. Unsure ones are left for `tonearm review`.
    Ctrl-C stops after the batch in hand is written (exit code 130); run it again to continue.
    """
    settings = MatchSettings(auto_link=threshold, rival_margin=margin)
    db = cli_context(ctx).database()
    show_bar = not as_json and console.is_terminal
    with interruptible("Stopping after the batch in hand", show_bar=show_bar) as run:
        summary = run.drain(enrich_listens(db, settings=settings, retry=retry, cancel=run.token), ENRICH_BAR)
    with db.session() as session:
        totals = status_counts(session)
    if as_json:
        data = {**summary.counts(), "cancelled": summary.cancelled, "reasons": summary.reasons}
        typer.echo(json.dumps({**data, "totals": totals}, indent=2))
    else:
        _print_summary(summary, totals)
    if summary.cancelled:
        done = summary.matched + summary.ambiguous + summary.unmatched
        stopped(
            f"enrich stopped: {done:,} of {summary.selected:,} listens done, run enrich again to continue"
        )


def _print_summary(summary: EnrichSummary, totals: dict[str, int]) -> None:
    out.print(
        f"{summary.selected:,} listens matched: [green]{summary.matched:,} linked[/], "
        f"[yellow]{summary.ambiguous:,} ambiguous[/], {summary.unmatched:,} unmatched"
        + (f", {summary.duplicates:,} duplicate plays left unlinked" if summary.duplicates else "")
    )
    if summary.reasons:
        out.print("by reason: " + ", ".join(f"{k} {v:,}" for k, v in sorted(summary.reasons.items())))
    if totals.get("ambiguous") or totals.get("unmatched"):
        out.print("Review the rest with [bold]tonearm review list[/].")
