"""The Scrobble server screen: a switch that serves the ListenBrainz-compatible API on this computer, the
URL and token a player needs, what the server received today and from whom, and the tokens.

The server runs as a long job of the window's job runner (``scrobbler.api.serving.LocalServer.run``): the
job's thread drives uvicorn's event loop in short slices and reports the status twice a second; Stop in
the jobs panel or the switch cancels it and the server shuts down cleanly. Why a job and not a child
process: the job runner is the window's one way to run work off the UI thread, the status (listens today,
last client) is then plain memory instead of a second channel between processes, and no second
interpreter (about a second and 100 MiB) starts. uvicorn and FastAPI load in the job's thread when the
switch is first turned on, so the window's start-up never pays for them. Off by default, loopback only.
"""

from __future__ import annotations

import secrets
from collections.abc import Generator
from typing import Any

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.jobs import Job
from app.gui.outcomes import error_text, local_time, outcome_style, plural
from app.gui.server_tokens import TokenDialog, TokenRow, TokensModel, issue_token, read_tokens, revoke
from app.gui.state import AppState
from app.gui.switch import Switch
from app.gui.tray import CLOSE_ACTION_KEY, CLOSE_ACTIONS, tray_available

SERVER_KIND = "server"
PORT_KEY = "server/port"
DEFAULT_PORT = 8765  # scrobbler.api.server.DEFAULT_PORT, without importing uvicorn to know it
PHASES = {"off": "Off", "starting": "Starting…", "running": "Running", "stopping": "Stopping…"}


class ServerController(QObject):
    """Owns the running server: start, stop, its phase and status, and the tokens. No widgets."""

    phase_changed = Signal(str)  # "off" | "starting" | "running" | "stopping"
    status_changed = Signal()
    tokens_changed = Signal()
    token_created = Signal(object)  # scrobbler.users.IssuedToken
    failed = Signal(str)  # a line for the person

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.phase = "off"
        self.error: str | None = None
        self.server: Any = None  # scrobbler.api.serving.LocalServer while a run exists
        self.job: Job | None = None
        self.tokens: list[TokenRow] = []

    # -- the server ------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def port(self) -> int:
        value: Any = self.state.settings.value(PORT_KEY, DEFAULT_PORT, type=int)
        return int(value)

    def set_port(self, port: int) -> None:
        self.state.settings.setValue(PORT_KEY, int(port))

    def url(self) -> str:
        if self.server is not None and self.phase == "running":
            return str(self.server.url)
        return f"http://127.0.0.1:{self.port()}/"

    def start(self, port: int | None = None) -> Job | None:
        """Serve on 127.0.0.1 at ``port`` (default: the saved one; 0: any free port)."""
        if self.running:
            return None
        from scrobbler.api.serving import LOOPBACK, LocalServer

        chosen = self.port() if port is None else port
        self.server = server = LocalServer(self.state.db, LOOPBACK, chosen)
        self.error = None
        title = f"Scrobble server on port {chosen}" if chosen else "Scrobble server"
        self.job = job = self.state.jobs.start(title, server.run, kind=SERVER_KIND)
        job.progressed.connect(lambda _event: self._progressed(job))
        job.ended.connect(lambda: self._ended(job))
        self._set_phase("starting")
        return job

    def stop(self, wait_ms: int = 0) -> bool:
        """Ask the server to stop; with ``wait_ms``, wait (handling events) until it has. True once off."""
        if self.job is None or not self.job.running:
            return True
        self.job.cancel()
        self._set_phase("stopping")
        if wait_ms:
            deadline = QDeadlineTimer(wait_ms)
            while self.job.running and not deadline.hasExpired():
                QCoreApplication.processEvents()
                QCoreApplication.sendPostedEvents()
                self.state.jobs.wait_idle(10)
        return not self.running

    def snapshot(self) -> Any:
        """``scrobbler.api.status.StatusSnapshot`` of the running server, or None."""
        return self.server.snapshot() if self.server is not None and self.phase == "running" else None

    def _progressed(self, job: Job) -> None:
        if job is not self.job:
            return
        if self.phase == "starting":
            self._set_phase("running")
        self.status_changed.emit()

    def _ended(self, job: Job) -> None:
        if job is not self.job:
            return
        if job.outcome == "failed":
            from scrobbler.api.serving import PortUnavailable

            why = str(job.result) if isinstance(job.result, PortUnavailable) else error_text(job.result)
            self.error = f"The server could not run: {why}"
            self.failed.emit(self.error)
        self._set_phase("off")
        self.status_changed.emit()

    def _set_phase(self, phase: str) -> None:
        if phase != self.phase:
            self.phase = phase
            self.phase_changed.emit(phase)

    # -- tokens ----------------------------------------------------------------------------------------
    def load_tokens(self) -> Job:
        db = self.state.db
        job = self.state.jobs.call("Read API tokens", lambda: read_tokens(db))
        job.finished.connect(self._tokens_read)
        job.failed.connect(lambda error: self.failed.emit(f"Could not read the tokens: {error_text(error)}"))
        return job

    def _tokens_read(self, rows: list[TokenRow]) -> None:
        self.tokens = rows
        self.tokens_changed.emit()

    def create_token(self, label: str) -> Job:
        db, text = self.state.db, label.strip()
        job = self.state.jobs.call("Create an API token", lambda: issue_token(db, text))
        job.finished.connect(self._token_issued)
        job.failed.connect(lambda error: self.failed.emit(f"Could not create a token: {error_text(error)}"))
        return job

    def _token_issued(self, issued: Any) -> None:
        self.token_created.emit(issued)
        self.load_tokens()

    def revoke_token(self, token_id: int) -> Job:
        db = self.state.db
        job = self.state.jobs.call("Revoke an API token", lambda: revoke(db, token_id))
        job.finished.connect(lambda _count: self.load_tokens())
        job.failed.connect(lambda error: self.failed.emit(f"Could not revoke the token: {error_text(error)}"))
        return job


class ServerScreen(QWidget):
    title = "Scrobble server"
    object_name = "server"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.controller = ServerController(state, self)
        self.token_dialog: TokenDialog | None = None

        heading = QLabel("Scrobble server")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel(
            "Players and scrobblers that can send to a custom ListenBrainz server can send your listens "
            "straight to Tonearm. The server listens on this computer only (127.0.0.1)."
        )
        intro.setWordWrap(True)

        self.switch = Switch("Receive scrobbles")
        self.switch.setObjectName("serverSwitch")
        self.switch.toggled.connect(self._switched)
        self.phase_label = QLabel()
        self.phase_label.setObjectName("serverPhase")
        pfont = self.phase_label.font()
        pfont.setBold(True)
        self.phase_label.setFont(pfont)
        switch_row = QHBoxLayout()
        switch_row.addWidget(self.switch)
        switch_row.addSpacing(12)
        switch_row.addWidget(self.phase_label)
        switch_row.addStretch(1)
        self.error_label = QLabel()
        self.error_label.setObjectName("serverError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        connect = QGroupBox("Connect a player")
        form = QFormLayout(connect)
        self.url_field = QLineEdit()
        self.url_field.setObjectName("serverUrl")
        self.url_field.setReadOnly(True)
        self.copy_url_button = QPushButton("Copy")
        self.copy_url_button.setObjectName("copyUrl")
        self.copy_url_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.url_field.text())
        )
        url_row = QHBoxLayout()
        url_row.addWidget(self.url_field, 1)
        url_row.addWidget(self.copy_url_button)
        form.addRow("ListenBrainz URL:", url_row)
        self.port_box = QSpinBox()
        self.port_box.setObjectName("serverPort")
        self.port_box.setRange(1024, 65535)
        self.port_box.setValue(self.controller.port())
        self.port_box.setToolTip("The TCP port on 127.0.0.1; used the next time the server starts")
        self.port_box.valueChanged.connect(self._port_changed)
        form.addRow("Port:", self.port_box)
        hint = QLabel(
            "Paste the URL into the player's custom ListenBrainz server field, and a token from below into "
            "its token field. Players that want the full address use …/1/submit-listens."
        )
        hint.setWordWrap(True)
        form.addRow("", hint)

        activity = QGroupBox("Activity")
        facts = QFormLayout(activity)
        self.today_label = QLabel()
        self.today_label.setObjectName("listensToday")
        self.client_label = QLabel()
        self.client_label.setObjectName("lastClient")
        self.client_label.setWordWrap(True)
        self.refused_label = QLabel()
        self.refused_label.setObjectName("lastRefused")
        self.refused_label.setWordWrap(True)
        facts.addRow("Listens received today:", self.today_label)
        facts.addRow("Last client:", self.client_label)
        facts.addRow("Last refused:", self.refused_label)

        tokens = QGroupBox("Tokens")
        self.tokens_model = TokensModel(self)
        self.tokens_view = QTableView()
        self.tokens_view.setObjectName("tokensView")
        self.tokens_view.setModel(self.tokens_model)
        self.tokens_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tokens_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tokens_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tokens_view.verticalHeader().hide()
        header = self.tokens_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tokens_view.setMinimumHeight(120)
        self.no_tokens = QLabel(
            "No tokens yet. Create one for each player: name it below (e.g. the player's name) and press "
            "Create token."
        )
        self.no_tokens.setObjectName("noTokens")
        self.no_tokens.setWordWrap(True)
        self.tokens_view.selectionModel().selectionChanged.connect(lambda *_: self._refresh_tokens_buttons())
        self.label_field = QLineEdit()
        self.label_field.setObjectName("tokenLabel")
        self.label_field.setPlaceholderText("What is it for? e.g. Pano Scrobbler on my phone")
        self.label_field.returnPressed.connect(self.create_token)
        self.create_button = QPushButton("Create token")
        self.create_button.setObjectName("createToken")
        self.create_button.clicked.connect(self.create_token)
        self.revoke_button = QPushButton("Revoke")
        self.revoke_button.setObjectName("revokeToken")
        self.revoke_button.clicked.connect(self.revoke_selected)
        token_row = QHBoxLayout()
        token_row.addWidget(self.label_field, 1)
        token_row.addWidget(self.create_button)
        token_row.addWidget(self.revoke_button)
        token_layout = QVBoxLayout(tokens)
        token_layout.addWidget(self.no_tokens)
        token_layout.addWidget(self.tokens_view, 1)
        token_layout.addLayout(token_row)

        self.close_box = QComboBox()
        self.close_box.setObjectName("closeAction")
        labels = {"ask": "Ask", "tray": "Keep it running in the system tray", "stop": "Stop the server"}
        for action in CLOSE_ACTIONS:
            self.close_box.addItem(labels[action], action)
        if not tray_available():
            tray_item = self.close_box.model().item(CLOSE_ACTIONS.index("tray"))  # type: ignore[attr-defined]
            tray_item.setEnabled(False)
            tray_item.setToolTip("This desktop has no system tray")
        current = state.settings.value(CLOSE_ACTION_KEY, "ask", type=str)
        self.close_box.setCurrentIndex(CLOSE_ACTIONS.index(current) if current in CLOSE_ACTIONS else 0)
        self.close_box.currentIndexChanged.connect(
            lambda _i: state.settings.setValue(CLOSE_ACTION_KEY, self.close_box.currentData())
        )
        close_row = QHBoxLayout()
        close_row.addWidget(QLabel("When the window closes while the server runs:"))
        close_row.addWidget(self.close_box)
        close_row.addStretch(1)

        columns = QHBoxLayout()
        columns.addWidget(connect, 3)
        columns.addWidget(activity, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(switch_row)
        layout.addWidget(self.error_label)
        layout.addLayout(columns)
        layout.addWidget(tokens, 1)
        layout.addLayout(close_row)

        self.controller.phase_changed.connect(lambda _phase: self._refresh())
        self.controller.status_changed.connect(self._refresh_status)
        self.controller.tokens_changed.connect(self._tokens_loaded)
        self.controller.token_created.connect(self._show_token)
        self.controller.failed.connect(self._show_error)
        state.database_changed.connect(self.controller.load_tokens)
        self._loaded = False
        self._requests_seen = 0
        self._refresh()

    # -- the screen contract ---------------------------------------------------------------------------
    def activated(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.controller.load_tokens()

    def screenshot_states(self) -> Generator[Any, None, None]:
        """ "running": the server on (a free port if the saved one is taken), rendered, then stopped again
        (the screenshot run waits for every job to end before each face, and a server never ends by
        itself, so the face is the window as it looked while running). "token": the dialog a new token
        shows, with a token made up for the picture (nothing is stored)."""
        from scrobbler.api.serving import PortUnavailable, bind_port

        self.activated()
        port = self.controller.port()
        try:
            bind_port("127.0.0.1", port).close()
        except PortUnavailable:
            port = 0
        self.controller.start(port)
        deadline = QDeadlineTimer(20000)
        while self.controller.phase == "starting" and not deadline.hasExpired():
            QCoreApplication.processEvents()
            self.state.jobs.wait_idle(20)
        QCoreApplication.processEvents()
        picture = self.window().grab()
        self.controller.stop(wait_ms=20000)
        face = QLabel()
        face.setPixmap(picture)
        face.resize(picture.size())
        yield ("running", face)
        made_up = secrets.token_urlsafe(32)
        dialog = TokenDialog(made_up, "you", self.controller.url(), self)
        dialog.adjustSize()
        yield ("token", dialog)
        dialog.deleteLater()

    # -- actions ---------------------------------------------------------------------------------------
    def _switched(self, on: bool) -> None:
        if on and self.controller.phase == "off":
            self.controller.start()
        elif not on and self.controller.phase in ("starting", "running"):
            self.controller.stop()
        self._refresh()

    def _port_changed(self, port: int) -> None:
        self.controller.set_port(port)
        self._refresh()

    def create_token(self) -> None:
        self.create_button.setEnabled(False)
        self.controller.create_token(self.label_field.text())

    def selected_token(self) -> TokenRow | None:
        rows = self.tokens_view.selectionModel().selectedRows()
        return self.tokens_model.row_at(rows[0].row()) if rows else None

    def revoke_selected(self) -> None:
        token = self.selected_token()
        if token is None or not token.live:
            return
        answer = QMessageBox.question(
            self,
            "Revoke token?",
            f"Revoke the token “{token.label or token.prefix + '…'}”? Players using it are refused from "
            "their next scrobble on.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.controller.revoke_token(token.id)

    # -- what the person sees --------------------------------------------------------------------------
    def _refresh(self) -> None:
        phase = self.controller.phase
        self.switch.blockSignals(True)
        self.switch.setChecked(phase in ("starting", "running"))
        self.switch.blockSignals(False)
        self.switch.setEnabled(phase in ("off", "running"))
        self.phase_label.setText(PHASES[phase])
        running = phase == "running"
        self.phase_label.setStyleSheet(outcome_style(self, True) if running else "")
        self.port_box.setEnabled(phase == "off")
        self.url_field.setText(self.controller.url())
        self.url_field.setEnabled(running)
        self.copy_url_button.setEnabled(running)
        error = self.controller.error if phase == "off" else None
        self.error_label.setText(error or "")
        self.error_label.setStyleSheet(outcome_style(self, False))
        self.error_label.setVisible(bool(error))
        self._refresh_status()

    def _refresh_status(self) -> None:
        snapshot = self.controller.snapshot()
        if snapshot is None:
            self.today_label.setText("—" if self.controller.phase != "running" else "0")
            self.client_label.setText("none yet" if self.controller.phase == "running" else "—")
            self.refused_label.setText("—")
            return
        if snapshot.requests != self._requests_seen:  # a token was used: its "last used" may have moved
            self._requests_seen = snapshot.requests
            if self._loaded:
                self.controller.load_tokens()
        self.today_label.setText(f"{snapshot.listens_today:,}")
        self.client_label.setText(_client_text(snapshot.last_client) or "none yet")
        self.refused_label.setText(_client_text(snapshot.last_refused) or "none")

    def _tokens_loaded(self) -> None:
        self.tokens_model.set_rows(self.controller.tokens)
        self.no_tokens.setVisible(not self.controller.tokens)
        self.create_button.setEnabled(True)
        self._refresh_tokens_buttons()

    def _refresh_tokens_buttons(self) -> None:
        token = self.selected_token()
        self.revoke_button.setEnabled(token is not None and token.live)

    def _show_token(self, issued: Any) -> None:
        self.label_field.clear()
        self.token_dialog = TokenDialog(issued.token, issued.user, self.controller.url(), self)
        self.token_dialog.open()

    def _show_error(self, text: str) -> None:
        self.create_button.setEnabled(True)
        self.error_label.setText(text)
        self.error_label.setStyleSheet(outcome_style(self, False))
        self.error_label.setVisible(True)


def _client_text(seen: Any) -> str:
    """``Pano Scrobbler/3.2 at 127.0.0.1, 14:05 (alice): 1 listen``."""
    if seen is None:
        return ""
    who = f" ({seen.user})" if seen.user else ""
    what = plural(seen.listens, "listen") if seen.action == "listens" else seen.action
    if seen.refused:
        what = f"{seen.action} refused, {seen.refused}"
    return f"{seen.user_agent} at {seen.address}, {local_time(seen.when, '%H:%M:%S')}{who}: {what}"
