"""Rescans: tag edits, renames, deletions, new files; interrupted scans; moved files; the process pool."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from analyzer.catalog.writer import CatalogWriter
from analyzer.scan import reconcile_moved_files, run_scan, scan_folders
from analyzer.scan.reading import read_in_pool
from models.engine import Database
from models.enums import ScanStatus
from models.listens import Listen, ListenRaw
from models.media import AudioFeatures, MediaFile
from models.progress import CancelToken
from models.tracks import Track
from models.users import User
from tests.scan_audio import make_templates, place, tag

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("scan-templates-incremental"))


def album(root: Path, templates: dict[str, Path], count: int = 6, ext: str = ".flac") -> list[Path]:
    return [
        place(
            templates,
            root / f"Artist/Album/{n:02d} Song {n}{ext}",
            title=f"Song {n}",
            artist="Artist",
            album="Album",
            tracknumber=str(n),
        )
        for n in range(1, count + 1)
    ]


def counts(db: Database) -> tuple[int, int, dict[str, int]]:
    with db.session() as s:
        tracks = s.scalar(select(func.count()).select_from(Track)) or 0
        files = s.scalar(select(func.count()).select_from(MediaFile)) or 0
        statuses = dict(
            s.execute(select(MediaFile.scan_status, func.count()).group_by(MediaFile.scan_status)).all()
        )
    return tracks, files, {str(k): v for k, v in statuses.items()}


def bump(path: Path) -> None:
    """Make sure the mtime differs even on coarse-grained file systems."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def test_rescan_after_tag_edit_rename_delete_and_new_file(
    db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    files = album(root, templates)
    first = run_scan(db, [root])
    assert (first.added, first.errors) == (6, 0)

    tag(files[0], title="Song 1 (Live)")
    bump(files[0])
    files[1].rename(files[1].with_name("02 Renamed.flac"))
    files[2].unlink()
    place(
        templates,
        root / "Artist/Album/07 Song 7.mp3",
        title="Song 7",
        artist="Artist",
        album="Album",
        tracknumber="7",
    )

    second = run_scan(db, [root])
    assert (second.updated, second.added, second.missing, second.unchanged) == (1, 2, 2, 3)
    assert second.pruned_tracks == 1  # "Song 1" lost its only file to "Song 1 (Live)"
    with db.session() as s:
        titles = set(s.scalars(select(Track.title)))
        assert "Song 1 (Live)" in titles and "Song 1" not in titles
        missing = s.scalars(
            select(MediaFile.file_path).where(MediaFile.scan_status == ScanStatus.MISSING)
        ).all()
        assert sorted(Path(p).name for p in missing) == ["02 Song 2.flac", "03 Song 3.flac"]
    # Song 2 renamed: same tags, same track; Song 3 deleted: track kept for history.
    tracks, media, statuses = counts(db)
    assert (tracks, media, statuses) == (7, 8, {"ok": 6, "missing": 2})

    third = run_scan(db, [root])
    assert (third.unchanged, third.added, third.updated, third.missing) == (6, 0, 0, 0)


def test_interrupted_scan_resumes_without_duplicates(
    db: Database, tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "music"
    album(root, templates, count=9)
    real_write = CatalogWriter.write
    calls = {"n": 0}

    def failing_write(self: CatalogWriter, session, records):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real_write(self, session, records)

    monkeypatch.setattr(CatalogWriter, "write", failing_write)
    with pytest.raises(RuntimeError, match="power cut"):
        run_scan(db, [root], batch_files=2, workers=1)
    assert counts(db)[:2] == (4, 4)  # two whole batches, nothing of the third

    monkeypatch.setattr(CatalogWriter, "write", real_write)
    resumed = run_scan(db, [root], batch_files=2, workers=1)
    assert (resumed.unchanged, resumed.added) == (4, 5)
    assert counts(db)[:2] == (9, 9)


def test_cancel_token_stops_after_a_committed_batch(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    album(root, templates, count=8)
    token = CancelToken()
    events = scan_folders(sqlite_db, [root], cancel=token, batch_files=3, workers=1)
    while True:
        try:
            event = next(events)
        except StopIteration as stop:
            summary = stop.value
            break
        if event.stage == "read" and event.done >= 3:
            token.cancel()
    written = counts(sqlite_db)[1]
    assert 0 < written < 8
    assert summary.cancelled and summary.added == written and summary.missing == 0
    resumed = run_scan(sqlite_db, [root])
    assert (resumed.unchanged, resumed.added) == (written, 8 - written)
    assert counts(sqlite_db)[:2] == (8, 8)


def test_process_pool_reads_in_chunks(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    album(root, templates, count=7)
    (root / "Artist/Album/broken.flac").write_bytes(b"fLaC" + b"\0" * 10)
    made: list[int] = []

    def factory(workers: int) -> ProcessPoolExecutor:
        made.append(workers)
        return ProcessPoolExecutor(max_workers=workers)

    events = scan_folders(sqlite_db, [root], workers=2, executor_factory=factory, batch_files=3)
    reads = [e for e in events if e.stage == "read"]
    assert made == [2] and reads[-1].done == reads[-1].total == 8
    assert counts(sqlite_db)[2] == {"ok": 7, "error": 1}


def test_moved_file_keeps_its_track_analysis_and_listens(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    old_path = place(templates, root / "a/Old.flac", title="Old Title", artist="Artist", album="Album")
    run_scan(sqlite_db, [root])
    with sqlite_db.session() as s:
        old = s.execute(select(MediaFile)).scalar_one()
        old.audio_hash = "0" * 32
        s.add(AudioFeatures(media_file_id=old.id, extractor_version="t1", bpm=120.0))
        user = User(username="u")
        s.add(user)
        s.flush()
        raw = ListenRaw(user_id=user.id, source="test", payload_json="{}", listened_at=1_700_000_000)
        s.add(raw)
        s.flush()
        s.add(
            Listen(
                raw_id=raw.id,
                user_id=user.id,
                track_id=old.track_id,
                listened_at=1_700_000_000,
                source="test",
                artist_name="Artist",
                track_name="Old Title",
                artist_name_normalized="artist",
                track_name_normalized="old title",
            )
        )
        old_track = old.track_id
    new_path = root / "b/New.flac"
    new_path.parent.mkdir()
    old_path.rename(new_path)
    tag(new_path, title="New Title")  # retagged on the way: a different track
    summary = run_scan(sqlite_db, [root])
    assert (summary.added, summary.missing, summary.moved) == (1, 1, 0)  # no audio hash yet on the new row
    with sqlite_db.session() as s:
        new = s.execute(select(MediaFile).where(MediaFile.scan_status == ScanStatus.OK)).scalar_one()
        new.audio_hash = "0" * 32  # what analysis would find
    with sqlite_db.session() as s:
        assert reconcile_moved_files(s) == 1
    with sqlite_db.session() as s:
        row = s.execute(select(MediaFile)).scalar_one()
        assert row.file_path == str(new_path) and row.scan_status == ScanStatus.OK
        assert s.execute(select(AudioFeatures.media_file_id)).scalar_one() == row.id
        listen_track = s.execute(select(Listen.track_id)).scalar_one()
        assert listen_track == row.track_id != old_track


def test_pool_starts_during_the_walk_and_reads_every_file_in_order(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    files = album(root, templates, count=7)
    (root / "Artist/Album/08 broken.flac").write_bytes(b"fLaC" + b"\0" * 10)
    events_at_start: list[int] = []
    events: list[object] = []

    def factory(workers: int) -> ThreadPoolExecutor:
        events_at_start.append(len(events))
        return ThreadPoolExecutor(max_workers=workers)

    for event in scan_folders(sqlite_db, [root], workers=2, executor_factory=factory, batch_files=2):
        events.append(event)
    assert events_at_start == [0]  # the pool was reading before the walk reported its end
    assert counts(sqlite_db)[2] == {"ok": 7, "error": 1}

    jobs = [(str(path), ("Artist", "Album")) for path in [*files, root / "Artist/Album/08 broken.flac"]]
    serial = [o for _, chunk in read_in_pool(jobs, workers=1, chunk_files=3) for o in chunk]
    pooled = list(read_in_pool(jobs, workers=2, executor_factory=ThreadPoolExecutor, chunk_files=3))
    assert [start for start, _ in pooled] == [0, 3, 6]
    assert [o for _, chunk in pooled for o in chunk] == serial
    assert [type(o).__name__ for o in serial] == ["FileRead"] * 7 + ["FileFailed"]
