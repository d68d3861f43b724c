"""`tonearm analyze`: decode pending files once for audio hash, fingerprint and features; AcoustID opt-in."""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import asdict
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from analyzer.acoustid import AcoustIdSummary, PyAcoustIdService, load_acoustid_config, sync_acoustid
from analyzer.analysis import AnalysisSummary, analyze_library
from app.context import CliError, cli_context
from models.progress import Cancelled, CancelToken, run_to_end
from models.progress import Progress as WorkProgress

app = typer.Typer()
console = Console(stderr=True)
out = Console()
T = TypeVar("T")
_STAGES = {"analyze": "Analysing audio", "index": "Updating the similarity index",
           "acoustid": "Looking up AcoustID", "acoustid-submit": "Submitting to AcoustID"}  # fmt: skip


@app.command("analyze")
def analyze(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="No progress bar; print the summary as JSON."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Worker processes (default: all cores)."
    ),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="Also retry files that failed before."),
    acoustid: bool = typer.Option(
        False,
        "--acoustid",
        help="Look the analysed files up on AcoustID (needs your API key: TONEARM_ACOUSTID_API_KEY or "
        "[acoustid] api_key in config.toml).",
    ),
    submit: bool = typer.Option(
        False, "--acoustid-submit", help="Also submit new fingerprints that have an MBID."
    ),
) -> None:
    """Analyse new and changed files: audio hash, Chromaprint fingerprint, Essentia features, then the index."""
    config = load_acoustid_config() if acoustid or submit else None
    if (acoustid or submit) and config is None:
        raise CliError("AcoustID needs your API key: set TONEARM_ACOUSTID_API_KEY or [acoustid] api_key")
    db = cli_context(ctx).database()
    token = CancelToken()
    show_bar = not as_json and console.is_terminal
    try:
        summary = _drain(
            analyze_library(db, cancel=token, workers=workers, retry_errors=retry_errors), show_bar
        )
        looked: AcoustIdSummary | None = None
        if config is not None:
            service = PyAcoustIdService(config)
            events = sync_acoustid(db, service, summary.analyzed_ids, submit=submit, cancel=token)
            looked = _drain(events, show_bar)
    except KeyboardInterrupt:
        raise CliError(
            "analysis interrupted; finished files are kept, run analyze again to continue"
        ) from None
    except Cancelled:
        raise CliError("analysis cancelled; run analyze again to continue") from None
    if as_json:
        data: dict[str, object] = {
            **summary.counts(),
            "error_kinds": dict(summary.error_kinds),
            "problems": [asdict(p) for p in summary.problems],
        }
        if looked is not None:
            data["acoustid"] = asdict(looked)
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    _print_summary(summary, looked)


def _drain(events: Generator[WorkProgress, None, T], show_bar: bool) -> T:
    if not show_bar:
        return run_to_end(events)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Analysing audio", total=None)
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                return stop.value
            bar.update(
                task,
                completed=event.done,
                total=event.total,
                description=_STAGES.get(event.stage, event.stage),
            )


def _print_summary(summary: AnalysisSummary, looked: AcoustIdSummary | None) -> None:
    colour = "red" if summary.errors else "green"
    out.print(
        f"{summary.pending:,} files to analyse: [green]{summary.analyzed:,} analysed[/], "
        f"[{colour}]{summary.errors:,} errors[/], {summary.partial:,} partial; "
        f"{summary.indexed_tracks:,} tracks in the similarity index"
    )
    if summary.moved:
        out.print(f"{summary.moved:,} moved files recognized by their audio.")
    for problem in summary.problems:
        out.print(
            f"{problem.kind:<9} {problem.path}: {problem.reason}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if looked is not None:
        out.print(
            f"AcoustID: {looked.looked_up:,} looked up, {looked.linked:,} linked, {looked.submitted:,} submitted"
        )
        for error in looked.errors:
            out.print(f"[yellow]acoustid[/] {error}")
