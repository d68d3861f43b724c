"""`tonearm duplicates`: groups of files with the same audio or the same recording, and which to keep."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console

from analyzer.duplicates import DuplicateGroup, find_duplicates
from app.context import cli_context

app = typer.Typer()
out = Console()


@app.command("duplicates")
def duplicates(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List duplicate groups: identical audio (audio hash) and the same recording (fingerprint)."""
    with cli_context(ctx).database().session() as session:
        groups = find_duplicates(session)
    if as_json:
        typer.echo(json.dumps([_as_dict(g) for g in groups], indent=2, ensure_ascii=False))
        return
    for number, group in enumerate(groups, 1):
        out.print(f"[bold]Group {number}[/]: {group.explanation}")
        for item in group.files:
            mark = "keep" if item is group.keep else "    "
            rate = f"{item.bitrate // 1000} kbps" if item.bitrate else ""
            line = f"  {mark} {item.path}  ({item.codec or item.format or '?'} {rate})"
            out.print(line, markup=False, highlight=False, soft_wrap=True)
        out.print(f"  why: {group.why}", markup=False, highlight=False)
    if not groups:
        out.print("No duplicates found (run tonearm analyze first if files are new).")
    else:
        spare = sum(len(g.files) - 1 for g in groups)
        noun = "group" if len(groups) == 1 else "groups"
        out.print(f"{len(groups):,} {noun}, {spare:,} file{'s' if spare != 1 else ''} that could go.")


def _as_dict(group: DuplicateGroup) -> dict[str, object]:
    return {
        "reason": group.reason,
        "score": group.score,
        "explanation": group.explanation,
        "keep": group.keep.path,
        "why": group.why,
        "files": [asdict(f) for f in group.files],
    }
