"""`tonearm analyze`: decode pending files once for audio hash, fingerprint and features; AcoustID opt-in."""

from __future__ import annotations

import json
import signal
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict

import typer
from rich.console import Console

from analyzer.acoustid import AcoustIdSummary, PyAcoustIdService, load_acoustid_config, sync_acoustid
from analyzer.analysis import AnalysisSummary, analyze_library
from analyzer.analysis.pool import TASKS_PER_CHILD
from app.commands.long_run import Bar, interruptible, stopped
from app.context import CliError, cli_context

app = typer.Typer()
console = Console(stderr=True)
out = Console()
ANALYZE_BAR = Bar(
    "Analysing audio",
    "files",
    {"analyze": "Analysing audio", "index": "Updating the similarity index"},
)
ACOUSTID_BAR = Bar(
    "Looking up AcoustID",
    "files",
    {"acoustid": "Looking up AcoustID", "acoustid-submit": "Submitting to AcoustID"},
)


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
    """Analyse new and changed files: audio hash, Chromaprint fingerprint, Essentia features, then the index.

    Ctrl-C stops after committing the files analysed so far (exit code 130); run it again to continue.
    """
    config = load_acoustid_config() if acoustid or submit else None
    if (acoustid or submit) and config is None:
        raise CliError("AcoustID needs your API key: set TONEARM_ACOUSTID_API_KEY or [acoustid] api_key")
    db = cli_context(ctx).database()
    show_bar = not as_json and console.is_terminal
    looked: AcoustIdSummary | None = None
    with interruptible("Stopping after the files analysed so far", show_bar=show_bar) as run:
        analysis = analyze_library(
            db, cancel=run.token, workers=workers, retry_errors=retry_errors, executor_factory=_workers
        )
        summary = run.drain(analysis, ANALYZE_BAR)
        if config is not None and not summary.cancelled:
            service = PyAcoustIdService(config)
            events = sync_acoustid(db, service, summary.analyzed_ids, submit=submit, cancel=run.token)
            looked = run.drain(events, ACOUSTID_BAR)
    if as_json:
        data: dict[str, object] = {
            **summary.counts(),
            "cancelled": summary.cancelled,
            "error_kinds": dict(summary.error_kinds),
            "problems": [asdict(p) for p in summary.problems],
        }
        if looked is not None:
            data["acoustid"] = asdict(looked)
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_summary(summary, looked)
    if summary.cancelled:
        stopped(
            f"analysis stopped: {summary.analyzed + summary.errors:,} of {summary.pending:,} files done, "
            "run analyze again to continue"
        )
    if looked is not None and looked.cancelled:
        stopped(f"AcoustID stopped after {looked.looked_up:,} lookups; the analysis itself is complete")


def _workers(count: int) -> Executor:
    """The analysis pool, its workers deaf to Ctrl-C. A terminal sends SIGINT to the whole process group;
    the pool's workers are spawned (``max_tasks_per_child``), so they would die of it and hand the
    KeyboardInterrupt back as their file's result. Here the command decides: it stops after the files
    in hand."""
    return ProcessPoolExecutor(
        max_workers=count,
        max_tasks_per_child=TASKS_PER_CHILD,
        initializer=signal.signal,
        initargs=(signal.SIGINT, signal.SIG_IGN),
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
