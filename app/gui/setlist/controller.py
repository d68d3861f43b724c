"""What the Set builder does, without widgets: check that analysis has run, take a start track, build a
harmonic set from it as a job (``analyzer.curation.setlist.build_setlist``, as ``tonearm setlist``) and save
it as a playlist (``save_setlist``).

The start track stays when N or the BPM window change: Build again builds from it. A start that cannot
start a set (no tempo or key yet) is said in words before any job runs.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

from PySide6.QtCore import QObject, Signal

from analyzer.similarity.seeds import Seed
from app.gui.jobs import Job
from app.gui.outcomes import error_text, plural
from app.gui.state import AppState
from models.engine import Database
from models.progress import Progress

BUILD_KIND = "setlist"
NOT_ANALYSED_START = (
    "“{title}” has no tempo and key yet (it is not analysed), so no set can start from it. Run Analyze on "
    "the Folders screen, or pick an analysed track."
)


def _read_seed(db: Database, track_id: int) -> Seed | None:
    from analyzer.similarity.seeds import seed_of

    with db.session() as session:
        return seed_of(session, track_id)


def _build(db: Database, start: int, n: int, window: float) -> Generator[Progress, None, Any]:
    from analyzer.curation.setlist import build_setlist
    from analyzer.similarity.query import TrackNotFound

    yield Progress("build", 0, None, f"choosing {n} tracks")
    try:
        return build_setlist(db, start, n, bpm_window=window)
    except TrackNotFound as error:
        return str(error)  # the start lost its analysis between the pick and the build


def _save(db: Database, setlist: Any, title: str) -> int:
    from analyzer.curation.setlist import save_setlist
    from models.unit_of_work import write_transaction

    return write_transaction(db, lambda session: save_setlist(session, setlist, title), what="save the set")


def can_start(seed: Seed) -> bool:
    """Whether a set can start from this track: it has a tempo and a key (the core's rule)."""
    return seed.bpm is not None and not math.isnan(seed.bpm) and seed.bpm > 0 and bool(seed.camelot)


class SetlistController(QObject):
    readiness = Signal(bool)  # whether any track is analysed
    start_changed = Signal(object)  # Seed of the start track, or None
    built = Signal(object, int)  # Setlist, and the N that was asked
    build_failed = Signal(str)  # no set: why, for the person
    said = Signal(str, object)  # a line for the person, and ok (True / False / None)
    saved = Signal(int, str)  # playlist id, title

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.ready: bool | None = None
        self.start: Seed | None = None
        self.setlist: Any = None
        self.job: Job | None = None
        self._serial = 0
        state.database_changed.connect(self._database_changed)
        state.library_changed.connect(self._library_changed)

    def check_ready(self) -> None:
        db = self.state.db

        def read() -> bool:
            from analyzer.similarity.seeds import has_analysed_tracks

            with db.session() as session:
                return has_analysed_tracks(session)

        job = self.state.jobs.call("Check the analysed tracks", read)

        def done(ready: bool) -> None:
            self.ready = bool(ready)
            self.readiness.emit(self.ready)

        job.finished.connect(done)
        job.failed.connect(
            lambda error: self.build_failed.emit(f"Could not read the library: {error_text(error)}")
        )

    def set_start(self, track_id: int, n: int, window: float) -> Job:
        """Take ``track_id`` as the start (read in the background), then build a set of ``n`` from it."""
        self._serial += 1
        serial, db = self._serial, self.state.db
        job = self.state.jobs.call("Read the start track", lambda: _read_seed(db, track_id))

        def done(seed: Seed | None) -> None:
            if serial != self._serial:
                return
            self.start, self.setlist = seed, None
            self.start_changed.emit(seed)
            if seed is None:
                self.build_failed.emit(f"Track {track_id} is not in the library any more.")
            else:
                self.build(n, window)

        job.finished.connect(done)
        job.failed.connect(
            lambda error: self.build_failed.emit(f"Could not read the track: {error_text(error)}")
        )
        return job

    def build(self, n: int, window: float) -> Job | None:
        """Build a set of ``n`` tracks from the start track as a job (listed in the jobs panel)."""
        start = self.start
        if start is None:
            return None
        if not can_start(start):
            self.setlist = None
            self.build_failed.emit(NOT_ANALYSED_START.format(title=start.title))
            return None
        self._serial += 1
        serial, db = self._serial, self.state.db
        job = self.state.jobs.start(
            f"Build a set from {start.title}",
            lambda _token: _build(db, start.track_id, n, window),
            kind=BUILD_KIND,
        )
        self.job = job

        def ended() -> None:
            if serial != self._serial:
                return
            if job.outcome == "failed":
                self.setlist = None
                self.build_failed.emit(f"Could not build the set: {error_text(job.result)}")
            elif isinstance(job.result, str):
                self.setlist = None
                self.build_failed.emit(NOT_ANALYSED_START.format(title=start.title))
            elif job.result is not None:
                self.setlist = job.result
                self.built.emit(job.result, n)

        job.ended.connect(ended)
        return job

    def save(self, title: str) -> Job | None:
        """Save the shown set as a local playlist called ``title``."""
        setlist, name = self.setlist, title.strip()
        if setlist is None:
            return None
        if not name:
            self.said.emit("Give the playlist a name.", False)
            return None
        db = self.state.db
        job = self.state.jobs.call("Save the set as a playlist", lambda: _save(db, setlist, name))
        job.finished.connect(lambda playlist_id: self._saved(int(playlist_id), name, len(setlist.tracks)))
        job.failed.connect(
            lambda error: self.said.emit(f"Could not save the playlist: {error_text(error)}", False)
        )
        return job

    def _saved(self, playlist_id: int, title: str, count: int) -> None:
        self.said.emit(f"Saved as the playlist “{title}” ({plural(count, 'track')}).", True)
        self.saved.emit(playlist_id, title)

    def _library_changed(self) -> None:
        self.ready = None

    def _database_changed(self) -> None:
        self._serial += 1
        self.ready, self.start, self.setlist = None, None, None
        self.start_changed.emit(None)
