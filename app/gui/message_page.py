"""A screen's message page: one centred, word-wrapped line of text with an optional action button below it
(the empty library, "nothing analysed yet", "no listening history"...). Screens put it in their page stack
beside their table and switch to it when there is nothing to show."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class MessagePage(QWidget):
    """``message`` (object name ``<name>Message``) and ``button`` (``<name>MessageButton``, hidden until the
    screen shows it), centred a third of the way down."""

    def __init__(self, name: str, text: str, button_text: str, on_button: Callable[[], object]) -> None:
        super().__init__()
        self.message = QLabel(text)
        self.message.setObjectName(f"{name}Message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.button = QPushButton(button_text)
        self.button.setObjectName(f"{name}MessageButton")
        self.button.clicked.connect(lambda _checked=False: on_button())
        self.button.hide()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
