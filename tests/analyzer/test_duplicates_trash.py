"""Moving a duplicate group's extra copies to a (temporary) trash: the kept file stays, the rest moves,
each move is recorded and the moved rows are marked missing, on every engine layout."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from analyzer.analysis import run_analysis
from analyzer.duplicates.overview import duplicate_overview
from analyzer.duplicates.trash import TrashUnavailable, trash_duplicates, trash_records
from analyzer.scan import run_scan
from models.engine import Database
from models.enums import ScanStatus
from models.media import MediaFile
from models.progress import CancelToken, run_to_end
from tests.audio_signals import make_library

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("trash-audio"))


def analysed(db: Database, generated: Path, root: Path) -> Path:
    shutil.copytree(generated, root)
    shutil.copyfile(root / "third.mp3", root / "third-copy.mp3")  # identical audio: an audio-hash group
    run_scan(db, [root], workers=1)
    run_analysis(db, workers=1)
    return root


def folder_mover(trash: Path):  # type: ignore[no-untyped-def]
    """Moves into ``trash`` (a stand-in for the system trash), keeping names apart like a trash does."""
    trash.mkdir(exist_ok=True)

    def move(path: str) -> str:
        target = trash / f"{len(list(trash.iterdir()))}-{Path(path).name}"
        shutil.move(path, target)
        return str(target)

    return move


def statuses(db: Database) -> dict[str, ScanStatus]:
    with db.session() as session:
        rows = session.execute(select(MediaFile.file_path, MediaFile.scan_status)).tuples()
        return {Path(path).name: status for path, status in rows}


def test_a_group_moved_to_the_trash_leaves_the_kept_file_and_records_the_rest(
    db: Database, generated: Path, tmp_path: Path
) -> None:
    root = analysed(db, generated, tmp_path / "music")
    with db.session() as session:
        groups = duplicate_overview(session)
    # The four encodings of "song" waste more space than the two identical MP3s: they come first.
    assert [len(g.group.files) for g in groups] == [4, 2]
    assert groups[0].waste() > groups[1].waste() > 0
    song = groups[0]
    assert Path(song.group.keep.path).name == "song.flac"

    trash = tmp_path / "trash"
    summary = run_to_end(trash_duplicates(db, [song.plan()], folder_mover(trash)))

    assert not summary.skipped and not summary.no_trash and not summary.cancelled
    assert summary.counts() == {"moved": 3, "not_moved": 0}
    moved_names = sorted(Path(item.path).name for item in summary.moved)
    assert moved_names == ["song-trimmed.flac", "song.mp3", "song.ogg"]
    assert (root / "song.flac").exists()
    assert not any((root / name).exists() for name in moved_names)
    assert sorted(p.name.split("-", 1)[1] for p in trash.iterdir()) == moved_names
    assert summary.moved_bytes == song.waste() > 0

    with db.session() as session:
        records = trash_records(session)
    assert sorted(Path(r.path).name for r in records) == moved_names
    for record in records:
        assert Path(record.trashed_to).exists() and Path(record.trashed_to).parent == trash
        assert Path(record.kept_path).name == "song.flac"
        assert record.reason == "fingerprint" and "fingerprint" in record.evidence
        assert record.moved_at.tzinfo is not None
    status = statuses(db)
    assert {name for name, s in status.items() if s == ScanStatus.MISSING} == set(moved_names)
    assert status["song.flac"] == ScanStatus.OK

    # The library no longer offers the moved files as duplicates; the other group is untouched.
    with db.session() as session:
        left = duplicate_overview(session)
    assert [sorted(Path(f.path).name for f in g.group.files) for g in left] == [
        ["third-copy.mp3", "third.mp3"]
    ]


def test_without_a_trash_nothing_moves_and_nothing_is_recorded(
    sqlite_db: Database, generated: Path, tmp_path: Path
) -> None:
    root = analysed(sqlite_db, generated, tmp_path / "music")
    with sqlite_db.session() as session:
        plans = [g.plan() for g in duplicate_overview(session)]

    def no_trash(path: str) -> str:
        raise TrashUnavailable("this platform has no trash")

    summary = run_to_end(trash_duplicates(sqlite_db, plans, no_trash))
    assert summary.no_trash and not summary.moved
    assert len(summary.skipped) == 4 and all("no trash" in why for _, why in summary.skipped)
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [*(p.name for p in generated.iterdir()), "third-copy.mp3"]
    )
    with sqlite_db.session() as session:
        assert trash_records(session) == []
    assert set(statuses(sqlite_db).values()) == {ScanStatus.OK}


def test_a_missing_keeper_protects_its_group_and_gone_files_are_skipped(
    sqlite_db: Database, generated: Path, tmp_path: Path
) -> None:
    root = analysed(sqlite_db, generated, tmp_path / "music")
    with sqlite_db.session() as session:
        song, third = duplicate_overview(session)
    (root / "song.flac").unlink()  # the keeper vanished since the list was read
    keep_third = next(f for f in third.group.files if Path(f.path).name == "third.mp3")
    (root / "third-copy.mp3").unlink()  # ...and the copy to move went too
    mover = folder_mover(tmp_path / "trash")

    summary = run_to_end(trash_duplicates(sqlite_db, [song.plan(), third.plan(keep_third)], mover))
    assert not summary.moved
    reasons = dict(summary.skipped)
    assert all("file to keep is not on disk" in reasons[str(root / n)] for n in ("song.mp3", "song.ogg"))
    assert reasons[str(root / "third-copy.mp3")] == "not on disk any more"
    assert (root / "song.mp3").exists() and (root / "third.mp3").exists()


def test_a_cancel_stops_before_the_next_file_and_records_what_moved(
    sqlite_db: Database, generated: Path, tmp_path: Path
) -> None:
    root = analysed(sqlite_db, generated, tmp_path / "music")
    with sqlite_db.session() as session:
        song = duplicate_overview(session)[0]
    token = CancelToken()
    inner = folder_mover(tmp_path / "trash")

    def move_then_stop(path: str) -> str:
        token.cancel()  # the person pressed Stop while the first file moved
        return inner(path)

    summary = run_to_end(trash_duplicates(sqlite_db, [song.plan()], move_then_stop, token))
    assert summary.cancelled and len(summary.moved) == 1
    with sqlite_db.session() as session:
        assert [r.path for r in trash_records(session)] == [summary.moved[0].path]
    assert sum((root / Path(f.path).name).exists() for f in song.group.files) == 3
