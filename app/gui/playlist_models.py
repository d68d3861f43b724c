"""Item models of the Playlists screen: the playlists with their counts, and one playlist's entries with
status and score (coloured like beets' candidates: green from 96, yellow from 75), filtered by status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

_Index = QModelIndex | QPersistentModelIndex
PLAYLIST_HEADERS = ("Playlist", "Format", "Entries", "Matched", "Unsure", "Missing")
ENTRY_HEADERS = ("#", "Entry", "Status", "Score", "Library track", "Note")
STATUS_LABELS = {"matched": "Matched", "ambiguous": "Unsure", "missing": "Missing"}
_STATUS_COLOURS = {"matched": ("#2e7d32", "#81c784"), "ambiguous": ("#b26a00", "#ffd54f"),
                   "missing": ("#c62828", "#ff8a80")}  # fmt: skip


class PlaylistListModel(QAbstractTableModel):
    """``analyzer.curation.playlists.PlaylistSummary`` rows, as the core lists them (by title)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_playlists(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def playlist(self, row: int) -> Any:
        return self._rows[row]

    def row_of(self, playlist_id: int) -> int | None:
        return next((n for n, p in enumerate(self._rows) if p.id == playlist_id), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(PLAYLIST_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return PLAYLIST_HEADERS[section] if 0 <= section < len(PLAYLIST_HEADERS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        p = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            values = (p.title, p.format or p.platform, p.entries, p.matched, p.ambiguous, p.missing)
            value = values[column]
            return f"{value:,}" if isinstance(value, int) else value
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return p.source_path or "Built in Tonearm"
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class EntryTableModel(QAbstractTableModel):
    """``analyzer.curation.playlist_entries.EntryView`` rows in playlist order, filtered by status."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[Any] = []
        self._shown: list[Any] = []
        self._status: str | None = None

    def set_entries(self, entries: Sequence[Any]) -> None:
        self.beginResetModel()
        self._all = list(entries)
        self._shown = self._filtered()
        self.endResetModel()

    def set_status(self, status: str | None) -> None:
        """Show one status only (None: every entry)."""
        self.beginResetModel()
        self._status = status
        self._shown = self._filtered()
        self.endResetModel()

    def _filtered(self) -> list[Any]:
        return [e for e in self._all if self._status is None or e.status == self._status]

    def entry(self, row: int) -> Any:
        return self._shown[row]

    def counts(self) -> dict[str, int]:
        found = {status: 0 for status in STATUS_LABELS}
        for entry in self._all:
            found[entry.status] = found.get(entry.status, 0) + 1
        return found

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(ENTRY_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ENTRY_HEADERS[section] if 0 <= section < len(ENTRY_HEADERS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        e = self._shown[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            track = f"{e.track_artist} - {e.track_title}" if e.track_artist else (e.track_title or "")
            note = e.note or _reason_text(e.reason, e.status)
            return (e.position, e.label, STATUS_LABELS.get(e.status, e.status), f"{e.score}", track, note)[
                column
            ]
        if role == Qt.ItemDataRole.ForegroundRole and column in (2, 3):
            light, dark = _STATUS_COLOURS.get(e.status, ("", ""))
            # Asked at paint time, so a switch between light and dark shows at once.
            is_dark = QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
            return QColor(dark if is_dark else light) if light else None
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f"line {e.line_no}" if e.line_no else "entry"
            return f"{where}: {e.location or e.label}\nreason: {e.reason}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


_REASONS = {
    "path": "its file",
    "refound_and_names": "re-found by file name and names",
    "refound_path": "re-found by file name and folders",
    "refound_file_name": "re-found by file name",
    "refound_several": "several files have this name",
    "path_names_disagree": "the file and the names disagree",
    "exact": "same artist and title",
    "alias": "a known other name",
    "fuzzy": "close artist and title",
    "recording_mbid": "MusicBrainz recording id",
    "isrc": "ISRC",
    "spotify_id": "Spotify id",
    "other_version": "only another version",
    "close_rivals": "several close tracks",
    "low_confidence": "a weak match",
    "no_plausible_track": "not in the library",
    "unidentified": "an unidentified track (ID)",
    "review_link": "you linked it",
    "review_reject": "you said: not in the library",
    "setlist": "",
}


def _reason_text(reason: str | None, status: str) -> str:
    return _REASONS.get(reason or "", reason or "")
