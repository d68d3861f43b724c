"""Which screens the window shows, in sidebar order, and whether the first-run landing comes first.

Only finished screens are listed: a screen that is not done is not shown. Later screens (listens, review,
stats, similar, duplicates, import) are added here as they land.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.gui.state import AppState


def screen_classes() -> list[type[QWidget]]:
    from app.gui.folders import FoldersScreen
    from app.gui.landing import LandingScreen
    from app.gui.library.screen import LibraryScreen
    from app.gui.problems import ProblemsScreen
    from app.gui.settings import SettingsScreen

    return [LandingScreen, LibraryScreen, FoldersScreen, ProblemsScreen, SettingsScreen]


def first_run(state: AppState) -> bool:
    """True while there is nothing to show: no library folder and no track (the landing then opens)."""
    from sqlalchemy import select

    from analyzer.scan.folders import list_folders
    from models.tracks import Track

    with state.db.session() as session:
        if list_folders(session):
            return False
        return session.execute(select(Track.id).limit(1)).first() is None
