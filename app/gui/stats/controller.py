"""The Stats screen's logic: which view of which user and range is wanted, computing it and rendering its
chart off the UI thread, a cache of what was computed this session, and exports as jobs. No widget, no SQL.

A request that arrives while another is computing does not wait for it: the newer request is the wanted
one, and a result that is not for the wanted request (or was computed before the listens changed) is kept
in the cache or dropped, never shown. Once a view is shown, the other views of the same user and range are
computed (and their charts rendered) one at a time in the background, so switching usually finds them ready.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.gui.state import AppState
from scrobbler.stats.views import VIEWS, StatsUser, StatsView

if TYPE_CHECKING:
    from app.gui.jobs import Job
    from models.engine import Database
    from scrobbler.exports.charts import ChartTheme
    from scrobbler.exports.view_charts import ChartPixels

PREFETCH_DELAY_MS = 400
"""How long a shown view stays on screen before the background starts on the others: a person stepping
through views or years quickly does not share the CPU with work for views they are skipping past (a year
typed while the background drew the previous year's views took 264-355 ms instead of ~160)."""

ChartTarget = tuple[int, int, float, bool]
"""Width and height (logical pixels), device pixel ratio, dark: what a chart is rendered for."""


@dataclass(frozen=True, slots=True)
class ViewRequest:
    """One view of one user over one range; ``by`` only matters for top lists, ``other_id`` for compat."""

    user_id: int
    range_text: str
    view: str
    by: str = "plays"
    other_id: int | None = None

    def key(self) -> ViewRequest:
        """The request with the choices its view ignores blanked, so equal answers share a cache entry."""
        spec = VIEWS[self.view]
        return replace(
            self,
            range_text=self.range_text if spec.uses_range else "all",
            by=self.by if spec.ranked else "plays",
            other_id=self.other_id if spec.needs_other_user else None,
        )


@dataclass(frozen=True, slots=True)
class StatsStart:
    """What the screen needs before its first view: the users, whose stats to show, where their listening
    starts and ends (local dates, None without listens), and the first view."""

    users: list[StatsUser]
    user_id: int | None
    spans: dict[int, tuple[date, date] | None]
    first: StatsView | None
    first_request: ViewRequest | None


def compute_request(db: Database, request: ViewRequest) -> StatsView:
    """Compute one view in its own session (runs in a worker). The similarity index (FAISS) is loaded only
    for recommendations."""
    from scrobbler.stats.scope import scope_for
    from scrobbler.stats.views import compute_view, load_scope_user

    with db.session() as session:
        scope = scope_for(load_scope_user(session, request.user_id), request.range_text)
        other = None
        if request.view == "compat" and request.other_id is not None:
            other = scope_for(load_scope_user(session, request.other_id), request.range_text)
        similar = None
        if request.view == "recommend":
            from app.similarity_bridge import similar_tracks_search

            similar = similar_tracks_search(db)
        return compute_view(
            session,
            scope,
            request.view,
            by=request.by,
            other=other,
            similar=similar,
            now_epoch=int(time.time()),
        )


@dataclass(frozen=True, slots=True)
class Computed:
    """A computed view and, when it was drawn in the same trip, its chart and what it was drawn for."""

    view: StatsView
    pixels: ChartPixels | None = None
    target: ChartTarget | None = None


def compute_with_chart(
    db: Database, request: ViewRequest, target: ChartTarget, draw_now: Callable[[], bool]
) -> Computed:
    """Compute a view and draw its chart in the same worker trip (one hop to the UI thread fewer than a
    job for each), unless ``draw_now()`` says a person's request is waiting: then the chart is left for a
    later job and the worker is free sooner (prefetch)."""
    view = compute_request(db, request)
    if render_needless(view) or not draw_now():
        return Computed(view)
    return Computed(view, render_chart(view, target), target)


def render_chart(view: StatsView, target: ChartTarget) -> ChartPixels | None:
    """The view's chart as pixels for ``target`` (None for a view without a chart); in a worker."""
    if view.chart_kind is None or view.message is not None:
        return None
    from scrobbler.exports.charts import DARK, LIGHT
    from scrobbler.exports.view_charts import render_view_chart, screen_height

    width, height, scale, dark = target
    return render_view_chart(view, width, screen_height(view, height), DARK if dark else LIGHT, scale)


def warm_charts() -> None:
    """Import matplotlib and load its fonts (a worker does this while the first view computes)."""
    from scrobbler.exports.charts import LIGHT, new_figure

    figure = new_figure(1, 1, LIGHT, dpi=50, margins={"left": 0.1, "right": 0.9, "top": 0.9, "bottom": 0.1})
    figure.add_subplot().set_title("Tonearm", fontweight="bold")
    figure.canvas.draw()


def load_start(db: Database, wanted_user: str | None, range_text: str, view: str, by: str) -> StatsStart:
    """The users, the one to show, and that user's first view, in one worker trip (its chart follows in
    another)."""
    from scrobbler.stats.views import listen_span, load_scope_user, stats_users

    with db.session() as session:
        users, default = stats_users(session)
        spans = {user.id: listen_span(session, load_scope_user(session, user.id)) for user in users}
    by_name = {user.username: user.id for user in users}
    with_listens = [user.id for user in users if spans[user.id] is not None]
    default_id = by_name.get(default or "")
    # The user picked last time; else the configured default if they have listens (a default user the CLI
    # made on first run often has none), else the first user with listens.
    chosen = by_name.get(wanted_user or "")
    if chosen is None and default_id is not None and default_id in with_listens:
        chosen = default_id
    if chosen is None:
        chosen = with_listens[0] if with_listens else (default_id or (users[0].id if users else None))
    if chosen is None or view not in VIEWS or spans.get(chosen) is None:
        return StatsStart(users, chosen, spans, None, None)
    request = ViewRequest(chosen, range_text, view, by).key()
    return StatsStart(users, chosen, spans, compute_request(db, request), request)


class StatsController(QObject):
    """Computes views and renders their charts in workers: first the view (its tables), then its chart, so
    a first view's table shows while matplotlib still draws. ``view_ready(view, pixels)`` carries the chart
    when it is already rendered, else None and ``chart_ready(view, pixels)`` follows."""

    started = Signal(object)  # StatsStart
    start_failed = Signal(str)
    view_ready = Signal(object, object)  # the StatsView of the wanted request, its ChartPixels or None
    chart_ready = Signal(object, object)  # the StatsView of the wanted request and its ChartPixels
    view_failed = Signal(str)  # why the wanted request could not be computed
    busy_changed = Signal(bool)  # whether the wanted request is being computed

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.cache: dict[ViewRequest, StatsView] = {}
        self.charts: dict[tuple[ViewRequest, ChartTarget], ChartPixels] = {}
        self.target: ChartTarget = (800, 380, 1.0, False)
        self.prefetch = True
        self.computed = 0  # views computed (tests and the benchmark read it)
        self._wanted: ViewRequest | None = None
        self._epoch = 0  # bumped when listens, the library or the database change: older results are stale
        self._computing: dict[ViewRequest, Job] = {}
        self._rendering: dict[tuple[ViewRequest, ChartTarget], Job] = {}
        self._queue: list[ViewRequest] = []
        self._jobs_kept: set[Job] = set()
        self._prefetch_timer = QTimer(self)
        self._prefetch_timer.setSingleShot(True)
        self._prefetch_timer.setInterval(PREFETCH_DELAY_MS)
        self._prefetch_timer.timeout.connect(self._next_prefetch)
        state.listens_changed.connect(self.invalidate)
        state.library_changed.connect(self.invalidate)

    @property
    def wanted(self) -> ViewRequest | None:
        return self._wanted

    def prefetching(self) -> bool:
        """True while views a person has not asked for are waiting to be computed or drawn, or are being."""
        background = [k for k in self._computing if k != self._wanted]
        background += [k for k, _t in self._rendering if k != self._wanted]
        return self.prefetch and (self._prefetch_timer.isActive() or bool(self._queue) or bool(background))

    def busy(self) -> bool:
        """True while the wanted view is being computed or its chart rendered."""
        wanted = self._wanted
        return wanted is not None and (wanted in self._computing or (wanted, self.target) in self._rendering)

    def start(self, wanted_user: str | None, range_text: str, view: str, by: str) -> None:
        """Load the users and the first view in the background (``started`` follows), and matplotlib
        beside it."""
        self._forget()
        epoch, db = self._epoch, self.state.db
        job = self.state.jobs.call(
            "Loading stats", lambda: load_start(db, wanted_user, range_text, view, by), kind="read"
        )
        self._keep(job)
        job.finished.connect(lambda start, e=epoch: self._on_started(e, start))
        job.failed.connect(lambda error, e=epoch: self._on_start_failed(e, error))
        warm = self.state.jobs.call("Loading charts", warm_charts, kind="read")
        self._keep(warm)
        warm.finished.connect(self._on_charts_loaded)

    def request(self, request: ViewRequest) -> None:
        """Make ``request`` the wanted view: shown at once from the cache, else computed in a worker."""
        key = request.key()
        self._wanted = key
        view = self.cache.get(key)
        if view is None:
            self.busy_changed.emit(True)
            if key not in self._computing:
                self._compute(key)
            return
        pixels = self.charts.get((key, self.target))
        drawing = pixels is None and not render_needless(view)
        if drawing:  # before view_ready, so whoever hears it already sees the chart being drawn
            self._render(key, view)
        self.busy_changed.emit(drawing)
        self.view_ready.emit(view, pixels)
        if not drawing:
            self._plan_prefetch(key)

    def set_target(self, target: ChartTarget) -> None:
        """Charts are wanted at another size or palette from now on; the wanted view's is rendered again."""
        if target == self.target:
            return
        self.target = target
        self._queue.clear()
        if self._wanted is not None:
            self.request(self._wanted)

    def invalidate(self) -> None:
        """Forget every computed view (the listens or the library changed) and compute the wanted one again."""
        self._forget()
        if self._wanted is not None:
            self.request(self._wanted)

    def export(
        self, view: StatsView, part: str, path: Path, fmt: str, theme: ChartTheme | None = None
    ) -> Job:
        """Write ``part`` of ``view`` (a table name or "chart") to ``path`` as a job in the jobs panel."""
        from scrobbler.exports.charts import LIGHT
        from scrobbler.exports.view_export import export_view

        chosen = theme or LIGHT
        return self.state.jobs.start(
            f"Export {path.name}",
            lambda token: export_view(view, part, path, fmt, token, chosen),
            kind="export",
        )

    def _on_charts_loaded(self, _result: object) -> None:
        """matplotlib and its fonts are loaded (a few hundred thousand objects that live as long as the
        process): keep full collections off them, as the library's rows are. A full collection walked them
        on every few views drawn, 75-150 ms on whichever thread triggered it (measured in the bench)."""
        from app.gui.memory import settle_long_lived

        settle_long_lived()

    # -- workers -------------------------------------------------------------------------------------------

    def _forget(self) -> None:
        self._prefetch_timer.stop()
        self._epoch += 1
        self.cache.clear()
        self.charts.clear()
        self._computing.clear()
        self._rendering.clear()
        self._queue.clear()

    def _compute(self, key: ViewRequest) -> None:
        db, epoch, target = self.state.db, self._epoch, self.target

        def draw_now() -> bool:  # read in the worker: a prefetch leaves its chart when a person waits
            return key == self._wanted or self._wanted not in self._computing

        job = self.state.jobs.call(
            f"Computing {VIEWS[key.view].label}", lambda: compute_with_chart(db, key, target, draw_now)
        )
        self._computing[key] = job
        self._keep(job)
        job.finished.connect(lambda view, k=key, e=epoch: self._on_view(e, k, view))
        job.failed.connect(lambda error, k=key, e=epoch: self._on_failed(e, k, error))

    def _render(self, key: ViewRequest, view: StatsView) -> None:
        epoch, target = self._epoch, self.target
        if (key, target) in self._rendering:
            return
        job = self.state.jobs.call(f"Drawing {VIEWS[key.view].label}", lambda: render_chart(view, target))
        self._rendering[(key, target)] = job
        self._keep(job)
        job.finished.connect(lambda pixels, k=key, e=epoch, t=target: self._on_chart(e, k, t, pixels))
        job.failed.connect(lambda error, k=key, e=epoch, t=target: self._on_failed(e, k, error, t))

    def _on_started(self, epoch: int, start: StatsStart) -> None:
        if epoch != self._epoch:
            return
        if start.first is not None and start.first_request is not None:
            self.cache[start.first_request] = start.first
            self.computed += 1
        self.started.emit(start)

    def _on_start_failed(self, epoch: int, error: Any) -> None:
        if epoch == self._epoch:
            from app.gui.outcomes import error_text

            self.start_failed.emit(error_text(error))

    def _on_view(self, epoch: int, key: ViewRequest, computed: Computed) -> None:
        if epoch != self._epoch:
            return  # computed from listens that have changed since
        self._computing.pop(key, None)
        view = computed.view
        self.cache[key] = view
        if computed.pixels is not None and computed.target is not None:
            self.charts[(key, computed.target)] = computed.pixels
        self.computed += 1
        if key == self._wanted:
            self.request(key)  # shows it, and renders its chart unless it came with it
        else:
            if self.prefetch and not render_needless(view) and (key, self.target) not in self.charts:
                self._queue.insert(0, key)  # a prefetched view: its chart next, still one job at a time
            self._next_prefetch()

    def _on_chart(self, epoch: int, key: ViewRequest, target: ChartTarget, pixels: ChartPixels) -> None:
        if epoch != self._epoch:
            return
        self._rendering.pop((key, target), None)
        self.charts[(key, target)] = pixels
        if key == self._wanted and target == self.target:
            self.busy_changed.emit(False)
            self.chart_ready.emit(self.cache[key], pixels)
            self._plan_prefetch(key)
        else:
            self._next_prefetch()

    def _on_failed(self, epoch: int, key: ViewRequest, error: Any, target: ChartTarget | None = None) -> None:
        if epoch != self._epoch:
            return
        if target is None:
            self._computing.pop(key, None)
        else:
            self._rendering.pop((key, target), None)
        if key == self._wanted and (target is None or target == self.target):
            from app.gui.outcomes import error_text

            self.busy_changed.emit(False)
            self.view_failed.emit(error_text(error))
        self._next_prefetch()

    def _plan_prefetch(self, shown: ViewRequest) -> None:
        """Queue the other views of the shown user and range (not recommendations: they load FAISS)."""
        if not self.prefetch:
            return
        queue = []
        for name, spec in VIEWS.items():
            if name == "recommend" or (spec.needs_other_user and shown.other_id is None):
                continue
            key = replace(shown, view=name).key()
            if key != shown:
                queue.append(key)
        # Then the same view for the periods before and after (stepping through years or months).
        queue += [replace(shown, range_text=text).key() for text in neighbour_ranges(shown.range_text)]
        self._queue = queue
        self._prefetch_timer.start()

    def _next_prefetch(self) -> None:
        """One background job at a time (a view, then its chart), and none while a person's request is being
        computed or drawn: that one has the CPU to itself."""
        busy = [k for k in self._computing if k != self._wanted]
        busy += [k for k, _t in self._rendering if k != self._wanted]
        if busy or self.busy() or self._prefetch_timer.isActive():
            return
        while self._queue:
            key = self._queue.pop(0)
            view = self.cache.get(key)
            if view is None:
                self._compute(key)
                return
            if not render_needless(view) and (key, self.target) not in self.charts:
                self._render(key, view)
                return

    def _keep(self, job: Job) -> None:
        """Hold a Job until it ends (the runner gives calls no parent; a dropped one loses its signals)."""
        self._jobs_kept.add(job)
        job.ended.connect(lambda j=job: self._jobs_kept.discard(j))


def neighbour_ranges(text: str) -> list[str]:
    """The period before and the one after a year, month or ISO week ("2024" -> "2023", "2025"); none for
    other ranges."""
    import re

    if re.fullmatch(r"\d{4}", text):
        return [str(int(text) - 1), str(int(text) + 1)]
    if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
        index = int(match[1]) * 12 + int(match[2]) - 1
        return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in (index - 1, index + 1)]
    if match := re.fullmatch(r"(\d{4})-W(\d{2})", text):
        from datetime import timedelta

        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        weeks = [(monday + timedelta(weeks=step)).isocalendar() for step in (-1, 1)]
        return [f"{year:04d}-W{week:02d}" for year, week, _ in weeks]
    return []


def render_needless(view: StatsView) -> bool:
    """True when the view shows no chart, so the cached view alone is enough."""
    return view.chart_kind is None or view.message is not None
