"""The pipelined enrich run: a forked matching worker writes exactly what in-process matching writes, over
dense and scattered id batches, and a review made between a batch's read and its write is kept."""

from __future__ import annotations

import multiprocessing
import threading
import time
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from analyzer import review
from analyzer.matching import EnrichSummary, enrich_listens
from analyzer.matching.enrich import worker_is_safe
from bench.matching_data import generate, load_into
from models.engine import Database
from models.enums import EnrichStatus
from models.listens import Listen, ListenArtist, ListenGenre, ListenMatchCandidate
from models.progress import CancelToken, run_to_end
from tests import matching_fixtures as fx

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the matching worker is forked"
)


def run(db: Database, **kwargs: Any) -> EnrichSummary:
    return run_to_end(enrich_listens(db, **kwargs))


def written(db: Database) -> dict[str, Any]:
    """Everything enrich writes, except the run's timestamps."""
    with db.session() as s:
        listens = s.execute(
            select(
                Listen.id, Listen.track_id, Listen.enrich_status, Listen.match_confidence, Listen.match_reason
            ).order_by(Listen.id)
        ).all()
        candidates = s.execute(
            select(
                ListenMatchCandidate.listen_id,
                ListenMatchCandidate.rank,
                ListenMatchCandidate.track_id,
                ListenMatchCandidate.confidence,
                ListenMatchCandidate.features_json,
            ).order_by(ListenMatchCandidate.listen_id, ListenMatchCandidate.rank)
        ).all()
        artists = s.execute(select(ListenArtist.listen_id, ListenArtist.artist_id)).all()
        genres = s.execute(select(ListenGenre.listen_id, ListenGenre.genre_id)).all()
    return {
        "listens": [tuple(row) for row in listens],
        "candidates": [tuple(row) for row in candidates],
        "artists": sorted(tuple(row) for row in artists),
        "genres": sorted(tuple(row) for row in genres),
    }


def reset(db: Database) -> None:
    """Every non-manual listen back to pending, as ingest leaves it."""
    with db.session() as s:
        s.execute(delete(ListenMatchCandidate))
        s.execute(delete(ListenArtist))
        s.execute(delete(ListenGenre))
        s.execute(
            update(Listen)
            .where(Listen.enrich_status != EnrichStatus.MANUAL)
            .values(
                track_id=None,
                enrich_status=EnrichStatus.PENDING,
                match_confidence=None,
                match_reason=None,
                last_enriched_at=None,
            )
        )


@pytest.mark.parametrize("kept", [1, 3], ids=["dense-ids", "scattered-ids"])
def test_worker_writes_what_in_process_matching_writes(db: Database, kept: int):
    data = generate(seed=5, n_tracks=300, n_listens=500)
    data.listens += data.listens[:100]  # repeated descriptions: decisions come from the run's memo
    ids = load_into(db, data)
    if kept > 1:  # only one listen in three to enrich: every batch is read by id list, not by id range
        with db.session() as s:
            s.execute(
                update(Listen)
                .where(Listen.id.in_([i for i in ids if i % kept]))
                .values(enrich_status=EnrichStatus.MANUAL)
            )
    in_process = run(db, batch_size=40, worker=False)
    expected = written(db)
    reset(db)
    forked = run(db, batch_size=40, worker=True)
    assert written(db) == expected
    assert forked == in_process
    assert in_process.selected == len(ids) // kept
    assert in_process.matched > in_process.selected // 2 and in_process.fuzzy > 0
    assert expected["candidates"] and expected["artists"] and expected["genres"]


@pytest.mark.parametrize("worker", [False, True], ids=["in-process", "worker"])
def test_a_review_between_a_batch_read_and_its_write_is_kept(db: Database, worker: bool):
    with db.session() as s:
        song = fx.track(s, "Massive Attack", "Teardrop", duration=330, genre="trip hop")
        other = fx.track(s, "Massive Attack", "Angel", duration=380)
        first = fx.listen(s, "Massive Attack", "Teardrop", duration=330)
        second = fx.listen(s, "Massive Attack", "Teardrop", duration=330)
    events = enrich_listens(db, batch_size=1, worker=worker)
    progress = next(events)
    while progress.stage != "match" or not progress.done:
        progress = next(events)
    # The first batch is written; the second was read (and handed to the matcher) in the same transaction.
    assert progress.done == 1
    with db.session() as s:
        review.link(s, second, other, reviewer="ada")
    for _ in events:
        pass
    with db.session() as s:
        row = s.get(Listen, second)
        assert row is not None
        assert (row.track_id, row.enrich_status, row.reviewed_by) == (other, EnrichStatus.MANUAL, "ada")
        genres = list(s.scalars(select(ListenGenre.genre_id).where(ListenGenre.listen_id == second)))
        linked = s.get(Listen, first)
        assert linked is not None and linked.track_id == song
    assert genres == []  # the reviewed track's facets (no genre), not the matched one's


def test_a_cancelled_run_stops_its_worker_and_the_next_run_finishes(sqlite_db: Database):
    data = generate(seed=9, n_tracks=200, n_listens=300)
    ids = load_into(sqlite_db, data)
    token = CancelToken()
    events = enrich_listens(sqlite_db, batch_size=50, worker=True, cancel=token)
    progress = next(events)
    while not progress.done:
        progress = next(events)
    assert len(multiprocessing.active_children()) == 1  # the worker, busy with the next batch
    token.cancel()
    started = time.monotonic()
    with pytest.raises(StopIteration) as stop:
        next(events)
    assert multiprocessing.active_children() == [] and time.monotonic() - started < 5
    summary = stop.value.value
    assert summary.cancelled and summary.counts() == progress.counts
    rest = run(sqlite_db, worker=True)
    # The rest, and the first batch's misses: a cancelled run never recorded the library it matched against.
    assert progress.counts is not None
    misses = progress.counts["ambiguous"] + progress.counts["unmatched"]
    assert rest.selected == len(ids) - progress.done + misses
    with sqlite_db.session() as s:
        pending = s.scalar(select(func.count()).where(Listen.enrich_status == EnrichStatus.PENDING))
    assert pending == 0


@pytest.mark.skipif(not worker_is_safe(), reason="one CPU: enrich matches in-process")
def test_the_worker_is_used_beside_another_thread(sqlite_db: Database):
    data = generate(seed=13, n_tracks=150, n_listens=200)
    load_into(sqlite_db, data)
    stop = threading.Event()
    bar = threading.Thread(target=stop.wait)  # as the CLI's progress bar refreshes beside the run
    bar.start()
    try:
        events = enrich_listens(sqlite_db, batch_size=50)
        progress = next(events)
        while not progress.done:
            progress = next(events)
        assert len(multiprocessing.active_children()) == 1
        for _ in events:
            pass
        assert multiprocessing.active_children() == []
    finally:
        stop.set()
        bar.join()
    with sqlite_db.session() as s:
        pending = s.scalar(select(func.count()).where(Listen.enrich_status == EnrichStatus.PENDING))
    assert pending == 0
