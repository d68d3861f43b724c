"""Two scans of one folder at once (two desktops on one MariaDB library, or a scan started twice): both
finish and the catalog holds each file, track and artist once (issue 19)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from analyzer.scan import run_scan
from models.artists import Artist
from models.engine import Database, open_database
from models.media import MediaFile
from models.tracks import Track
from tests.scan_audio import make_templates, place


def test_two_scans_of_one_folder_at_once_both_finish_without_duplicates(db: Database, tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    templates = make_templates(tmp_path / "templates")
    root = tmp_path / "music"
    for n in range(24):
        ext = (".flac", ".mp3", ".ogg")[n % 3]
        place(
            templates,
            root / f"album{n % 4}" / f"{n:02d}{ext}",
            artist=f"Artist {n % 5}",
            album=f"Album {n % 4}",
            title=f"Song {n}",
            tracknumber=str(n),
        )
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def scan() -> None:
        own = open_database(db.url, db.schemas)  # its own engine, as another process would have
        try:
            barrier.wait()
            run_scan(own, [root], workers=1)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    with db.session() as session:
        files = session.execute(select(func.count(), func.count(MediaFile.file_path_hash.distinct()))).one()
        assert tuple(files) == (24, 24)
        assert session.scalar(select(func.count()).select_from(Track)) == 24
        names = session.execute(select(func.count(), func.count(Artist.name_normalized.distinct()))).one()
        assert names[0] == names[1] == 5
