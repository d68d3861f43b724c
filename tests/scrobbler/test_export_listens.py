"""Listen exports read back by their readers; the ListenBrainz flavour re-imported into a fresh database
through the real importer and ingest; cancellation leaves no file."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from models.bootstrap import init_database
from models.engine import Database, open_database
from models.listens import Listen
from models.progress import CancelToken, Progress
from models.schemas import SchemaConfig
from models.types import from_epoch
from scrobbler.exports import ExportResult, export_listens
from scrobbler.importers import detect, listenbrainz_export
from scrobbler.importers.rules import ImportOptions
from scrobbler.ingest import run_ingest
from scrobbler.stats import scope_for
from scrobbler.users import add_user, get_user
from tests.listening_fixtures import Library, utc

MBID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"


def _fill(db: Database, extra: int = 0) -> None:
    with db.session() as session:
        lib = Library(session)
        alice = lib.user("alice", "Europe/Berlin")
        lib.track("Creep", "Radiohead", duration=238.6)
        lib.listen(
            alice,
            utc(2024, 1, 1, 12),
            "Radiohead",
            "Creep",
            played=200,
            release="Pablo Honey",
            track_duration=238.6,
        )
        lib.listen(alice, utc(2024, 1, 2, 12), "Sigur Rós", "Hoppípolla", matched=False, track_duration=268)
        lib.listen(alice, utc(2024, 1, 3, 12), 'Quote "Band", Inc.', "Line\nBreak", matched=False)
        session.execute(
            Listen.__table__.update()
            .where(Listen.track_name == "Creep")
            .values(recording_mbid=MBID, isrc="GBAYE9200070", spotify_id="70LcF31zb1H0PyJoS1Sx1r")
        )
        for i in range(extra):
            lib.listen(alice, from_epoch(1_600_000_000 + i * 60), "Bulk", f"t{i}", matched=False)


def _run(gen: Any) -> tuple[list[Progress], ExportResult]:
    events = []
    while True:
        try:
            events.append(next(gen))
        except StopIteration as done:
            return events, done.value


def _export(db: Database, path: Path, fmt: str, **kwargs: Any) -> tuple[list[Progress], ExportResult]:
    with db.session() as session:
        scope = scope_for(get_user(session, "alice"), "all")  # type: ignore[arg-type]
    return _run(export_listens(db.sessions, scope, path, fmt, **kwargs))


@pytest.fixture
def filled(sqlite_db: Database) -> Iterator[Database]:
    _fill(sqlite_db)
    yield sqlite_db


def test_csv_reads_back_on_every_engine(db: Database, tmp_path: Path) -> None:
    _fill(db)
    events, result = _export(db, tmp_path / "out" / "listens.csv", "csv")
    assert result.rows == 3 and events[-1].done == 3 and events[0].total == 3
    with open(tmp_path / "out" / "listens.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["track_name"] for r in rows] == ["Creep", "Hoppípolla", "Line\nBreak"]
    assert rows[0]["listened_at"] == "2024-01-01T12:00:00Z"
    assert rows[0]["listened_at_unix"] == str(int(utc(2024, 1, 1, 12).timestamp()))
    assert rows[0]["recording_mbid"] == MBID and rows[0]["enrich_status"] == "matched"
    assert rows[2]["artist_name"] == 'Quote "Band", Inc.'
    assert rows[1]["track_id"] == "" and float(rows[1]["track_duration_secs"]) == 268.0


def test_json_and_jsonl(filled: Database, tmp_path: Path) -> None:
    _export(filled, tmp_path / "l.json", "json")
    _export(filled, tmp_path / "l.jsonl", "jsonl")
    document = json.loads((tmp_path / "l.json").read_text(encoding="utf-8"))
    lines = [json.loads(line) for line in (tmp_path / "l.jsonl").read_text(encoding="utf-8").splitlines()]
    assert document == lines
    assert [d["artist_name"] for d in document] == ["Radiohead", "Sigur Rós", 'Quote "Band", Inc.']
    assert document[0]["duration_secs"] == 200.0 and document[1]["duration_secs"] is None


def test_empty_json_is_an_empty_array(sqlite_db: Database, tmp_path: Path) -> None:
    with sqlite_db.session() as session:
        Library(session).user("alice")
    _export(sqlite_db, tmp_path / "l.json", "json")
    _export(sqlite_db, tmp_path / "l.parquet", "parquet")
    assert json.loads((tmp_path / "l.json").read_text()) == []
    assert pq.read_table(tmp_path / "l.parquet").num_rows == 0


def test_parquet_streams_in_record_batches(filled: Database, tmp_path: Path) -> None:
    events, _result = _export(filled, tmp_path / "l.parquet", "parquet", chunk_rows=2)
    table = pq.read_table(tmp_path / "l.parquet")
    assert pq.ParquetFile(tmp_path / "l.parquet").metadata.num_row_groups == 2
    assert table.column("track_name").to_pylist() == ["Creep", "Hoppípolla", "Line\nBreak"]
    assert table.column("listened_at_unix").to_pylist()[0] == int(utc(2024, 1, 1, 12).timestamp())
    assert [e.done for e in events] == [0, 2, 3]


def _listens(db: Database) -> list[tuple[Any, ...]]:
    with db.session() as session:
        return [
            tuple(r)
            for r in session.execute(
                select(
                    Listen.listened_at,
                    Listen.artist_name,
                    Listen.track_name,
                    Listen.release_name,
                    Listen.recording_mbid,
                    Listen.isrc,
                    Listen.spotify_id,
                    Listen.duration_secs,
                    Listen.track_duration_secs,
                ).order_by(Listen.listened_at)
            )
        ]


def test_listenbrainz_jsonl_reimports_into_a_fresh_database(filled: Database, tmp_path: Path) -> None:
    path = tmp_path / "alice.lb.jsonl"
    _export(filled, path, "listenbrainz")
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first == {
        "listened_at": int(utc(2024, 1, 1, 12).timestamp()),
        "track_metadata": {
            "artist_name": "Radiohead",
            "track_name": "Creep",
            "release_name": "Pablo Honey",
            "additional_info": {
                "submission_client": "Tonearm",
                "recording_mbid": MBID,
                "isrc": "GBAYE9200070",
                "spotify_id": "https://open.spotify.com/track/70LcF31zb1H0PyJoS1Sx1r",
                "duration_ms": 238600,
                "duration_played": 200,
            },
        },
    }
    assert detect(path) is listenbrainz_export or getattr(detect(path), "NAME", "") == "listenbrainz_export"
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}", SchemaConfig())
    init_database(fresh)
    try:
        with fresh.session() as session:
            user_id = add_user(session, "alice").id
        # Listens already in Tonearm were accepted once: re-import them all (LB's importer keeps every line).
        rows = listenbrainz_export.parse(path, ImportOptions(apply_scrobble_rule=False))
        report = run_ingest(fresh, rows, user_id)
        assert (report.imported, report.failed_count, report.skipped_count) == (3, 0, 0)
        assert _listens(fresh) == _listens(filled)
    finally:
        fresh.dispose()


def test_cancel_leaves_no_file_and_keeps_the_old_one(sqlite_db: Database, tmp_path: Path) -> None:
    _fill(sqlite_db, extra=50)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "listens.csv"
    target.write_text("old export\n", encoding="utf-8")
    cancel = CancelToken()
    with sqlite_db.session() as session:
        scope = scope_for(get_user(session, "alice"), "all")  # type: ignore[arg-type]
    gen = export_listens(sqlite_db.sessions, scope, target, "csv", cancel=cancel, chunk_rows=10)
    next(gen)  # the count
    next(gen)  # first chunk written to the temp file
    assert any(p.name.endswith(".part") for p in out.iterdir())
    cancel.cancel()
    _events, result = _run(gen)
    assert result.cancelled and result.path is None and result.rows == 10
    assert sorted(p.name for p in out.iterdir()) == ["listens.csv"]
    assert target.read_text(encoding="utf-8") == "old export\n"


def test_closing_the_generator_midway_leaves_no_partial_file(sqlite_db: Database, tmp_path: Path) -> None:
    _fill(sqlite_db, extra=50)
    with sqlite_db.session() as session:
        scope = scope_for(get_user(session, "alice"), "all")  # type: ignore[arg-type]
    out = tmp_path / "out"
    gen = export_listens(sqlite_db.sessions, scope, out / "l.parquet", "parquet", chunk_rows=10)
    next(gen)
    next(gen)
    assert len(list(out.iterdir())) == 1
    gen.close()
    assert list(out.iterdir()) == []
