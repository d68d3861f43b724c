"""The Listens screen's logic: what the person filtered and sorted by (kept in the settings), reading the id
list in a worker while the old rows stay on screen, the first page ahead of it, the filter options, a
listen's raw payload. Holds no widget and no SQL: reads go through :mod:`scrobbler.history_pages`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QSettings, Signal

from app.gui.listens.model import ListensTableModel
from app.gui.memory import give_back_free_memory
from app.gui.state import AppState

if TYPE_CHECKING:
    from app.gui.jobs import Job
    from models.engine import Database
    from scrobbler.history_filter import HistoryFilter, HistorySort
    from scrobbler.history_pages import HistoryOptions, HistoryRow, ListenPayload

PERIODS = (
    ("any", "Any time"),
    ("today", "Today"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("12m", "Last 12 months"),
    ("year", "This year"),
    ("custom", "Dates…"),
)
FIRST_PAGE_ROWS = 200
_KEY = "listens/"


@dataclass(frozen=True)
class FilterChoice:
    """The filters as the person set them (what the filter bar shows and the settings keep). ``period`` is
    a key of :data:`PERIODS`; ``first``/``last`` are the days of a "custom" period (either may be open).
    ``track_id`` comes from another screen's jump ("Show listens") and is not kept across restarts."""

    user_id: int | None = None
    period: str = "any"
    first: date | None = None
    last: date | None = None
    source: str | None = None
    status: str | None = None
    text: str = ""
    track_id: int | None = None
    track_label: str = ""

    def is_default(self) -> bool:
        return self == FilterChoice()


def period_days(
    period: str, first: date | None, last: date | None, today: date
) -> tuple[date | None, date | None]:
    """The local days (first, last; inclusive, None = open) a period covers on ``today``."""
    if period == "today":
        return today, today
    if period == "7d":
        return today - timedelta(days=6), today
    if period == "30d":
        return today - timedelta(days=29), today
    if period == "12m":
        try:
            return today.replace(year=today.year - 1) + timedelta(days=1), today
        except ValueError:  # 29 February: the year before has no such day
            return date(today.year - 1, 3, 1), today
    if period == "year":
        return date(today.year, 1, 1), today
    if period == "custom":
        return first, last
    return None, None


@dataclass(frozen=True)
class _IdsRead:
    ids: np.ndarray
    where: HistoryFilter
    order: HistorySort


def read_ids(db: Database, where: HistoryFilter, order: HistorySort) -> _IdsRead:
    """The worker's part of a reload: the whole id list of the filter and sort."""
    from scrobbler.history_pages import listen_ids

    with db.session() as session:
        return _IdsRead(listen_ids(session, where, order), where, order)


def read_first_rows(
    db: Database, where: HistoryFilter, order: HistorySort
) -> tuple[HistoryFilter, HistorySort, list[HistoryRow]]:
    """The worker's part of opening: the first page, painted before the id list is in."""
    from scrobbler.history_pages import first_rows

    with db.session() as session:
        return where, order, first_rows(session, where, order, FIRST_PAGE_ROWS)


def read_options(db: Database) -> HistoryOptions:
    from scrobbler.history_pages import history_options

    with db.session() as session:
        return history_options(session)


class ListensController(QObject):
    loaded = Signal()  # a new id list is on screen
    load_failed = Signal(str)  # the id list could not be read (the old rows stay)
    filter_invalid = Signal(str)  # the filters cannot apply as set (the old rows stay); "" once they can
    options_loaded = Signal()
    choice_replaced = Signal()  # the filters changed by something else than the filter bar (show them there)
    busy_changed = Signal(bool)  # an id list is being read

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = ListensTableModel(self.read_rows, self)
        self.model.sort_requested.connect(self.set_sort)
        self.choice = self._restored_choice()
        self.sort_key, self.descending = self._restored_sort()
        self.model.set_ids(np.zeros(0, np.int64), sort=(self.sort_key, self.descending))
        self.options: HistoryOptions | None = None
        self.loads = 0  # id lists shown (tests, and the empty state: "not read yet" is not "empty")
        self.shown_filter: HistoryFilter | None = None  # the filter of the ids on screen
        self._requested: HistoryFilter | None = None  # the filter of the last read started
        self.active = False  # the screen is shown: reloads run now, not at the next activation
        self._started = False
        self._stale = False
        self._loading: Job | None = None  # the first page, then the id list, of one read
        self._options_job: Job | None = None
        self._pending = False
        self._stashed: FilterChoice | None = None  # the filters before a jump to one track's listens
        self.select_after_load: int | None = None  # a listen to select once the next list is in
        state.listens_changed.connect(self._on_listens_changed)
        state.library_changed.connect(self._on_library_changed)
        state.database_changed.connect(self._on_database_changed)

    # -- loading -------------------------------------------------------------------------------------------

    def start(self) -> None:
        """First showing: read the first page, then the id list, then the filter options, one after the
        other in the background (on two cores, reads side by side only delay the first rows)."""
        self.active = True
        if not self._started:
            self._started = True
            self.reload(preview=True)
        elif self._stale:
            self._stale = False
            self.model.forget_rows()
            self.reload_options()
            self.reload()

    @property
    def loading(self) -> bool:
        return self._loading is not None

    def reload(self, *, preview: bool = False) -> None:
        """Read the id list for the current filters and sort in a worker; the rows on screen stay until it
        is in. Calls while one runs fold into one more read after it."""
        if self._loading is not None:
            self._pending = True
            return
        from scrobbler.history_filter import HistoryFilterError, HistorySort

        try:
            where = self.history_filter().check()
            order = HistorySort(self.sort_key, self.descending).check()
        except HistoryFilterError as error:
            self.filter_invalid.emit(str(error))
            return
        self.filter_invalid.emit("")
        self._requested = where
        self.busy_changed.emit(True)
        if preview and self.model.rowCount() == 0:
            db = self.state.db
            self._loading = self.state.jobs.call(
                "Reading the newest listens", lambda: read_first_rows(db, where, order)
            )
            self._loading.finished.connect(self._on_preview)
            self._loading.failed.connect(self._on_ids_failed)
        else:
            self._read_ids(where, order)

    def _read_ids(self, where: HistoryFilter, order: HistorySort) -> None:
        db = self.state.db
        self._loading = self.state.jobs.call("Reading listens", lambda: read_ids(db, where, order))
        self._loading.finished.connect(self._on_ids)
        self._loading.failed.connect(self._on_ids_failed)

    def reload_options(self) -> None:
        if self._options_job is not None:
            return
        db = self.state.db
        self._options_job = self.state.jobs.call("Reading listen filters", lambda: read_options(db))
        self._options_job.finished.connect(self._on_options)
        self._options_job.failed.connect(self._on_options_failed)

    def _on_preview(self, result: tuple[HistoryFilter, HistorySort, list[HistoryRow]]) -> None:
        where, order, rows = result
        self._loading = None
        if self._pending:  # the filters or the sort changed meanwhile: read those instead
            self._pending = False
            self.reload()
            return
        if not self.loads:
            self.model.set_ids(np.array([row.listen_id for row in rows], dtype=np.int64), rows)
            self.shown_filter = where
            self.loaded.emit()
        self._read_ids(where, order)

    def _on_ids(self, result: _IdsRead) -> None:
        self._loading = None
        self.busy_changed.emit(False)
        if self._pending:  # newer filters or sort came meanwhile: read those instead of showing these
            self._pending = False
            self.reload()
            return
        self.model.set_ids(result.ids, sort=(result.order.key, result.order.descending))
        self.shown_filter = result.where
        self.loads += 1
        give_back_free_memory()  # the old id list's pages
        self.loaded.emit()
        if self.options is None:
            self.reload_options()

    def _on_ids_failed(self, error: BaseException) -> None:
        self._loading = None
        self.busy_changed.emit(False)
        self.load_failed.emit(f"Could not read the listening history: {error}")
        if self._pending:
            self._pending = False
            self.reload()

    def _on_options(self, options: HistoryOptions) -> None:
        self._options_job = None
        self.options = options
        zones = {user.timezone or "" for user in options.users}  # "": the machine's (no lookup needed)
        if self.model.zones_shown != (len(zones) > 1):
            self.model.zones_shown = len(zones) > 1
            self.model.forget_rows()
        users = {user.user_id for user in options.users}
        sources = {source for source, _ in options.sources}
        dropped = (self.choice.user_id is not None and self.choice.user_id not in users) or (
            self.choice.source is not None and self.choice.source not in sources
        )
        if dropped:  # a user or source that is gone would show nothing, for no reason a person can see
            self.choice = replace(
                self.choice,
                user_id=self.choice.user_id if self.choice.user_id in users else None,
                source=self.choice.source if self.choice.source in sources else None,
            )
            self.save()
            self.choice_replaced.emit()
        self.options_loaded.emit()
        # Dates are the chosen user's local days: read before the users were known, they were the machine's.
        if dropped or (self._requested is not None and self.history_filter() != self._requested):
            self.reload()

    def _on_options_failed(self, error: BaseException) -> None:
        self._options_job = None
        self.load_failed.emit(f"Could not read the listening history: {error}")

    def _on_listens_changed(self) -> None:
        if not self._started:
            return
        if not self.active:
            self._stale = True
            return
        self.model.forget_rows()
        self.reload_options()
        self.reload()

    def _on_library_changed(self) -> None:
        """A scan or analysis batch: the linked tracks' titles may have changed, the listens did not. The
        shown rows are read again; the id list only when it depends on track titles (a scan signals every
        batch: re-reading a million ids each time would keep a core busy for nothing)."""
        if not self._started:
            return
        if not self.active:
            self._stale = True
            return
        self.model.forget_rows()
        if self.sort_key == "track" or self.choice.text.strip():
            self.reload()

    def _on_database_changed(self) -> None:
        self.options = None
        self.loads = 0
        self.model.set_ids(np.zeros(0, np.int64))
        self.model.forget_rows()
        if self._started:
            self._started = False
            if self.active:
                self.start()

    # -- filters and sort ----------------------------------------------------------------------------------

    def history_filter(self, today: date | None = None) -> HistoryFilter:
        """The core filter of the current choice; dates are the chosen user's local days (the machine's
        when every user is shown)."""
        from scrobbler.history_filter import HistoryFilter, day_range, zone_of

        choice = self.choice
        since = until = None
        if choice.period != "any":  # the zone, and the stats package that knows the machine's, only for dates
            zone = zone_of(self._user_zone(choice.user_id))
            day = today or datetime.now(zone).date()
            since, until = day_range(*period_days(choice.period, choice.first, choice.last, day), zone)
        return HistoryFilter(
            user_id=choice.user_id,
            since=since,
            until=until,
            source=choice.source,
            status=choice.status,
            text=choice.text.strip(),
            track_id=choice.track_id,
        )

    def set_choice(self, choice: FilterChoice, *, from_bar: bool = False) -> None:
        """Apply new filters: kept in the settings, read in the background. ``from_bar``: the filter bar
        already shows them (anything else gets ``choice_replaced``, so the bar shows them too; the bar is
        never refilled under a person's typing)."""
        if choice == self.choice:
            return
        self.choice = choice
        if choice.track_id is None:
            self._stashed = None
        self.save()
        if not from_bar:
            self.choice_replaced.emit()
        self.reload()

    def show_track(self, track_id: int) -> None:
        """Every listen of one track (another screen's "Show listens"): the other filters step aside and
        come back when the track filter is removed."""
        if self.choice.track_id is None:
            self._stashed = self.choice
        self.set_choice(FilterChoice(track_id=track_id, track_label=self.track_label(track_id)))

    def clear_track(self) -> None:
        restored = self._stashed or replace(self.choice, track_id=None, track_label="")
        self._stashed = None
        self.set_choice(replace(restored, track_id=None, track_label=""))

    def clear_filters(self) -> None:
        self._stashed = None
        self.set_choice(FilterChoice())

    def show_listen(self, listen_id: int) -> int | None:
        """The row of a listen. When the filters hide it they are cleared, and when a list is still being
        read it is awaited: then None, and :attr:`select_after_load` names it until the list is in. None
        with nothing awaited: the listen is not in the history."""
        row = self.model.row_of_listen(listen_id)
        if row is not None:
            return row
        if self.choice != FilterChoice():
            self.select_after_load = listen_id
            self.clear_filters()
        elif not self._started or self.loading or not self.loads:
            self.select_after_load = listen_id
            self.start()
        return None

    def set_sort(self, key: str, descending: bool) -> None:
        if (key, descending) == (self.sort_key, self.descending) and self.loads:
            return
        self.sort_key, self.descending = key, descending
        self.save()
        self.reload()

    def _user_zone(self, user_id: int | None) -> str | None:
        if user_id is None or self.options is None:
            return None
        return next((user.timezone for user in self.options.users if user.user_id == user_id), None)

    # -- reads on the main thread (a page, one payload: a few ms) ------------------------------------------

    def read_rows(self, ids: np.ndarray) -> list[HistoryRow | None]:
        from scrobbler.history_pages import listen_rows

        with self.state.db.session() as session:
            return listen_rows(session, ids)

    def payload(self, listen_id: int) -> ListenPayload | None:
        from scrobbler.history_pages import raw_payload

        with self.state.db.session() as session:
            return raw_payload(session, listen_id)

    def track_label(self, track_id: int) -> str:
        """ "Title — Artist" for the track chip; "track N" when the track is gone or cannot be read (the
        list read after it says what went wrong)."""
        from sqlalchemy.exc import SQLAlchemyError

        from scrobbler.history_pages import track_label

        try:
            with self.state.db.session() as session:
                return track_label(session, track_id) or f"track {track_id}"
        except SQLAlchemyError:
            return f"track {track_id}"

    # -- settings ------------------------------------------------------------------------------------------

    def save(self) -> None:
        settings = self.state.settings
        choice = self.choice if self.choice.track_id is None else (self._stashed or FilterChoice())
        for name, value in (
            ("user", choice.user_id if choice.user_id is not None else ""),
            ("period", choice.period),
            ("from", choice.first.isoformat() if choice.first else ""),
            ("to", choice.last.isoformat() if choice.last else ""),
            ("source", choice.source or ""),
            ("status", choice.status or ""),
            ("text", choice.text),
            ("sort", self.sort_key),
            ("descending", self.descending),
        ):
            settings.setValue(_KEY + name, value)

    def _restored_choice(self) -> FilterChoice:
        from scrobbler.history_filter import STATUSES

        settings = self.state.settings
        text = _text(settings, "user")
        status = _text(settings, "status")
        period = _text(settings, "period") or "any"
        return FilterChoice(
            user_id=int(text) if text.isdigit() else None,
            period=period if period in dict(PERIODS) else "any",
            first=_day(_text(settings, "from")),
            last=_day(_text(settings, "to")),
            source=_text(settings, "source") or None,
            status=status if status in STATUSES else None,
            text=_text(settings, "text"),
        )

    def _restored_sort(self) -> tuple[str, bool]:
        from scrobbler.history_filter import SORT_KEYS

        key = _text(self.state.settings, "sort")
        descending = self.state.settings.value(_KEY + "descending", True, type=bool)
        return (key, bool(descending)) if key in SORT_KEYS else ("time", True)


def _text(settings: QSettings, name: str) -> str:
    value: Any = settings.value(_KEY + name, "")
    return str(value) if value is not None else ""


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
