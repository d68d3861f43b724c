"""`tonearm organize --template T [--apply] [--undo]`: rename and move files from their tags."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.markup import escape

from analyzer.curation.organize import (
    DEFAULT_TEMPLATE,
    FIELDS,
    TemplateError,
    pending_proposals,
    propose_moves,
    reject_proposals,
)
from analyzer.curation.organize_apply import ApplySummary, apply_proposals, undo_last_run
from app.commands.long_run import Bar, interruptible, stopped
from app.context import CliError, cli_context

app = typer.Typer()
out = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
MOVE_BAR = Bar("Moving files", "files", {"move": "Moving files"})


@app.command("organize")
def organize(
    ctx: typer.Context,
    template: str | None = typer.Option(
        None,
        "--template",
        "-t",
        help=f"Path template, e.g. '{DEFAULT_TEMPLATE}'. Fields: " + ", ".join("$" + f for f in FIELDS) + ".",
    ),  # fmt: skip
    apply: bool = typer.Option(
        False, "--apply", help="Move the files now (a preview was shown by a run without --apply)."
    ),
    min_confidence: int = typer.Option(
        0, "--min-confidence", min=0, max=100, help="With --apply: only proposals this sure."
    ),
    undo: bool = typer.Option(False, "--undo", help="Move back the files of the last --apply."),
    reject: list[int] = typer.Option([], "--reject", help="Never propose this proposal again (repeatable)."),
    root: str | None = typer.Option(
        None, "--root", help="Put files under this folder instead of their library folder."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Rename and move files from their tags with a path template: preview first, then --apply, --undo.

    Without --apply it only shows the proposals (current path, new path, confidence, reason). --apply
    never overwrites a file, updates the library as each file moves, and survives being killed: the next
    run finishes or rolls back what was in flight. Rejected proposals are not proposed again.
    """
    db = cli_context(ctx).database()
    if reject:
        with db.session() as session:
            count = reject_proposals(session, reject)
        out.print(f"Rejected {count} proposal(s); they will not be proposed again.")
        if template is None and not apply and not undo:
            return
    if undo:
        with interruptible(
            "Stopping after the file in hand", show_bar=not as_json and errors.is_terminal
        ) as run:
            summary = run.drain(undo_last_run(db, cancel=run.token), MOVE_BAR)
        _report(summary, "moved back", as_json)
        return
    if template is None:
        raise CliError("give --template (for example --template '" + DEFAULT_TEMPLATE + "'), or --undo")
    try:
        with db.session() as session:
            proposed = propose_moves(session, template, root=root)
            pending = pending_proposals(session)
            rows = [{"id": p.id, "current_path": p.current_path, "proposed_path": p.proposed_path,
                     "confidence": p.confidence, "reason": p.reason} for p in pending]  # fmt: skip
    except TemplateError as error:
        raise CliError(str(error)) from None
    if not apply:
        if as_json:
            typer.echo(json.dumps({"proposals": rows, "unchanged": proposed.unchanged,
                                   "rejected_before": proposed.rejected_before,
                                   "outside_library": proposed.outside_library}, indent=2, ensure_ascii=False))  # fmt: skip
            return
        for p in pending:
            out.print(f"[{p.id}] {p.confidence:>3}%  {escape(p.current_path)}\n"
                      f"        -> {escape(p.proposed_path)}\n        [dim]{escape(p.reason)}[/]",
                      highlight=False)  # fmt: skip
        out.print(f"{len(rows)} to move, {proposed.unchanged} already in place"
                  + (f", {proposed.rejected_before} rejected before" if proposed.rejected_before else "")
                  + (f", {proposed.outside_library} outside the library folders" if proposed.outside_library else "")
                  + ". Run again with --apply to move them.", highlight=False)  # fmt: skip
        return
    chosen = [p.id for p in pending if p.confidence >= min_confidence]
    with interruptible("Stopping after the file in hand", show_bar=not as_json and errors.is_terminal) as run:
        summary = run.drain(apply_proposals(db, chosen, cancel=run.token), MOVE_BAR)
    _report(summary, "moved", as_json)


def _report(summary: ApplySummary, verb: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"run_id": summary.run_id, verb.replace(" ", "_"): summary.applied,
                               "failed": [{"proposal": i, "why": why} for i, why in summary.failed],
                               "resumed": summary.resumed, "rolled_back": summary.rolled_back,
                               "cancelled": summary.cancelled}, indent=2, ensure_ascii=False))  # fmt: skip
    else:
        if summary.resumed or summary.rolled_back:
            out.print(f"An interrupted run was settled first: {summary.resumed} finished, "
                      f"{summary.rolled_back} back to pending.")  # fmt: skip
        out.print(
            f"{summary.applied} files {verb}"
            + (f", {len(summary.failed)} failed:" if summary.failed else ".")
        )
        for proposal_id, why in summary.failed:
            out.print(f"  [{proposal_id}] {escape(why)}", highlight=False)
        if summary.run_id is None and not summary.applied:
            out.print("Nothing to move.")
    if summary.cancelled:
        stopped(f"organize stopped: {summary.applied} files {verb}; the rest stay where they are")
    if summary.failed:
        raise typer.Exit(1)
