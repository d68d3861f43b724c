"""What the Similar screen does, without widgets: check that analysis has run, take a seed (by id, or by a
dropped file; the screen's shared track picker does the search), query the nearest tracks with the current
filters, and save them as a playlist.

Every read runs through ``JobRunner.call``; an answer to a request that a newer one replaced is dropped, so
a quick succession of filter changes shows only the last. FAISS loads in those reads, on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from analyzer.similarity.query import KeyMode, SimilarTrack
from analyzer.similarity.seeds import Seed
from app.gui.jobs import Job
from app.gui.outcomes import error_text
from app.gui.state import AppState

DEFAULT_COUNT = 25


class SimilarController(QObject):
    readiness = Signal(bool)  # True when at least one track is analysed (similar lists can exist)
    seed_changed = Signal(object)  # Seed, or None when cleared
    results_ready = Signal(list)  # list[SimilarTrack], nearest first
    query_failed = Signal(str)  # a message for the person (no seed, no analysis, ...)
    file_not_found = Signal(str)  # a dropped file that leads to no track (the list shown stays)
    busy_changed = Signal(bool)

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.seed: Seed | None = None
        self.results: list[SimilarTrack] = []
        self.count = DEFAULT_COUNT
        self.bpm_window: float | None = None
        self.key_mode: KeyMode = "any"
        self.ready: bool | None = None  # unknown until checked
        self._serial = {"query": 0, "ready": 0}
        self._running = 0
        state.library_changed.connect(self._library_changed)
        state.database_changed.connect(self._database_changed)

    # -- reads -------------------------------------------------------------------------------------------

    def _call(self, kind: str, title: str, fn: Any, done: Any) -> None:
        self._serial[kind] += 1
        serial = self._serial[kind]
        job = self.state.jobs.call(title, fn)
        self._running += 1
        self.busy_changed.emit(True)

        def ended() -> None:
            self._running -= 1
            if not self._running:
                self.busy_changed.emit(False)
            if serial == self._serial[kind]:
                done(job)

        job.ended.connect(ended)

    def check_ready(self) -> None:
        """Find out (in the background) whether any track is analysed; emits ``readiness``."""
        db = self.state.db

        def read() -> bool:
            from analyzer.similarity.seeds import has_analysed_tracks

            with db.session() as session:
                ready = has_analysed_tracks(session)
            if ready:  # what the first list needs loads here, off the main thread (~0.5 s cold)
                import faiss  # noqa: F401

                import analyzer.similarity.query  # noqa: F401
            return ready

        def done(job: Job) -> None:
            self.ready = job.outcome == "finished" and bool(job.result)
            if job.outcome == "failed":
                self.query_failed.emit(f"Could not read the library: {error_text(job.result)}")
            self.readiness.emit(self.ready)

        self._call("ready", "Check the analysed tracks", read, done)

    def set_seed(self, track_id: int) -> None:
        """Start from ``track_id`` and list its nearest tracks."""
        self._query(track_id)

    def requery(self) -> None:
        """List the nearest tracks again with the current filters (nothing without a seed)."""
        if self.seed is not None:
            self._query(self.seed.track_id)

    def set_filters(self, *, bpm_window: float | None, key_mode: KeyMode, count: int) -> None:
        changed = (bpm_window, key_mode, count) != (self.bpm_window, self.key_mode, self.count)
        self.bpm_window, self.key_mode, self.count = bpm_window, key_mode, count
        if changed:
            self.requery()

    def _query(self, track_id: int) -> None:
        db, k, window, key = self.state.db, self.count, self.bpm_window, self.key_mode

        def read() -> tuple[Seed | None, list[SimilarTrack] | str]:
            from analyzer.similarity.query import TrackNotFound, similar_tracks
            from analyzer.similarity.seeds import seed_of

            with db.session() as session:
                seed = seed_of(session, track_id)
            if seed is None:
                return None, f"Track {track_id} is not in the library any more."
            if not seed.analysed:
                return seed, "This track is not analysed yet: run Analyze to find tracks that sound like it."
            if key != "any" and not seed.camelot:
                return seed, "No key was detected for this track: set Key to “Any key” to see its neighbours."
            try:
                return seed, similar_tracks(db, track_id, k=k, bpm_window=window, key=key)
            except TrackNotFound as error:
                return seed, str(error)

        def done(job: Job) -> None:
            if job.outcome != "finished":
                self.query_failed.emit(f"Could not find similar tracks: {error_text(job.result)}")
                return
            seed, found = job.result
            if seed != self.seed:
                self.seed = seed
                self.seed_changed.emit(seed)
            if isinstance(found, str):
                self.results = []
                self.query_failed.emit(found)
            else:
                self.results = found
                self.results_ready.emit(found)

        self._call("query", "Find similar tracks", read, done)

    def seed_from_file(self, path: str) -> None:
        """Start from a file: the library's file at that path, else one with the same audio."""
        db = self.state.db

        def read() -> int | str:
            from analyzer.similarity.seeds import SeedNotFound, track_for_file

            try:
                with db.session() as session:
                    return track_for_file(session, path)
            except SeedNotFound as error:
                return str(error)

        def done(job: Job) -> None:
            if job.outcome != "finished":
                self.file_not_found.emit(f"Could not read {Path(path).name}: {error_text(job.result)}")
            elif isinstance(job.result, str):
                self.file_not_found.emit(job.result)
            else:
                self.set_seed(int(job.result))

        self._call("query", f"Find {Path(path).name} in the library", read, done)

    # -- writing -------------------------------------------------------------------------------------------

    def save_playlist(self, path: str, fmt: str, shown: list[SimilarTrack] | None = None) -> str:
        """Write the seed, then the results (``shown``: in the order the table shows them), as an M3U8 or
        XSPF playlist; returns the line to show. A bad path comes back as the reason, never an exception."""
        from scrobbler.exports.playlists import write_playlist

        tracks = self.results if shown is None else shown
        if self.seed is None or not tracks:
            return "Nothing to save: pick a track and find its neighbours first."
        ids = [self.seed.track_id, *(track.track_id for track in tracks)]
        title = f"More like {self.seed.title}"
        try:
            with self.state.db.session() as session:
                written = write_playlist(session, ids, path, fmt, title)
        except (OSError, ValueError) as error:
            return f"Could not save the playlist: {error_text(error)}"
        text = f"Saved {written.entries:,} tracks to {written.path.name}"
        if written.without_file:
            text += f" ({written.without_file:,} left out: no file on disk)"
        return text + "."

    # -- reacting ------------------------------------------------------------------------------------------

    def _library_changed(self) -> None:
        self.ready = None

    def _database_changed(self) -> None:
        self._library_changed()
        self.seed, self.results = None, []
        self.seed_changed.emit(None)
