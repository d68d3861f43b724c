"""An untagged copy joined to its recording by fingerprint: the library offers to copy the tags onto it,
a person confirms, the file gets the tags and is read again (issue 17)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from analyzer.analysis import run_analysis
from analyzer.scan import run_scan
from analyzer.tags import read_tags
from app.gui.library.screen import LibraryScreen
from app.gui.state import AppState
from models.engine import Database
from models.media import MediaFile
from tests.analyzer.test_identity_fingerprint import TAGS, _copy, pieces  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode audio")


def test_the_library_offers_and_copies_tags_onto_an_untagged_copy(
    qtbot: QtBot,
    sqlite_db: Database,
    tmp_path: Path,
    pieces: dict[str, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "music"
    _copy(pieces["first.flac"], root / "tagged/caves.flac", **TAGS)
    copy = _copy(pieces["first.mp3"], root / "downloads/track01.mp3")
    run_scan(sqlite_db, [root], workers=1)
    run_analysis(sqlite_db, workers=1)
    with sqlite_db.session() as session:
        tracks = {p: t for p, t in session.execute(select(MediaFile.file_path, MediaFile.track_id))}
    assert tracks[str(copy)] == tracks[str(root / "tagged/caves.flac")]  # joined by the fingerprint

    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    screen = LibraryScreen(state)
    qtbot.addWidget(screen)
    screen.show()
    screen.activated()
    qtbot.waitUntil(lambda: screen.visible_row_count() == 1, timeout=10000)
    screen.table.selectRow(0)
    offer = screen.tag_offer
    qtbot.waitUntil(offer.isVisible, timeout=10000)
    assert "track01.mp3" in offer.label.text() and "caves.flac" in offer.label.text()

    asked: list[str] = []

    def answer(_parent: object, _title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    offer.button.click()
    assert asked and str(copy) in asked[0]
    qtbot.waitUntil(lambda: not offer.isVisible(), timeout=10000)
    assert state.jobs.wait_idle(30000)
    tags = read_tags(copy)
    assert (tags.title, tags.artist, tags.album) == (TAGS["title"], TAGS["artist"], TAGS["album"])
    with sqlite_db.session() as session:  # read again by the scan, still the same recording
        again = {p: t for p, t in session.execute(select(MediaFile.file_path, MediaFile.track_id))}
    assert again[str(copy)] == again[str(root / "tagged/caves.flac")]
    # Selecting the track again offers nothing: every file names it now.
    screen.table.clearSelection()
    screen.table.selectRow(0)
    assert state.jobs.wait_idle(10000)
    qtbot.wait(50)
    assert not offer.isVisible()
