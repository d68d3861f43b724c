"""The Review screen, driven by keyboard on a real database: a library scanned from real audio files,
listens ingested through the scrobbler and matched by the real matcher, decisions written by the same core
functions as `tonearm review`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from analyzer.aliases import learned_aliases
from analyzer.matching import enrich_listens
from analyzer.review_queue import queue_page
from analyzer.scan import scan_folders
from app.gui.review import ReviewScreen
from app.gui.review.dialogs import LinkSearch
from app.gui.state import AppState
from models.engine import Database
from models.enums import EnrichStatus
from models.listens import Listen
from models.progress import run_to_end
from models.tracks import Track
from models.users import User
from scrobbler.ingest import ingest
from scrobbler.records import ListenRecord
from scrobbler.users import add_user
from tests.app.gui.conftest import LIBRARY_TRACKS, LibraryTrack, place_track

EXTRA_TRACKS = (
    LibraryTrack("Air", "Premiers Symptômes", "Sexy Boy", 1999, "01 Sexy Boy.flac"),
    LibraryTrack("Air", "Moon Safari", "Sexy Boy", 1998, "03 Sexy Boy.mp3"),
)
HEARD = (  # (artist, title, how many listens)
    ("Bjork", "Joga (Live)", 4),
    ("Daft Punk", "One More Time (Remix)", 3),
    ("Air", "Sexy Boy", 2),
    ("Air", "Talisman (Acoustic)", 2),
    ("Unknown Band", "Mystery Song", 2),
)


@pytest.fixture
def review_db(sqlite_db: Database, audio_templates: dict[str, Path], tmp_path: Path) -> Database:
    music = tmp_path / "music"
    for track in (*LIBRARY_TRACKS, *EXTRA_TRACKS):
        place_track(audio_templates, music, track)
    assert run_to_end(scan_folders(sqlite_db, [music])).errors == 0
    at = datetime(2024, 5, 1, 20, 0, tzinfo=UTC)
    records = []
    for artist, title, count in HEARD:
        for _ in range(count):
            at += timedelta(minutes=7)
            records.append(ListenRecord(listened_at=at, artist_name=artist, track_name=title, source="test"))
    with sqlite_db.session() as session:
        user = add_user(session, "ada")
        user_id = user.id
    run_to_end(ingest(sqlite_db, records, user_id))
    run_to_end(enrich_listens(sqlite_db))
    return sqlite_db


def listens_of(db: Database, title: str) -> list[tuple[int | None, EnrichStatus, str | None]]:
    with db.session() as session:
        rows = session.execute(
            select(Listen.track_id, Listen.enrich_status, Listen.match_reason)
            .where(Listen.track_name == title)
            .order_by(Listen.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def track_id(db: Database, title: str) -> int:
    with db.session() as session:
        ids = list(session.scalars(select(Track.id).where(Track.title == title).order_by(Track.id)))
    assert ids
    return ids[0]


def open_screen(qtbot: QtBot, state: AppState) -> ReviewScreen:
    screen = ReviewScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1200, 760)
    screen.show()
    screen.activated()
    qtbot.waitUntil(lambda: screen.controller.current is not None, timeout=10000)
    return screen


def settle(qtbot: QtBot, state: AppState, screen: ReviewScreen) -> None:
    """Until the decisions are written (they start just after the next group is painted) and read back."""
    qtbot.waitUntil(lambda: not screen.controller.busy_writing and not state.jobs.busy(), timeout=15000)
    QApplication.processEvents()


def heard_now(screen: ReviewScreen) -> str:
    group = screen.controller.current_group
    assert group is not None
    return group.track_name


def test_a_whole_review_by_keyboard(qtbot: QtBot, review_db: Database, tmp_path: Path, qtmodeltester) -> None:
    state = AppState.for_tests(review_db, tmp_path / "settings")
    screen = open_screen(qtbot, state)
    controller = screen.controller
    assert screen.left_label.text() == "13 listens in 5 groups left"
    assert heard_now(screen) == "Joga (Live)"  # biggest group first
    for model in (screen.queue_model, screen.candidate_model, screen.listen_model):
        qtmodeltester.check(model)
    assert "Another version" in screen.why.text()
    assert screen.candidate_model.rows[0].title == "Jóga"
    screen.grab().save(str(tmp_path / "review-group.png"))
    screen.grab().save("/tmp/review-scratch/group.png")

    # Keys that cannot decide say why, and change nothing.
    qtbot.keyClick(screen.candidates, Qt.Key.Key_5)
    assert "There is no candidate 5" in screen.status.text() and heard_now(screen) == "Joga (Live)"
    for listen_id in controller.current.listen_ids:
        controller.toggle_listen(listen_id)
    qtbot.keyClick(screen.candidates, Qt.Key.Key_Return)
    assert "Every listen of this group is unticked" in screen.status.text() and not controller.busy_writing
    controller.unticked.clear()

    # Group accept with an exception: untick the newest listen (Space in the listens list), then Enter.
    screen.listens.setFocus()
    qtbot.keyClick(screen.listens, Qt.Key.Key_Down)
    qtbot.keyClick(screen.listens, Qt.Key.Key_Space)
    assert len(controller.unticked) == 1
    qtbot.keyClick(screen.candidates, Qt.Key.Key_Return)
    assert heard_now(screen) == "One More Time (Remix)"  # the next group at once, before the write ends
    settle(qtbot, state, screen)

    qtbot.keyClick(screen.candidates, Qt.Key.Key_R)  # not in my library
    settle(qtbot, state, screen)
    assert heard_now(screen) == "Sexy Boy"
    assert "within 0.00" in screen.why.text()  # two tracks of the song, as sure as each other
    assert sorted(c.album for c in controller.current.candidates) == ["Moon Safari", "Premiers Symptômes"]
    second = controller.current.candidates[1].track_id
    qtbot.keyClick(screen.candidates, Qt.Key.Key_2)  # accept candidate 2
    settle(qtbot, state, screen)
    assert heard_now(screen) == "Talisman (Acoustic)"
    qtbot.keyClick(screen.candidates, Qt.Key.Key_S)  # skip for later
    settle(qtbot, state, screen)
    assert heard_now(screen) == "Mystery Song"
    assert controller.current.candidates == []

    qtbot.keyClick(screen.candidates, Qt.Key.Key_L)  # link through the search popup
    dialog = screen.link_dialog
    assert isinstance(dialog, LinkSearch)
    qtbot.waitUntil(lambda: dialog.results.columns is not None, timeout=10000)
    qtbot.keyClicks(dialog.search, "year:soon")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)  # a bad search says why and links nothing
    assert "Not a valid search" in dialog.status.text() and dialog.isVisible()
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "cherry")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    settle(qtbot, state, screen)
    cherry = track_id(review_db, "Cherry Blossom Girl")
    assert {row[0] for row in listens_of(review_db, "Mystery Song")} == {cherry}

    # What was decided, before the undos.
    joga = listens_of(review_db, "Joga (Live)")
    assert sorted(status for _, status, _ in joga) == [EnrichStatus.AMBIGUOUS] + [EnrichStatus.MANUAL] * 3
    assert {track for track, status, _ in joga if status == EnrichStatus.MANUAL} == {
        track_id(review_db, "Jóga")
    }
    assert (
        listens_of(review_db, "One More Time (Remix)") == [(None, EnrichStatus.MANUAL, "review_reject")] * 3
    )
    assert listens_of(review_db, "Sexy Boy") == [(second, EnrichStatus.MANUAL, "review_accept_group")] * 2
    with review_db.session() as session:
        learned = {(a.kind, a.alias, a.target_id) for a in learned_aliases(session)}
    assert ("title", "Joga (Live)", track_id(review_db, "Jóga")) in learned
    assert ("title", "Mystery Song", cherry) in learned and (
        "artist",
        "Unknown Band",
        learned_artist(review_db, cherry),
    ) in learned

    # Undo twice: the link, then the skip.
    qtbot.keyClick(screen.candidates, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, state, screen)
    qtbot.keyClick(screen.candidates, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, state, screen)
    assert listens_of(review_db, "Mystery Song") == [(None, EnrichStatus.UNMATCHED, "no_plausible_track")] * 2
    with review_db.session() as session:
        learned = {(a.kind, a.alias) for a in learned_aliases(session)}
        assert ("title", "Mystery Song") not in learned and ("title", "Joga (Live)") in learned
        page = queue_page(session)
    assert {g.track_name for g in page.groups} == {"Joga (Live)", "Talisman (Acoustic)", "Mystery Song"}
    assert listens_of(review_db, "Sexy Boy")[0][0] == second  # the third decision back stays
    assert screen.left_label.text() == "5 listens in 3 groups left"


def learned_artist(db: Database, track: int) -> int:
    with db.session() as session:
        found = session.get(Track, track)
        assert found is not None and found.primary_artist_id is not None
        return found.primary_artist_id


def test_skipped_groups_stay_skipped_after_a_restart(
    qtbot: QtBot, review_db: Database, tmp_path: Path
) -> None:
    state = AppState.for_tests(review_db, tmp_path / "settings")
    screen = open_screen(qtbot, state)
    qtbot.keyClick(screen.candidates, Qt.Key.Key_S)
    settle(qtbot, state, screen)
    screen.close()

    again = AppState.for_tests(review_db, tmp_path / "settings")
    reopened = open_screen(qtbot, again)
    assert "Joga (Live)" not in {g.track_name for g in reopened.controller.groups}
    assert "1 song skipped for later" in reopened.left_label.text()
    reopened.tabs.setCurrentIndex(2)  # Skipped
    qtbot.waitUntil(lambda: reopened.controller.current is not None, timeout=10000)
    assert [g.track_name for g in reopened.controller.groups] == ["Joga (Live)"]
    qtbot.keyClick(reopened.candidates, Qt.Key.Key_S)  # in Skipped, S brings it back
    settle(qtbot, again, reopened)
    with review_db.session() as session:
        assert "Joga (Live)" in {g.track_name for g in queue_page(session).groups}
    settle(qtbot, state, screen)


def test_key_sheet_suspicious_queue_and_aliases(
    qtbot: QtBot, review_db: Database, tmp_path: Path, qtmodeltester
) -> None:
    state = AppState.for_tests(review_db, tmp_path / "settings")
    screen = open_screen(qtbot, state)
    screen.by_release.click()  # grouped by release too: the histories here carry none, so "" for each
    qtbot.waitUntil(lambda: screen.controller.loaded and screen.controller.current is not None, timeout=10000)
    assert {g.key.release for g in screen.controller.groups} == {""} and len(screen.controller.groups) == 5
    screen.by_release.click()
    qtbot.waitUntil(lambda: screen.controller.loaded and screen.controller.current is not None, timeout=10000)
    assert {g.key.release for g in screen.controller.groups} == {None}
    qtbot.keyClick(screen.candidates, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)
    assert screen.key_sheet is not None and screen.key_sheet.isVisible()
    screen.key_sheet.close()
    qtbot.keyClick(screen.candidates, Qt.Key.Key_Return)
    settle(qtbot, state, screen)
    screen.tabs.setCurrentIndex(3)
    qtbot.waitUntil(lambda: screen.aliases.model.rowCount() == 1, timeout=10000)
    qtmodeltester.check(screen.aliases.model)
    assert screen.aliases.model.rows[0].alias == "Joga (Live)"
    screen.aliases.view.selectRow(0)
    screen.aliases.remove_button.click()
    qtbot.waitUntil(lambda: screen.aliases.model.rowCount() == 0, timeout=10000)
    screen.tabs.setCurrentIndex(1)
    settle(qtbot, state, screen)
    assert screen.controller.mode == "suspicious"


def test_the_queue_follows_imports_and_matching_again(
    qtbot: QtBot, review_db: Database, tmp_path: Path, audio_templates: dict[str, Path]
) -> None:
    state = AppState.for_tests(review_db, tmp_path / "settings")
    screen = open_screen(qtbot, state)
    with review_db.session() as session:
        user_id = session.scalar(select(User.id))
    at = datetime(2024, 6, 1, tzinfo=UTC)
    records = [
        ListenRecord(
            listened_at=at + timedelta(minutes=i), artist_name="New Band", track_name="Fresh", source="t"
        )
        for i in range(6)
    ]
    run_to_end(ingest(review_db, records, user_id))
    run_to_end(enrich_listens(review_db))
    state.listens_changed.emit()  # what the import screen does after an import
    qtbot.waitUntil(
        lambda: bool(screen.controller.groups) and screen.controller.groups[0].track_name == "Fresh",
        timeout=10000,
    )
    assert screen.left_label.text() == "19 listens in 6 groups left"
    # The song arrives in the library (a scan), then matching runs again as a job: the queue shrinks.
    new_music = tmp_path / "more-music"
    place_track(audio_templates, new_music, LibraryTrack("New Band", "Debut", "Fresh", 2024, "01 Fresh.flac"))
    assert run_to_end(scan_folders(review_db, [new_music])).added == 1
    qtbot.mouseClick(screen.match_button, Qt.MouseButton.LeftButton)
    job = screen.controller.enrich_job
    assert job is not None and job.kind == "enrich"
    qtbot.waitUntil(lambda: not job.running, timeout=30000)
    qtbot.waitUntil(lambda: "the queue went from 19 to 13 listens" in screen.status.text(), timeout=10000)
    assert screen.left_label.text() == "13 listens in 5 groups left"
    assert {track for track, _, _ in listens_of(review_db, "Fresh")} == {track_id(review_db, "Fresh")}


def test_it_opens_on_a_listen_and_reads_again_only_when_seen(
    qtbot: QtBot, review_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.gui.review.calls.PAGE_SIZE", 2)  # the listen's group is not on the page
    state = AppState.for_tests(review_db, tmp_path / "settings")
    with review_db.session() as session:
        mystery = session.scalar(select(Listen.id).where(Listen.track_name == "Mystery Song"))
    screen = ReviewScreen(state)
    qtbot.addWidget(screen)
    screen.show()
    screen.navigate({"listen_id": mystery})
    qtbot.waitUntil(lambda: screen.controller.current is not None, timeout=10000)
    qtbot.waitUntil(lambda: heard_now(screen) == "Mystery Song", timeout=10000)
    assert screen.controller.groups[0].track_name == "Mystery Song"  # read on its own, put first
    settle(qtbot, state, screen)
    screen.navigate({"listen_id": 10**9})
    qtbot.waitUntil(lambda: "does not wait for review" in screen.status.text(), timeout=10000)
    screen.hide()
    state.library_changed.emit()  # a scan batch while another screen is shown
    assert screen.controller.stale and not state.jobs.busy()
    screen.show()
    screen.activated()
    assert not screen.controller.stale
    settle(qtbot, state, screen)
    assert heard_now(screen) == "Mystery Song"  # the group a person looked at stays current
