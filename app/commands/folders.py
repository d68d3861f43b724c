"""`tonearm folders add|remove|list|map`: the library folders, kept in the database and shared with the app."""

from __future__ import annotations

import json
import os

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from analyzer.scan.folders import (
    FolderError,
    add_folder,
    list_folders,
    map_folder,
    normalise_folder,
    remove_folder,
)
from app.context import CliError, cli_context

app = typer.Typer(
    help=(
        "Add, remove and list the library folders that `tonearm scan` scans by default.\n\n"
        "A folder inside a library folder is already scanned and is refused; adding a parent replaces the "
        "library folders inside it. Removing a folder takes its files out of the library; listens of the "
        "tracks that leave go back to matching (`tonearm enrich`)."
    ),
    no_args_is_help=True,
)
console = Console(soft_wrap=True)  # paths stay on one line, whatever the width
errors = Console(stderr=True, soft_wrap=True)


@app.command("add")
def add(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="Folders to add (relative paths and ~ are resolved)."),
) -> None:
    """Add folders to the library; `tonearm scan` then scans them.

    Each folder is added on its own: a bad one does not stop the others (exit code 1 if any failed).
    """
    db = cli_context(ctx).database()
    failed = 0
    for path in paths:
        try:
            with db.session() as session:
                before = {folder.path for folder in list_folders(session)}
                added = add_folder(session, path)
                replaced = sorted(before - {folder.path for folder in list_folders(session)})
        except FolderError as error:
            errors.print(f"error: {escape(str(error))}", highlight=False)
            failed += 1
            continue
        console.print(f"Added {escape(added.path)} (id {added.id}).", highlight=False)
        for inner in replaced:
            console.print(f"  it replaces the library folder inside it: {escape(inner)}", highlight=False)
    if failed < len(paths):
        console.print("Run `tonearm scan` to read the new folders.", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command("remove")
def remove(
    ctx: typer.Context,
    folder: str = typer.Argument(..., metavar="PATH|ID", help="A library folder's path, or its id."),
) -> None:
    """Remove a library folder: its files and the tracks only they held leave the library.

    A track a playlist or event holds stays. Listens of removed tracks are kept and go back to matching.
    """
    with cli_context(ctx).database().session() as session:
        target: str | int = folder
        if folder.isdigit():
            known = {entry.path for entry in list_folders(session)}
            if normalise_folder(folder) not in known:
                target = int(folder)
        try:
            removed = remove_folder(session, target)
        except FolderError as error:
            raise CliError(f"{error} (`tonearm folders list` shows the library folders)") from None
    console.print(
        f"Removed {escape(removed.folder.path)}: {removed.files_removed} files and "
        f"{removed.tracks_removed} tracks left the library.",
        highlight=False,
    )
    if removed.listens_unlinked:
        console.print(
            f"{removed.listens_unlinked} listens of those tracks went back to matching: run `tonearm enrich`.",
            highlight=False,
        )


@app.command("map")
def map_(
    ctx: typer.Context,
    folder: str = typer.Argument(..., metavar="PATH|ID", help="A library folder's path, or its id."),
    worker_path: str | None = typer.Argument(
        None, metavar="WORKER_PATH", help="Where the cluster's workers see this folder, e.g. /mnt/music."
    ),
    clear: bool = typer.Option(False, "--clear", help="Forget the folder's worker path."),
) -> None:
    """Say where the workers of an analysis cluster (`tonearm analyze --cluster`) see a library folder.

    Each file's path under the folder is rewritten to the same path under WORKER_PATH before a worker opens
    it. `--path-map FROM=TO` on `tonearm analyze` overrides this for one run.
    """
    if (worker_path is None) == (not clear):
        raise CliError("give the worker path (e.g. `tonearm folders map ~/Music /mnt/music`) or --clear")
    with cli_context(ctx).database().session() as session:
        target: str | int = folder
        if folder.isdigit():
            known = {entry.path for entry in list_folders(session)}
            if normalise_folder(folder) not in known:
                target = int(folder)
        try:
            mapped = map_folder(session, target, None if clear else worker_path)
        except FolderError as error:
            raise CliError(f"{error} (`tonearm folders list` shows the library folders)") from None
    if mapped.worker_path is None:
        console.print(f"{escape(mapped.path)}: workers use the same path again.", highlight=False)
    else:
        console.print(
            f"{escape(mapped.path)} is {escape(mapped.worker_path)} on the cluster's workers.",
            highlight=False,
        )


@app.command("list")
def list_(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
) -> None:
    """The library folders, by path; `on disk` says whether each can be found now."""
    with cli_context(ctx).database().session() as session:
        folders = list_folders(session)
    rows = [
        {
            "id": folder.id,
            "path": folder.path,
            "added_at": folder.added_at.isoformat(),
            "on_disk": os.path.isdir(folder.path),
            "worker_path": folder.worker_path,
        }
        for folder in folders
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        console.print("No library folders yet: add one with `tonearm folders add PATH`.", highlight=False)
        return
    table = Table("id", "added", "on disk")
    table.add_column("path", overflow="fold")  # a path is never cut short
    mapped = any(folder.worker_path for folder in folders)
    if mapped:
        table.add_column("on the cluster's workers", overflow="fold")
    for folder, row in zip(folders, rows, strict=True):
        cells = [
            str(folder.id),
            folder.added_at.strftime("%Y-%m-%d %H:%M"),
            "yes" if row["on_disk"] else "NO",
            escape(folder.path),
        ]
        if mapped:
            cells.append(escape(folder.worker_path or "(same path)"))
        table.add_row(*cells)
    console.print(table)
