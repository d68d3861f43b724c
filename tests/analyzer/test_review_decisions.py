"""Review decisions: accept, link, reject, group accept, undo; aliases learned so enrich links next time."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from analyzer import review
from analyzer.matching import enrich_listens
from models.artists import ArtistAlias
from models.engine import Database
from models.enums import EnrichStatus
from models.listens import Listen, ListenArtist
from models.tracks import TitleAlias
from tests import matching_fixtures as fx


def run(db: Database) -> None:
    for _ in enrich_listens(db):
        pass


def state(db: Database, listen_id: int) -> tuple[int | None, EnrichStatus, str | None]:
    with db.session() as s:
        row = s.get(Listen, listen_id)
        assert row is not None
        return row.track_id, row.enrich_status, row.reviewed_by


def test_accept_learns_a_title_alias_and_undo_forgets_it(db: Database):
    with db.session() as s:
        studio = fx.track(s, "Radiohead", "Creep", duration=238)
        live = fx.listen(s, "Radiohead", "Creep (Live)", duration=250)
    run(db)
    assert state(db, live)[1] == EnrichStatus.AMBIGUOUS
    with db.session() as s:
        decision = review.accept(s, live, reviewer="ada")
    assert decision.track_id == studio and decision.learned == ["title: Creep (Live)"]
    assert state(db, live) == (studio, EnrichStatus.MANUAL, "ada")
    with db.session() as s:
        again = fx.listen(s, "RADIOHEAD", "Creep (Live)", duration=251)
    run(db)
    assert state(db, again)[:2] == (studio, EnrichStatus.MATCHED)
    with db.session() as s:
        assert s.get(Listen, again).match_reason == "review_alias"
        undone = review.undo(s)
    assert undone is not None and undone.listen_ids == [live]
    assert state(db, live) == (None, EnrichStatus.AMBIGUOUS, None)
    with db.session() as s:
        assert s.scalars(select(TitleAlias)).all() == []
        assert review.undo(s) is None


def test_link_learns_an_artist_alias_reject_sticks(sqlite_db: Database):
    db = sqlite_db
    with db.session() as s:
        karma = fx.track(s, "Radiohead", "Karma Police", duration=264)
        radiohead = fx.artist(s, "Radiohead")
        odd = fx.listen(s, "On A Friday", "Karma Police", duration=264)
        other = fx.listen(s, "Nobody Known", "Some Song")
    run(db)
    with db.session() as s:
        decision = review.link(s, odd, karma, reviewer="ada")
        assert decision.learned == ["artist: On A Friday"]
        assert (
            s.scalars(select(ArtistAlias.artist_id).where(ArtistAlias.source == "review")).one() == radiohead
        )
        assert set(s.scalars(select(ListenArtist.artist_id).where(ListenArtist.listen_id == odd))) == {
            radiohead
        }
        review.reject(s, other, reviewer="ada")
        next_one = fx.listen(s, "On a Friday", "Karma Police")
    run(db)
    assert state(db, next_one)[:2] == (karma, EnrichStatus.MATCHED)
    assert state(db, other) == (None, EnrichStatus.MANUAL, "ada")
    with db.session() as s:
        with pytest.raises(review.ReviewError):
            review.accept(s, other, 999, reviewer="ada")
        with pytest.raises(review.ReviewError):
            review.link(s, other, 999, reviewer="ada")


def test_group_accept_links_every_listen_of_the_song_once_per_second(sqlite_db: Database):
    db = sqlite_db
    with db.session() as s:
        song = fx.track(s, "Sigur Rós", "Hoppípolla", duration=268)
        first = fx.listen(s, "Sigur Ros", "Hoppipolla (Live)")
        second = fx.listen(s, "sigur ros", "hoppipolla (live)")
        twin = fx.listen(s, "Sigur Ros", "Hoppipolla (Live)", at=fx.START)
        twin_again = fx.listen(s, "Sigur Ros", "Hoppipolla (Live)", at=fx.START, user_id=None)
    run(db)
    with db.session() as s:
        queue = review.review_queue(s)
        assert len(queue) == 1 and len(queue[0].items) == 4
        assert queue[0].items[0].candidates[0].track_id == song
        by_artist = review.review_queue(s, group_by="artist", status=EnrichStatus.AMBIGUOUS)
        assert [g.key for g in by_artist] == ["Sigur Ros"]
        decision = review.accept_group(s, first, reviewer="ada")
    assert sorted(decision.listen_ids) == sorted([first, second, twin])
    assert decision.skipped == [twin_again]
    assert state(db, second) == (song, EnrichStatus.MANUAL, "ada")
    with db.session() as s:
        assert review.undo(s) is not None
    assert state(db, second)[0] is None


def test_a_pending_listen_linked_then_undone_enriches_cleanly(sqlite_db: Database):
    db = sqlite_db
    with db.session() as s:
        song = fx.track(s, "Massive Attack", "Teardrop", duration=330, genre="trip hop")
        pending = fx.listen(s, "Massive Attack", "Teardrop", duration=330)
        review.link(s, pending, song, reviewer="ada")
        review.undo(s)
    assert state(db, pending) == (None, EnrichStatus.PENDING, None)
    run(db)
    assert state(db, pending)[:2] == (song, EnrichStatus.MATCHED)


def test_linking_a_second_copy_of_a_play_is_refused(sqlite_db: Database):
    db = sqlite_db
    with db.session() as s:
        song = fx.track(s, "Portishead", "Roads", duration=305)
        fx.listen(s, "Portishead", "Roads", at=fx.START)
        copy = fx.listen(s, "Portished", "Roads (Live)", at=fx.START)
    run(db)
    with db.session() as s, pytest.raises(review.ReviewError, match="same second"):
        review.link(s, copy, song, reviewer="ada")
