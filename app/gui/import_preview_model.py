"""The import dry run as a tree: one row per file with its counts, and under it why rows would not be
imported (duplicates by kind, skips by reason, each failed row with its place in the file).

A small two-level model over ``scrobbler.ingest_preview.ImportPreview``: a file row's internal id is 0,
a detail row's internal id is its file's row + 1. Replaced as a whole (model reset) after each dry run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:  # the importers load when the first dry run does, not with the window
    from scrobbler.ingest_preview import FilePreview, ImportPreview

HEADERS = ("File", "Format", "Would import", "Duplicates", "Skipped", "Failed")
NUMBER_COLUMNS = (2, 3, 4, 5)
_Index = QModelIndex | QPersistentModelIndex


def format_label(name: str | None) -> str:
    """A format's short name for a person: the importer's description up to its parenthesis."""
    if name is None:
        return "—"
    from scrobbler import importers

    try:
        return importers.get(name).DESCRIPTION.split(" (")[0]
    except KeyError:
        return name


def detail_lines(item: FilePreview) -> list[str]:
    """What sits under a file's row: why it cannot be imported, or how its rows divide."""
    if item.error is not None:
        return [f"Not importable: {item.error}."]
    report = item.report
    if report is None:
        return []
    lines: list[str] = []
    if report.cancelled:
        lines.append("Check stopped before the end of the file: press Check again for its full counts.")
    if item.warning:
        lines.append(f"Nothing to import: {item.warning}.")
    for count, label in (
        (item.already_stored, "already in your history"),
        (item.repeated_in_file, "repeated in this file"),
        (report.merged, "the same listen from another source (kept with it)"),
    ):
        if count:
            lines.append(f"Duplicates, {label}: {count:,}")
    for scheme, count in sorted(report.linked.items()):
        lines.append(f"Linked to your library at once by {scheme.replace('_', ' ')}: {count:,}")
    for reason, count in sorted(report.skipped.items()):
        lines.append(f"Skipped, {reason.replace('_', ' ')}: {count:,}")
    for row in report.failed:
        lines.append(f"Failed at {row.location}: {row.reason}")
    if report.failed_count > len(report.failed):
        lines.append(f"… and {report.failed_count - len(report.failed):,} more failed rows")
    return lines


class PreviewModel(QAbstractItemModel):
    """Files of the last dry run (top level) and their detail lines (children, first column)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._files: list[FilePreview] = []
        self._details: list[list[str]] = []

    def set_preview(self, preview: ImportPreview | None) -> None:
        self.beginResetModel()
        self._files = list(preview.files) if preview is not None else []
        self._details = [detail_lines(item) for item in self._files]
        self.endResetModel()

    def files(self) -> list[FilePreview]:
        return list(self._files)

    # -- structure -------------------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not child.isValid():
            return QModelIndex()
        owner = int(child.internalId())
        return QModelIndex() if owner == 0 else self.createIndex(owner - 1, 0, 0)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._files)
        if int(parent.internalId()) == 0 and parent.column() == 0:
            return len(self._details[parent.row()])
        return 0

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in NUMBER_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- content ---------------------------------------------------------------------------------------
    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        owner = int(index.internalId())
        if owner:
            return self._detail_data(owner - 1, index.row(), index.column(), role)
        item = self._files[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._file_text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return str(item.path)
            if column == 1 and item.format_name is not None:
                from scrobbler import importers

                return importers.get(item.format_name).DESCRIPTION
            return item.error or item.warning
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMBER_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and (item.error or item.warning):
            return _problem_brush()
        if role == Qt.ItemDataRole.UserRole:
            return item
        return None

    def _file_text(self, item: FilePreview, column: int) -> str:
        report = item.report
        if column == 0:
            return item.path.name
        if column == 1:
            return format_label(item.format_name)
        if report is None:
            return "" if column != 2 else "not importable"
        value = (
            report.imported,
            report.duplicates + report.merged,
            report.skipped_count,
            report.failed_count,
        )[column - 2]
        return f"{value:,}"

    def _detail_data(self, file_row: int, row: int, column: int, role: int) -> Any:
        if column != 0:
            return None
        text = self._details[file_row][row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if role == Qt.ItemDataRole.ForegroundRole and text.startswith(
            ("Failed", "Not importable", "Nothing")
        ):
            return _problem_brush()
        return None


def _problem_brush() -> QBrush:
    """Red that reads on light and dark palettes (as app/gui/outcomes.py colours a bad line)."""
    palette = QApplication.palette()
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    from PySide6.QtGui import QColor

    return QBrush(QColor("#ff8a80" if dark else "#c62828"))
