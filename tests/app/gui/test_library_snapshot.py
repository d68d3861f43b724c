"""The last loaded library is shown at once on the next start, then replaced by the database's rows; a
snapshot that does not read back is ignored and removed."""

from __future__ import annotations

import pickle
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.gui.library.screen import LibraryScreen
from app.gui.library.snapshot import FORMAT, snapshot_path
from app.gui.state import AppState
from models.engine import Database
from tests.app.gui.conftest import LIBRARY_TRACKS, LibraryTrack, place_track


def _loaded(qtbot: QtBot, state: AppState) -> LibraryScreen:
    screen = LibraryScreen(state)
    qtbot.addWidget(screen)
    qtbot.waitUntil(lambda: screen.controller.loads == 1, timeout=20000)
    assert state.jobs.wait_idle(20000)
    return screen


def test_the_next_start_shows_the_last_rows_then_the_databases(
    qtbot: QtBot, populated_db: Database, audio_templates: dict[str, Path], music_dir: Path, tmp_path: Path
) -> None:
    first = _loaded(qtbot, AppState.for_tests(populated_db, tmp_path / "a"))
    assert first.visible_row_count() == len(LIBRARY_TRACKS)
    assert snapshot_path(populated_db).stat().st_mode & 0o777 == 0o600  # the user's own data: nobody else's
    from analyzer.scan import scan_folders
    from models.progress import run_to_end

    # The library changes while the app is closed (a CLI scan): the snapshot is one track behind.
    place_track(
        audio_templates, music_dir, LibraryTrack("Air", "Moon Safari", "Kelly", 1998, "03 Kelly.flac")
    )
    run_to_end(scan_folders(populated_db, [music_dir]))

    state = AppState.for_tests(populated_db, tmp_path / "b")
    screen = LibraryScreen(state)  # no event processed yet: the rows come from the snapshot
    qtbot.addWidget(screen)
    assert screen.controller.from_snapshot and screen.controller.loads == 0
    assert screen.visible_row_count() == len(LIBRARY_TRACKS)
    qtbot.waitUntil(lambda: screen.controller.loads == 1, timeout=20000)
    assert not screen.controller.from_snapshot
    assert screen.visible_row_count() == len(LIBRARY_TRACKS) + 1
    # The artist list fills in with the database's rows: "All artists (3)", Air, Björk, Daft Punk.
    assert screen.controller.artists.rowCount() == 1 + len({t.artist for t in LIBRARY_TRACKS})
    assert state.jobs.wait_idle(20000)


def test_a_damaged_or_foreign_snapshot_is_ignored_and_removed(
    qtbot: QtBot, populated_db: Database, tmp_path: Path
) -> None:
    path = snapshot_path(populated_db)
    path.parent.mkdir(parents=True, exist_ok=True)
    for content in (b"not a pickle", pickle.dumps((FORMAT, "0.0.0-other", object()))):
        path.write_bytes(content)
        state = AppState.for_tests(populated_db, tmp_path / "settings")
        screen = LibraryScreen(state)
        qtbot.addWidget(screen)
        assert not screen.controller.from_snapshot and screen.visible_row_count() == 0
        assert not path.exists()
        qtbot.waitUntil(lambda: screen.controller.loads == 1, timeout=20000)  # noqa: B023
        assert screen.visible_row_count() == len(LIBRARY_TRACKS)
        assert state.jobs.wait_idle(20000)
        path.unlink()


def test_text_round_trips_also_with_the_separator_inside(
    qtbot: QtBot, populated_db: Database, tmp_path: Path
) -> None:
    from app.gui.library.controller import load_table
    from app.gui.library.snapshot import load_snapshot, save_snapshot

    table = load_table(populated_db)
    table.columns.title[0] = "odd\x1ftitle"  # a damaged tag may hold any character
    save_snapshot(populated_db, table)
    back = load_snapshot(populated_db)
    assert back is not None
    assert back.columns.title == table.columns.title and back.columns.artist == table.columns.artist
    assert back.labels == table.labels and list(back.columns.ids) == list(table.columns.ids)
    assert isinstance(back.columns.album, list) and type(back.columns.album[0]) is str
