"""Cross-source duplicates, same-second listens, ID links, cancellation and resuming."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, literal, select

from models.engine import Database
from models.enums import EnrichStatus, EntityType
from models.external_ids import ExternalId
from models.listens import Listen, ListenRaw, ListenSource
from models.progress import CancelToken, Progress
from models.tracks import Track
from models.users import User
from scrobbler.ingest import ingest, run_ingest
from scrobbler.records import ListenRecord

T0 = datetime(2023, 5, 1, 12, 0, tzinfo=UTC)


def record(source: str, seconds: int = 0, **fields: Any) -> ListenRecord:
    values: dict[str, Any] = {"artist_name": "Artist", "track_name": "Song", "payload": {"row": seconds}}
    values.update(fields)
    return ListenRecord(listened_at=T0 + timedelta(seconds=seconds), source=source, **values)


@pytest.fixture
def user_id(db: Database) -> int:
    with db.session() as session:
        user = User(username="u")
        session.add(user)
        session.flush()
        return user.id


def sources(db: Database) -> list[tuple[int, str, str]]:
    """(listen id, raw source, relation) of every raw row: ``primary`` for a listen's own raw_id,
    ``duplicate`` for a listen_sources link, in raw row order."""
    with db.session() as session:
        own = select(Listen.id, ListenRaw.source, literal("primary"), ListenRaw.id).join(
            ListenRaw, ListenRaw.id == Listen.raw_id
        )
        linked = select(ListenSource.listen_id, ListenRaw.source, ListenSource.relation, ListenRaw.id).join(
            ListenRaw, ListenRaw.id == ListenSource.raw_id
        )
        rows = [tuple(row) for query in (own, linked) for row in session.execute(query)]
    return [row[:3] for row in sorted(rows, key=lambda row: row[3])]  # type: ignore[misc]


def test_cross_source_duplicate_is_linked_not_lost(db: Database, user_id: int) -> None:
    first = run_ingest(db, [record("lastfm_csv", 0)], user_id)
    second = run_ingest(db, [record("api", 40, artist_name="ARTIST", track_name="song")], user_id)
    assert (first.imported, second.imported, second.merged) == (1, 0, 1)
    links = sources(db)
    assert [(source, relation) for _, source, relation in links] == [
        ("lastfm_csv", "primary"),
        ("api", "duplicate"),
    ]
    assert links[0][0] == links[1][0]  # both raw rows behind one canonical listen
    again = run_ingest(db, [record("api", 40, artist_name="ARTIST", track_name="song")], user_id)
    assert (again.imported, again.merged, again.duplicates) == (0, 0, 1)


def test_window_and_source_limits(db: Database, user_id: int) -> None:
    run_ingest(db, [record("lastfm_csv", 0)], user_id)
    report = run_ingest(
        db,
        [
            record("api", 500),  # outside the window: a second play
            record("lastfm_csv", 60),  # same source: a real replay, not a copy
            record("api", 30, track_name="Other"),  # other track
        ],
        user_id,
        duplicate_window_secs=120,
    )
    assert (report.imported, report.merged) == (3, 0)
    narrow = run_ingest(db, [record("maloja", 20)], user_id, duplicate_window_secs=10)
    assert narrow.imported == 1


def test_one_copy_per_source_and_the_nearest_twin(db: Database, user_id: int) -> None:
    # A 60 s track played twice; the other source saw both plays a few seconds late.
    run_ingest(db, [record("lastfm_csv", 0), record("lastfm_csv", 60)], user_id)
    report = run_ingest(db, [record("api", 3), record("api", 62)], user_id)
    assert (report.imported, report.merged) == (0, 2)
    with db.session() as session:
        pairs = session.execute(
            select(Listen.listened_at, ListenRaw.listened_at)
            .join(ListenSource, ListenSource.listen_id == Listen.id)
            .join(ListenRaw, ListenRaw.id == ListenSource.raw_id)
            .where(ListenSource.relation == "duplicate")
            .order_by(ListenRaw.listened_at)
        ).all()
    assert [(a - T0).seconds for a, _ in pairs] == [0, 60]


def test_duplicates_inside_one_batch(db: Database, user_id: int) -> None:
    report = run_ingest(db, [record("lastfm_csv", 0), record("spotify_extended", 5)], user_id)
    assert (report.imported, report.merged) == (1, 1)


def test_two_listens_in_one_second_from_one_source_are_both_kept(db: Database, user_id: int) -> None:
    # Minute-precision Last.fm CSV rows carry no track id; the raw key falls back to the names.
    rows = [record("lastfm_csv", 0, track_name="A"), record("lastfm_csv", 0, track_name="B")]
    report = run_ingest(db, [*rows, record("lastfm_csv", 0, track_name="A")], user_id)
    assert (report.imported, report.duplicates) == (2, 1)
    assert run_ingest(db, rows, user_id).duplicates == 2


def add_track(db: Database, uid: str, ids: dict[str, str]) -> int:
    with db.session() as session:
        track = Track(track_uid=uid, title="Song", title_normalized="song")
        session.add(track)
        session.flush()
        for scheme, value in ids.items():
            session.add(
                ExternalId(entity_type=EntityType.TRACK, entity_id=track.id, scheme=scheme, value=value)
            )
        return track.id


MBID = "9e3c4d1a-5b2e-4f0a-8c11-3a5f2b7d9e01"


def test_exact_ids_link_at_once(db: Database, user_id: int) -> None:
    by_mbid = add_track(db, "t1", {"recording_mbid": MBID})
    by_isrc = add_track(db, "t2", {"isrc": "GBAAA9700001"})
    by_spotify = add_track(db, "t3", {"spotify_id": "1xWOZ0yYEMhWpr2nT5ZHfk"})
    add_track(db, "t4", {"isrc": "USAAA0000001"})
    add_track(db, "t5", {"isrc": "USAAA0000001"})  # one ISRC on two tracks: ambiguous, no link
    report = run_ingest(
        db,
        [
            record("a", 0, track_name="x", recording_mbid=MBID.upper()),
            record("a", 1000, track_name="y", isrc="gbaaa9700001"),
            record("a", 2000, track_name="z", spotify_id="1xWOZ0yYEMhWpr2nT5ZHfk"),
            record("a", 3000, track_name="w", isrc="USAAA0000001"),
            record("a", 4000, track_name="v", recording_mbid="00000000-0000-4000-8000-000000000000"),
        ],
        user_id,
    )
    assert report.linked == {"recording_mbid": 1, "isrc": 1, "spotify_id": 1}
    with db.session() as session:
        rows = session.execute(
            select(
                Listen.track_name,
                Listen.track_id,
                Listen.enrich_status,
                Listen.match_reason,
                Listen.match_confidence,
            ).order_by(Listen.listened_at)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("x", by_mbid, EnrichStatus.MATCHED, "recording_mbid", 1.0),
        ("y", by_isrc, EnrichStatus.MATCHED, "isrc", 1.0),
        ("z", by_spotify, EnrichStatus.MATCHED, "spotify_id", 1.0),
        ("w", None, EnrichStatus.PENDING, None, None),
        ("v", None, EnrichStatus.PENDING, None, None),
    ]


def test_same_track_same_second_is_one_listen(db: Database, user_id: int) -> None:
    add_track(db, "t1", {"recording_mbid": MBID})
    rows = [
        record("a", 0, track_name="Song (Remastered)", recording_mbid=MBID),
        record("b", 0, track_name="Song", recording_mbid=MBID),
    ]
    report = run_ingest(db, rows, user_id)  # uq_listen_dedupe (user, track, listened_at) holds
    assert (report.imported, report.merged) == (1, 1)


def test_progress_cancel_and_resume(db: Database, user_id: int) -> None:
    rows = [record("a", i * 300, track_name=f"t{i}") for i in range(10)]
    cancel = CancelToken()
    events: list[Progress] = []
    generator = ingest(db, iter(rows), user_id, cancel=cancel, batch_size=3)
    try:
        while True:
            events.append(next(generator))
            cancel.cancel()
    except StopIteration as done:
        report = done.value
    assert report.cancelled and report.imported == 3 and len(events) == 1
    assert events[0].counts["imported"] == 3 and events[0].stage == "write"
    resumed = run_ingest(db, rows, user_id, batch_size=3)
    assert (resumed.imported, resumed.duplicates) == (7, 3)


def test_rows_the_database_cannot_hold_fail_with_a_reason(db: Database, user_id: int) -> None:
    report = run_ingest(
        db,
        [
            record("a", 0, source_track_id="x" * 300),
            record("a", 10, artist_name="A" * 2000),
            record("a", 20, recording_mbid="not-a-uuid", isrc="X" * 40, duration_secs=-3.0),
        ],
        user_id,
    )
    assert report.failed_count == 2 and report.imported == 1
    assert "source track id" in report.failed[0].reason and "artist name" in report.failed[1].reason
    with db.session() as session:
        listen = session.scalars(select(Listen)).one()
        assert (listen.recording_mbid, listen.isrc, listen.track_duration_secs) == (None, None, None)


def test_partial_reimport_links_every_listen_to_its_own_raw_row(db: Database, user_id: int) -> None:
    """Half the rows stored already, the rest new and out of order: each new listen points at the raw
    row holding its own payload (the SQLite writer derives ids from SQLite's rowid rule)."""
    rows = [record("lastfm_csv", 300 * i, track_name=f"Song {i}", payload={"i": i}) for i in range(40)]
    first = run_ingest(db, rows[::2], user_id, batch_size=7)
    shuffled = rows[1::2][::-1] + rows[::2]
    second = run_ingest(db, shuffled, user_id, batch_size=9)
    assert (first.imported, second.imported, second.duplicates) == (20, 20, 20)
    with db.session() as session:
        query = select(
            Listen.track_name, Listen.listened_at, ListenRaw.payload_json, ListenRaw.listened_at
        ).join(ListenRaw, ListenRaw.id == Listen.raw_id)
        pairs = session.execute(query).all()
        linked = session.scalar(select(func.count()).select_from(ListenSource))
    assert len(pairs) == 40
    for track_name, listened_at, payload, raw_listened_at in pairs:
        assert track_name == f"Song {json.loads(payload)['i']}"
        assert listened_at == raw_listened_at
    assert linked == 0  # one source: no listen has a second raw row


def test_track_mbids_from_files_link_before_any_name_matching(db: Database, user_id: int) -> None:
    """Last.fm's mbid and LB's additional_info.track_mbid are MusicBrainz *track* ids: they link to the
    library track carrying that release-track id, or (Last.fm's old track ids are recording ids now) that
    recording id. A .scrobbler.log's mbid column is the player's MUSICBRAINZ_TRACKID tag: a recording id."""
    release_track = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
    recording = "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910"
    by_release_track = add_track(db, "t1", {"track_mbid": release_track})
    by_recording = add_track(db, "t2", {"recording_mbid": recording})
    report = run_ingest(
        db,
        [
            record("lastfm", 0, track_name="named otherwise", track_mbid=release_track),
            record("lastfm", 1000, track_name="also otherwise", track_mbid=recording.upper()),
            record("lastfm", 2000, track_name="nothing", track_mbid="00000000-0000-4000-8000-000000000000"),
        ],
        user_id,
    )
    assert report.linked == {"track_mbid": 2}
    with db.session() as session:
        rows = session.execute(
            select(Listen.track_name, Listen.track_id, Listen.match_reason).order_by(Listen.listened_at)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("named otherwise", by_release_track, "track_mbid"),
        ("also otherwise", by_recording, "track_mbid"),
        ("nothing", None, None),
    ]


def test_a_scrobbler_log_mbid_links_as_a_recording_id(db: Database, user_id: int, tmp_path: Any) -> None:
    from scrobbler.importers import scrobbler_log

    recording = "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910"
    track_id = add_track(db, "t1", {"recording_mbid": recording})
    log = tmp_path / ".scrobbler.log"
    log.write_text(
        "#AUDIOSCROBBLER/1.1\n#TZ/UTC\n#CLIENT/Rockbox sansaclipplus $Revision$\n"
        f"Somebody\tAlbum\tA title the library spells otherwise\t1\t200\tL\t1700000000\t{recording}\n",
        encoding="utf-8",
    )
    report = run_ingest(db, scrobbler_log.parse(log), user_id)
    assert report.linked == {"recording_mbid": 1}
    with db.session() as session:
        assert session.execute(select(Listen.track_id, Listen.recording_mbid)).one() == (track_id, recording)
