"""The Similar screen's table of the nearest tracks to the seed (the seed search's list is the shared
:mod:`app.gui.track_picker`'s). It holds at most a few hundred rows, so it sorts in Python inside the model
(no proxy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from analyzer.similarity.query import SimilarTrack, compatible_keys
from app.gui.sorted_rows import SortedRowsModel
from app.gui.track_picker import bpm_text, known_number

_Index = QModelIndex | QPersistentModelIndex
SAME_KEY = "same key"
COMPATIBLE_KEY = "compatible"
MIX_TOOLTIP = (
    "Harmonic mixing on the Camelot wheel: the same key, or a compatible one (one step around the wheel, "
    "or the relative major/minor)."
)


def key_match(seed_camelot: str | None, camelot: str | None) -> str:
    """'same key', 'compatible' or '' for a result's key against the seed's."""
    if not seed_camelot or not camelot:
        return ""
    if camelot == seed_camelot:
        return SAME_KEY
    return COMPATIBLE_KEY if camelot in (compatible_keys(seed_camelot, "adjacent") or set()) else ""


class SimilarRow:
    """One result as shown: its rank in the nearest-first list and how its key mixes with the seed's."""

    __slots__ = ("mix", "rank", "track")

    def __init__(self, rank: int, track: SimilarTrack, mix: str) -> None:
        self.rank = rank
        self.track = track
        self.mix = mix

    @property
    def track_id(self) -> int:
        return self.track.track_id


class SimilarResultsModel(SortedRowsModel):
    """Rank, title, artist, distance, BPM, key (Camelot) and the harmonic-mix marker of each result."""

    columns = (
        ("#", lambda r: str(r.rank), lambda r: r.rank, True),
        ("Title", lambda r: r.track.title, lambda r: r.track.title.casefold(), False),
        (
            "Artist",
            lambda r: r.track.artist or "",
            lambda r: (r.track.artist or "").casefold() or None,
            False,
        ),
        ("Distance", lambda r: f"{r.track.distance:.2f}", lambda r: r.track.distance, True),
        ("BPM", lambda r: bpm_text(r.track.bpm), lambda r: known_number(r.track.bpm), True),
        ("Key", lambda r: r.track.camelot or "", lambda r: r.track.camelot or None, False),
        (
            "Mix",
            lambda r: f"✓ {r.mix}" if r.mix else "",
            lambda r: {SAME_KEY: 0, COMPATIBLE_KEY: 1}.get(r.mix),
            False,
        ),
    )

    def set_results(self, tracks: Sequence[SimilarTrack], seed_camelot: str | None) -> None:
        self.set_rows(
            [SimilarRow(rank, t, key_match(seed_camelot, t.camelot)) for rank, t in enumerate(tracks, 1)]
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and index.column() == 6:
            return MIX_TOOLTIP
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and index.column() == 3:
            return "Distance in the space of tempo, key, loudness and timbre features: 0 = sounds identical"
        return super().data(index, role)

    def tracks(self) -> list[SimilarTrack]:
        """The results in the order shown."""
        return [row.track for row in self._rows]
