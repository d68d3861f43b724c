"""A cancelled scan returns its summary: every file it counts is committed, tracks the committed batches
left without files are pruned, nothing is marked missing, and the next scan finishes the job."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from analyzer.scan import ScanSummary, run_scan, scan_folders
from models.engine import Database
from models.media import MediaFile
from models.progress import CancelToken
from models.tracks import Track
from tests.scan_audio import make_templates, place, tag

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("scan-templates-cancel"))


def album(root: Path, templates: dict[str, Path], count: int) -> list[Path]:
    return [
        place(templates, root / f"{n:02d}.flac", title=f"Song {n}", artist="Artist", album="Album")
        for n in range(1, count + 1)
    ]


def titles(db: Database) -> list[str]:
    with db.session() as s:
        return sorted(s.scalars(select(Track.title)))


def scanned_files(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(MediaFile).where(MediaFile.scan_status == "ok")) or 0


def scan_until(db: Database, root: Path, stop_at: int, stage: str = "read") -> ScanSummary:
    """Scan ``root`` in batches of 3, cancelling once a ``stage`` event reports ``stop_at`` files."""
    token = CancelToken()
    events = scan_folders(db, [root], cancel=token, batch_files=3, workers=1)
    while True:
        try:
            event = next(events)
        except StopIteration as stop:
            summary: ScanSummary = stop.value
            return summary
        if event.stage == stage and event.done >= stop_at:
            token.cancel()


def test_a_rescan_cancelled_midway_prunes_the_tracks_it_replaced(
    db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    files = album(root, templates, 8)
    first = run_scan(db, [root], workers=1)
    assert (first.added, first.cancelled) == (8, False)
    for n, path in enumerate(files, 1):  # every file now belongs to another recording
        tag(path, title=f"Remix {n}")
        info = path.stat()
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))

    summary = scan_until(db, root, stop_at=3)
    assert summary.cancelled and summary.found == 8
    assert 3 <= summary.updated < 8 and summary.added == summary.errors == 0
    assert (summary.missing, summary.moved) == (0, 0)  # an incomplete read tells nothing about missing files
    remixes = [t for t in titles(db) if t.startswith("Remix")]
    assert len(remixes) == summary.updated  # what the summary counts is what was committed
    assert len(titles(db)) == 8  # one track per file: the replaced tracks did not stay behind as orphans
    assert scanned_files(db) == 8

    rest = run_scan(db, [root], workers=1)
    assert not rest.cancelled and (rest.unchanged, rest.updated) == (summary.updated, 8 - summary.updated)
    assert titles(db) == sorted(f"Remix {n}" for n in range(1, 9))


def test_a_scan_cancelled_during_the_walk_writes_nothing_and_marks_nothing_missing(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "music"
    album(root, templates, 6)
    assert run_scan(sqlite_db, [root / "01.flac"], workers=1).added == 1
    monkeypatch.setattr("analyzer.scan.runner.WALK_REPORT_EVERY", 2)
    summary = scan_until(sqlite_db, root, stop_at=2, stage="walk")
    assert summary.cancelled and summary.found == 4  # seen at the next progress report
    assert (summary.added, summary.updated, summary.missing) == (0, 0, 0)
    assert scanned_files(sqlite_db) == 1
    rest = run_scan(sqlite_db, [root], workers=1)
    assert (rest.added, rest.unchanged, rest.missing) == (5, 1, 0)
