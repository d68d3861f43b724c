"""Parsing in a child process (scrobbler/ingest_worker.py) stores exactly what in-process parsing does."""

from __future__ import annotations

import os
import time
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from models.bootstrap import init_database
from models.engine import Database, open_database
from models.listens import Listen, ListenRaw
from models.progress import CancelToken, run_to_end
from scrobbler.importers import get
from scrobbler.ingest import ingest_file
from scrobbler.ingest_rows import PreparedListen
from scrobbler.ingest_worker import background_items, prepare_rows
from scrobbler.records import ImportProblem
from scrobbler.users import default_user

T0 = 1_600_000_000


def write_export(path: Path, count: int, *, bad_every: int = 0) -> Path:
    """A ListenBrainz JSONL export with ``count`` lines; every ``bad_every``-th line is broken in turn
    (invalid JSON, no artist, a playing-now item) so problems travel through the child too."""
    with path.open("wb") as out:
        for i in range(count):
            if bad_every and i % bad_every == 1:
                out.write(b'{"listened_at": 1600000000, "track_metadata": {\n')
                continue
            meta = {
                "artist_name": f"Artist {i % 37} Ünïcode",
                "track_name": f"Track {i % 101}",
                "release_name": f"Album {i % 13}",
                "additional_info": {"duration_ms": 200_000 + i},
                "recording_msid": f"00000000-0000-4000-8000-{i:012d}",
            }
            if bad_every and i % bad_every == 2:
                meta["artist_name"] = "   "
            out.write(orjson.dumps({"listened_at": T0 + 37 * i, "track_metadata": meta}) + b"\n")
    return path


def stored(db: Database) -> list[tuple[object, ...]]:
    with db.session() as session:
        query = select(
            Listen.listened_at,
            Listen.artist_name_normalized,
            Listen.track_name,
            Listen.track_duration_secs,
            ListenRaw.payload_json,
            ListenRaw.source_track_id,
        ).join(ListenRaw, ListenRaw.id == Listen.raw_id)
        return sorted(tuple(row) for row in session.execute(query))


def same_rows(left: list[tuple[object, ...]], right: list[tuple[object, ...]]) -> bool:
    """Equal rows; durations within float precision (MariaDB's FLOAT is single precision)."""
    return [(*a[:3], *a[4:]) for a in left] == [(*b[:3], *b[4:]) for b in right] and [
        a[3] for a in left
    ] == pytest.approx([b[3] for b in right], rel=1e-6)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_child_process_items_equal_in_process_items(tmp_path: Path, method: str) -> None:
    path = write_export(tmp_path / "listens.jsonl", 5000, bad_every=97)
    importer = get("listenbrainz_export")
    expected = list(prepare_rows(importer.parse(path)))
    assert list(background_items(importer.NAME, path, method=method)) == expected


def test_background_import_stores_what_in_process_import_stores(db: Database, tmp_path: Path) -> None:
    path = write_export(tmp_path / "listens.jsonl", 3000, bad_every=50)
    importer = get("listenbrainz_export")
    with db.session() as session:
        user_id = default_user(session).id
    report = run_to_end(ingest_file(db, importer, path, user_id, background=True, batch_size=700))
    assert report.read == 3000
    assert report.failed_count == 2 * 60  # the broken JSON lines and the blank artists
    assert report.imported == 3000 - 120
    rows = stored(db)
    assert len(rows) == report.imported
    again = run_to_end(ingest_file(db, importer, path, user_id, background=False))
    assert (again.imported, again.duplicates, again.failed_count) == (0, report.imported, 120)
    assert stored(db) == rows


def test_background_and_in_process_give_the_same_rows(tmp_path: Path, db: Database) -> None:
    path = write_export(tmp_path / "listens.jsonl", 2000, bad_every=31)
    importer = get("listenbrainz_export")
    reference = open_database(f"sqlite:///{tmp_path / 'reference.db'}")
    init_database(reference)
    results = []
    for background, target in ((True, db), (False, reference)):
        with target.session() as session:
            user_id = default_user(session).id
        report = run_to_end(ingest_file(target, importer, path, user_id, background=background))
        results.append((report.counts(), [(f.location, f.reason) for f in report.failed], stored(target)))
    reference.dispose()
    assert results[0][:2] == results[1][:2]
    assert same_rows(results[0][2], results[1][2])


def test_cancel_stops_the_child_and_keeps_what_was_written(sqlite_db: Database, tmp_path: Path) -> None:
    path = write_export(tmp_path / "listens.jsonl", 20_000)
    importer = get("listenbrainz_export")
    with sqlite_db.session() as session:
        user_id = default_user(session).id
    cancel = CancelToken()
    generator = ingest_file(
        sqlite_db, importer, path, user_id, cancel=cancel, background=True, batch_size=1000
    )
    next(generator)  # one batch committed
    cancel.cancel()
    report = run_to_end(generator)
    assert report.cancelled
    assert 1000 <= report.imported < 20_000
    assert len(stored(sqlite_db)) == report.imported
    resumed = run_to_end(ingest_file(sqlite_db, importer, path, user_id, background=True))
    assert resumed.imported == 20_000 - report.imported
    assert len(stored(sqlite_db)) == 20_000


def test_a_file_that_vanished_fails_with_its_reason(tmp_path: Path) -> None:
    missing = tmp_path / "gone.jsonl"
    items = list(background_items("listenbrainz_export", missing))
    assert items == list(prepare_rows(get("listenbrainz_export").parse(missing)))
    assert len(items) == 1 and isinstance(items[0], ImportProblem)
    assert (items[0].kind, items[0].reason) == ("failed", "cannot read the file: No such file or directory")


def test_an_error_in_the_child_is_raised_in_the_parent(tmp_path: Path) -> None:
    path = write_export(tmp_path / "listens.jsonl", 10)
    started = time.monotonic()
    with pytest.raises(KeyError, match="no_such_format"):
        list(background_items("no_such_format", path))
    assert time.monotonic() - started < 30


def test_prepared_listen_fields_line_up_with_the_listens_columns() -> None:
    """The SQLite writer copies PreparedListen's first LISTEN_FIELDS values as listens columns."""
    from scrobbler.ingest_batch import _LISTEN_COLUMNS
    from scrobbler.ingest_rows import LISTEN_FIELDS, PreparedListen

    renamed = {"played_secs": "duration_secs", "duration_secs": "track_duration_secs"}
    fields = [renamed.get(name, name) for name in PreparedListen._fields[:LISTEN_FIELDS]]
    fields = [name.replace("_normalized", "_name_normalized") for name in fields]
    assert tuple(fields) == _LISTEN_COLUMNS[3 : 3 + LISTEN_FIELDS]


def test_ctrl_c_is_the_parents_decision_not_the_parsers(tmp_path: Path) -> None:
    """SIGINT (Ctrl-C in a terminal reaches the whole process group) does not kill the parser."""
    import multiprocessing
    import signal

    path = write_export(tmp_path / "listens.jsonl", 30_000)
    items = background_items("listenbrainz_export", path)
    first = next(items)
    (child,) = [p for p in multiprocessing.active_children() if p.name == "tonearm-import-parser"]
    assert child.pid is not None
    os.kill(child.pid, signal.SIGINT)
    rest = list(items)
    assert 1 + len(rest) == 30_000 and isinstance(first, PreparedListen)


def test_ctrl_c_during_tonearm_import_commits_and_reports(tmp_path: Path) -> None:
    """A real `tonearm import` of a large file, interrupted: what was read is stored, the report says so,
    and running it again completes the file."""
    import json
    import signal
    import sqlite3
    import subprocess
    import sys

    path = write_export(tmp_path / "listens.jsonl", 100_000)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    command = [sys.executable, "-m", "app.cli", "--database-url", url, "import", "--json", str(path)]
    init = subprocess.run([*command[:5], "db", "init"], capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # interrupt once a first batch is committed
        with sqlite3.connect(tmp_path / "cli.db") as peek:
            if peek.execute("SELECT count(*) FROM listens").fetchone()[0] > 0:
                break
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    (report,) = json.loads(out)
    assert report["cancelled"] is True and 0 < report["imported"] < 100_000, report
    assert f"import stopped: {report['imported']:,} listens imported from listens.jsonl" in err
    assert "Traceback" not in err
    db = open_database(url)
    assert len(stored(db)) == report["imported"]
    db.dispose()
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    (second,) = json.loads(again.stdout)
    assert second["imported"] == 100_000 - report["imported"] and second["duplicates"] == report["imported"]


def test_jsonl_rows_are_stored_as_written(sqlite_db: Database, tmp_path: Path) -> None:
    """listens_raw.payload_json holds the export line itself (spacing and key order kept), not a re-dump."""
    path = tmp_path / "listens.jsonl"
    line = '{ "track_metadata" : {"track_name": "T", "artist_name": "A"},  "listened_at": 1600000000 }'
    path.write_text(line + "\r\n")
    with sqlite_db.session() as session:
        user_id = default_user(session).id
    report = run_to_end(ingest_file(sqlite_db, get("listenbrainz_export"), path, user_id))
    assert report.imported == 1
    assert [row[4] for row in stored(sqlite_db)] == [line]


def test_an_import_dropped_before_it_starts_stops_its_parser(tmp_path: Path) -> None:
    import gc
    import multiprocessing

    path = write_export(tmp_path / "listens.jsonl", 200_000)
    items = background_items("listenbrainz_export", path)
    (child,) = [p for p in multiprocessing.active_children() if p.name == "tonearm-import-parser"]
    del items
    gc.collect()
    child.join(timeout=10)
    assert not child.is_alive()
