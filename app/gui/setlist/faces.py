"""For ``tonearm-gui --screenshots``: the faces of the Set builder and Organize screens start jobs (a build, a
preview), and a started job opens the window's jobs panel. :func:`jobs_panel_as_before` puts the panel back
the way it was (and the window's size, which the panel or a search list grew), so these faces and the screens rendered after
them show no panel they did not ask for."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDockWidget, QWidget


def jobs_panel_as_before(screen: QWidget) -> Callable[[], None]:
    """Note now whether the window's jobs panel shows; the returned function restores that."""
    window = screen.window()
    dock = window.findChild(QDockWidget, "jobsDock")
    shown = dock is not None and dock.isVisible()
    size = window.size()

    def restore() -> None:
        if dock is not None and dock.isVisible() != shown:
            dock.setVisible(shown)
        layout = window.layout()
        if layout is not None:
            layout.activate()  # the smaller minimum without the panel, before the resize asks for it
        window.resize(size)

    return restore
