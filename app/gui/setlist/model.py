"""The Set builder's table: one row per track of a built set, in set order, with how to mix into it.

A set is short (at most a few hundred tracks) and its order is the point, so the table does not sort.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from analyzer.curation.setlist import Setlist, SetTrack, Transition
from app.gui.sorted_rows import SortedRowsModel

_Index = QModelIndex | QPersistentModelIndex
MIX_COLUMN = 5
MIX_TOOLTIP = (
    "The move on the Camelot wheel into this track: same key, +1 (a perfect fifth up), -1 (a perfect "
    "fourth), the relative major or minor, or +2 (an energy boost)."
)


class SetRow:
    """One track of the set as shown; ``transition`` is None for the first track."""

    __slots__ = ("position", "track", "transition")

    def __init__(self, position: int, track: SetTrack, transition: Transition | None) -> None:
        self.position = position
        self.track = track
        self.transition = transition

    @property
    def track_id(self) -> int:
        return self.track.track_id

    @property
    def mix(self) -> str:
        """The key move in words ("+1: perfect fifth"): the recommendation's first part, before the tempo."""
        if self.transition is None:
            return "start"
        return self.transition.recommendation.split("; ")[0]


def _change(row: SetRow) -> str:
    return "" if row.transition is None else f"{row.transition.bpm_change_pct:+.1f} %"


class SetlistModel(SortedRowsModel):
    """#, artist, title, BPM, key (Camelot), the mix into the track, its BPM change and sound distance."""

    columns = (
        ("#", lambda r: str(r.position), lambda r: r.position, True),
        ("Artist", lambda r: r.track.artist or "", lambda r: None, False),
        ("Title", lambda r: r.track.title, lambda r: None, False),
        ("BPM", lambda r: f"{r.track.bpm:.1f}", lambda r: None, True),
        ("Key", lambda r: r.track.camelot, lambda r: None, False),
        ("Mix", lambda r: r.mix, lambda r: None, False),
        ("BPM change", _change, lambda r: None, True),
        (
            "Distance",
            lambda r: "" if r.transition is None else f"{r.transition.distance:.2f}",
            lambda r: None,
            True,
        ),
    )

    def set_setlist(self, setlist: Setlist | None) -> None:
        if setlist is None:
            self.set_rows([])
            return
        rows = [SetRow(1, setlist.start, None)]
        rows += [SetRow(n, t.track, t) for n, t in enumerate(setlist.transitions, start=2)]
        self.set_rows(rows)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A set keeps its order."""

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and 0 <= index.row() < len(self._rows):
            row: SetRow = self._rows[index.row()]
            if index.column() == MIX_COLUMN:
                text = (
                    "The set starts here."
                    if row.transition is None
                    else f"Mix: {row.transition.recommendation}"
                )
                return f"{text}\n\n{MIX_TOOLTIP}"
            if index.column() == MIX_COLUMN + 2:
                return "How far apart the two tracks sound (tempo, key, loudness, timbre): 0 = identical"
            return row.track.path or super().data(index, role)
        return super().data(index, role)

    def track_ids(self) -> list[int]:
        return [row.track_id for row in self._rows]
