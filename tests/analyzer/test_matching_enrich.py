"""`enrich_listens` end to end on every database layout: links, candidates, facets, retries, duplicates."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from analyzer.matching import EnrichSummary, MatchSettings, enrich_listens
from models.engine import Database
from models.enums import EnrichStatus
from models.listens import Listen, ListenArtist, ListenGenre, ListenMatchCandidate
from models.progress import run_to_end
from tests import matching_fixtures as fx

MBID = "0a7a5e8f-8c4c-4a35-9a3e-93f1a1c5f001"


def run(db: Database, **kwargs) -> EnrichSummary:
    return run_to_end(enrich_listens(db, **kwargs))


def listen_row(db: Database, listen_id: int) -> Listen:
    with db.session() as session:
        row = session.get(Listen, listen_id)
        assert row is not None
        session.expunge(row)
        return row


def test_ids_exact_and_unmatched_listens_with_facets(db: Database):
    with db.session() as s:
        studio = fx.track(s, "Queen", "Bohemian Rhapsody", album="A Night at the Opera", duration=355,
                          genre="rock", ids={"recording_mbid": MBID})  # fmt: skip
        fx.track(s, "Queen", "Bohemian Rhapsody (Live at Wembley)", duration=362)
        feat = fx.track(s, "Daft Punk", "Get Lucky", featuring=("Pharrell Williams",), duration=369)
        by_id = fx.listen(s, "queen", "bohemian rhapsody (2011 mix)", recording_mbid=MBID)
        exact = fx.listen(
            s, "QUEEN", "Bohemian Rhapsody - Remastered 2011", "A Night At The Opera", duration=354
        )
        featuring = fx.listen(s, "Daft Punk feat. Pharrell Williams", "Get Lucky (Radio Edit)", duration=368)
        live = fx.listen(s, "Queen", "Bohemian Rhapsody (Live)", duration=362)
        new_song = fx.listen(s, "Queen", "Under Pressure", duration=248)
        queen = fx.artist(s, "Queen")
    summary = run(db)
    assert summary.selected == 5
    assert listen_row(db, by_id).track_id == studio
    assert listen_row(db, by_id).match_reason == "recording_mbid"
    row = listen_row(db, exact)
    assert (row.enrich_status, row.track_id, row.match_reason) == (EnrichStatus.MATCHED, studio, "exact")
    assert row.match_confidence is not None and row.match_confidence >= 0.9
    assert row.last_enriched_at is not None
    assert listen_row(db, featuring).track_id == feat
    assert listen_row(db, live).track_id != studio  # the live track, never the studio one
    assert listen_row(db, new_song).enrich_status == EnrichStatus.UNMATCHED
    with db.session() as s:
        artists = {lid: set(s.scalars(select(ListenArtist.artist_id).where(ListenArtist.listen_id == lid)))
                   for lid in (exact, featuring, new_song)}  # fmt: skip
        genres = set(s.scalars(select(ListenGenre.genre_id).where(ListenGenre.listen_id == exact)))
    assert artists[exact] == {queen} and len(artists[featuring]) == 2
    assert artists[new_song] == {queen}  # from the raw name when unmatched
    assert len(genres) == 1


def test_other_version_is_a_candidate_not_a_link(db: Database):
    with db.session() as s:
        studio = fx.track(s, "Nirvana", "Come as You Are", duration=219)
        live = fx.listen(s, "Nirvana", "Come As You Are (Live)", duration=250)
    run(db)
    row = listen_row(db, live)
    assert row.track_id is None and row.enrich_status == EnrichStatus.AMBIGUOUS
    assert row.match_reason == "other_version"
    with db.session() as s:
        candidate = s.scalars(
            select(ListenMatchCandidate).where(ListenMatchCandidate.listen_id == live)
        ).one()
        assert candidate.track_id == studio and candidate.rank == 1
        features = json.loads(candidate.features_json or "{}")
    assert features["version"] == "conflict" and features["title"] == 1.0


def test_manual_decisions_are_never_touched_and_misses_retry_after_a_scan(db: Database):
    with db.session() as s:
        fx.track(s, "Björk", "Jóga", duration=305)
        manual = fx.listen(s, "Bjork", "Joga", duration=305)
        missing = fx.listen(s, "Björk", "Hyperballad", duration=321)
        s.execute(update(Listen).where(Listen.id == manual).values(enrich_status=EnrichStatus.MANUAL))
    first = run(db)
    assert first.selected == 1 and listen_row(db, missing).enrich_status == EnrichStatus.UNMATCHED
    assert listen_row(db, manual).track_id is None
    assert run(db).selected == 0  # nothing changed: nothing re-tried
    with db.session() as s:
        added = fx.track(s, "Björk", "Hyperballad", duration=321)
    second = run(db)
    assert second.selected == 1 and listen_row(db, missing).track_id == added
    assert listen_row(db, manual).enrich_status == EnrichStatus.MANUAL


def test_same_play_scrobbled_twice_keeps_one_link(db: Database):
    with db.session() as s:
        song = fx.track(s, "Portishead", "Glory Box", duration=306)
        first = fx.listen(s, "Portishead", "Glory Box", at=fx.START)
        second = fx.listen(s, "portishead", "Glory Box!", at=fx.START)
    summary = run(db)
    assert summary.duplicates == 1
    assert listen_row(db, first).track_id == song
    row = listen_row(db, second)
    assert (row.track_id, row.enrich_status, row.match_reason) == (
        None,
        EnrichStatus.AMBIGUOUS,
        "duplicate_listen",
    )


def test_threshold_is_configurable(sqlite_db: Database):
    with sqlite_db.session() as s:
        fx.track(s, "Radiohead", "Paranoid Android", duration=387)
        typo = fx.listen(s, "Radiohead", "Paranoid Andriod", duration=387)
    run(sqlite_db, settings=MatchSettings(auto_link=0.9999))
    assert listen_row(sqlite_db, typo).enrich_status == EnrichStatus.AMBIGUOUS
    run(sqlite_db, retry=True)
    assert listen_row(sqlite_db, typo).enrich_status == EnrichStatus.MATCHED


def test_match_columns_written_as_decided_and_manual_rows_left_alone(db: Database):
    """write_batch's UPDATE (one JSON-fed statement on SQLite, an executemany on MariaDB): every column
    exactly as decided (on SQLite a confidence to the last bit; NULLs as NULL), and a manual listen left
    untouched even if a batch still carries it."""
    from datetime import UTC, datetime

    from analyzer.matching.index import CatalogIndex
    from analyzer.matching.matcher import Decision
    from analyzer.matching.writes import EnrichedListen, write_batch

    with db.session() as s:
        song = fx.track(s, "Queen", "Bohemian Rhapsody", genre="rock")
        linked = fx.listen(s, "Queen", "Bohemian Rhapsody")
        missed = fx.listen(s, "Nobody", "Nothing")
        manual = fx.listen(s, "Queen", "Bohemian Rhapsody", duration=1.0)
        s.execute(update(Listen).where(Listen.id == manual).values(enrich_status=EnrichStatus.MANUAL))
        uid = s.scalar(select(Listen.user_id).where(Listen.id == linked))
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    confidence = 0.1 + 0.2  # 0.30000000000000004: not a short decimal
    with db.session() as s:
        index = CatalogIndex.load(s)
        items = [
            EnrichedListen(linked, uid, 0, Decision("matched", song, confidence, "exact", (), ()), at, False),
            EnrichedListen(
                missed, uid, 1, Decision("unmatched", None, None, "no_candidates", (), ()), at, False
            ),
            EnrichedListen(
                manual, uid, 2, Decision("unmatched", None, None, "no_candidates", (), ()), at, False
            ),
        ]
        write_batch(s, index, items, check_tracks=not db.enforces_cross_schema_fks)
    row = listen_row(db, linked)
    assert (row.enrich_status, row.track_id, row.match_reason) == (EnrichStatus.MATCHED, song, "exact")
    if db.is_sqlite:  # REAL: the double exactly (MariaDB's FLOAT column keeps single precision)
        assert row.match_confidence == confidence
    else:
        assert row.match_confidence is not None and abs(row.match_confidence - confidence) < 1e-6
    assert row.last_enriched_at is not None and row.last_enriched_at.replace(tzinfo=UTC) == at
    row = listen_row(db, missed)
    assert (row.enrich_status, row.track_id, row.match_confidence, row.match_reason) == (
        EnrichStatus.UNMATCHED, None, None, "no_candidates"
    )  # fmt: skip
    row = listen_row(db, manual)
    assert (row.enrich_status, row.track_id, row.match_reason, row.last_enriched_at) == (
        EnrichStatus.MANUAL, None, None, None
    )  # fmt: skip


def test_a_link_repeating_another_listen_is_an_integrity_error(db: Database):
    """What the pipeline's redo relies on: told no second is shared (as the run's snapshot said), the
    batched UPDATE refuses a link that repeats (user, second, track) rather than writing it."""
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy.exc import IntegrityError

    from analyzer.matching.index import CatalogIndex
    from analyzer.matching.matcher import Decision
    from analyzer.matching.writes import EnrichedListen, write_batch

    with db.session() as s:
        song = fx.track(s, "Queen", "Bohemian Rhapsody")
        first = fx.listen(s, "Queen", "Bohemian Rhapsody")
        when = s.scalar(select(Listen.listened_at).where(Listen.id == first))
        second = fx.listen(s, "QUEEN", "bohemian rhapsody", at=when)
        uid = s.scalar(select(Listen.user_id).where(Listen.id == first))
    link = Decision("matched", song, 1.0, "exact", (), ())
    with pytest.raises(IntegrityError), db.session() as s:
        index = CatalogIndex.load(s)
        items = [EnrichedListen(lid, uid, 0, link, datetime.now(UTC), False) for lid in (first, second)]
        write_batch(s, index, items, check_tracks=not db.enforces_cross_schema_fks, shared_moments=set())
    assert listen_row(db, first).track_id is None  # the batch was rolled back whole


def test_cancelled_midway_returns_what_it_committed_and_the_next_run_finishes(db: Database):
    from sqlalchemy import func

    from analyzer.matching.enrich import FINGERPRINT_KEY
    from bench.matching_data import generate, load_into
    from models.progress import CancelToken
    from models.users import ConfigEntry

    load_into(db, generate(seed=5, n_tracks=150, n_listens=400))
    token = CancelToken()
    events = enrich_listens(db, batch_size=100, worker=False, cancel=token)
    while True:
        try:
            event = next(events)
        except StopIteration as stop:
            summary = stop.value
            break
        if event.stage == "match" and event.done >= 100:
            token.cancel()
    decided = summary.matched + summary.ambiguous + summary.unmatched
    assert summary.cancelled and summary.selected == 400 and decided == 100  # the first batch (of 100) only
    with db.session() as session:
        left = session.scalar(
            select(func.count()).where(
                Listen.enrich_status == EnrichStatus.PENDING, Listen.last_enriched_at.is_(None)
            )
        )
        fingerprint = session.get(ConfigEntry, FINGERPRINT_KEY)
    assert left == 300  # nothing of the batches it did not write
    assert fingerprint is None  # not every miss was tried against this catalog: the next run retries them

    rest = run(db, worker=False)
    assert not rest.cancelled and rest.selected == 300 + summary.ambiguous + summary.unmatched
    with db.session() as session:
        assert session.scalar(select(func.count()).where(Listen.enrich_status == EnrichStatus.PENDING)) == 0
