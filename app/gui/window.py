"""The main window: a sidebar of screens, the screens in a stack, the jobs panel, and the window's memory.

The window knows screens only by the small contract every screen keeps (``title``, ``object_name``, an
optional ``activated()``, an optional ``wants_screen`` signal and an optional ``navigate(payload)`` that
``AppState.navigate(name, payload)`` reaches); it holds no SQL and no screen logic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QEvent, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QStyle,
    QToolButton,
    QWidget,
)

from app.gui.jobs_panel import JobsPanel
from app.gui.state import AppState

# Standard icons so the sidebar looks native on every platform without shipping an icon set.
_SIDEBAR_ICONS = {
    "welcome": QStyle.StandardPixmap.SP_DialogHelpButton,
    "library": QStyle.StandardPixmap.SP_DriveCDIcon,
    "listens": QStyle.StandardPixmap.SP_FileDialogContentsView,
    "review": QStyle.StandardPixmap.SP_DialogApplyButton,
    "stats": QStyle.StandardPixmap.SP_FileDialogInfoView,
    "similar": QStyle.StandardPixmap.SP_BrowserReload,  # visible in light and dark (the media glyphs are black)
    "duplicates": QStyle.StandardPixmap.SP_FileLinkIcon,
    "playlists": QStyle.StandardPixmap.SP_FileDialogDetailedView,
    "setlist": QStyle.StandardPixmap.SP_MediaVolume,
    "organize": QStyle.StandardPixmap.SP_FileDialogNewFolder,
    "import": QStyle.StandardPixmap.SP_DialogOpenButton,
    "server": QStyle.StandardPixmap.SP_DriveNetIcon,
    "folders": QStyle.StandardPixmap.SP_DirIcon,
    "problems": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "settings": QStyle.StandardPixmap.SP_ComputerIcon,
}


class MainWindow(QMainWindow):
    screen_shown = Signal(str)  # object_name

    def __init__(
        self,
        state: AppState,
        screens: Sequence[type[QWidget] | LazyScreen],
        *,
        start_screen: str | None = None,
        icon: QIcon | None = None,
    ) -> None:
        super().__init__()
        self.state = state
        self.remember = True  # save geometry and screen on close (off for --screenshots and probes)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Tonearm")
        if icon is not None:
            self.setWindowIcon(icon)
        self.resize(1200, 760)

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFixedWidth(176)
        self.sidebar.setFrameShape(QListWidget.Shape.NoFrame)
        self.sidebar.setStyleSheet("QListWidget#sidebar::item { padding: 7px 6px; }")
        self.stack = QStackedWidget()
        self.screens = _Screens(self)
        self._order: list[str] = []  # object names in sidebar (and stack) order
        self._waiting: dict[str, LazyScreen] = {}  # screens listed but not built yet
        state.screen_names = frozenset(_name_of(screen) for screen in screens)
        for number, screen in enumerate(screens, start=1):
            self._add_screen(screen, number)
        state.navigation_requested.connect(self.navigate)
        self.sidebar.currentRowChanged.connect(self._on_row)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.jobs_panel = JobsPanel(state.jobs)
        self.jobs_dock = QDockWidget("Jobs", self)
        self.jobs_dock.setObjectName("jobsDock")
        self.jobs_dock.setWidget(self.jobs_panel)
        self.jobs_dock.setAllowedAreas(
            Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.jobs_dock)
        self.jobs_dock.hide()
        state.jobs.job_started.connect(lambda _job: self.jobs_dock.show())

        self.jobs_button = QToolButton()
        self.jobs_button.setObjectName("jobsButton")
        self.jobs_button.setAutoRaise(True)
        self.jobs_button.setCheckable(True)
        self.jobs_button.setToolTip("Show or hide the jobs panel (Ctrl+J)")
        self.jobs_button.toggled.connect(self.jobs_dock.setVisible)
        self.jobs_dock.visibilityChanged.connect(self.jobs_button.setChecked)
        self.jobs_panel.activity.connect(self._on_activity)
        self._on_activity(0)
        self.location = QLabel()
        self.statusBar().addWidget(self.location, 1)
        self.statusBar().addPermanentWidget(self.jobs_button)
        self._show_location()
        state.database_changed.connect(self._show_location)

        toggle_jobs = QAction("Jobs", self)
        toggle_jobs.setShortcut(QKeySequence("Ctrl+J"))
        toggle_jobs.triggered.connect(lambda: self.jobs_dock.setVisible(not self.jobs_dock.isVisible()))
        self.addAction(toggle_jobs)

        self.setAcceptDrops(True)
        self._restore(start_screen)

    # -- screens ---------------------------------------------------------------------------------------
    def _add_screen(self, screen: type[QWidget] | LazyScreen, number: int) -> None:
        name, title = _name_of(screen), _title_of(screen)
        self._order.append(name)
        if isinstance(screen, LazyScreen):
            self._waiting[name] = screen
            holder = QWidget()  # replaced by the screen the first time it is shown
            holder.setObjectName(name)
            self.stack.addWidget(holder)
        else:
            self.stack.addWidget(self._build(screen, name))
        item = QListWidgetItem(
            self.style().standardIcon(_SIDEBAR_ICONS.get(name, QStyle.StandardPixmap.SP_FileIcon)), title
        )
        item.setData(Qt.ItemDataRole.UserRole, name)
        item.setToolTip(f"{title} (Ctrl+{number})" if number < 10 else title)
        self.sidebar.addItem(item)
        if number < 10:
            action = QAction(title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, n=name: self.show_screen(n))
            self.addAction(action)

    def _build(self, screen_class: type[QWidget], name: str) -> QWidget:
        screen = screen_class(self.state)  # type: ignore[arg-type]
        screen.setObjectName(name)
        wants = getattr(screen, "wants_screen", None)
        if wants is not None:
            wants.connect(self.show_screen)
        return screen

    def built_screen(self, name: str) -> QWidget | None:
        """The screen called ``name``, built now if it was waiting for its first showing (None: no such
        screen). Screens other than the first ones are built on first use, so their modules and the
        libraries they import cost nothing at start-up."""
        if name not in self._order:
            return None
        index = self._order.index(name)
        waiting = self._waiting.pop(name, None)
        if waiting is not None:
            holder = self.stack.widget(index)
            assert holder is not None
            built = self._build(waiting.load(), name)
            current = self.stack.currentIndex()
            self.stack.insertWidget(index, built)
            self.stack.removeWidget(holder)
            holder.deleteLater()
            if current == index:
                self.stack.setCurrentIndex(index)
        return self.stack.widget(index)

    def show_screen(self, name: str) -> None:
        """Bring the screen called ``name`` (its object_name) to the front."""
        if name not in self._order:
            return
        self.sidebar.setCurrentRow(self._order.index(name))

    def navigate(self, name: str, payload: object = None) -> None:
        """Show screen ``name`` and pass it ``payload`` through its optional ``navigate(payload)``."""
        if name not in self._order:
            return
        self.show_screen(name)
        receive = getattr(self.built_screen(name), "navigate", None)
        if callable(receive) and payload is not None:
            receive(payload)

    def current_screen(self) -> str:
        widget = self.stack.currentWidget()
        return widget.objectName() if widget is not None else ""

    def set_screen_visible(self, name: str, visible: bool) -> None:
        """Hide or show a screen's sidebar entry (the first-run landing leaves once there is a library)."""
        if name not in self._order:
            return
        item = self.sidebar.item(self._order.index(name))
        item.setHidden(not visible)
        if not visible and self.current_screen() == name:
            self.show_screen("library")

    def _on_row(self, row: int) -> None:
        if row < 0:
            return
        screen = self.built_screen(self._order[row])
        self.stack.setCurrentIndex(row)
        assert screen is not None
        activated = getattr(screen, "activated", None)
        if callable(activated):
            activated()
        self.screen_shown.emit(screen.objectName())

    def changeEvent(self, event: QEvent) -> None:
        # A widget with a style sheet keeps the palette it was polished with: when light/dark switches
        # live, the sidebar (and the status bar beside it) must be polished again to follow.
        if event.type() == QEvent.Type.PaletteChange:
            for widget in (self.sidebar, self.statusBar()):
                widget.setPalette(self.palette())
                widget.style().unpolish(widget)
                widget.style().polish(widget)
                widget.update()
        super().changeEvent(event)

    # -- files dropped on the window -------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if drop_targets(_local_paths(event), self.state.has_screen):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        targets = drop_targets(_local_paths(event), self.state.has_screen)
        if not targets:
            event.ignore()
            return
        event.acceptProposedAction()
        for screen, paths in targets.items():
            self.state.navigate(screen, {"paths": paths})

    # -- status ----------------------------------------------------------------------------------------
    def _on_activity(self, running: int) -> None:
        self.jobs_button.setText(f"Jobs: {running} running" if running else "Jobs")

    def _show_location(self) -> None:
        db = self.state.db
        if db.is_sqlite:
            where = db.files().get("main") or ":memory:"
            text = f"Library: {where}"
        else:
            text = f"Library: {db.url.render_as_string(hide_password=True)}"
        self.location.setText(text)
        self.location.setToolTip("Where Tonearm keeps its data. Change it in Settings.")

    # -- memory ----------------------------------------------------------------------------------------
    def _restore(self, start_screen: str | None) -> None:
        settings = self.state.settings
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        window_state = settings.value("window/state")
        if isinstance(window_state, QByteArray):
            self.restoreState(window_state)
        self.jobs_dock.hide()  # shown again when a job starts
        name = start_screen or settings.value("window/screen", "library", type=str)
        if name not in self._order or self.sidebar.item(self._order.index(name)).isHidden():
            name = "library" if "library" in self._order else next(iter(self._order), "")
        self.show_screen(name)
        # Start with the keyboard on the sidebar (arrows switch screens, Tab goes into the screen). Left to
        # Qt, a table that takes the focus makes its first row current, which reads that track's detail
        # from the database before the first paint (~120 ms of a cold start).
        self.sidebar.setFocus(Qt.FocusReason.OtherFocusReason)

    def save_state(self) -> None:
        settings = self.state.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/screen", self.current_screen())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if "server" not in self._waiting and "server" in self._order:  # a screen never built serves nothing
            from app.gui.tray import handle_close

            server = self.built_screen("server")
            if not handle_close(self, self.state, getattr(server, "controller", None)):
                event.ignore()  # kept open, or hidden into the tray while the server serves
                return
        running = self.state.jobs.running()
        if running:
            names = "\n".join(f"• {job.title}" for job in running)
            answer = QMessageBox.question(
                self,
                "Stop running jobs?",
                f"These jobs are still running:\n{names}\n\nStop them and quit? What they finished is kept; "
                "run them again later to continue.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.state.jobs.cancel_all()
            self.state.jobs.wait_idle(15000)
        if self.remember:
            self.save_state()
        super().closeEvent(event)


def _local_paths(event: QDragEnterEvent | QDropEvent) -> list[str]:
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


def drop_targets(paths: Sequence[str], has_screen: Callable[[str], bool]) -> dict[str, list[str]]:
    """Which screen takes which dropped paths: folders join the library (Folders), audio files open in
    Similar ("more like this"), anything else is offered to Import as a listening history. A kind whose
    screen the window does not have is left out; the last screen named is the one left in front."""
    import os

    from analyzer.tags.registry import AUDIO_EXTENSIONS

    targets: dict[str, list[str]] = {}
    for path in paths:
        if os.path.isdir(path):
            screen = "folders"
        elif os.path.splitext(path)[1].lower() in AUDIO_EXTENSIONS:
            screen = "similar"
        else:
            screen = "import"
        if has_screen(screen):
            targets.setdefault(screen, []).append(path)
    return targets


@dataclass(frozen=True)
class LazyScreen:
    """A screen the window lists at once but builds (importing its module) the first time it is shown."""

    object_name: str
    title: str
    module: str
    class_name: str

    def load(self) -> type[QWidget]:
        import importlib

        screen_class: type[QWidget] = getattr(importlib.import_module(self.module), self.class_name)
        return screen_class


def _name_of(screen: type[QWidget] | LazyScreen) -> str:
    if isinstance(screen, LazyScreen):
        return screen.object_name
    return str(getattr(screen, "object_name", screen.__name__.lower()))


def _title_of(screen: type[QWidget] | LazyScreen) -> str:
    if isinstance(screen, LazyScreen):
        return screen.title
    return str(getattr(screen, "title", _name_of(screen).title()))


class _Screens(Mapping[str, QWidget]):
    """``window.screens``: every screen by object name, in sidebar order; looking one up builds it."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def __getitem__(self, name: str) -> QWidget:
        screen = self._window.built_screen(name)
        if screen is None:
            raise KeyError(name)
        return screen

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._window._order))

    def __len__(self) -> int:
        return len(self._window._order)

    def __contains__(self, name: object) -> bool:
        return name in self._window._order
