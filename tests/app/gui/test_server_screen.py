"""The Scrobble server screen: the switch serves the API from a job a real client (liblistenbrainz) submits
to, a token made on the screen works until it is revoked there and is refused at once after, a taken port
says so, and closing the window while serving asks, stops, or keeps serving from the tray."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from liblistenbrainz import Listen, ListenBrainz
from liblistenbrainz.errors import ListenBrainzAPIException
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.gui.server import PORT_KEY, ServerScreen
from app.gui.server_tokens import TokensModel, read_tokens
from app.gui.state import AppState
from app.gui.tray import CLOSE_ACTION_KEY, ServerTray, handle_close
from models.engine import Database
from models.listens import Listen as StoredListen
from scrobbler.users import create_token, default_user


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def screen(qtbot: QtBot, gui_state: AppState) -> Iterator[ServerScreen]:
    gui_state.settings.setValue(PORT_KEY, free_port())
    widget = ServerScreen(gui_state)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    widget.activated()
    yield widget
    widget.controller.stop(wait_ms=20000)


def switch_on(qtbot: QtBot, widget: ServerScreen) -> None:
    qtbot.mouseClick(widget.switch, Qt.MouseButton.LeftButton)
    assert widget.phase_label.text() == "Starting…"
    qtbot.waitUntil(lambda: widget.controller.phase != "starting", timeout=30000)


def test_a_real_client_scrobbles_through_the_switch_and_a_revoked_token_is_refused_at_once(
    qtbot: QtBot,
    screen: ServerScreen,
    gui_state: AppState,
    sqlite_db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert screen.phase_label.text() == "Off" and not screen.switch.isChecked()  # off by default
    qtbot.keyClicks(screen.label_field, "Pano Scrobbler")
    qtbot.mouseClick(screen.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: screen.token_dialog is not None and screen.token_dialog.isVisible(), timeout=10000
    )
    dialog = screen.token_dialog
    assert dialog is not None
    token = dialog.field.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == token and dialog.copy_button.text() == "Copied"
    dialog.close()
    qtbot.waitUntil(lambda: screen.tokens_model.rowCount() == 1, timeout=10000)
    assert screen.tokens_model.index(0, 0).data() == "Pano Scrobbler"
    assert screen.tokens_model.index(0, 1).data() == token[:8] + "…"  # the clear token is not kept

    switch_on(qtbot, screen)
    port = gui_state.settings.value(PORT_KEY, type=int)
    assert screen.phase_label.text() == "Running" and screen.switch.isChecked()
    assert screen.url_field.text() == f"http://127.0.0.1:{port}/" and not screen.port_box.isEnabled()
    assert [job.kind for job in gui_state.jobs.running()] == ["server"]  # listed, with Stop

    client = ListenBrainz(api_base_url=screen.url_field.text())  # what a person pastes into a player
    client.set_auth_token(token)
    client.submit_single_listen(Listen("Teardrop", "Massive Attack", listened_at=int(time.time()) - 300))
    qtbot.waitUntil(lambda: screen.today_label.text() == "1", timeout=10000)
    assert "127.0.0.1" in screen.client_label.text() and screen.client_label.text().endswith(": 1 listen")
    qtbot.waitUntil(lambda: screen.tokens_model.index(0, 4).data() != "never", timeout=10000)  # last used
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(StoredListen)) == 1

    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(
        screen.tokens_view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=screen.tokens_view.visualRect(screen.tokens_model.index(0, 0)).center(),
    )
    assert screen.revoke_button.isEnabled()
    qtbot.mouseClick(screen.revoke_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: str(screen.tokens_model.index(0, 5).data()).startswith("revoked"), timeout=10000)
    with pytest.raises(ListenBrainzAPIException) as refused:  # the very next request, server still running
        client.submit_single_listen(Listen("Angel", "Massive Attack", listened_at=int(time.time()) - 60))
    assert refused.value.status_code == 401
    qtbot.waitUntil(lambda: "401" in screen.refused_label.text(), timeout=10000)
    assert screen.controller.phase == "running"

    qtbot.mouseClick(screen.switch, Qt.MouseButton.LeftButton)
    assert screen.phase_label.text() == "Stopping…"
    qtbot.waitUntil(lambda: screen.phase_label.text() == "Off", timeout=30000)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert not screen.error_label.isVisible()


def test_a_taken_port_says_so_and_the_switch_goes_back_off(
    qtbot: QtBot, screen: ServerScreen, gui_state: AppState
) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        screen.port_box.setValue(port)
        qtbot.mouseClick(screen.switch, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: screen.controller.phase == "off", timeout=30000)
    assert screen.error_label.isVisible() and not screen.switch.isChecked()
    assert screen.error_label.text() == (
        f"The server could not run: port {port} is already in use by another program; choose another port"
    )
    assert screen.port_box.isEnabled()


def test_the_tokens_model_keeps_the_item_model_contract(qtmodeltester, sqlite_db: Database) -> None:  # type: ignore[no-untyped-def]
    with sqlite_db.session() as session:
        user = default_user(session)
        create_token(session, user, "phone")
        create_token(session, user, None)
    model = TokensModel()
    model.set_rows(read_tokens(sqlite_db))
    qtmodeltester.check(model)
    assert [model.index(row, 0).data() for row in range(2)] == ["phone", "(no label)"]


def click_later(text: str) -> None:
    """Press a button of the modal box that is about to open, as a person would."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox), box
        for button in box.buttons():
            if button.text().replace("&", "") == text:
                button.click()
                return
        raise AssertionError(f"no button {text!r} in {[b.text() for b in box.buttons()]}")

    QTimer.singleShot(200, press)


def test_closing_while_serving_asks_and_follows_the_setting(
    qtbot: QtBot, screen: ServerScreen, gui_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    controller = screen.controller
    assert handle_close(window, gui_state, controller)  # not serving: closes as usual
    switch_on(qtbot, screen)

    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    click_later("Cancel")
    assert not handle_close(window, gui_state, controller) and controller.running

    gui_state.settings.setValue(CLOSE_ACTION_KEY, "tray")  # no tray on this desktop: it asks instead
    click_later("Stop the server and quit")
    assert handle_close(window, gui_state, controller)
    assert controller.phase == "off"

    switch_on(qtbot, screen)
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    assert not handle_close(window, gui_state, controller)  # into the tray: still serving
    assert not window.isVisible() and controller.running
    tray = window.findChild(ServerTray)
    assert tray is not None
    tray.show_action.trigger()
    assert window.isVisible()

    gui_state.settings.setValue(CLOSE_ACTION_KEY, "stop")
    assert handle_close(window, gui_state, controller) and controller.phase == "off"
