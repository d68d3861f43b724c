"""What a source sent for one listen, on demand: each raw arrival (the first, then later duplicates from
other sources) with where and when it came, and its payload as stored (JSON indented)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.gui.listens.model import STATUS_LABELS, format_confidence, time_tooltip
from app.gui.outcomes import local_time

if TYPE_CHECKING:
    from scrobbler.history_pages import ListenPayload, RawArrival


class PayloadDialog(QDialog):
    """The raw arrivals of a listen, one tab each; Copy puts the shown payload on the clipboard."""

    def __init__(self, payload: ListenPayload, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        listen = payload.listen
        self.setObjectName("listensPayload")
        self.setWindowTitle(f"Raw payload — {listen.artist} – {listen.title}")
        self.resize(640, 520)
        heading = QLabel(f"<b>{_escape(listen.artist)} – {_escape(listen.title)}</b>")
        heading.setObjectName("listensPayloadHeading")
        facts = QFormLayout()
        facts.addRow("Listened", QLabel(time_tooltip(listen)))
        facts.addRow("Listen", QLabel(f"#{listen.listen_id} of {listen.user_name}"))
        matched = STATUS_LABELS.get(listen.status, listen.status)
        if listen.track_title:
            by = f" by {listen.track_artist}" if listen.track_artist else ""
            confidence = format_confidence(listen.confidence)
            matched += f": {listen.track_title}{by}" + (f" ({confidence})" if confidence else "")
        if listen.match_reason:
            matched += f" — {listen.match_reason.replace('_', ' ')}"
        facts.addRow("Match", QLabel(matched))
        count = len(payload.arrivals)
        facts.addRow(
            "Arrivals",
            QLabel(
                "once"
                if count == 1
                else f"{count} times (the first one made the listen; later ones are kept)"
            ),
        )
        self.tabs = QTabWidget()
        self.tabs.setObjectName("listensPayloadTabs")
        self.texts: list[QPlainTextEdit] = []
        for number, arrival in enumerate(payload.arrivals, start=1):
            label = f"{number}. {arrival.source}" + (" (duplicate)" if arrival.duplicate else "")
            self.tabs.addTab(self._arrival_page(arrival), label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy payload", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(facts)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    def _arrival_page(self, arrival: RawArrival) -> QWidget:
        page = QWidget()
        form = QFormLayout()
        form.addRow("Source", QLabel(arrival.source))
        form.addRow("Id at the source", QLabel(arrival.source_track_id or "—"))
        form.addRow("Time it gave", QLabel(arrival.listened_at.strftime("%Y-%m-%d %H:%M:%S UTC")))
        form.addRow("Arrived", QLabel(local_time(arrival.ingested_at, "%Y-%m-%d %H:%M:%S")))
        text = QPlainTextEdit(arrival.payload if arrival.payload else "(empty)")
        text.setReadOnly(True)
        text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        text.setObjectName("listensPayloadText")
        self.texts.append(text)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        if not arrival.is_json:
            note = QLabel("Stored as it came (not JSON).")
            note.setObjectName("listensPayloadNotJson")
            note.setEnabled(False)
            layout.addWidget(note)
        layout.addWidget(text, 1)
        return page

    def shown_payload(self) -> str:
        return self.texts[self.tabs.currentIndex()].toPlainText() if self.texts else ""

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.shown_payload())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
