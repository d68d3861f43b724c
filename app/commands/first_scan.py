"""A library's first scan run before Typer: ``tonearm [--database-url URL] scan PATH... [--json]
[--include-hidden] [--errors]`` into a SQLite database that does not exist yet.

Such a scan reads thousands of files in a process pool; everything before the pool starts is time the
second core idles. Typer builds its command through pydantic, and the command module imports rich,
SQLAlchemy and the ORM (~0.25 CPU-s before the workers could start). Here the command line is recognised
with nothing but the standard library, the read workers start (:func:`analyzer.scan.runner.start_reading`),
and then the scan command's own function (:func:`app.commands.scan.scan_command`) runs with the same
options, taking the started reads over. Any other command line, or one this is not sure of (an unknown
option, a missing path, a database that exists or a URL only SQLAlchemy reads), returns None and goes to
Typer as before, which also gives every error message as before.

Imports nothing heavy at module level: the console script (:mod:`app.launch`) imports this for any command
line naming "scan" before it imports :mod:`app.cli` (Typer itself costs ~30 ms before the workers could
start), and :func:`app.cli.main` for a command line it was handed directly.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from models.database_location import DATABASE_URL_ENV, plain_new_sqlite_database

if TYPE_CHECKING:
    from analyzer.scan.runner import StartedScan

FLAGS = ("--json", "--include-hidden", "--errors")
"""The scan command's options, all flags (app.commands.scan.scan); tests keep the two lists the same."""


def parse_first_scan(argv: Sequence[str]) -> tuple[str | None, list[str], set[str]] | None:
    """(database URL option, PATHs, flags) of a plain ``scan PATH...`` command line, else None."""
    args = list(argv)
    url = None
    if args and args[0] == "--database-url" and len(args) > 1:
        url, args = args[1], args[2:]
    elif args and args[0].startswith("--database-url="):
        url, args = args[0].partition("=")[2], args[1:]
    if not args or args[0] != "scan":
        return None
    paths: list[str] = []
    flags: set[str] = set()
    for arg in args[1:]:
        if arg in FLAGS:
            flags.add(arg)
        elif arg.startswith("-"):
            return None  # --help, --, an option this does not know: Typer decides
        else:
            paths.append(arg)
    return (url, paths, flags) if paths else None


@dataclass
class FirstScan:
    """A first scan whose read workers are reading: what :func:`finish_first_scan` needs to run it."""

    url: str | None
    paths: list[Path]
    flags: set[str]
    started: StartedScan


def start_first_scan(argv: Sequence[str]) -> FirstScan | None:
    """Start the read workers of ``argv`` when it is a first scan into a new SQLite database; None when it is
    anything else, to be run by Typer. The console script (:mod:`app.launch`) calls this before it imports
    the command line's machinery (Typer, rich), so the workers read while that is imported."""
    parsed = parse_first_scan(argv)
    if parsed is None:
        return None
    url, names, flags = parsed
    url = url if url is not None else os.environ.get(DATABASE_URL_ENV)  # Typer's envvar for the option
    paths = [Path(name) for name in names]
    if not all(path.exists() for path in paths) or plain_new_sqlite_database(url) is not True:
        return None
    from analyzer.scan.runner import start_reading

    started = start_reading([str(path) for path in paths], include_hidden="--include-hidden" in flags)
    return FirstScan(url, paths, flags, started)


def finish_first_scan(first: FirstScan) -> int:
    """Run the scan :func:`start_first_scan` began and return its exit code (errors raise, as the command's
    do under Typer)."""
    try:
        from app.commands.scan import scan_command
        from app.context import CliContext

        context = CliContext(database_url=first.url)
        try:
            scan_command(
                context,
                first.paths,
                as_json="--json" in first.flags,
                include_hidden="--include-hidden" in first.flags,
                errors="--errors" in first.flags,
                started=first.started,
            )
        finally:
            context.close()
    finally:
        first.started.close()  # nothing left to stop when the scan took the reads over
    return 0


def run_first_scan(argv: Sequence[str]) -> int | None:
    """Run ``argv`` as a first scan into a new SQLite database and return its exit code (errors raise, as
    the command's do under Typer); None when ``argv`` is anything else, to be run by Typer."""
    first = start_first_scan(argv)
    return None if first is None else finish_first_scan(first)
