"""Which screens the window shows, in sidebar order, and whether the first-run landing comes first.

Only finished screens are listed: a screen that is not done is not shown.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.gui.state import AppState
from app.gui.window import LazyScreen


def screen_classes() -> list[type[QWidget] | LazyScreen]:
    """Sidebar order: the library and what is built on it, the listening history and its review, the
    numbers, then the tools (import, the scrobble server) and the set-up screens. Ctrl+1..9 reach the
    first nine.

    The landing and the library are built with the window (one of them is the first paint); every other
    screen is built, and its module imported, the first time it is shown, so the screens' modules and the
    libraries they reach (matplotlib, FAISS, uvicorn, the stats and duplicates cores) cost nothing at
    start-up however many screens there are."""
    from app.gui.landing import LandingScreen
    from app.gui.library.screen import LibraryScreen

    return [
        LandingScreen,
        LibraryScreen,
        LazyScreen("listens", "Listens", "app.gui.listens.screen", "ListensScreen"),
        LazyScreen("review", "Review", "app.gui.review.screen", "ReviewScreen"),
        LazyScreen("stats", "Stats", "app.gui.stats.screen", "StatsScreen"),
        LazyScreen("similar", "Similar", "app.gui.similar.screen", "SimilarScreen"),
        LazyScreen("duplicates", "Duplicates", "app.gui.duplicates.screen", "DuplicatesScreen"),
        LazyScreen("playlists", "Playlists", "app.gui.playlists", "PlaylistsScreen"),
        LazyScreen("setlist", "Set builder", "app.gui.setlist.screen", "SetlistScreen"),
        LazyScreen("organize", "Organize files", "app.gui.organize.screen", "OrganizeScreen"),
        LazyScreen("import", "Import", "app.gui.history_import", "ImportScreen"),
        LazyScreen("server", "Scrobble server", "app.gui.server", "ServerScreen"),
        LazyScreen("folders", "Folders", "app.gui.folders", "FoldersScreen"),
        LazyScreen("problems", "Problems", "app.gui.problems", "ProblemsScreen"),
        LazyScreen("settings", "Settings", "app.gui.settings", "SettingsScreen"),
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
