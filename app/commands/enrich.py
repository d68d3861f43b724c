"""`tonearm enrich`: match pending listens (and re-try misses after the library changed) to tracks."""

from __future__ import annotations

import json
from collections.abc import Generator

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from analyzer.matching import EnrichSummary, MatchSettings, enrich_listens
from analyzer.matching.enrich import status_counts
from app.context import CliError, cli_context
from models.progress import Cancelled, CancelToken, run_to_end
from models.progress import Progress as EnrichProgress

app = typer.Typer()
console = Console(stderr=True)
out = Console()
_DEFAULTS = MatchSettings()


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
    """
    settings = MatchSettings(auto_link=threshold, rival_margin=margin)
    db = cli_context(ctx).database()
    events = enrich_listens(db, settings=settings, retry=retry, cancel=CancelToken())
    try:
        summary = _drain(events, show_bar=not as_json and console.is_terminal)
    except (KeyboardInterrupt, Cancelled):
        raise CliError(
            "enrich interrupted; the batches written so far are kept, run it again to continue"
        ) from None
    with db.session() as session:
        totals = status_counts(session)
    if as_json:
        typer.echo(json.dumps({**summary.counts(), "reasons": summary.reasons, "totals": totals}, indent=2))
        return
    out.print(
        f"{summary.selected:,} listens matched: [green]{summary.matched:,} linked[/], "
        f"[yellow]{summary.ambiguous:,} ambiguous[/], {summary.unmatched:,} unmatched"
        + (f", {summary.duplicates:,} duplicate plays left unlinked" if summary.duplicates else "")
    )
    if summary.reasons:
        out.print("by reason: " + ", ".join(f"{k} {v:,}" for k, v in sorted(summary.reasons.items())))
    if totals.get("ambiguous") or totals.get("unmatched"):
        out.print("Review the rest with [bold]tonearm review list[/].")


def _drain(events: Generator[EnrichProgress, None, EnrichSummary], *, show_bar: bool) -> EnrichSummary:
    if not show_bar:
        return run_to_end(events)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Reading the library", total=None)
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                return stop.value
            if event.stage == "match":
                bar.update(task, description="Matching listens", completed=event.done, total=event.total)
