"""The ``tonearm`` console script: a library's first scan starts reading before the command line's machinery
is imported.

:mod:`app.cli` imports Typer (and through it click) at module level, ~30 ms of one core while the other has
nothing to do. For a first scan (``tonearm scan PATH...`` into a new SQLite database, recognised with the
standard library alone by :mod:`app.commands.first_scan`) the read workers start first and read while
:mod:`app.cli` is imported; every command line then runs through :func:`app.cli.main` as before, which also
reports any error of the early start as it reports the command's own.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.commands.first_scan import FirstScan


def main() -> int:
    args = sys.argv[1:]
    first_scan: FirstScan | BaseException | None = None
    if "scan" in args:
        from app.commands.first_scan import start_first_scan

        try:
            first_scan = start_first_scan(args)
        except BaseException as exc:  # Ctrl-C included: app.cli.main reports it as it always does
            first_scan = exc
    from app.cli import main as cli_main

    return cli_main(first_scan=first_scan, first_scan_checked=True)


if __name__ == "__main__":
    sys.exit(main())
