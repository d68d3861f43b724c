"""The Stats screen on a real SQLite database filled with generated listens: the first view, a range change
that updates the table and the chart, view switches (cache, stale results dropped), the clock heatmap, the
dark palette, compatibility, recommendations without analysis, bad custom dates, and exports that read back.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from app.gui.appearance import APPEARANCE_KEY, apply_appearance
from app.gui.state import AppState
from app.gui.stats.controller import StatsController, ViewRequest, neighbour_ranges, render_chart
from app.gui.stats.model import StatsTableModel
from app.gui.stats.screen import NO_LISTENS, StatsScreen
from models.engine import Database
from scrobbler.exports.charts import DARK, LIGHT
from scrobbler.stats import listening_clock, scope_for, top
from scrobbler.stats.tables import StatsTable
from scrobbler.stats.views import VIEWS
from scrobbler.users import get_user
from tests.listening_fixtures import Library, utc

# Plays per (year, artist): the favourite changes between the years, so a range change must change the top.
PLAYS = {
    2023: {"Air": 30, "Björk": 12, "Daft Punk": 5},
    2024: {"Björk": 40, "Daft Punk": 22, "Air": 3, "Massive Attack": 9},
}
ADA_TOTAL = sum(sum(year.values()) for year in PLAYS.values())
BEN_PLAYS = {"Björk": 25, "Daft Punk": 10, "Portishead": 14}


@pytest.fixture
def listening(sqlite_db: Database) -> Database:
    """Two users (ada in Europe/Berlin, ben in UTC) with listens in 2023 and 2024 at varied hours."""
    rng = random.Random(15)
    with sqlite_db.session() as session:
        lib = Library(session)
        ada = lib.user("ada", "Europe/Berlin")
        ben = lib.user("ben", "UTC")
        artists = {a for year in PLAYS.values() for a in year} | set(BEN_PLAYS)
        for artist in sorted(artists):
            for n in range(3):
                lib.track(f"{artist} song {n}", artist, album=f"{artist} album", genres=("electronic",))
        lib.media_file("Air song 0", "/music/air0.flac")  # owned, not analysed
        for year, per_artist in PLAYS.items():
            for artist, plays in per_artist.items():
                for i in range(plays):
                    when = utc(year, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), i % 60)
                    lib.listen(ada, when, artist, f"{artist} song {i % 3}", played=180.0)
        for artist, plays in BEN_PLAYS.items():
            for i in range(plays):
                when = utc(2024, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), i % 60)
                lib.listen(ben, when, artist, f"{artist} song {i % 3}")
    return sqlite_db


@pytest.fixture
def state(listening: Database, tmp_path: Path) -> Iterator[AppState]:
    app_state = AppState.for_tests(listening, tmp_path / "settings")
    yield app_state
    app_state.jobs.cancel_all()
    app_state.jobs.wait_idle(20000)


def open_stats(qtbot: QtBot, state: AppState, *, prefetch: bool = False) -> StatsScreen:
    """The screen shown and opened; ``prefetch`` lets it compute the other views in the background too (the
    app's behaviour; off by default so each test waits only for what it looks at)."""
    screen = StatsScreen(state)
    screen.controller.prefetch = prefetch
    qtbot.addWidget(screen)
    screen.resize(1200, 760)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activated()
    assert state.jobs.wait_idle(30000)
    QApplication.processEvents()
    settle(qtbot, screen)
    return screen


def settle(qtbot: QtBot, screen: StatsScreen) -> None:
    """Wait until the background (which starts a moment after a view is shown) has prepared everything."""
    qtbot.waitUntil(
        lambda: not screen.controller.prefetching() and not screen.state.jobs.busy(), timeout=30000
    )
    QApplication.processEvents()


def column(screen: StatsScreen, name: str) -> list[Any]:
    table = screen.model.table
    index = table.columns.index(name)
    return [screen.model.row_values(row)[index] for row in range(screen.model.rowCount())]


def bar_labels(screen: StatsScreen) -> list[str]:
    """The bars of the top list on screen, biggest first, after checking the picture is that chart."""
    assert_chart_is_the_view(screen)
    return [entry.name for entry in screen.chart.view.chart]  # type: ignore[union-attr]


def assert_chart_is_the_view(screen: StatsScreen) -> None:
    """The picture shown is the core's rendering of the view on screen, at the pane's size and palette."""
    assert screen.chart.view is screen.view
    expected = render_chart(screen.view, screen.controller.target)  # type: ignore[arg-type]
    image = screen.chart.image
    assert expected is not None and image is not None
    assert (image.width(), image.height()) == (expected.width, expected.height)
    assert bytes(image.constBits())[: expected.width * expected.height * 4] == expected.rgba


def chart_pixel(screen: StatsScreen, x: int, y: int) -> tuple[int, int, int]:
    color = screen.chart.image.pixelColor(x, y)  # type: ignore[union-attr]
    return color.red(), color.green(), color.blue()


def expected_top(db: Database, range_text: str) -> list[tuple[str, int]]:
    with db.session() as session:
        scope = scope_for(get_user(session, "ada"), range_text)  # type: ignore[arg-type]
        return [(e.name, e.plays) for e in top(session, scope, "artists")]


def test_first_open_shows_top_artists_of_all_time(state: AppState, qtbot: QtBot) -> None:
    screen = open_stats(qtbot, state)
    assert screen.user_combo.currentText() == "ada"  # the first user with listens
    assert screen.view is not None and screen.view.name == "top-artists"
    assert list(zip(column(screen, "name"), column(screen, "plays"), strict=True)) == expected_top(
        state.db, "all"
    )
    assert column(screen, "name")[0] == "Björk"  # 52 plays over both years
    assert bar_labels(screen)[0] == "Björk"
    assert screen.pages.currentIndex() == 1 and screen.chart.isVisible()
    assert "matplotlib" in __import__("sys").modules


def test_range_change_updates_table_and_chart(state: AppState, qtbot: QtBot) -> None:
    screen = open_stats(qtbot, state)
    draws = screen.chart.draws
    kind = screen.range_picker.kind
    kind.setFocus()
    qtbot.keyClick(kind, Qt.Key.Key_Down)  # "All time" -> "Year"
    assert kind.currentData() == "year"
    assert screen.range_picker.year.value() == 2024  # starts at the user's last year with listens
    assert state.jobs.wait_idle(20000)
    QApplication.processEvents()
    assert column(screen, "name")[0] == "Björk" and column(screen, "plays")[0] == 40
    year = screen.range_picker.year
    year.setFocus()
    qtbot.keyClick(year, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(year, "2023")
    assert state.jobs.wait_idle(20000)
    QApplication.processEvents()
    expected = expected_top(state.db, "2023")
    assert expected[0] == ("Air", 30)
    assert list(zip(column(screen, "name"), column(screen, "plays"), strict=True)) == expected
    assert bar_labels(screen) == [name for name, _ in expected]
    assert screen.chart.draws > draws
    assert "2023" in screen.view.title  # type: ignore[union-attr]
    assert state.settings.value("stats/range") == "2023"  # remembered for the next start


def test_the_old_view_stays_until_the_new_one_and_its_chart_arrive(state: AppState, qtbot: QtBot) -> None:
    screen = open_stats(qtbot, state)
    first, computed = screen.view, screen.controller.computed
    screen.select_view("clock")
    # The old view, still whole, greyed, and the label says what is being computed.
    assert screen.view is first and screen.busy_label.text() == "Computing Listening clock, all time…"
    assert screen.chart.view is first and not screen.content.isEnabled()
    assert state.jobs.wait_idle(20000)
    QApplication.processEvents()
    assert screen.view is not None and screen.view.name == "clock" and screen.busy_label.text() == ""
    assert screen.content.isEnabled()
    assert_chart_is_the_view(screen)
    assert screen.controller.computed == computed + 1
    qtbot.mouseClick(
        screen.views.viewport(),
        Qt.MouseButton.LeftButton,
        pos=screen.views.visualItemRect(screen.views.item(0)).center(),
    )
    assert screen.view is first  # from the cache, at once, chart included
    assert_chart_is_the_view(screen)
    assert screen.controller.computed == computed + 1


def test_the_other_views_of_the_range_are_ready_before_they_are_asked_for(
    state: AppState, qtbot: QtBot
) -> None:
    screen = open_stats(qtbot, state, prefetch=True)  # waits until the background is done too
    cached = {key.view for key in screen.controller.cache}
    assert cached == set(VIEWS) - {"compat", "recommend"}
    assert {key.view for key, _target in screen.controller.charts} == {
        name for name, spec in VIEWS.items() if spec.chart and name != "compat"
    }
    computed = screen.controller.computed
    screen.select_view("daily")
    assert screen.view is not None and screen.view.name == "daily"  # no wait
    assert_chart_is_the_view(screen)
    assert screen.controller.computed == computed and not state.jobs.busy()
    target = screen.controller.target
    screen.select_view("streaks")  # no chart: the chart pane goes away (and the layout shrinks it) ...
    assert not screen.chart.isVisible()
    QApplication.processEvents()
    screen.grab()  # painted: the splitter has laid out the hidden pane by now
    draws = screen.chart.draws
    screen.select_view("clock")  # ... and comes back at the same size, so the cached chart fits
    assert screen.chart.draws == draws + 1 and not state.jobs.busy()  # shown at once, nothing drawn again
    QApplication.processEvents()
    assert screen.view is not None and screen.view.name == "clock"
    assert screen.chart.target() == target and not state.jobs.busy()
    assert_chart_is_the_view(screen)


def test_a_result_for_an_older_request_is_never_shown(state: AppState, qtbot: QtBot) -> None:
    controller = StatsController(state)
    controller.prefetch = False
    shown: list[str] = []
    controller.view_ready.connect(lambda view: shown.append(view.name))
    with state.db.session() as session:
        ada = get_user(session, "ada").id  # type: ignore[union-attr]
    controller.request(ViewRequest(ada, "all", "daily"))
    controller.request(ViewRequest(ada, "all", "streaks"))  # asked before the daily trend arrives
    assert state.jobs.wait_idle(20000)
    assert shown == ["streaks"]
    assert ViewRequest(ada, "all", "daily") in controller.cache  # computed, kept, not shown
    controller.invalidate()  # the listens changed: the wanted view comes again, the cache is gone
    assert state.jobs.wait_idle(20000)
    assert shown == ["streaks", "streaks"] and list(controller.cache) == [ViewRequest(ada, "all", "streaks")]


def test_clock_heatmap_in_local_time(state: AppState, qtbot: QtBot) -> None:
    screen = open_stats(qtbot, state)
    screen.select_view("clock")
    assert state.jobs.wait_idle(20000)
    QApplication.processEvents()
    with state.db.session() as session:
        clock = listening_clock(session, scope_for(get_user(session, "ada"), "all"))  # type: ignore[arg-type]
    assert screen.view.chart == clock  # type: ignore[union-attr]
    assert_chart_is_the_view(screen)
    cells = {(row[0], row[1]): row[2] for row in screen.model.table.rows}
    assert sum(cells.values()) == ADA_TOTAL
    assert "busiest hour" in screen.notes.text()


def test_dark_palette_restyles_the_chart(state: AppState, qtbot: QtBot) -> None:
    screen = open_stats(qtbot, state)
    chart = screen.chart
    light = tuple(int(LIGHT.background == "white") * 255 for _ in range(3))
    assert chart_pixel(screen, 2, 2) == light
    draws = chart.draws
    state.settings.setValue(APPEARANCE_KEY, "dark")
    try:
        apply_appearance(state.settings)
        QApplication.processEvents()
        assert state.jobs.wait_idle(20000)  # the chart is rendered again, in the dark theme
        QApplication.processEvents()
        assert chart.draws > draws and screen.controller.target[3] is True
        dark = tuple(int(DARK.background[i : i + 2], 16) for i in (1, 3, 5))
        assert chart_pixel(screen, 2, 2) == dark
        assert_chart_is_the_view(screen)
        assert screen.grab().toImage().pixelColor(5, 5).lightness() < 128  # the window around it too
    finally:
        state.settings.setValue(APPEARANCE_KEY, "light")
        apply_appearance(state.settings)
        QApplication.processEvents()
        assert state.jobs.wait_idle(20000)
        QApplication.processEvents()
    assert chart_pixel(screen, 2, 2) == light  # back to light, from the cache


def test_compatibility_with_a_second_user(state: AppState, qtbot: QtBot) -> None:
    screen = open_stats(qtbot, state)
    screen.select_view("compat")
    assert state.jobs.wait_idle(20000)
    QApplication.processEvents()
    assert screen.other_combo.isVisible() and not screen.by_combo.isVisible()
    assert screen.message.text() == "Pick a second user to compare listening with."
    screen.other_combo.setCurrentIndex(screen.other_combo.findText("ben"))
    assert state.jobs.wait_idle(20000)
    QApplication.processEvents()
    view = screen.view
    assert view is not None and view.name == "compat" and view.message is None
    assert "ada and ben" in view.title and "/100" in view.title
    assert "shared artists" in screen.notes.text() and "Björk" in screen.notes.text()
    assert "no audio-feature comparison" in screen.notes.text()
    tabs = [screen.tabs.tabText(i) for i in range(screen.tabs.count())]
    assert tabs == ["Score", "Shared artists", "Shared tracks"]
    screen.tabs.setCurrentIndex(1)
    assert set(column(screen, "artist")) == {"Björk", "Daft Punk"}


def test_recommendations_without_analysis_say_what_to_run(state: AppState, qtbot: QtBot) -> None:
    state.screen_names = frozenset({"stats", "folders"})
    screen = open_stats(qtbot, state)
    screen.select_view("recommend")
    assert state.jobs.wait_idle(20000)
    QApplication.processEvents()
    assert screen.pages.currentIndex() == 0
    assert screen.message.text().startswith("No audio analysis data yet")
    assert "Analyze" in screen.message.text()
    assert not screen.export_button.isEnabled()
    asked: list[tuple[str, object]] = []
    state.navigation_requested.connect(lambda name, payload: asked.append((name, payload)))
    qtbot.mouseClick(screen.message_button, Qt.MouseButton.LeftButton)
    assert asked == [("folders", None)]


def test_custom_dates_that_end_before_they_start(state: AppState, qtbot: QtBot) -> None:
    screen = open_stats(qtbot, state)
    picker = screen.range_picker
    picker.kind.setCurrentIndex(picker.kind.findData("custom"))
    assert state.jobs.wait_idle(20000)
    shown = screen.view
    picker.start.setFocus()
    qtbot.keyClick(picker.start, Qt.Key.Key_Home)  # the year
    for _ in range(3):
        qtbot.keyClick(picker.start, Qt.Key.Key_Up)  # three years after the end date
    assert state.jobs.wait_idle(20000)
    assert screen.status.isVisible() and "before it starts" in screen.status.text()
    assert screen.view is shown  # nothing was asked for


def test_export_table_and_chart_from_the_screen_read_back(
    state: AppState, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = open_stats(qtbot, state)
    targets: list[Path] = []

    def save_as(_parent: object, _caption: str, suggested: str, _filter: str) -> tuple[str, str]:
        assert suggested.endswith(Path(str(targets[-1])).suffix)
        return str(targets[-1]), _filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
    rows = [screen.model.row_values(r) for r in range(screen.model.rowCount())]
    for fmt in ("csv", "json", "parquet", "png", "svg"):
        part = "chart" if fmt in ("png", "svg") else "top-artists"
        targets.append(tmp_path / "out" / f"export.{fmt}")
        screen.exports.fill_menu(screen.export_menu)  # what opening the Export button's menu does
        action = next(a for a in screen.export_menu.actions() if a.objectName() == f"export-{part}-{fmt}")
        action.trigger()
        job = screen.last_export
        with qtbot.waitSignal(job.ended, timeout=20000):
            pass
        assert job.outcome == "finished", job.result
        assert screen.status.text().startswith(f"Saved {targets[-1]}")
    out = tmp_path / "out"
    with open(out / "export.csv", encoding="utf-8", newline="") as handle:
        read = list(csv.reader(handle))
    assert read[0] == screen.model.table.columns
    assert [(r[1], int(r[3])) for r in read[1:]] == [(r[1], r[3]) for r in rows]
    document = json.loads((out / "export.json").read_text(encoding="utf-8"))
    assert document["name"] == "top-artists" and [r["name"] for r in document["rows"]] == [r[1] for r in rows]
    parquet = pq.read_table(out / "export.parquet").to_pydict()
    assert parquet["plays"] == [r[3] for r in rows]
    image = QImage(str(out / "export.png"))
    assert not image.isNull() and image.width() > 600
    assert "Top artists by plays, all time" in (out / "export.svg").read_text(encoding="utf-8")


def test_table_context_menu_exports_the_shown_table(
    state: AppState, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = open_stats(qtbot, state)
    screen.select_view("taste")
    assert state.jobs.wait_idle(20000)
    QApplication.processEvents()
    screen.tabs.setCurrentIndex(3)  # hours
    target = tmp_path / "hours.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: (str(target), "")))
    menu = screen.table_menu()
    action = next(a for a in menu.actions() if a.objectName() == "export-taste-hours-csv")
    action.trigger()
    with qtbot.waitSignal(screen.last_export.ended, timeout=20000):
        pass
    with open(target, encoding="utf-8", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert len(read) == 24 and sum(int(r["plays"]) for r in read) == ADA_TOTAL


def test_no_users_says_how_to_get_listens(qtbot: QtBot, sqlite_db: Database, tmp_path: Path) -> None:
    state = AppState.for_tests(sqlite_db, tmp_path / "settings")
    screen = open_stats(qtbot, state)
    assert screen.pages.currentIndex() == 0
    assert screen.message.text().startswith("No listening history yet")
    assert state.jobs.wait_idle(20000)  # matplotlib's warm-up too, before the state goes


def test_table_model_contract(qtmodeltester: Any) -> None:
    model = StatsTableModel()
    model.set_table(
        StatsTable(
            "t", ["name", "plays", "listening_secs"], [("b", 2, 7200.0), ("a", 5, None), ("c", 5, 30.0)]
        )
    )
    qtmodeltester.check(model)
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert [model.row_values(r)[0] for r in range(3)] == ["a", "c", "b"]
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert [model.row_values(r)[0] for r in range(3)] == ["c", "b", "a"]  # empty cells last
    assert model.data(model.index(1, 2)) == "2h 00m"
    qtmodeltester.check(model)


def test_plays_without_any_known_length_show_no_listening_time(qtmodeltester: Any) -> None:
    # An artist heard only through listens that carry no length (no played or reported length, no matched
    # track) has plays but no listening time: the cell says so instead of "0m 00s".
    model = StatsTableModel()
    model.set_table(
        StatsTable("t", ["name", "plays", "listening_secs"], [("Björk", 18, 0), ("Air", 12, 30.0)])
    )
    qtmodeltester.check(model)
    assert [model.data(model.index(row, 2)) for row in range(2)] == ["—", "0m 30s"]
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert [model.row_values(r)[0] for r in range(2)] == ["Björk", "Air"]  # sorted by the value, not the text


def test_a_default_user_without_listens_does_not_hide_the_others(state: AppState, qtbot: QtBot) -> None:
    from scrobbler.users import default_user

    with state.db.session() as session:
        default_user(session, {"TONEARM_USER": "nobody"})  # what the CLI does on its first run
    screen = open_stats(qtbot, state)
    assert screen.user_combo.currentText() == "ada"
    screen.user_combo.setCurrentIndex(screen.user_combo.findText("nobody"))
    assert screen.pages.currentIndex() == 0
    assert screen.message.text() == NO_LISTENS.format(user="nobody")
    screen.user_combo.setCurrentIndex(screen.user_combo.findText("ben"))
    assert state.jobs.wait_idle(20000)
    QApplication.processEvents()
    assert screen.pages.currentIndex() == 1 and screen.view is not None
    assert column(screen, "name")[0] == "Björk" and sum(column(screen, "plays")) == sum(BEN_PLAYS.values())
    assert state.settings.value("stats/user") == "ben"


def test_stepping_to_the_year_before_finds_it_ready(state: AppState, qtbot: QtBot) -> None:
    screen = open_stats(qtbot, state, prefetch=True)
    picker = screen.range_picker
    picker.kind.setCurrentIndex(picker.kind.findData("year"))  # 2024, ada's last year
    assert state.jobs.wait_idle(30000)
    settle(qtbot, screen)  # 2024's views, then top artists of 2023 and 2025
    computed = screen.controller.computed
    picker.year.setValue(2023)
    assert screen.view is not None and "2023" in screen.view.title  # at once, from the cache
    assert column(screen, "name")[0] == "Air" and screen.controller.computed == computed
    assert_chart_is_the_view(screen)


def test_neighbour_ranges() -> None:
    assert neighbour_ranges("2024") == ["2023", "2025"]
    assert neighbour_ranges("2024-12") == ["2024-11", "2025-01"]
    assert neighbour_ranges("2021-W01") == ["2020-W53", "2021-W02"]
    assert neighbour_ranges("all") == neighbour_ranges("last-30-days") == []


def test_the_background_waits_while_a_person_steps_through_years(state: AppState, qtbot: QtBot) -> None:
    """The background starts a moment after a view is shown, and never beside a request being computed."""
    screen = open_stats(qtbot, state, prefetch=True)
    picker = screen.range_picker
    picker.kind.setCurrentIndex(picker.kind.findData("year"))
    assert state.jobs.wait_idle(30000)
    settle(qtbot, screen)
    picker.year.setValue(2023)  # prepared (the year before): shown at once ...
    assert screen.view is not None and "2023" in screen.view.title
    assert screen.controller.prefetching() and not state.jobs.busy()  # ... and 2023's others wait a moment
    picker.year.setValue(2020)  # typed on at once: not prepared, computed alone
    running: list[int] = []
    while screen.controller.busy():
        running.append(sum(job.running for job in state.jobs._jobs))  # reads too, which running() leaves out
        qtbot.wait(5)
    assert running and max(running) == 1
    assert screen.view is not None and "2020" in screen.view.title
    settle(qtbot, screen)
    assert {key.view for key in screen.controller.cache if key.range_text == "2020"} >= {"clock", "daily"}
