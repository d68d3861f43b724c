"""The import dry run: per file the counts the real import gives, with nothing written (both engines)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.base import Base
from models.engine import Database
from models.enums import EntityType
from models.external_ids import ExternalId
from models.progress import CancelToken, run_to_end
from models.tracks import Track
from models.users import User
from scrobbler import importers
from scrobbler.ingest import IngestReport, ingest_file
from scrobbler.ingest_preview import FilePreview, preview_file, preview_files

T0 = 1_700_000_000
MBID = "9e3c4d1a-5b2e-4f0a-8c11-3a5f2b7d9e01"


@pytest.fixture
def user_id(db: Database) -> int:
    with db.session() as session:
        user = User(username="preview")
        session.add(user)
        session.flush()
        return user.id


def table_counts(db: Database) -> dict[str, int]:
    """Rows in every table of both schemas: a dry run must leave each one as it was."""
    with db.session() as session:
        return {
            table.fullname: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def scrobbler_log(path: Path, rows: list[str]) -> Path:
    header = "#AUDIOSCROBBLER/1.1\n#TZ/UTC\n#CLIENT/Rockbox test\n"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def log_row(artist: str, title: str, at: int, rating: str = "L", seconds: int = 240) -> str:
    return f"{artist}\tAlbum\t{title}\t1\t{seconds}\t{rating}\t{at}\t"


def lb_line(at: int, artist: str, title: str, msid: str, mbid: str | None = None) -> str:
    info: dict[str, object] = {"duration_ms": 240_000}
    if mbid:
        info["recording_mbid"] = mbid
    meta = {"artist_name": artist, "track_name": title, "additional_info": info, "recording_msid": msid}
    return json.dumps({"listened_at": at, "track_metadata": meta}, ensure_ascii=False)


def msid(n: int) -> str:
    return f"0f4b3e2a-1111-4c4c-9d9d-{n:012d}"


def first_history(tmp_path: Path) -> Path:
    """A player's log: new plays, an exact repeat, skips of two kinds and unreadable lines."""
    rows = [log_row("Björk", f"Song {i}", T0 + i * 300) for i in range(12)]
    rows += [
        log_row("Björk", "Song 3", T0 + 3 * 300),  # the same play twice in one file
        log_row("Air", "Skipped", T0 + 5000, rating="S"),
        log_row("<Untagged>", "Track01", T0 + 5100),
        "Broken Line Without Enough Fields\tL\t1704070000",
        log_row("Sigur Rós", "Hoppípolla", T0 + 5200).replace(str(T0 + 5200), "not-a-number"),
        log_row("Sigur Rós", "Hoppípolla", T0 + 5400),
    ]
    return scrobbler_log(tmp_path / "player.scrobbler.log", rows)


def second_history(tmp_path: Path) -> Path:
    """A ListenBrainz export overlapping the log: copies of its plays seconds apart (merged), new plays,
    repeats inside the file, ids that differ only in case, and one play linked by its recording MBID."""
    lines = [lb_line(T0 + i * 300 + 20, "BJÖRK", f"song {i}", msid(i)) for i in range(0, 12, 2)]
    lines += [lb_line(T0 + 100_000 + i * 200, "Mogwai", f"Track {i}", msid(100 + i)) for i in range(9)]
    lines.append(lb_line(T0 + 100_000, "Mogwai", "Track 0", msid(100)))  # repeated line
    lines.append(lb_line(T0 + 200_000, "Air", "Talisman", msid(500).upper()))
    lines.append(lb_line(T0 + 200_000, "Air", "Talisman", msid(500)))  # one key on MariaDB, two on SQLite
    lines.append(lb_line(T0 + 300_000, "Linked", "By Id", msid(600), MBID))
    lines.append(lb_line(T0 + 300_000, "Linked", "By Id Again", msid(601), MBID))  # same track, same second
    lines.append(json.dumps({"listened_at": T0 + 400_000, "track_metadata": {"track_name": "No artist"}}))
    path = tmp_path / "listens.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def add_linked_track(db: Database) -> int:
    with db.session() as session:
        track = Track(track_uid="linked", title="By Id", title_normalized="by id")
        session.add(track)
        session.flush()
        session.add(
            ExternalId(entity_type=EntityType.TRACK, entity_id=track.id, scheme="recording_mbid", value=MBID)
        )
        return track.id


def numbers(report: IngestReport) -> tuple[object, ...]:
    return (
        report.read,
        report.imported,
        report.duplicates,
        report.merged,
        report.linked,
        report.skipped,
        report.failed_count,
        report.failed,
    )


def dry_then_real(
    db: Database, path: Path, user_id: int, batch_size: int
) -> tuple[FilePreview, IngestReport]:
    importer = importers.detect(path)
    assert importer is not None
    before = table_counts(db)
    preview = run_to_end(preview_file(db, importer, path, user_id, batch_size=batch_size))
    assert table_counts(db) == before, "the dry run wrote something"
    real = run_to_end(ingest_file(db, importer, path, user_id, batch_size=batch_size))
    assert preview.report is not None
    assert numbers(preview.report) == numbers(real)
    return preview, real


@pytest.mark.parametrize("batch_size", [4, 20_000])
def test_the_dry_run_writes_nothing_and_gives_the_counts_of_the_import(
    db: Database, user_id: int, tmp_path: Path, batch_size: int
) -> None:
    add_linked_track(db)
    first, real_first = dry_then_real(db, first_history(tmp_path), user_id, batch_size)
    assert real_first.imported == 13  # 12 songs and Hoppípolla; the repeat is one duplicate
    assert first.repeated_in_file == 1 and first.already_stored == 0
    assert real_first.skipped == {"skipped_by_player": 1, "untagged": 1}
    assert real_first.failed_count == 2
    assert [row.location for row in real_first.failed] == [
        "player.scrobbler.log:19",
        "player.scrobbler.log:20",
    ]

    second, real_second = dry_then_real(db, second_history(tmp_path), user_id, batch_size)
    # The log's 6 plays seen again by ListenBrainz seconds later, and the linked track's second play at the
    # same second; the ids that differ only in case are one raw key under MariaDB's collation.
    assert real_second.merged == 7
    case_blind = not db.is_sqlite
    assert (real_second.imported, real_second.duplicates) == ((11, 2) if case_blind else (12, 1))
    assert real_second.linked == {"recording_mbid": 1}
    assert second.repeated_in_file >= 1
    assert real_second.failed_count == 1 and "artist" in real_second.failed[0].reason

    again = run_to_end(
        preview_file(db, importers.get("scrobbler_log"), tmp_path / "player.scrobbler.log", user_id)
    )
    assert again.report is not None and again.report.imported == 0 and not again.importable
    assert again.already_stored == 14 and again.repeated_in_file == 0


def test_files_that_cannot_be_imported_say_why(db: Database, user_id: int, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a listening history\n")
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    broken = tmp_path / "broken.scrobbler.log"
    scrobbler_log(broken, ["Only\tTwo", "Fields\tHere"])
    good = first_history(tmp_path)
    before = table_counts(db)
    paths = [notes, empty, tmp_path / "gone.csv", tmp_path, broken, good]
    result = run_to_end(preview_files(db, paths, user_id))
    assert table_counts(db) == before
    by_name = {item.path.name: item for item in result.files}
    assert by_name["notes.txt"].error is not None and "not a listening history" in by_name["notes.txt"].error
    assert by_name["empty.json"].error == "the file is empty"
    assert "does not exist" in (by_name["gone.csv"].error or "")
    assert "folder" in (by_name[tmp_path.name].error or "")
    assert by_name["broken.scrobbler.log"].format_name == "scrobbler_log"
    assert (
        by_name["broken.scrobbler.log"].warning == "no row of broken.scrobbler.log can be imported (2 failed)"
    )
    assert not by_name["broken.scrobbler.log"].importable
    assert by_name[good.name].importable and result.would_import == 13


def test_the_parser_process_gives_the_same_dry_run(sqlite_db: Database, tmp_path: Path) -> None:
    with sqlite_db.session() as session:
        user = User(username="bg")
        session.add(user)
        session.flush()
        user_id = user.id
    path = second_history(tmp_path)
    importer = importers.get("listenbrainz_export")
    here = run_to_end(preview_file(sqlite_db, importer, path, user_id, background=False))
    there = run_to_end(preview_file(sqlite_db, importer, path, user_id, background=True))
    assert here.report is not None and there.report is not None
    assert numbers(here.report) == numbers(there.report)


def test_a_stopped_dry_run_says_so(sqlite_db: Database, tmp_path: Path) -> None:
    with sqlite_db.session() as session:
        user = User(username="stop")
        session.add(user)
        session.flush()
        user_id = user.id
    token = CancelToken()
    token.cancel()
    result = run_to_end(preview_files(sqlite_db, [first_history(tmp_path)], user_id, cancel=token))
    assert result.cancelled and result.files == []


def test_the_raw_key_getter_is_the_rows_raw_key(tmp_path: Path) -> None:
    from scrobbler.ingest_preview import _RAW_KEY
    from scrobbler.ingest_rows import PreparedListen
    from scrobbler.ingest_worker import prepare_rows

    rows = [row for row in prepare_rows(importers.get("scrobbler_log").parse(first_history(tmp_path)))]
    prepared = [row for row in rows if isinstance(row, PreparedListen)]
    assert prepared and all(_RAW_KEY(row) == row.raw_key for row in prepared)


def test_a_later_batch_sees_what_an_earlier_batch_would_have_written(
    db: Database, user_id: int, tmp_path: Path
) -> None:
    """The same linked track at the same second, three batches apart: the import stores the first and merges
    the second into it; the dry run must remember the first without having written it."""
    add_linked_track(db)
    lines = [lb_line(T0, "Linked", "By Id", msid(1), MBID)]
    lines += [lb_line(T0 + 1000 + i * 300, "Filler", f"Song {i}", msid(10 + i)) for i in range(8)]
    lines.append(lb_line(T0, "Linked", "By Id (radio edit)", msid(2), MBID))
    lines.append(lb_line(T0 + 1000, "Filler", "Song 0", msid(10)))  # a repeat of a row two batches back
    path = tmp_path / "spread.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    preview, real = dry_then_real(db, path, user_id, batch_size=4)
    assert (real.imported, real.merged, real.duplicates) == (9, 1, 1)
    assert preview.repeated_in_file == 1
