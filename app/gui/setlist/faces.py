"""For ``tonearm-gui --screenshots``: the faces of the Set builder and Organize screens start jobs (a build, a
preview), and a started job opens the window's jobs panel. :func:`jobs_panel_as_before` puts the panel back
the way it was, so these faces and the screens rendered after them show no panel they did not ask for."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDockWidget, QWidget


def jobs_panel_as_before(screen: QWidget) -> Callable[[], None]:
    """Note now whether the window's jobs panel shows; the returned function restores that."""
    dock = screen.window().findChild(QDockWidget, "jobsDock")
    shown = dock is not None and dock.isVisible()

    def restore() -> None:
        if dock is not None and dock.isVisible() != shown:
            dock.setVisible(shown)

    return restore
