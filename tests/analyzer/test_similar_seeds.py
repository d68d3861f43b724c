"""Picking the seed of a similar list on every engine layout: a track's tempo and key, a search in the
library's syntax, and an outside file found by its path or by its audio hash."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from analyzer.analysis import run_analysis
from analyzer.catalog.library import load_library
from analyzer.catalog.search import QuerySyntaxError
from analyzer.scan import run_scan
from analyzer.similarity.seeds import (
    SeedNotFound,
    audio_hash_here,
    has_analysed_tracks,
    search_seeds,
    seed_of,
    track_for_file,
)
from models.engine import Database
from models.media import MediaFile
from tests.audio_signals import make_library

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("seeds-audio"))


def track_of(db: Database, path: Path) -> int:
    with db.session() as session:
        found = session.execute(select(MediaFile.track_id).where(MediaFile.file_path == str(path))).scalar()
    assert found is not None
    return int(found)


def test_seeds_by_id_search_path_and_audio(db: Database, generated: Path, tmp_path: Path) -> None:
    root = shutil.copytree(generated, tmp_path / "music")
    run_scan(db, [root], workers=1)
    with db.session() as session:
        assert not has_analysed_tracks(session)  # scanned, not analysed: no similar list can exist
    run_analysis(db, workers=1)

    with db.session() as session:
        assert has_analysed_tracks(session)
        seed = seed_of(session, track_of(db, root / "song.flac"))
        assert seed is not None and seed.analysed and seed.title == "song.flac" and seed.artist == "Generator"
        assert seed.bpm is not None and abs(seed.bpm - 100) < 2 and seed.camelot
        assert seed_of(session, 10_000_000) is None

        columns = load_library(session)
        found, total = search_seeds(columns, "title:song bpm:95..105")
        assert total == 4 and sorted(c.title for c in found) == [
            "song-trimmed.flac", "song.flac", "song.mp3", "song.ogg"
        ]  # fmt: skip
        limited, total = search_seeds(columns, "generator", limit=2)
        assert total == 6 and len(limited) == 2
        with pytest.raises(QuerySyntaxError):
            search_seeds(columns, "year:abc")

        assert track_for_file(session, str(root / "third.mp3")) == track_of(db, root / "third.mp3")
        outside = tmp_path / "elsewhere" / "renamed.mp3"
        outside.parent.mkdir()
        shutil.copyfile(root / "third.mp3", outside)
        assert track_for_file(session, str(outside), hash_of=audio_hash_here) == track_of(
            db, root / "third.mp3"
        )
        junk = outside.with_name("junk.mp3")
        junk.write_text("no audio here\n" * 40)
        with pytest.raises(
            SeedNotFound, match=re.escape("junk.mp3 is not in your library and cannot be read as audio")
        ):
            track_for_file(session, str(junk), hash_of=audio_hash_here)
        with pytest.raises(SeedNotFound, match="is not a file"):
            track_for_file(session, str(tmp_path / "nothing.flac"))
