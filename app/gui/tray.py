"""Closing the window while the scrobble server runs: ask, keep serving from the system tray, or stop it.

The choice is a setting (:data:`CLOSE_ACTION_KEY`: "ask", "tray" or "stop"; "ask" by default). The tray is
offered only where ``QSystemTrayIcon.isSystemTrayAvailable()`` (a desktop without a tray would leave a
server running with no window to stop it). The window calls :func:`handle_close` first thing in its
``closeEvent`` and ignores the event when it returns False.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QMenu, QMessageBox, QSystemTrayIcon, QWidget

CLOSE_ACTION_KEY = "server/close_action"
CLOSE_ACTIONS = ("ask", "tray", "stop")
STOP_WAIT_MS = 15000


def tray_available() -> bool:
    return bool(QSystemTrayIcon.isSystemTrayAvailable())


def handle_close(window: QWidget, state: Any, server: Any) -> bool:
    """Whether the window may close now. ``server``: the Scrobble server screen's controller (or None).

    While the server runs: per the setting, ask (keep in tray / stop and quit / cancel, with "remember"),
    hide the window into the tray (returns False: the window stays alive, the server keeps serving), or
    stop the server and let the window close."""
    if server is None or not server.running:
        return True
    action = state.settings.value(CLOSE_ACTION_KEY, "ask", type=str)
    if action not in CLOSE_ACTIONS or (action == "tray" and not tray_available()):
        action = "ask"
    if action == "ask":
        action = ask_on_close(window, state)
    if action == "cancel":
        return False
    if action == "tray":
        keep_in_tray(window, server)
        return False
    server.stop(wait_ms=STOP_WAIT_MS)
    return True


def ask_on_close(window: QWidget, state: Any) -> str:
    """ "tray", "stop" or "cancel"; "Remember my choice" stores tray or stop in the setting."""
    box = QMessageBox(window)
    box.setObjectName("closeWhileServing")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("The scrobble server is running")
    box.setText("The scrobble server is running. Players sending listens to Tonearm need it.")
    tray = None
    if tray_available():
        box.setInformativeText("Keep it running in the system tray, or stop it and quit?")
        tray = box.addButton("Keep running in the tray", QMessageBox.ButtonRole.AcceptRole)
    else:
        box.setInformativeText("Stop it and quit?")
    stop = box.addButton("Stop the server and quit", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    remember = QCheckBox("Remember my choice (change it on the Scrobble server screen)")
    box.setCheckBox(remember)
    box.setDefaultButton(tray if tray is not None else stop)
    box.exec()
    clicked = box.clickedButton()
    choice = "tray" if clicked is tray and tray is not None else "stop" if clicked is stop else "cancel"
    if choice != "cancel" and remember.isChecked():
        state.settings.setValue(CLOSE_ACTION_KEY, choice)
    return choice


class ServerTray(QObject):
    """The tray icon while the window is hidden and the server serves: show the window, or stop and quit."""

    def __init__(self, window: QWidget, server: Any) -> None:
        super().__init__(window)
        self.window = window
        self.server = server
        self.icon = QSystemTrayIcon(window.windowIcon(), self)
        self.icon.setToolTip(f"Tonearm: receiving scrobbles at {server.url()}")
        menu = QMenu(window)
        self.show_action = QAction("Show Tonearm", menu)
        self.show_action.triggered.connect(self.show_window)
        self.quit_action = QAction("Stop the server and quit", menu)
        self.quit_action.triggered.connect(self.quit)
        menu.addAction(self.show_action)
        menu.addAction(self.quit_action)
        self.menu = menu
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._activated)
        server.phase_changed.connect(self._phase_changed)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_window()

    def _phase_changed(self, phase: str) -> None:
        if phase == "off" and not self.window.isVisible():  # stopped or failed while hidden: show why
            self.show_window()

    def show_window(self) -> None:
        self.icon.hide()
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def quit(self) -> None:
        """Stop the server, close the window (it saves its state as usual) and end the app."""
        self.icon.hide()
        self.server.stop(wait_ms=STOP_WAIT_MS)
        self.window.close()
        QCoreApplication.quit()


def keep_in_tray(window: QWidget, server: Any) -> ServerTray:
    """Hide ``window`` and show a tray icon (one per window, reused)."""
    tray = window.findChild(ServerTray)
    if tray is None:
        tray = ServerTray(window, server)
    tray.icon.show()
    window.hide()
    return tray
