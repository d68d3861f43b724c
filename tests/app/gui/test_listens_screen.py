"""The Listens screen driven the way a person uses it, on a history made by the real core (ingest, enrich,
review): newest first in each listener's zone, sorting and filtering in the background while the rows
stay, filters kept across a restart, the raw payload, jumps to the library and back, empty states."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QComboBox, QDateEdit, QDateTimeEdit, QWidget
from pytestqt.qtbot import QtBot

from analyzer import review
from app.gui.listens.controller import FilterChoice, ListensController
from app.gui.listens.filters import TEXT_DEBOUNCE_MS
from app.gui.listens.model import LISTEN_ID_ROLE, PAGE_ROWS, ListensTableModel
from app.gui.listens.payload import PayloadDialog
from app.gui.listens.screen import EMPTY_MESSAGE, NO_MATCH_MESSAGE, ListensScreen
from app.gui.state import AppState
from models.engine import Database
from scrobbler.ingest import run_ingest
from scrobbler.records import ListenRecord
from scrobbler.users import add_user
from tests.history_fixtures import History, build_history


@pytest.fixture
def history(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> History:
    monkeypatch.setenv("TZ", "America/New_York")
    return build_history(sqlite_db)


@pytest.fixture
def state(sqlite_db: Database, tmp_path: Path) -> Iterator[AppState]:
    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    state.screen_names = frozenset({"library", "listens", "import", "server"})
    yield state
    state.jobs.cancel_all()
    state.jobs.wait_idle(10000)


def open_screen(qtbot: QtBot, state: AppState) -> ListensScreen:
    screen = ListensScreen(state)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    qtbot.waitExposed(screen)
    assert screen.model.rowCount() == 0 and not state.jobs.busy()  # nothing read before it is shown
    screen.activated()
    settle(qtbot, screen)
    return screen


def settle(qtbot: QtBot, screen: ListensScreen) -> None:
    """Wait for the filters' debounce and every background read, then let the view repaint."""
    qtbot.waitUntil(lambda: not screen.filters.text_pending(), timeout=TEXT_DEBOUNCE_MS * 5)
    assert screen.state.jobs.wait_idle(20000)
    QApplication.processEvents()


def shot(widget: QWidget, name: str) -> None:
    """Save what the person sees to $LISTENS_SCREEN_SHOTS/<name>.png when set, and check it painted."""
    QApplication.processEvents()
    image = widget.grab()
    assert not image.isNull() and image.width() > 400
    folder = os.environ.get("LISTENS_SCREEN_SHOTS")
    if folder:
        image.save(str(Path(folder) / f"{name}.png"))


def column(screen: ListensScreen, name: str) -> list[str]:
    at = screen.model.column_of(name)
    return [screen.model.data(screen.model.index(row, at)) for row in range(screen.model.rowCount())]


def shown_labels(screen: ListensScreen, history: History) -> list[str]:
    by_id = {listen_id: label for label, listen_id in history.listens.items()}
    return [by_id[screen.model.listen_id(row)] for row in range(screen.model.rowCount())]


def choose(qtbot: QtBot, combo: QComboBox, data: object) -> None:
    """Pick the entry holding ``data`` with the arrow keys, as a person does on a focused combo box."""
    combo.setFocus()
    target = combo.findData(data)
    assert target >= 0, (data, [combo.itemData(i) for i in range(combo.count())])
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)


def type_date(qtbot: QtBot, edit: QDateEdit, iso: str) -> None:
    """Type a date into a date box section by section (year, month, day), as a person does."""
    edit.setFocus()
    year, month, day = iso.split("-")
    for section, digits in (
        (QDateTimeEdit.Section.YearSection, year),
        (QDateTimeEdit.Section.MonthSection, month),
        (QDateTimeEdit.Section.DaySection, day),
    ):
        edit.setSelectedSection(section)
        qtbot.keyClicks(edit, digits)


def click_header(qtbot: QtBot, screen: ListensScreen, name: str) -> None:
    header = screen.table.horizontalHeader()
    at = screen.model.column_of(name)
    x = header.sectionViewportPosition(at) + header.sectionSize(at) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def click_row(qtbot: QtBot, screen: ListensScreen, row: int) -> None:
    screen.table.scrollTo(screen.model.index(row, 0))
    rect = screen.table.visualRect(screen.model.index(row, screen.model.column_of("title")))
    qtbot.mouseClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_periods_cover_whole_local_days() -> None:
    from datetime import date

    from app.gui.listens.controller import period_days

    today = date(2024, 3, 10)
    assert period_days("any", None, None, today) == (None, None)
    assert period_days("today", None, None, today) == (today, today)
    assert period_days("7d", None, None, today) == (date(2024, 3, 4), today)
    assert period_days("30d", None, None, today) == (date(2024, 2, 10), today)
    assert period_days("12m", None, None, today) == (date(2023, 3, 11), today)
    assert period_days("12m", None, None, date(2024, 2, 29)) == (date(2023, 3, 1), date(2024, 2, 29))
    assert period_days("year", None, None, today) == (date(2024, 1, 1), today)
    assert period_days("custom", date(2020, 1, 1), None, today) == (date(2020, 1, 1), None)


def test_the_model_keeps_qts_contract(
    qtbot: QtBot, qtmodeltester: Any, sqlite_db: Database, history: History, state: AppState
) -> None:
    controller = ListensController(state)
    controller.start()
    assert state.jobs.wait_idle(20000)
    assert controller.model.rowCount() == len(history.listens)
    qtmodeltester.check(controller.model)
    controller.set_choice(FilterChoice(text="air"))
    assert state.jobs.wait_idle(20000)
    qtmodeltester.check(controller.model)
    empty = ListensTableModel(lambda ids: [None] * len(ids))
    qtmodeltester.check(empty)


def test_newest_first_in_each_listeners_time_zone(qtbot: QtBot, history: History, state: AppState) -> None:
    screen = open_screen(qtbot, state)
    assert [screen.model.listen_id(row) for row in range(screen.model.rowCount())] == history.newest_first()
    times = dict(zip(shown_labels(screen, history), column(screen, "time"), strict=True))
    # listeners in two zones: each time is theirs, with the zone named
    assert times["joga"] == "2024-03-30 11:00 CET"  # ada: Berlin
    assert times["talisman"] == "2024-03-31 14:00 CEST"  # ada: Berlin, after the switch to summer time
    assert times["bob-daft"] == "2024-04-02 20:00 EDT"  # bob has no zone: the machine's (New York)
    statuses = dict(zip(shown_labels(screen, history), column(screen, "status"), strict=True))
    assert (statuses["joga"], statuses["remember"], statuses["nothing"], statuses["mystery"], statuses["bob-late"]) == (
        "Matched", "Ambiguous", "Unmatched", "Manual", "Pending"
    )  # fmt: skip
    tracks = dict(zip(shown_labels(screen, history), column(screen, "track"), strict=True))
    assert tracks["mystery"] == "Jóga" and tracks["nothing"] == "—"
    assert screen.filters.count.text() == f"{len(history.listens)} listens"
    assert screen.pages.currentIndex() == 1
    shot(screen, "listens")


def test_sorting_reads_in_the_background_while_the_rows_stay(
    qtbot: QtBot, history: History, state: AppState
) -> None:
    screen = open_screen(qtbot, state)
    before = screen.model.listen_id(0)
    click_header(qtbot, screen, "artist")
    # the click only asked for the order: the old rows are still there until the worker's list is in
    assert screen.controller.loading and screen.model.listen_id(0) == before
    assert "reading" in screen.filters.count.text()
    settle(qtbot, screen)
    artists = column(screen, "artist")
    assert artists[0] == "Air" and artists[-1] == "Unknown Band"  # ascending on a first click
    assert artists.index("Bjork") < artists.index("Björk") or artists.index("Björk") < artists.index(
        "Daft Punk"
    )
    click_header(qtbot, screen, "artist")
    settle(qtbot, screen)
    assert column(screen, "artist")[0] == "Unknown Band"
    click_header(qtbot, screen, "confidence")
    settle(qtbot, screen)
    confidences = column(screen, "confidence")
    assert confidences[-1] == "" and confidences[0] != ""  # listens without a confidence come last


def test_the_selection_follows_its_listen_through_a_resort(
    qtbot: QtBot, history: History, state: AppState
) -> None:
    screen = open_screen(qtbot, state)
    row = screen.model.row_of_listen(history.listens["hoppipolla"])
    assert row is not None
    click_row(qtbot, screen, row)
    assert "Hoppipolla" in screen.summary.text() and "Hoppípolla" in screen.summary.text()
    click_header(qtbot, screen, "title")
    settle(qtbot, screen)
    current = screen.current_row()
    assert current is not None and screen.model.listen_id(current) == history.listens["hoppipolla"]
    assert current != row


def test_typing_a_search_filters_and_esc_clears_it(qtbot: QtBot, history: History, state: AppState) -> None:
    screen = open_screen(qtbot, state)
    qtbot.keyClicks(screen.filters.search, "bjork")
    assert screen.model.rowCount() == len(history.listens)  # nothing happens while typing
    settle(qtbot, screen)
    assert sorted(shown_labels(screen, history)) == ["bachelorette", "joga"]
    assert screen.filters.count.text() == f"2 of {len(history.listens)} listens"
    screen.filters.search.clear()
    qtbot.keyClicks(screen.filters.search, "joga")
    qtbot.keyClick(screen.filters.search, Qt.Key.Key_Return)  # Enter applies at once
    settle(qtbot, screen)
    assert sorted(shown_labels(screen, history)) == ["joga", "mystery"]  # mystery: linked to Jóga by hand
    qtbot.keyClick(screen.filters.search, Qt.Key.Key_Escape)
    settle(qtbot, screen)
    assert screen.model.rowCount() == len(history.listens) and screen.filters.search.text() == ""


def test_user_source_status_and_dates_filter_and_are_kept(
    qtbot: QtBot, history: History, state: AppState, sqlite_db: Database
) -> None:
    screen = open_screen(qtbot, state)
    choose(qtbot, screen.filters.user, history.users["ada"])
    settle(qtbot, screen)
    assert "bob-daft" not in shown_labels(screen, history) and "joga" in shown_labels(screen, history)
    choose(qtbot, screen.filters.status, "manual")
    settle(qtbot, screen)
    assert sorted(shown_labels(screen, history)) == ["mystery", "pure"]
    assert screen.filters.status.currentText() == "Manual (2)"
    choose(qtbot, screen.filters.status, None)
    choose(qtbot, screen.filters.source, "lastfm_csv")
    settle(qtbot, screen)
    assert set(column(screen, "source")) == {"lastfm_csv"}
    choose(qtbot, screen.filters.source, None)
    choose(qtbot, screen.filters.period, "custom")
    assert screen.filters.first.isVisible() and screen.filters.last.isVisible()
    type_date(qtbot, screen.filters.first, "2024-03-31")
    type_date(qtbot, screen.filters.last, "2024-03-31")
    settle(qtbot, screen)
    # 31 March in ada's Berlin: Bachelorette at 00:30 and Talisman at 14:00
    assert shown_labels(screen, history) == ["talisman", "bachelorette"]
    shot(screen, "listens-filtered")

    again = ListensScreen(state)  # the next start: the same filters, read again
    qtbot.addWidget(again)
    again.resize(1100, 700)
    again.show()
    again.activated()
    settle(qtbot, again)
    assert shown_labels(again, history) == ["talisman", "bachelorette"]
    assert (
        again.filters.period.currentData() == "custom"
        and again.filters.user.currentData() == history.users["ada"]
    )

    type_date(qtbot, screen.filters.first, "2024-04-02")  # after the end day: said, and not applied
    settle(qtbot, screen)
    assert screen.error.isVisible() and "ends before it starts" in screen.error.text()
    assert shown_labels(screen, history) == ["talisman", "bachelorette"]
    qtbot.mouseClick(screen.filters.clear_button, Qt.MouseButton.LeftButton)
    settle(qtbot, screen)
    assert not screen.error.isVisible() and screen.model.rowCount() == len(history.listens)


def test_raw_payload_of_a_listen_that_arrived_twice(qtbot: QtBot, history: History, state: AppState) -> None:
    screen = open_screen(qtbot, state)
    row = screen.model.row_of_listen(history.listens["talisman"])
    assert row is not None
    click_row(qtbot, screen, row)
    qtbot.keyClick(screen.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dialog = screen.findChild(PayloadDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.tabs.count() == 2 and "(duplicate)" in dialog.tabs.tabText(1)
    assert '"release_name": "Moon Safari"' in dialog.shown_payload()
    dialog.tabs.setCurrentIndex(1)
    assert '"via": "api"' in dialog.shown_payload()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.shown_payload()
    shot(dialog, "listens-payload")
    dialog.close()


def test_a_payload_stored_as_plain_text_says_so(
    qtbot: QtBot, history: History, state: AppState, sqlite_db: Database
) -> None:
    from PySide6.QtWidgets import QLabel
    from sqlalchemy import select, update

    from models.listens import Listen, ListenRaw

    with sqlite_db.session() as session:
        raw_id = session.scalar(select(Listen.raw_id).where(Listen.id == history.listens["joga"]))
        session.execute(update(ListenRaw).where(ListenRaw.id == raw_id).values(payload_json="Björk\tJóga\tL"))
    screen = open_screen(qtbot, state)
    row = screen.model.row_of_listen(history.listens["joga"])
    assert row is not None
    click_row(qtbot, screen, row)
    qtbot.mouseClick(screen.payload_button, Qt.MouseButton.LeftButton)
    dialog = screen.findChild(PayloadDialog)
    assert dialog is not None and dialog.shown_payload() == "Björk\tJóga\tL"
    note = dialog.findChild(QLabel, "listensPayloadNotJson")
    assert note is not None and note.isVisible()
    dialog.close()


def test_enter_shows_the_linked_track_in_the_library(qtbot: QtBot, history: History, state: AppState) -> None:
    screen = open_screen(qtbot, state)
    asked: list[tuple[str, object]] = []
    state.navigation_requested.connect(lambda name, payload: asked.append((name, payload)))
    unlinked = screen.model.row_of_listen(history.listens["nothing"])
    assert unlinked is not None
    click_row(qtbot, screen, unlinked)
    assert not screen.library_button.isEnabled()
    qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    assert asked == []  # nothing to show: the listen is not linked
    row = screen.model.row_of_listen(history.listens["mystery"])
    assert row is not None
    click_row(qtbot, screen, row)
    assert screen.library_button.isEnabled()
    qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    assert asked == [("library", {"track_id": history.tracks["Jóga"]})]
    menu = screen.listen_menu()
    texts = {action.text(): action for action in menu.actions()}
    assert texts["Show in library"].isEnabled() and texts["Raw payload…"].isEnabled()


def test_show_listens_of_a_track_is_a_removable_chip_that_restores_the_filters(
    qtbot: QtBot, history: History, state: AppState
) -> None:
    screen = open_screen(qtbot, state)
    choose(qtbot, screen.filters.status, "unmatched")
    settle(qtbot, screen)
    screen.navigate({"track_id": history.tracks["Talisman"]})  # the library's "Show listens"
    settle(qtbot, screen)
    assert screen.filters.track_chip.isVisible()
    assert screen.filters.track_chip.text().startswith("Track: Talisman — Air")
    assert shown_labels(screen, history) == ["bob-talisman", "talisman"]
    assert screen.filters.status.currentData() is None  # the other filters step aside...
    shot(screen, "listens-track")
    qtbot.mouseClick(screen.filters.track_chip, Qt.MouseButton.LeftButton)
    settle(qtbot, screen)
    assert not screen.filters.track_chip.isVisible()
    assert screen.filters.status.currentData() == "unmatched"  # ...and come back with the chip's removal
    assert sorted(shown_labels(screen, history)) == ["bob-daft", "nothing"]


def test_navigate_to_a_listen_hidden_by_the_filters(qtbot: QtBot, history: History, state: AppState) -> None:
    screen = open_screen(qtbot, state)
    choose(qtbot, screen.filters.user, history.users["bob"])
    settle(qtbot, screen)
    screen.navigate({"listen_id": history.listens["joga"]})
    settle(qtbot, screen)
    current = screen.current_row()
    assert current is not None and screen.model.listen_id(current) == history.listens["joga"]
    assert screen.filters.user.currentData() is None
    screen.navigate({"listen_id": 999_999})
    settle(qtbot, screen)
    assert screen.error.isVisible() and "999999" in screen.error.text()


def test_matching_and_review_changes_show_without_a_restart(
    qtbot: QtBot, history: History, state: AppState, sqlite_db: Database
) -> None:
    screen = open_screen(qtbot, state)
    row = screen.model.row_of_listen(history.listens["cherry"])
    assert row is not None and column(screen, "status")[row] == "Matched"
    with sqlite_db.session() as session:
        review.reject(session, history.listens["cherry"], reviewer="ada")
    state.listens_changed.emit()
    settle(qtbot, screen)
    row = screen.model.row_of_listen(history.listens["cherry"])
    assert (
        row is not None and column(screen, "status")[row] == "Manual" and column(screen, "track")[row] == "—"
    )
    assert screen.filters.status.findText("Manual (3)") >= 0


def test_a_library_change_rereads_the_shown_rows_not_the_whole_list(
    qtbot: QtBot, history: History, state: AppState, sqlite_db: Database
) -> None:
    from sqlalchemy import update

    from models.tracks import Track

    screen = open_screen(qtbot, state)
    loads = screen.controller.loads
    with sqlite_db.session() as session:  # what a rescan of retagged files writes
        session.execute(
            update(Track).where(Track.id == history.tracks["Talisman"]).values(title="Talisman (2024)")
        )
    state.library_changed.emit()
    settle(qtbot, screen)
    row = screen.model.row_of_listen(history.listens["talisman"])
    assert row is not None and column(screen, "track")[row] == "Talisman (2024)"
    assert screen.controller.loads == loads  # the order cannot have changed: no new id list
    click_header(qtbot, screen, "track")  # sorted by track title, a change does re-read the order
    settle(qtbot, screen)
    state.library_changed.emit()
    settle(qtbot, screen)
    assert screen.controller.loads == loads + 2


def test_an_empty_history_says_how_to_fill_it(qtbot: QtBot, sqlite_db: Database, state: AppState) -> None:
    screen = open_screen(qtbot, state)
    assert screen.pages.currentIndex() == 0 and screen.message.text() == EMPTY_MESSAGE
    assert screen.message_button.isVisible() and screen.message_button.text() == "Import history…"
    assert screen.server_button.isVisible()
    asked: list[str] = []
    state.navigation_requested.connect(lambda name, _payload: asked.append(name))
    qtbot.mouseClick(screen.message_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(screen.server_button, Qt.MouseButton.LeftButton)
    assert asked == ["import", "server"]
    shot(screen, "listens-empty")
    state.screen_names = frozenset({"listens"})
    state.listens_changed.emit()
    settle(qtbot, screen)
    # no import or server screen to go to: the text alone says what to do
    assert not screen.message_button.isVisible() and not screen.server_button.isVisible()


def test_filters_matching_nothing_offer_to_clear_them(
    qtbot: QtBot, history: History, state: AppState
) -> None:
    screen = open_screen(qtbot, state)
    qtbot.keyClicks(screen.filters.search, "zzzz nothing like it")
    settle(qtbot, screen)
    assert screen.pages.currentIndex() == 0 and screen.message.text() == NO_MATCH_MESSAGE
    qtbot.mouseClick(screen.message_button, Qt.MouseButton.LeftButton)
    settle(qtbot, screen)
    assert screen.pages.currentIndex() == 1 and screen.model.rowCount() == len(history.listens)
    assert screen.filters.search.text() == ""


def test_a_long_history_is_read_a_page_at_a_time(qtbot: QtBot, sqlite_db: Database, state: AppState) -> None:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    count = PAGE_ROWS * 12 + 7
    with sqlite_db.session() as session:
        user_id = add_user(session, "eve", "UTC").id
    records = [
        ListenRecord(
            listened_at=start + timedelta(minutes=5 * n),
            artist_name=f"Artist {n % 97}",
            track_name=f"Song {n}",
            source="maloja",
            payload={"n": n},
        )
        for n in range(count)
    ]
    assert run_ingest(sqlite_db, records, user_id).imported == count
    screen = open_screen(qtbot, state)
    assert screen.model.rowCount() == count
    assert screen.model.pages_read <= 2  # what the first screen shows, not 3,000 rows
    screen.table.scrollToBottom()
    QApplication.processEvents()
    screen.grab()
    assert screen.model.pages_read <= 4
    last = screen.model.rowCount() - 1
    assert screen.model.data(screen.model.index(last, screen.model.column_of("title"))) == "Song 0"
    assert screen.model.data(screen.model.index(0, screen.model.column_of("title"))) == f"Song {count - 1}"
    assert screen.model.data(screen.model.index(last, 0), LISTEN_ID_ROLE) == screen.model.listen_id(last)


def test_rows_that_cannot_be_read_say_so_and_the_window_goes_on(
    qtbot: QtBot, sqlite_db: Database, state: AppState, tmp_path: Path
) -> None:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    with sqlite_db.session() as session:
        user_id = add_user(session, "eve", "UTC").id
    records = [
        ListenRecord(
            listened_at=start + timedelta(minutes=n), artist_name="A", track_name=f"Song {n}", source="api"
        )
        for n in range(600)
    ]
    assert run_ingest(sqlite_db, records, user_id).imported == 600
    screen = open_screen(qtbot, state)
    database = Path(str(sqlite_db.url.database))
    sqlite_db.engine.dispose()  # the library file is moved away while the window runs
    for suffix in ("", "-wal", "-shm"):
        moved = Path(str(database) + suffix)
        if moved.exists():
            moved.rename(tmp_path / f"moved{suffix}")
    screen.table.scrollToBottom()
    QApplication.processEvents()
    screen.grab()
    assert screen.error.isVisible() and "Could not read these listens" in screen.error.text()
    last = screen.model.rowCount() - 1
    assert screen.model.data(screen.model.index(last, screen.model.column_of("time"))) == "…"
    click_row(qtbot, screen, last)
    assert screen.show_payload() is None and "payload" in screen.error.text()


def test_screenshot_faces(qtbot: QtBot, history: History, state: AppState) -> None:
    screen = open_screen(qtbot, state)
    faces = screen.screenshot_states()
    assert next(faces) == "filtered"
    settle(qtbot, screen)
    assert set(column(screen, "status")) == {"Ambiguous"}
    face = next(faces)
    assert isinstance(face, tuple) and face[0] == "payload" and isinstance(face[1], PayloadDialog)
    assert next(faces) == "track"
    settle(qtbot, screen)
    assert screen.filters.track_chip.isVisible() and len(set(column(screen, "track"))) == 1
    with pytest.raises(StopIteration):
        next(faces)
    settle(qtbot, screen)
    assert screen.model.rowCount() == len(history.listens)  # the person's filters are back
    assert not screen.filters.track_chip.isVisible()


def test_status_colours_follow_a_switch_to_dark(qtbot: QtBot, history: History, state: AppState) -> None:
    from app.gui.appearance import APPEARANCE_KEY, apply_appearance

    screen = open_screen(qtbot, state)
    row = screen.model.row_of_listen(history.listens["joga"])
    assert row is not None
    index = screen.model.index(row, screen.model.column_of("status"))
    light = screen.model.data(index, Qt.ItemDataRole.ForegroundRole)
    try:
        state.settings.setValue(APPEARANCE_KEY, "dark")
        apply_appearance(state.settings)
        QApplication.processEvents()
        dark = screen.model.data(index, Qt.ItemDataRole.ForegroundRole)
        assert dark.lightness() > light.lightness()  # a lighter green on a dark background
        shot(screen, "listens-dark")
    finally:
        state.settings.setValue(APPEARANCE_KEY, "system")
        apply_appearance(state.settings)
        QApplication.processEvents()
    assert screen.model.data(index, Qt.ItemDataRole.ForegroundRole) == light


def test_from_the_library_to_a_tracks_listens_and_back_in_the_window(
    qtbot: QtBot, populated_db: Database, tmp_path: Path
) -> None:
    """The library's "Show listens" opens this screen on that track's listens; Enter on one goes back."""
    from app.gui.library.model import TRACK_ID_ROLE
    from app.gui.main import build_window

    with populated_db.session() as session:
        user_id = add_user(session, "ada", "UTC").id
    start = datetime(2024, 5, 1, tzinfo=UTC)
    heard = [("Air", "Talisman"), ("Björk", "Jóga"), ("Air", "Talisman"), ("Daft Punk", "One More Time")]
    records = [
        ListenRecord(listened_at=start + timedelta(hours=n), artist_name=a, track_name=t, source="api")
        for n, (a, t) in enumerate(heard)
    ]
    assert run_ingest(populated_db, records, user_id).imported == len(records)
    from analyzer.matching.enrich import enrich_listens
    from models.progress import run_to_end

    run_to_end(enrich_listens(populated_db, worker=False))
    state = AppState.for_tests(populated_db, tmp_path / "settings")
    window = build_window(state)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    library = window.screens["library"]
    qtbot.waitUntil(lambda: library.visible_row_count() > 0, timeout=10000)
    assert state.jobs.wait_idle(20000)
    talisman = next(
        row for row in range(library.model.rowCount())
        if library.model.data(library.model.index(row, library.model.column_of("title"))) == "Talisman"
    )  # fmt: skip
    library.select_track(library.model.data(library.model.index(talisman, 0), TRACK_ID_ROLE))
    track_id = library.current_track_id()
    jump = next(action for action in library.track_menu().actions() if action.objectName() == "jump-listens")
    jump.trigger()
    assert window.current_screen() == "listens"
    listens = window.screens["listens"]
    settle(qtbot, listens)
    assert listens.filters.track_chip.isVisible() and "Talisman" in listens.filters.track_chip.text()
    assert column(listens, "title") == ["Talisman", "Talisman"]
    click_row(qtbot, listens, 0)
    qtbot.keyClick(listens.table, Qt.Key.Key_Return)
    assert window.current_screen() == "library"
    assert library.current_track_id() == track_id
