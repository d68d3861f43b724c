"""API tokens on the Scrobble server screen: the list (a small table model), and the dialog that shows a new
token once, with Copy. Reads and writes go through ``scrobbler.users`` in the job runner's read pool."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.outcomes import local_time

if TYPE_CHECKING:
    from models.engine import Database

HEADERS = ("Label", "Token", "User", "Created", "Last used", "Status")
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: int
    label: str | None
    prefix: str
    user: str
    created_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def live(self) -> bool:
        return self.revoked_at is None


def read_tokens(db: Database) -> list[TokenRow]:
    """Every user's tokens, oldest first, revoked ones included (``scrobbler.users.list_tokens``)."""
    from scrobbler.users import list_tokens

    with db.session() as session:
        return [
            TokenRow(t.id, t.label, t.prefix, user, t.created_at, t.last_used_at, t.revoked_at)
            for t, user in list_tokens(session)
        ]


def issue_token(db: Database, label: str | None) -> Any:
    """A new token for the default user (``scrobbler.users.IssuedToken``: its clear text is only here)."""
    from scrobbler.users import create_token, default_user

    with db.session() as session:
        return create_token(session, default_user(session), label or None)


def revoke(db: Database, token_id: int) -> int:
    """Revoke one token by id; the running server refuses it from its next request on."""
    from scrobbler.users import revoke_token

    with db.session() as session:
        return revoke_token(session, str(token_id))


class TokensModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[TokenRow] = []

    def set_rows(self, rows: list[TokenRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> TokenRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        token = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                token.label or "(no label)",
                f"{token.prefix}…",
                token.user,
                local_time(token.created_at),
                local_time(token.last_used_at) or "never",
                "active" if token.live else f"revoked {local_time(token.revoked_at)}",
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1:
            return "Only the first characters are kept in clear; the token itself was shown once."
        if role == Qt.ItemDataRole.ForegroundRole and not token.live:
            return QGuiApplication.palette().placeholderText()
        if role == Qt.ItemDataRole.UserRole:
            return token
        return None


class TokenDialog(QDialog):
    """Shows a new token once, selectable, with Copy: Tonearm keeps only its fingerprint."""

    def __init__(self, token: str, user: str, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tokenDialog")
        self.setWindowTitle("New token")
        self.setMinimumWidth(560)
        intro = QLabel(
            f"<p><b>A token for {user}.</b> Paste it into your player's ListenBrainz token field.</p>"
            f"<p>Server URL: <b>{url}</b></p>"
            "<p>Tonearm shows it only now: it keeps just a fingerprint of it. Lost it? Revoke it and create "
            "another.</p>"
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.field = QLineEdit(token)
        self.field.setObjectName("tokenField")
        self.field.setReadOnly(True)
        self.field.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.field.setMinimumWidth(self.field.fontMetrics().horizontalAdvance(token) + 24)
        self.field.selectAll()
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName("copyToken")
        self.copy_button.clicked.connect(self.copy)
        self._reset = QTimer(self)
        self._reset.setSingleShot(True)
        self._reset.setInterval(2000)
        self._reset.timeout.connect(lambda: self.copy_button.setText("Copy"))
        row = QHBoxLayout()
        row.addWidget(self.field, 1)
        row.addWidget(self.copy_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.field.text())
        self.copy_button.setText("Copied")
        self._reset.start()
