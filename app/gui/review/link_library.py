"""The library's columns for the link search popup, read once in the background and kept until the
library changes (the Library screen keeps its own copy; this one loads only when L is first pressed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.gui.state import AppState

if TYPE_CHECKING:
    from analyzer.catalog.library import LibraryColumns
    from app.gui.jobs import Job
    from models.engine import Database


def _read_columns(db: Database) -> LibraryColumns:
    from analyzer.catalog.library import load_library
    from analyzer.catalog.search import parse_query

    with db.session() as session:
        columns = load_library(session)
    parse_query("warm").mask(columns)  # the search index, built here rather than on the first keystroke
    return columns


class LibraryForLinks(QObject):
    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.columns: LibraryColumns | None = None
        self._job: Job | None = None
        self._waiting: list[Callable[[LibraryColumns | None], None]] = []
        state.library_changed.connect(self._forget)
        state.database_changed.connect(self._forget)

    def load(self, then: Callable[[LibraryColumns | None], None]) -> None:
        """Call ``then(columns)`` once the columns are read (at once when they are)."""
        if self.columns is not None:
            then(self.columns)
            return
        self._waiting.append(then)
        if self._job is not None:
            return
        db = self.state.db
        job = self.state.jobs.call("Read the library for linking", lambda: _read_columns(db))
        self._job = job
        job.ended.connect(lambda: self._loaded(job))

    def _loaded(self, job: Job) -> None:
        self._job = None
        self.columns = job.result if job.outcome == "finished" else None
        waiting, self._waiting = self._waiting, []
        for then in waiting:
            try:
                then(self.columns)
            except RuntimeError:  # the dialog was closed and deleted meanwhile
                continue

    def _forget(self) -> None:
        self.columns = None
