"""The Listens screen's filter bar: a search box, then user, period (with dates), source and status, the
chip of a track filter, and a button that clears them all. Layout only: it shows a
:class:`~app.gui.listens.controller.FilterChoice` and tells when the person changed one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.listens.controller import PERIODS, FilterChoice
from app.gui.listens.model import STATUS_HELP, STATUS_LABELS

if TYPE_CHECKING:
    from scrobbler.history_pages import HistoryOptions

TEXT_DEBOUNCE_MS = 300  # a million listens: each search is a worker read, so wait for a pause in typing
SEARCH_PLACEHOLDER = "Search listens — artist, title or release as heard, or the linked track's title"
SEARCH_HELP = (
    "Each word must occur in the artist, title or release the source sent, or in the title of the track the\n"
    'listen is linked to; case and accents do not matter. "Quoted words" match as a phrase; a leading -\n'
    "excludes (-live). Esc clears the search."
)


class FilterBar(QWidget):
    changed = Signal()  # the person changed a filter: read :meth:`choice`
    track_cleared = Signal()  # the track chip's ✕ was clicked
    clear_all = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._showing = True  # filling the widgets (from a choice, or here): not a change by the person
        self._track: tuple[int | None, str] = (None, "")

        self.search = QLineEdit()
        self.search.setObjectName("listensSearch")
        self.search.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search.setToolTip(SEARCH_HELP)
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(TEXT_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(self._on_text)
        self.search.returnPressed.connect(self.apply_text_now)

        self.user = self._combo("listensUser", "Whose listens (times show in each listener's time zone)")
        self.period = self._combo("listensPeriod", "When (in the chosen listener's time zone)")
        for key, label in PERIODS:
            self.period.addItem(label, key)
        self.first = self._date("listensFrom", "From this day (included)")
        self.last = self._date("listensTo", "To this day (included)")
        self.dash = QLabel("–")
        self.source = self._combo(
            "listensSource", "Where the listens came from (import format or the local API)"
        )
        self.status = self._combo("listensStatus", "How the listens are matched to your library")
        self.track_chip = QToolButton()
        self.track_chip.setObjectName("listensTrackChip")
        self.track_chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.track_chip.setToolTip("Only this track's listens. Click to remove this filter.")
        self.track_chip.setStyleSheet(
            "QToolButton#listensTrackChip { border: 1px solid palette(highlight); border-radius: 10px;"
            " padding: 1px 8px; background: palette(alternate-base); }"
        )
        self.track_chip.clicked.connect(self.track_cleared)
        self.track_chip.hide()
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setObjectName("listensClearFilters")
        self.clear_button.clicked.connect(self.clear_all)
        self.count = QLabel()
        self.count.setObjectName("listensCount")

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        row = QHBoxLayout()
        for label, widget in (("User", self.user), ("When", self.period)):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addWidget(self.first)
        row.addWidget(self.dash)
        row.addWidget(self.last)
        for label, widget in (("Source", self.source), ("Status", self.status)):
            row.addSpacing(6)
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addSpacing(6)
        row.addWidget(self.track_chip)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(row)
        self._showing = False
        self.set_options(None)
        self._show_dates(False)

    # -- what the screen uses ------------------------------------------------------------------------------

    def choice(self) -> FilterChoice:
        """The filters as the widgets show them now."""
        period = str(self.period.currentData() or "any")
        custom = period == "custom"
        return FilterChoice(
            user_id=self.user.currentData(),
            period=period,
            first=_day(self.first.date()) if custom else None,
            last=_day(self.last.date()) if custom else None,
            source=self.source.currentData(),
            status=self.status.currentData(),
            text=self.search.text().strip(),
            track_id=self._track[0],
            track_label=self._track[1],
        )

    def show_choice(self, choice: FilterChoice) -> None:
        """Put ``choice`` in the widgets (without it counting as a change by the person)."""
        self._showing = True
        try:
            if self.search.text().strip() != choice.text:
                self.search.setText(choice.text)
            self._debounce.stop()
            self._select(choice)
            today = QDate.currentDate()
            self.first.setDate(_qdate(choice.first) if choice.first else today.addDays(-30))
            self.last.setDate(_qdate(choice.last) if choice.last else today)
            self._show_dates(choice.period == "custom")
            self._track = (choice.track_id, choice.track_label)
            self.track_chip.setText(f"Track: {choice.track_label}  ✕")
            self.track_chip.setVisible(choice.track_id is not None)
            self.clear_button.setEnabled(not choice.is_default())
        finally:
            self._showing = False

    def _select(self, choice: FilterChoice) -> None:
        for combo, value in (
            (self.user, choice.user_id),
            (self.period, choice.period),
            (self.source, choice.source),
            (self.status, choice.status),
        ):
            at = combo.findData(value)
            if at < 0 and value is not None and combo is not self.period:  # not listed (yet): keep it shown
                combo.addItem("…" if combo is self.user else str(value), value)  # the user's name comes soon
                at = combo.count() - 1
            combo.setCurrentIndex(max(at, 0))

    def set_options(self, options: HistoryOptions | None, choice: FilterChoice | None = None) -> None:
        """Fill the user, source and status lists (with counts) from the history, showing ``choice``'s
        user, source and status (the current ones when None). Text and dates are left as they are: the
        person may be typing them."""
        kept = choice or self.choice()
        self._showing = True
        try:
            self.user.clear()
            self.user.addItem("All users", None)
            self.source.clear()
            self.source.addItem("All sources", None)
            self.status.clear()
            self.status.addItem("Any status", None)
            if options is not None:
                for user in options.users:
                    self.user.addItem(user.name, user.user_id)
                    zone = user.timezone or "this computer's time zone"
                    self.user.setItemData(
                        self.user.count() - 1, f"Times in {zone}", Qt.ItemDataRole.ToolTipRole
                    )
                for source, count in options.sources:
                    self.source.addItem(f"{source} ({count:,})", source)
                for status, label in STATUS_LABELS.items():
                    self.status.addItem(f"{label} ({options.statuses.get(status, 0):,})", status)
                    self.status.setItemData(
                        self.status.count() - 1, STATUS_HELP[status], Qt.ItemDataRole.ToolTipRole
                    )
            else:
                for status, label in STATUS_LABELS.items():
                    self.status.addItem(label, status)
            self._select(kept)
        finally:
            self._showing = False

    def apply_text_now(self) -> None:
        if self._debounce.isActive():
            self._debounce.stop()
            self._emit()

    def text_pending(self) -> bool:
        return self._debounce.isActive()

    # -- building and reacting -----------------------------------------------------------------------------

    def _combo(self, name: str, tip: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setToolTip(tip)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        combo.currentIndexChanged.connect(self._on_combo)
        return combo

    def _date(self, name: str, tip: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setToolTip(tip)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.dateChanged.connect(self._on_text)  # typed section by section: wait for a pause, as for text
        return edit

    def _show_dates(self, shown: bool) -> None:
        for widget in (self.first, self.dash, self.last):
            widget.setVisible(shown)

    def _on_combo(self, *_args: object) -> None:
        if self._showing:
            return
        self._show_dates(self.period.currentData() == "custom")
        self._emit()

    def _on_text(self, *_args: object) -> None:
        if not self._showing:
            self._debounce.start()

    def _emit(self) -> None:
        self._debounce.stop()
        self.clear_button.setEnabled(not replace(self.choice(), first=None, last=None).is_default())
        self.changed.emit()


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)
