"""The detail pane: everything the catalog knows about the selected track, and what a person does with
its file (play it, open its folder, copy its path).

It shows an :class:`analyzer.catalog.detail.TrackDetail`; reading one is the controller's job.
"""

from __future__ import annotations

import math
import os
from datetime import UTC
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, QLocale, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.library.model import format_length
from models.enums import ScanStatus

if TYPE_CHECKING:
    from analyzer.catalog.detail import TrackDetail

NO_SELECTION = "Select a track to see its features, files, external ids and tags."


def _number(value: Any, digits: int = 0, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{float(value):.{digits}f}" if digits else f"{round(float(value)):d}"
    return f"{text} {unit}".rstrip()


def _file_summary(file: Any) -> str:
    """'FLAC · 1,411 kbps · 44.1 kHz · stereo · 31.2 MB' from what is known, and its state when not readable."""
    parts = [str(file.format or file.codec or "?").replace("_", " ").upper()]
    if file.bitrate:
        parts.append(f"{round(file.bitrate / 1000):,} kbps")
    if file.sample_rate:
        parts.append(f"{file.sample_rate / 1000:g} kHz")
    if file.channels:
        parts.append({1: "mono", 2: "stereo"}.get(file.channels, f"{file.channels} channels"))
    if file.size_bytes:
        parts.append(QLocale().formattedDataSize(file.size_bytes))
    if file.scan_status == ScanStatus.MISSING:
        parts.append("not on disk any more")
    elif file.scan_status != ScanStatus.OK:
        parts.append(f"unreadable: {file.error}" if file.error else "unreadable")
    return " · ".join(parts)


def _stars(stars: float) -> str:
    whole = int(stars)
    return "★" * whole + ("½" if stars - whole >= 0.5 else "")


def _ratings_text(ratings: Any) -> str:
    """One line per rating of the track's album: stars, who, favourite and review (``tonearm rate``)."""
    lines = []
    for rating in ratings:
        line = f"{_stars(rating.stars)} {rating.stars:g} by {rating.user}"
        if rating.favourite:
            line += f"; favourite: {rating.favourite}"
        if rating.review:
            line += f" — “{rating.review}”"
        lines.append(line)
    return "\n".join(lines) or "—"


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.horizontalHeader().setStretchLastSection(True)
    # Take the height the pane has (its ~190 px size hint would make the pane scroll when it is short).
    table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
    table.setMinimumHeight(table.verticalHeader().defaultSectionSize() * 3)
    return table


def _item(text: str, tooltip: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(tooltip or text)
    return item


class DetailPane(QWidget):
    """Header, actions, files, features, external ids and every tag of one track."""

    copied = Signal(str)  # a path was put on the clipboard

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryDetail")
        self.detail: TrackDetail | None = None

        self.placeholder = QLabel(NO_SELECTION)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)

        self.heading = QLabel()
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subheading = QLabel()
        self.subheading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play the selected file with the system's music player (Enter)")
        self.folder_button = QPushButton("Open containing folder")
        self.copy_button = QPushButton("Copy path")
        self.play_button.clicked.connect(self.play)
        self.folder_button.clicked.connect(self.open_folder)
        self.copy_button.clicked.connect(self.copy_path)

        self.files = _table(["Files"])
        self.files.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keep the file name and the root visible
        self.file_facts = QLabel()  # format, bitrate, sample rate and audio hash of the picked file
        self.file_facts.setObjectName("libraryFileFacts")
        self.file_facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.files.itemSelectionChanged.connect(self._update_actions)
        self.files.itemDoubleClicked.connect(lambda _item: self.play())

        self.features = QFormLayout()
        self.features.setVerticalSpacing(2)
        self.features.setContentsMargins(0, 0, 0, 0)
        self.features.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.feature_labels: dict[str, QLabel] = {}
        for name in (
            "BPM",
            "Key",
            "Loudness",
            "Energy",
            "Danceability",
            "Genres",
            "Plays",
            "Last played",
            "Album rating",
            "External ids",
        ):
            label = QLabel("—")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(name in ("Genres", "External ids", "Album rating"))
            self.feature_labels[name] = label
            self.features.addRow(f"{name}:", label)

        self.tags = _table(["Tag", "Value"])
        self.tags.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)

        buttons = QHBoxLayout()
        for button in (self.play_button, self.folder_button, self.copy_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        left = QVBoxLayout()
        left.setSpacing(4)
        left.addWidget(self.heading)
        left.addWidget(self.subheading)
        left.addLayout(buttons)
        self._notices = QVBoxLayout()  # lines other parts add under the buttons (add_notice)
        self._notices.setContentsMargins(0, 0, 0, 0)
        left.addLayout(self._notices)
        left.addWidget(self.file_facts)
        left.addWidget(self.files, 1)
        middle = QWidget()
        middle.setLayout(self.features)
        middle.setMinimumWidth(230)
        body = QWidget()
        columns = QHBoxLayout(body)
        columns.setContentsMargins(8, 4, 8, 4)
        columns.addLayout(left, 4)
        columns.addWidget(middle, 2)
        columns.addWidget(self.tags, 3)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        scroller = QScrollArea()  # a short pane scrolls rather than clipping lines
        scroller.setWidget(body)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.pages.addWidget(scroller)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)
        self.show_detail(None)

    def add_notice(self, widget: QWidget) -> None:
        """Show ``widget`` (which hides and shows itself) under the action buttons."""
        self._notices.addWidget(widget)

    # -- showing -------------------------------------------------------------------------------------------

    def show_detail(self, detail: TrackDetail | None) -> None:
        """Show one track (None: the hint to select one)."""
        self.detail = detail
        if detail is None:
            self.pages.setCurrentIndex(0)
            self._update_actions()
            return
        self.pages.setCurrentIndex(1)
        self.heading.setText(detail.title or "Untitled")
        album = detail.album or "no album"
        extras = [str(detail.year)] if detail.year else []
        if detail.duration_secs:
            extras.append(format_length(float(detail.duration_secs)))
        self.subheading.setText(" · ".join([f"{detail.artist or 'Unknown artist'} — {album}", *extras]))

        self.files.setRowCount(len(detail.files))
        for row, file in enumerate(detail.files):
            problem = file.error or (
                None if file.scan_status == ScanStatus.OK else f"file {file.scan_status}"
            )
            item = _item(str(file.path), f"{file.path}\n{problem}" if problem else None)
            if file.scan_status != ScanStatus.OK:
                item.setForeground(
                    self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
                )
            self.files.setItem(row, 0, item)
        if detail.files:
            self.files.selectRow(0)

        features = detail.features
        values = {
            "BPM": _number(getattr(features, "bpm", None)),
            "Key": self._key_text(features),
            "Loudness": _number(getattr(features, "loudness_lufs", None), 1, "LUFS"),
            "Energy": _number(getattr(features, "energy", None), 2),
            "Danceability": _number(getattr(features, "danceability", None), 2),
            "Genres": ", ".join(detail.genres) or "—",
            "Plays": f"{detail.plays:,}",
            "Last played": self._when(detail.last_played),
            "Album rating": _ratings_text(getattr(detail, "album_ratings", [])),
            "External ids": "\n".join(f"{scheme}: {value}" for scheme, value in detail.external_ids) or "—",
        }
        for name, text in values.items():
            self.feature_labels[name].setText(text)
        if features is None:
            self.feature_labels["BPM"].setToolTip(
                "Not analyzed yet: run Analyze to measure BPM, key and loudness."
            )

        self.tags.setRowCount(len(detail.tags))
        for row, tag in enumerate(detail.tags):
            self.tags.setItem(
                row, 0, _item(tag.key, f"{tag.key} (from {tag.source})" if tag.source else None)
            )
            self.tags.setItem(row, 1, _item(str(tag.value)))
        self._update_actions()

    @staticmethod
    def _key_text(features: Any) -> str:
        if features is None or not getattr(features, "key", None):
            return "—"
        text = f"{features.key} {features.scale or ''}".strip()
        return f"{text} ({features.camelot})" if getattr(features, "camelot", None) else text

    @staticmethod
    def _when(moment: Any) -> str:
        if moment is None:
            return "never"
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # the catalog keeps UTC
        stamp = QDateTime.fromSecsSinceEpoch(int(aware.timestamp()))
        if QLocale().language() == QLocale.Language.C:  # no locale set (LANG=C): ISO, not "4 12 2026 05:03"
            return stamp.toString("yyyy-MM-dd HH:mm")
        return QLocale().toString(stamp, QLocale.FormatType.ShortFormat)

    # -- actions -------------------------------------------------------------------------------------------

    def _selected_file(self) -> Any:
        if self.detail is None or not self.detail.files:
            return None
        row = self.files.currentRow()
        return self.detail.files[row if 0 <= row < len(self.detail.files) else 0]

    def selected_path(self) -> str | None:
        """Path of the file picked in the files list (the first file when none is picked)."""
        file = self._selected_file()
        return None if file is None else str(file.path)

    def _update_actions(self) -> None:
        file = self._selected_file()
        self.file_facts.setText(
            ""
            if file is None
            else f"{_file_summary(file)}\nAudio hash: {file.audio_hash or 'not analyzed yet'}"
        )
        path = self.selected_path()
        on_disk = path is not None and os.path.exists(path)
        for button in (self.play_button, self.folder_button):
            button.setEnabled(on_disk)
        self.copy_button.setEnabled(path is not None)
        if path is not None and not on_disk:
            self.play_button.setToolTip("The file is not on disk any more: rescan its folder.")
        else:
            self.play_button.setToolTip("Play the selected file with the system's music player (Enter)")

    def play(self) -> bool:
        """Open the file with the system's player; False when there is no file on disk."""
        path = self.selected_path()
        if path is None or not os.path.exists(path):
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def open_folder(self) -> bool:
        path = self.selected_path()
        if path is None or not os.path.exists(path):
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))

    def copy_path(self) -> None:
        path = self.selected_path()
        if path is not None:
            QGuiApplication.clipboard().setText(path)
            self.copied.emit(path)
