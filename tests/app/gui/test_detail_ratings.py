"""The library's detail pane shows the album's ratings with the track (issue 16)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot
from sqlalchemy import select

from analyzer.catalog.detail import track_detail
from analyzer.curation.ratings import find_album_track, rate_album
from app.gui.library.detail import DetailPane
from models.engine import Database
from models.tracks import Track
from tests.analyzer.test_curation_ratings import albums, user_id


def test_the_detail_pane_shows_the_albums_ratings(qtbot: QtBot, sqlite_db: Database) -> None:
    ids = albums(sqlite_db)
    ada = user_id(sqlite_db, "ada")
    with sqlite_db.session() as session:
        favourite = find_album_track(session, ids["melody"], "poor leno")
        rate_album(session, ada, ids["melody"], 9, favourite_track_id=favourite, review="Cold & warm.")
        eple = track_detail(session, session.scalar(select(Track.id).where(Track.title == "Eple")))
        joga = track_detail(session, session.scalar(select(Track.id).where(Track.title == "Jóga")))
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_detail(eple)
    assert (
        pane.feature_labels["Album rating"].text()
        == "★★★★½ 4.5 by ada; favourite: Poor Leno — “Cold & warm.”"
    )
    pane.show_detail(joga)
    assert pane.feature_labels["Album rating"].text() == "—"
