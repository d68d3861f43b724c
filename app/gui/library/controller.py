"""The Library screen's logic: loading the library in the background, the search query, the browse picks,
and reading a track's detail. The screen holds the widgets; this holds no widget and no SQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.gui.library.browse import BrowseFilter, BrowseListModel, browse_entries
from app.gui.library.model import LibraryTableModel, RowFilter
from app.gui.library.table import LibraryTable, prepare_table
from app.gui.memory import give_back_free_memory, settle_long_lived
from app.gui.state import AppState

if TYPE_CHECKING:
    from analyzer.catalog.detail import TrackDetail
    from analyzer.catalog.library import LibraryColumns
    from analyzer.catalog.search import TrackQuery
    from app.gui.jobs import Job
    from models.engine import Database


def load_table(db: Database, *, index_now: bool = True) -> LibraryTable:
    """Every track as columns, prepared for sorting (and searching with ``index_now``): what the loading
    worker runs, in its own session, so the main thread never pays for sort keys (~0.3 s on 100k) or the
    search index (~0.25 s)."""
    from analyzer.catalog.library import load_library
    from app.gui.library.snapshot import save_snapshot

    with db.session() as session:
        columns = load_library(session)
    if index_now:
        warm_search_index(columns)
    table = prepare_table(columns)
    save_snapshot(db, table)  # the next start shows these rows at once (app/gui/library/snapshot.py)
    return table


def warm_search_index(columns: LibraryColumns) -> None:
    """Build the search index of ``columns`` now (it is kept in ``columns.cache``): a free-text word reads
    every text field, so a keystroke later only runs the masks (~0.5 s of normalizing on 100k otherwise)."""
    from analyzer.catalog.search import parse_query

    parse_query("warm").mask(columns)


class QueryFilter:
    """A parsed search query as a row filter of the table."""

    def __init__(self, query: TrackQuery) -> None:
        self.query = query

    def mask(self, table: LibraryTable) -> np.ndarray:
        return np.asarray(self.query.mask(table.columns), dtype=bool)


class LibraryController(QObject):
    loaded = Signal()  # a (re)load landed in the model
    load_failed = Signal(str)  # why the library could not be read

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = LibraryTableModel(self)
        self.artists = BrowseListModel("artist", self)
        self.albums = BrowseListModel("album", self)
        self.query_text = ""
        self.artist: str | None = None
        self.album: str | None = None
        self._query: QueryFilter | None = None
        self._loading: Job | None = None
        self._reload_pending = False
        self._load_indexes = False
        self._indexing: Job | None = None
        self._indexed = True  # the rows on screen can be searched without building an index first
        self.loads = 0  # finished loads, for tests and the empty state ("not loaded yet" is not "empty")
        self.from_snapshot = (
            False  # the rows on screen came from the last run's snapshot, not this database yet
        )
        state.library_changed.connect(self.reload)
        state.database_changed.connect(self.reload)

    # -- loading -------------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the library again in the background; the view keeps its sort, filter and selection. Calls
        while a load runs are folded into one more load after it (a scan signals every batch).

        Without a search in the box the rows come first and the search index is built by a second
        background read (rows of 100k tracks show ~0.25 s sooner); a search typed meanwhile applies when
        the index is ready. With a search, the load builds the index so the reload can filter at once."""
        if self._loading is not None:
            self._reload_pending = True
            return
        if self.loads == 0 and self.model.total == 0:
            self._show_snapshot()
        db, index_now = self.state.db, self._query is not None
        self._load_indexes = index_now
        self._loading = self.state.jobs.call("Loading library", lambda: load_table(db, index_now=index_now))
        # Bound methods, not lambdas: Qt drops the connection if this controller is gone before the job ends.
        self._loading.finished.connect(self._on_load_finished)
        self._loading.failed.connect(self._on_failed)

    def _show_snapshot(self) -> None:
        """The rows of the last load, until this load replaces them (the start shows rows at once)."""
        from app.gui.library.snapshot import load_snapshot

        table = load_snapshot(self.state.db)
        if table is None or len(table) == 0:
            return
        self._indexed = False  # a search waits for the database's rows, which come with their index
        self.model.set_columns(table, self._filters())
        self.from_snapshot = True
        # The artist and album lists fill in with the database's rows (~1 s later): laying out 30,000
        # entries here cost ~80 ms of the first paint.
        self.loaded.emit()

    @property
    def loading(self) -> bool:
        return self._loading is not None

    @property
    def searchable(self) -> bool:
        """False while the search index of the rows on screen is being built (a search then waits)."""
        return self._indexed

    def _on_loaded(self, table: LibraryTable, *, indexed: bool = True) -> None:
        self._loading = None
        self.from_snapshot = False
        self._indexing = None  # an index still being built is for rows about to be replaced
        self._indexed = indexed
        # Sort and selection are kept; the filters are applied to the new rows (without the search until
        # an index is ready).
        replaced = self.model.total > 0
        self.model.set_columns(table, self._filters())
        if replaced:
            give_back_free_memory()  # the old rows' pages (app/gui/memory.py)
        settle_long_lived()  # the rows live until the next load: keep full collections off them
        self.loads += 1
        if self._refresh_browse():
            self._apply_filters()
        if not indexed:
            self._index(table)
        self.loaded.emit()
        self._next_load()

    def _on_load_finished(self, table: LibraryTable) -> None:
        self._on_loaded(table, indexed=self._load_indexes)

    def _index(self, table: LibraryTable) -> None:
        columns = table.columns
        self._indexing = self.state.jobs.call(
            "Indexing library for search", lambda: warm_search_index(columns)
        )
        self._indexing.finished.connect(self._on_index_ready)
        self._indexing.failed.connect(self._on_index_ready)  # the first search then builds it itself

    def _on_index_ready(self, _result: object) -> None:
        if self.sender() is not self._indexing:
            return  # the index of rows already replaced by a newer load
        self._indexing = None
        self._indexed = True
        if self._query is not None:
            self._apply_filters()

    def _on_failed(self, error: BaseException) -> None:
        self._loading = None
        self.load_failed.emit(f"Could not read the library: {error}")
        self._next_load()

    def _next_load(self) -> None:
        if self._reload_pending:
            self._reload_pending = False
            self.reload()

    # -- filters -------------------------------------------------------------------------------------------

    def set_query(self, text: str) -> str | None:
        """Filter by a search query (see analyzer.catalog.search). Returns the syntax error's message and
        leaves the rows as they were when ``text`` is not a valid query; None when it applied."""
        from analyzer.catalog.search import QuerySyntaxError, parse_query

        text = text.strip()
        if text == self.query_text and (self._query is not None or not text):
            return None
        if not text:
            self._query = None
        else:
            try:
                self._query = QueryFilter(parse_query(text))
            except QuerySyntaxError as error:
                return str(error)
        self.query_text = text
        self._apply_filters()
        return None

    def set_artist(self, artist: str | None) -> None:
        """Show one artist's tracks (None: all); the album list then lists that artist's albums."""
        self.artist = artist
        self.album = None
        self._refresh_albums()
        self._apply_filters()

    def set_album(self, album: str | None) -> None:
        self.album = album
        self._apply_filters()

    def _filters(self) -> list[RowFilter]:
        filters: list[RowFilter] = []
        if self.artist is not None:
            filters.append(BrowseFilter("artist", self.artist))
        if self.album is not None:
            filters.append(BrowseFilter("album", self.album))
        if self._query is not None and self._indexed:
            filters.append(self._query)
        return filters

    def _apply_filters(self) -> None:
        self.model.set_filters(self._filters())

    def _refresh_browse(self) -> bool:
        """Refill the browse lists from the loaded rows; True when a pick was dropped (its artist or album
        left the library: the table then shows everything rather than nothing)."""
        table = self.model.table
        if table is None:
            return False
        entries = browse_entries(table, "artist")
        dropped = self.artist is not None and self.artist not in {name for name, _ in entries}
        if dropped:
            self.artist = None
        self.artists.set_entries(entries)
        return self._refresh_albums() or dropped

    def _refresh_albums(self) -> bool:
        table = self.model.table
        if table is None:
            return False
        within = BrowseFilter("artist", self.artist).mask(table) if self.artist is not None else None
        entries = browse_entries(table, "album", within)
        dropped = self.album is not None and self.album not in {name for name, _ in entries}
        if dropped:
            self.album = None
        self.albums.set_entries(entries)
        return dropped

    # -- detail --------------------------------------------------------------------------------------------

    def detail(self, track_id: int) -> TrackDetail | None:
        """Everything about one track (a few ms: read on the main thread); None when it is gone."""
        from analyzer.catalog.detail import track_detail

        with self.state.db.session() as session:
            return track_detail(session, track_id)
