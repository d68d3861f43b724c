"""What every CLI command shares: the database it should open, and one-line errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # imported on first use: `tonearm --version` and `--help` never load SQLAlchemy
    from models.engine import Database


class CliError(Exception):
    """An error to show as one line (exit code 1), never as a traceback."""


@dataclass
class CliContext:
    database_url: str | None = None
    _db: Database | None = field(default=None, init=False)

    def database(self, *, initialize: bool = True) -> Database:
        """Open the configured database (created with every table on first use unless ``initialize`` is off)."""
        if self._db is None:
            from models.engine import open_database

            self._db = open_database(self.database_url)
            if initialize:
                from models.bootstrap import init_database

                init_database(self._db)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


def cli_context(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliContext)
    return obj
