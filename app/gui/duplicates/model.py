"""The Duplicates screen's tables: the groups, one group's files, and the record of files moved to the trash."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QLocale, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from analyzer.duplicates.keep import DuplicateFile
from analyzer.duplicates.overview import GroupOverview
from analyzer.duplicates.trash import TrashedFile
from app.gui.library.model import format_length
from app.gui.outcomes import local_time
from app.gui.sorted_rows import SortedRowsModel

_Index = QModelIndex | QPersistentModelIndex
KEEP_MARK = "★ keep"


def size_text(size: int) -> str:
    return QLocale().formattedDataSize(size) if size else "—"


def _format(item: DuplicateFile) -> str:
    return str(item.format or item.codec or "?").replace("_", " ").upper()


def _bitrate(item: DuplicateFile) -> str:
    return f"{round(item.bitrate / 1000):,} kbps" if item.bitrate else "—"


class GroupRow:
    """A group as listed: the overview and the file the person keeps (the suggestion until changed)."""

    __slots__ = ("keep", "overview")

    def __init__(self, overview: GroupOverview, keep: DuplicateFile) -> None:
        self.overview = overview
        self.keep = keep

    @property
    def waste(self) -> int:
        return self.overview.waste(self.keep)

    @property
    def evidence(self) -> str:
        group = self.overview.group
        return "identical audio" if group.reason == "audio_hash" else f"fingerprint {group.score:.2f}"


class GroupsModel(SortedRowsModel):
    """Files, evidence, space the extra copies take, and the kept file's name."""

    columns = (
        ("Files", lambda g: str(len(g.overview.group.files)), lambda g: len(g.overview.group.files), True),
        (
            "Evidence",
            lambda g: g.evidence,
            lambda g: (g.overview.group.reason, -g.overview.group.score),
            False,
        ),
        ("Extra", lambda g: size_text(g.waste), lambda g: g.waste, True),
        (
            "Keep",
            lambda g: os.path.basename(g.keep.path),
            lambda g: os.path.basename(g.keep.path).casefold(),
            False,
        ),
    )

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal and section == 2:
            return "The space the group's files other than the kept one take"
        return super().headerData(section, orientation, role)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            row: GroupRow = self.item(index.row())
            return f"{row.overview.group.explanation}\nKeep: {row.keep.path}"
        return super().data(index, role)

    def refresh_row(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))


class FileRow:
    __slots__ = ("file", "kept", "size")

    def __init__(self, file: DuplicateFile, size: int, kept: bool) -> None:
        self.file = file
        self.size = size
        self.kept = kept

    @property
    def track_id(self) -> int | None:
        return self.file.track_id


class GroupFilesModel(SortedRowsModel):
    """One group's files: which is kept, file name, format, bitrate, length, tags completeness, size and
    folder (the whole path in the name's and folder's tooltips)."""

    columns = (
        ("", lambda r: KEEP_MARK if r.kept else "", lambda r: 0 if r.kept else 1, False),
        (
            "File",
            lambda r: os.path.basename(r.file.path),
            lambda r: os.path.basename(r.file.path).casefold(),
            False,
        ),
        ("Format", lambda r: _format(r.file), lambda r: _format(r.file), False),
        ("Bitrate", lambda r: _bitrate(r.file), lambda r: r.file.bitrate, True),
        (
            "Length",
            lambda r: format_length(r.file.duration_secs or float("nan")),
            lambda r: r.file.duration_secs,
            True,
        ),
        ("Tags", lambda r: f"{r.file.tag_score}/5", lambda r: r.file.tag_score, True),
        ("Size", lambda r: size_text(r.size), lambda r: r.size or None, True),
        ("Folder", lambda r: os.path.dirname(r.file.path), lambda r: r.file.path, False),
    )

    def show_group(self, row: GroupRow | None) -> None:
        if row is None:
            self.set_rows([])
            return
        overview = row.overview
        kept = row.keep.media_file_id
        self.set_rows(
            [FileRow(f, overview.size_of(f), f.media_file_id == kept) for f in overview.group.files]
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row: FileRow = self.item(index.row())
        if role == Qt.ItemDataRole.FontRole and row.kept:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (1, 7):
            return row.file.path
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 5:
            return "Title, artist, album, genre and external ids (MusicBrainz, ISRC…): how many the file's track has"
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 2 and row.file.audio_hash:
            return f"Audio hash {row.file.audio_hash}"
        return super().data(index, role)


class MovedFilesModel(SortedRowsModel):
    """What was moved to the trash: when, the file, where it went, the file kept instead, and why."""

    columns = (
        ("When", lambda t: local_time(t.moved_at), lambda t: t.moved_at, False),
        ("File", lambda t: t.path, lambda t: t.path, False),
        ("Moved to", lambda t: t.trashed_to, lambda t: t.trashed_to, False),
        ("Kept instead", lambda t: t.kept_path, lambda t: t.kept_path, False),
        ("Evidence", lambda t: t.evidence, lambda t: t.evidence, False),
    )

    def records(self) -> list[TrashedFile]:
        return self.items
