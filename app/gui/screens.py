"""Which screens the window shows, in sidebar order, and whether the first-run landing comes first.

Only finished screens are listed: a screen that is not done is not shown.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.gui.state import AppState


def screen_classes() -> list[type[QWidget]]:
    """Sidebar order: the library and what is built on it, the listening history and its review, the
    numbers, then the tools (import, the scrobble server) and the set-up screens. Ctrl+1..9 reach the
    first nine. Each screen module is imported here, at window build; its heavy libraries (matplotlib,
    FAISS, uvicorn) load only when the screen first needs them."""
    from app.gui.duplicates.screen import DuplicatesScreen
    from app.gui.folders import FoldersScreen
    from app.gui.history_import import ImportScreen
    from app.gui.landing import LandingScreen
    from app.gui.library.screen import LibraryScreen
    from app.gui.listens.screen import ListensScreen
    from app.gui.problems import ProblemsScreen
    from app.gui.review.screen import ReviewScreen
    from app.gui.server import ServerScreen
    from app.gui.settings import SettingsScreen
    from app.gui.similar.screen import SimilarScreen
    from app.gui.stats.screen import StatsScreen

    return [
        LandingScreen,
        LibraryScreen,
        ListensScreen,
        ReviewScreen,
        StatsScreen,
        SimilarScreen,
        DuplicatesScreen,
        ImportScreen,
        ServerScreen,
        FoldersScreen,
        ProblemsScreen,
        SettingsScreen,
    ]


def first_run(state: AppState) -> bool:
    """True while there is nothing to show: no library folder and no track (the landing then opens)."""
    from sqlalchemy import select

    from analyzer.scan.folders import list_folders
    from models.tracks import Track

    with state.db.session() as session:
        if list_folders(session):
            return False
        return session.execute(select(Track.id).limit(1)).first() is None
