"""`tonearm analyze`: decode pending files once for audio hash, fingerprint and features; AcoustID opt-in."""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import asdict
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from analyzer.acoustid import AcoustIdSummary, PyAcoustIdService, load_acoustid_config, sync_acoustid
from analyzer.analysis import AnalysisSummary, analyze_library
from analyzer.analysis.path_map import PathMapError, library_path_map, parse_path_map
from analyzer.analysis.pool import process_pool
from app.commands.long_run import Bar, interruptible, stopped
from app.context import CliError, cli_context
from models.engine import Database
from models.unit_of_work import WriteContention

if TYPE_CHECKING:
    from analyzer.analysis.cluster import AnalysisCluster

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
    cluster: str | None = typer.Option(
        None,
        "--cluster",
        metavar="tcp://HOST:8786",
        help="Analyse on this Dask cluster's workers (default: TONEARM_CLUSTER; unset: on this machine).",
    ),
    path_maps: list[str] = typer.Option(
        [],
        "--path-map",
        metavar="FROM=TO",
        help="On the cluster, a local folder FROM is TO on the workers (repeatable; adds to and overrides "
        "`tonearm folders map`).",
    ),
) -> None:
    """Analyse new and changed files: audio hash, Chromaprint fingerprint, Essentia features, then the index.

    Ctrl-C or a plain kill (SIGTERM) stops after committing the files analysed so far (exit code 130); run it
    again to continue. Results are committed about every second, so even kill -9 loses little.
    """
    from analyzer.analysis.cluster import cluster_address

    config = load_acoustid_config() if acoustid or submit else None
    if (acoustid or submit) and config is None:
        raise CliError("AcoustID needs your API key: set TONEARM_ACOUSTID_API_KEY or [acoustid] api_key")
    try:
        extra_maps = [parse_path_map(text) for text in path_maps]
    except PathMapError as error:
        raise CliError(str(error)) from None
    address = cluster_address(cluster)
    if extra_maps and address is None:
        raise CliError("--path-map applies to a cluster's workers: give --cluster (or TONEARM_CLUSTER) too")
    if workers is not None and address is not None:
        raise CliError(
            "--workers sizes the local pool; on a cluster every worker thread takes files "
            "(start workers with `dask worker ADDRESS --nthreads 1`)"
        )
    db = cli_context(ctx).database()
    show_bar = not as_json and console.is_terminal
    looked: AcoustIdSummary | None = None
    with ExitStack() as stack:
        on_cluster = _connect(db, address, extra_maps) if address else None
        if on_cluster is not None:
            stack.callback(on_cluster.close)
            where = f", dashboard {on_cluster.dashboard_link}" if on_cluster.dashboard_link else ""
            console.print(
                f"Analysing on {escape(on_cluster.address)}: {on_cluster.workers} workers, "
                f"{on_cluster.threads} threads{escape(where)}",
                highlight=False,
            )
        run = stack.enter_context(
            interruptible("Stopping after the files analysed so far", show_bar=show_bar)
        )
        analysis = analyze_library(
            db,
            cancel=run.token,
            workers=workers,
            retry_errors=retry_errors,
            executor_factory=process_pool,
            cluster=on_cluster,
        )
        try:
            summary = run.drain(analysis, ANALYZE_BAR)
        except WriteContention as error:  # what was committed before stays; the rest is still pending
            raise CliError(f"{error} (the files analysed before were kept)") from None
        if config is not None and not summary.cancelled:
            service = PyAcoustIdService(config)
            events = sync_acoustid(db, service, summary.analyzed_ids, submit=submit, cancel=run.token)
            looked = run.drain(events, ACOUSTID_BAR)
    if as_json:
        data: dict[str, object] = {
            **summary.counts(),
            "cancelled": summary.cancelled,
            "stopped_by": summary.stopped_by,
            "dashboard": summary.dashboard,
            "error_kinds": dict(summary.error_kinds),
            "problems": [asdict(p) for p in summary.problems],
        }
        if looked is not None:
            data["acoustid"] = asdict(looked)
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_summary(summary, looked)
    if summary.stopped_by is not None:
        raise CliError(
            f"the cluster stopped answering ({summary.stopped_by}): {summary.analyzed + summary.errors:,} "
            "files were written, the rest stay pending; run analyze again when the scheduler is back"
        )
    if summary.cancelled:
        stopped(
            f"analysis stopped: {summary.analyzed + summary.errors:,} of {summary.pending:,} files done, "
            "run analyze again to continue"
        )
    if looked is not None and looked.cancelled:
        stopped(f"AcoustID stopped after {looked.looked_up:,} lookups; the analysis itself is complete")


def _connect(db: Database, address: str, extra_maps: list[tuple[str, str]]) -> AnalysisCluster:
    from analyzer.analysis.cluster import ClusterError, connect_cluster

    with db.session() as session:
        path_map = library_path_map(session, extra_maps)
    try:
        return connect_cluster(address, path_map)
    except ClusterError as error:
        raise CliError(str(error)) from None


def _print_summary(summary: AnalysisSummary, looked: AcoustIdSummary | None) -> None:
    colour = "red" if summary.errors else "green"
    if summary.workers is not None:
        where = f" (dashboard {summary.dashboard})" if summary.dashboard else ""
        out.print(f"Analysed on a cluster of {summary.workers} workers{escape(where)}.", highlight=False)
    out.print(
        f"{summary.pending:,} files to analyse: [green]{summary.analyzed:,} analysed[/], "
        f"[{colour}]{summary.errors:,} errors[/], {summary.partial:,} partial; "
        f"{summary.indexed_tracks:,} tracks in the similarity index"
    )
    if summary.moved:
        out.print(f"{summary.moved:,} moved files recognized by their audio.")
    if summary.unstored:
        out.print(
            f"[yellow]{summary.unstored:,} files could not be analysed on the cluster's workers and stay "
            "pending (see their reasons below).[/]"
        )
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
