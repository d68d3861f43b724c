"""Shared fixtures of the GUI tests: a window state on a real SQLite database, and a small library made by
scanning real generated audio files with the real scanner."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from analyzer.scan import scan_folders
from app.gui.state import AppState
from models.engine import Database
from models.progress import run_to_end
from tests.scan_audio import make_templates, place


class LibraryTrack(NamedTuple):
    artist: str
    album: str
    title: str
    year: int
    file_name: str  # under <music>/<artist>/<album>/


LIBRARY_TRACKS = (
    LibraryTrack("Björk", "Homogenic", "Jóga", 1997, "01 Jóga.flac"),
    LibraryTrack("Björk", "Homogenic", "Bachelorette", 1997, "02 Bachelorette.mp3"),
    LibraryTrack("Air", "Moon Safari", "La femme d'argent", 1998, "01 La femme d'argent.flac"),
    LibraryTrack("Air", "Moon Safari", "Talisman", 1998, "02 Talisman.ogg"),
    LibraryTrack("Air", "Talkie Walkie", "Cherry Blossom Girl", 2004, "01 Cherry Blossom Girl.m4a"),
    LibraryTrack("Daft Punk", "Discovery", "One More Time", 2001, "01 One More Time.flac"),
)
"""What ``populated_db`` holds: six tracks by three artists on four albums, in four formats."""


@pytest.fixture(scope="session")
def audio_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny untagged file per format, encoded once per test session."""
    return make_templates(tmp_path_factory.mktemp("gui-audio-templates"), duration=0.3)


def place_track(templates: dict[str, Path], music: Path, track: LibraryTrack) -> Path:
    """Write one tagged file of ``track`` under ``music`` (not scanned yet)."""
    return place(
        templates,
        music / track.artist / track.album / track.file_name,
        artist=track.artist,
        albumartist=track.artist,
        album=track.album,
        title=track.title,
        date=str(track.year),
    )


@pytest.fixture
def music_dir(tmp_path: Path) -> Path:
    """Where ``populated_db``'s files live."""
    return tmp_path / "music"


@pytest.fixture
def populated_db(sqlite_db: Database, audio_templates: dict[str, Path], music_dir: Path) -> Database:
    """A SQLite library holding :data:`LIBRARY_TRACKS`, scanned from real files in ``music_dir``."""
    for track in LIBRARY_TRACKS:
        place_track(audio_templates, music_dir, track)
    summary = run_to_end(scan_folders(sqlite_db, [music_dir]))
    assert summary.added == len(LIBRARY_TRACKS) and summary.errors == 0, summary
    return sqlite_db


@pytest.fixture
def gui_state(sqlite_db: Database, tmp_path: Path) -> Iterator[AppState]:
    """An AppState on ``sqlite_db`` (request ``populated_db`` too for a library) with its own settings file;
    waits for its background reads to end after the test."""
    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    yield state
    state.jobs.cancel_all()
    state.jobs.wait_idle(10000)


@pytest.fixture(scope="session")
def analysed_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(database file, music folder) for the Similar and Set builder screens: the generated library,
    scanned and analysed once per session (with its index)."""
    from analyzer.analysis import run_analysis
    from analyzer.scan import run_scan
    from models.bootstrap import init_database
    from models.engine import open_database
    from models.schemas import SchemaConfig
    from tests.audio_signals import make_library

    folder = tmp_path_factory.mktemp("similar-screen")
    music = shutil.copytree(make_library(folder / "audio"), folder / "music")
    db = open_database(f"sqlite:///{folder / 'library.db'}", SchemaConfig())
    init_database(db)
    run_scan(db, [music], workers=1)
    assert run_analysis(db, workers=1).indexed_tracks == 6
    db.dispose()
    return folder / "library.db", music
