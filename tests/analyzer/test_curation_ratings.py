"""Album ratings on every layout: halves from 0.5 to 5, a favourite from the album, a review; top rated and
rating against plays in the stats."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from analyzer.curation.ratings import (
    RatingError,
    find_album,
    find_album_track,
    parse_rating,
    rate_album,
    ratings_for,
    remove_rating,
)
from models.engine import Database
from models.listens import Listen
from models.tracks import Track
from scrobbler.stats.ratings import rated_albums, rating_against_plays
from tests import matching_fixtures as fx


def albums(db: Database) -> dict[str, int]:
    with db.session() as session:
        for n, title in enumerate(("Eple", "Poor Leno", "Sparks")):
            fx.track(session, "Röyksopp", title, album="Melody A.M.", duration=200 + n)
        fx.track(session, "Röyksopp", "What Else Is There?", album="The Understanding")
        fx.track(session, "Björk", "Jóga", album="Homogenic")
        fx.track(session, "Another Band", "Homogenic Blues", album="Melody A.M.")  # same title, other artist
        fx.user(session, "ada")
        fx.user(session, "bo")
        return {
            "melody": find_album(session, "Röyksopp - Melody A.M."),
            "understanding": find_album(session, "the understanding"),
            "homogenic": find_album(session, "Homogenic"),
        }


def user_id(db: Database, name: str) -> int:
    with db.session() as session:
        return fx.user(session, name)


@pytest.mark.parametrize(("text", "halves"), [("4", 8), ("3.5", 7), ("3,5", 7), ("0.5", 1), ("5/5", 10)])
def test_ratings_are_half_stars(text: str, halves: int):
    assert parse_rating(text) == halves


@pytest.mark.parametrize("text", ["0", "5.5", "3.3", "great", "-1"])
def test_bad_ratings_say_what_a_rating_is(text: str):
    with pytest.raises(RatingError, match=r"0\.5"):
        parse_rating(text)


def test_rate_update_and_read_with_favourite_and_review(db: Database):
    ids = albums(db)
    ada = user_id(db, "ada")
    with db.session() as session:
        with pytest.raises(RatingError, match=r"2 albums are called 'Melody A\.M\.'"):
            find_album(session, "Melody A.M.")
        poor_leno = find_album_track(session, ids["melody"], "poor leno")
        with pytest.raises(RatingError, match="the album has no track 'Jóga'"):
            find_album_track(session, ids["melody"], "Jóga")
        view = rate_album(
            session, ada, ids["melody"], 9, favourite_track_id=poor_leno, review="  Cold & warm. "
        )
    assert (view.stars, view.favourite_title, view.review, view.album, view.artist) == (
        4.5, "Poor Leno", "Cold & warm.", "Melody A.M.", "Röyksopp",
    )  # fmt: skip
    with db.session() as session:
        again = rate_album(session, ada, ids["melody"], 10)  # the favourite and review stay
    assert (again.stars, again.favourite_title, again.review) == (5.0, "Poor Leno", "Cold & warm.")
    with db.session() as session:
        joga = session.scalar(select(Track.id).where(Track.title == "Jóga"))
        with pytest.raises(RatingError, match="not on this album"):
            rate_album(session, ada, ids["melody"], 8, favourite_track_id=joga)
        with pytest.raises(RatingError, match="no user 999"):
            rate_album(session, 999, ids["melody"], 8)
        with pytest.raises(RatingError, match=r"0\.5 to 5\.0"):
            rate_album(session, ada, ids["melody"], 11)
    with db.session() as session:
        assert [r.stars for r in ratings_for(session, release_group_id=ids["melody"])] == [5.0]
        assert remove_rating(session, ada, ids["melody"]) is True
        assert ratings_for(session, ada) == []


def test_top_rated_and_rating_against_plays(db: Database):
    ids = albums(db)
    ada, bo = user_id(db, "ada"), user_id(db, "bo")
    with db.session() as session:
        tracks = {t.title: t for t in session.scalars(select(Track))}
        plays = {"Eple": 6, "Sparks": 3, "What Else Is There?": 2, "Jóga": 0}
        for title, count in plays.items():
            for _ in range(count):
                session.get_one(Listen, fx.listen(session, "x", title, user_id=ada)).track_id = tracks[
                    title
                ].id
        fx.listen(session, "x", "Eple", user_id=bo)  # another user's listen counts for nobody else
        rate_album(session, ada, ids["melody"], 9)
        rate_album(session, ada, ids["understanding"], 6)
        rate_album(session, ada, ids["homogenic"], 3)
        rate_album(session, bo, ids["homogenic"], 10)
    with db.session() as session:
        top = rated_albums(session, ada)
        relation = rating_against_plays(session, ada)
        bo_top = rated_albums(session, bo, limit=1)
    assert [(r.album, r.stars, r.plays) for r in top] == [
        ("Melody A.M.", 4.5, 9), ("The Understanding", 3.0, 2), ("Homogenic", 1.5, 0),
    ]  # fmt: skip
    assert relation.albums == 3 and relation.by_stars == {1.5: 0.0, 3.0: 2.0, 4.5: 9.0}
    assert relation.correlation == pytest.approx(1.0)
    assert [(r.album, r.stars) for r in bo_top] == [("Homogenic", 5.0)]
