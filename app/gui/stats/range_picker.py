"""The range picker: all time, a year, a month, an ISO week, the last N days, or custom dates; it speaks
the core's range syntax (:data:`scrobbler.stats.ranges.RANGE_HELP`), so the CLI and the screen agree."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QSpinBox, QWidget

from scrobbler.stats.ranges import RangeError, parse_range

KINDS = (
    ("all", "All time"),
    ("year", "Year"),
    ("month", "Month"),
    ("week", "Week"),
    ("last", "Last N days"),
    ("custom", "Custom dates"),
)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _date_edit(name: str, display: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setObjectName(name)
    edit.setDisplayFormat(display)
    edit.setCalendarPopup(True)
    edit.setMinimumDate(QDate(1970, 1, 1))
    edit.setMaximumDate(QDate(2100, 12, 31))
    return edit


class RangePicker(QWidget):
    """Emits ``range_changed(text)`` with a valid range text whenever the choice changes; a choice that is
    not a range (custom dates that end before they start) shows ``error`` instead and emits nothing."""

    range_changed = Signal(str)
    error = Signal(str)  # "" when the choice became valid again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.setObjectName("statsRangeKind")
        self.kind.setAccessibleName("Range")
        for key, label in KINDS:
            self.kind.addItem(label, key)
        self.year = QSpinBox()
        self.year.setObjectName("statsYear")
        self.year.setRange(1970, 2100)
        self.year.setValue(date.today().year)
        self.month = _date_edit("statsMonth", "MMMM yyyy")
        self.week = _date_edit("statsWeek", "'week of' yyyy-MM-dd")
        self.last = QSpinBox()
        self.last.setObjectName("statsLastDays")
        self.last.setRange(1, 36500)
        self.last.setValue(30)
        self.last.setSuffix(" days")
        self.start = _date_edit("statsFrom", "yyyy-MM-dd")
        self.end = _date_edit("statsTo", "yyyy-MM-dd")
        for edit in (self.month, self.week, self.start, self.end):
            edit.setDate(QDate.currentDate())
        custom = QWidget()
        custom_layout = QHBoxLayout(custom)
        custom_layout.setContentsMargins(0, 0, 0, 0)
        custom_layout.addWidget(self.start)
        custom_layout.addWidget(QLabel("to"))
        custom_layout.addWidget(self.end)
        # One editor per kind, only the chosen one shown (all time has none).
        self.editors: list[QWidget | None] = [None, self.year, self.month, self.week, self.last, custom]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.kind)
        for editor in self.editors:
            if editor is not None:
                layout.addWidget(editor)
        self._quiet = False
        self.kind.currentIndexChanged.connect(self._on_kind)
        self.year.valueChanged.connect(self._changed)
        self.last.valueChanged.connect(self._changed)
        for edit in (self.month, self.week, self.start, self.end):
            edit.dateChanged.connect(self._changed)
        self._on_kind(0)

    def set_span(self, first: date, last: date) -> None:
        """Start the editors at the user's listening (the last year, month and week with listens); the
        range chosen now stays as it is."""
        current = self.text()
        self._quiet = True
        try:
            self.year.setValue(last.year)
            for edit in (self.month, self.week, self.end):
                edit.setDate(_qdate(last))
            self.start.setDate(_qdate(max(first, last - timedelta(days=29))))
        finally:
            self._quiet = False
        self.set_text(current)

    def text(self) -> str:
        """The chosen range in the core's syntax ("all", "2024", "2024-03", "2024-W09", "last-30-days",
        "2024-01-01..2024-03-31")."""
        kind = self.kind.currentData()
        if kind == "year":
            return str(self.year.value())
        if kind == "month":
            day = _pydate(self.month.date())
            return f"{day.year:04d}-{day.month:02d}"
        if kind == "week":
            year, week, _ = _pydate(self.week.date()).isocalendar()
            return f"{year:04d}-W{week:02d}"
        if kind == "last":
            return f"last-{self.last.value()}-days"
        if kind == "custom":
            return f"{_pydate(self.start.date()).isoformat()}..{_pydate(self.end.date()).isoformat()}"
        return "all"

    def set_text(self, text: str) -> bool:
        """Show a range given as text (a remembered choice); False when it is not one the picker offers."""
        try:
            chosen = parse_range(text, today=date.today())
        except RangeError:
            return False
        value = text.strip().lower()
        self._quiet = True
        try:
            if value == "all":
                kind = "all"
            elif value.startswith("last-") and value.endswith("-days"):
                kind = "last"
                self.last.setValue(int(value.split("-")[1]))
            elif chosen.start is None or chosen.end is None:
                return False
            elif len(value) == 4:
                kind = "year"
                self.year.setValue(chosen.start.year)
            elif "-w" in value:
                kind = "week"
                self.week.setDate(_qdate(chosen.start))
            elif len(value) == 7:
                kind = "month"
                self.month.setDate(_qdate(chosen.start))
            elif ".." in value:
                kind = "custom"
                self.start.setDate(_qdate(chosen.start))
                self.end.setDate(_qdate(chosen.end - timedelta(days=1)))
            else:
                return False
            self.kind.setCurrentIndex(self.kind.findData(kind))
            self._show_editor(self.kind.currentIndex())
        finally:
            self._quiet = False
        return True

    def _on_kind(self, index: int) -> None:
        self._show_editor(index)
        self._changed()

    def _show_editor(self, index: int) -> None:
        for number, editor in enumerate(self.editors):
            if editor is not None:
                editor.setVisible(number == index)

    def _changed(self, *_args: object) -> None:
        if self._quiet:
            return
        text = self.text()
        start, end = _pydate(self.start.date()), _pydate(self.end.date())
        if self.kind.currentData() == "custom" and end < start:
            self.error.emit(f"The range ends ({end}) before it starts ({start}): pick a later end date.")
            return
        try:
            parse_range(text, today=date.today())
        except RangeError as problem:
            self.error.emit(str(problem))
            return
        self.error.emit("")
        self.range_changed.emit(text)
