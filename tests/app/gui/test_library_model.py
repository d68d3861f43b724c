"""The library table model: Qt's model contract, sorting (case/accent-insensitive, missing values last),
filtering, display formats, and reloading without losing the user's sort, filter and selection."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QDateTime, QLocale, QPersistentModelIndex, Qt
from pytestqt.modeltest import ModelTester

from analyzer.catalog.library import COLUMNS, LibraryColumns, load_library
from app.gui.library.browse import BrowseFilter, BrowseListModel, browse_entries
from app.gui.library.model import MISSING_TOOLTIP, TRACK_ID_ROLE, LibraryTableModel, format_length
from app.gui.library.table import camelot_rank, fold_text, prepare_table
from models.engine import Database
from tests.app.gui.conftest import LIBRARY_TRACKS

DISPLAY = Qt.ItemDataRole.DisplayRole


def columns_of(rows: list[dict]) -> LibraryColumns:
    """LibraryColumns from per-track dicts (unknowns as the core writes them: "", 0, nan)."""

    def text(name: str) -> list[str]:
        return [row.get(name, "") for row in rows]

    def number(name: str, dtype: type, unknown: float) -> np.ndarray:
        return np.array([row.get(name, unknown) for row in rows], dtype)

    return LibraryColumns(
        ids=number("id", np.int64, 0),
        title=text("title"),
        artist=text("artist"),
        album=text("album"),
        album_artist=text("album_artist"),
        year=number("year", np.int32, 0),
        length=number("length", np.float64, math.nan),
        formats=text("formats"),
        bpm=number("bpm", np.float64, math.nan),
        key=text("key"),
        plays=number("plays", np.int64, 0),
        last_played=number("last_played", np.float64, math.nan),
        added=number("added", np.float64, math.nan),
        missing=number("missing", bool, False),
    )


SAMPLE = [
    {"id": 10, "title": "Zebra", "artist": "björk", "year": 1997, "length": 185.4, "bpm": 121.6, "key": "8A",
     "plays": 3, "formats": "flac", "added": 1.7e9},
    {"id": 11, "title": "apple", "artist": "Air", "year": 0, "length": 3725.0, "key": "12B", "plays": 0,
     "formats": "mp3", "added": 1.6e9, "missing": True},
    {"id": 12, "title": "Éclair", "artist": "Bjork", "year": 2004, "bpm": 90.0, "key": "1A", "plays": 12,
     "formats": "flac, mp3", "last_played": 1.65e9},
    {"id": 13, "title": "", "artist": "", "year": 1960, "length": 59.6, "bpm": 175.2, "plays": 1},
]  # fmt: skip


@pytest.fixture
def model(qtbot) -> LibraryTableModel:
    model = LibraryTableModel()
    model.set_columns(columns_of(SAMPLE))
    return model


def column(model: LibraryTableModel, name: str) -> list[str]:
    at = model.column_of(name)
    return [model.data(model.index(row, at), DISPLAY) for row in range(model.rowCount())]


def ids(model: LibraryTableModel) -> list[int]:
    return [model.data(model.index(row, 0), TRACK_ID_ROLE) for row in range(model.rowCount())]


def test_the_model_keeps_qts_contract_on_a_scanned_library_through_sorts_and_filters(
    qtmodeltester: ModelTester, populated_db: Database
) -> None:
    with populated_db.session() as session:
        columns = load_library(session)
    assert len(columns) == len(LIBRARY_TRACKS)
    model = LibraryTableModel()
    qtmodeltester.check(model)  # empty, before the first load
    model.set_columns(columns)
    qtmodeltester.check(model)
    assert model.columnCount() == len(COLUMNS) and model.rowCount() == len(LIBRARY_TRACKS)
    model.sort(model.column_of("title"), Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    model.set_filters([BrowseFilter("artist", "air")])
    qtmodeltester.check(model)
    assert sorted(column(model, "title")) == ["Cherry Blossom Girl", "La femme d'argent", "Talisman"]
    model.set_columns(columns)
    qtmodeltester.check(model)
    assert model.rowCount() == 3


def test_text_sorts_ignore_case_and_accents_with_blanks_last_both_ways(model: LibraryTableModel) -> None:
    model.sort(model.column_of("title"), Qt.SortOrder.AscendingOrder)
    assert column(model, "title") == ["apple", "Éclair", "Zebra", ""]
    model.sort(model.column_of("title"), Qt.SortOrder.DescendingOrder)
    assert column(model, "title") == ["Zebra", "Éclair", "apple", ""]
    model.sort(model.column_of("artist"), Qt.SortOrder.AscendingOrder)
    # "björk" and "Bjork" are one artist; ties keep the artist/album/title order (Éclair before Zebra)
    assert column(model, "artist") == ["Air", "Bjork", "björk", ""]
    assert column(model, "title") == ["apple", "Éclair", "Zebra", ""]


def test_number_date_and_key_sorts_put_unknown_last_both_ways(model: LibraryTableModel) -> None:
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        model.sort(model.column_of("year"), order)
        years = column(model, "year")
        assert years[-1] == "" and years[:-1] == sorted(
            years[:-1], reverse=order == Qt.SortOrder.DescendingOrder
        )
        model.sort(model.column_of("bpm"), order)
        assert column(model, "bpm")[-1] == ""
        model.sort(model.column_of("last_played"), order)
        assert ids(model)[0] == 12 and column(model, "last_played")[1:] == ["", "", ""]
    model.sort(model.column_of("key"), Qt.SortOrder.AscendingOrder)
    assert column(model, "key") == ["1A", "8A", "12B", ""]  # the Camelot wheel, not the alphabet
    model.sort(model.column_of("length"), Qt.SortOrder.DescendingOrder)
    assert column(model, "length") == ["1:02:05", "3:05", "1:00", ""]
    model.sort(-1, Qt.SortOrder.AscendingOrder)  # no sort column: the artist, album, title order
    assert ids(model) == [11, 12, 10, 13]


def test_cells_are_formatted_for_people(model: LibraryTableModel) -> None:
    model.sort(model.column_of("plays"), Qt.SortOrder.AscendingOrder)
    assert ids(model) == [11, 13, 10, 12]
    row = {track: at for at, track in enumerate(ids(model))}
    assert column(model, "bpm")[row[10]] == "122" and column(model, "bpm")[row[11]] == ""
    assert column(model, "year")[row[11]] == ""  # 0 = unknown
    assert column(model, "length")[row[13]] == "1:00" and column(model, "length")[row[11]] == "1:02:05"
    day = QDateTime.fromSecsSinceEpoch(1_650_000_000).date()
    expected_date = (
        day.toString("yyyy-MM-dd")  # no locale set (the tests' LANG=C): ISO
        if QLocale().language() == QLocale.Language.C
        else QLocale().toString(day, QLocale.FormatType.ShortFormat)
    )
    assert column(model, "last_played")[row[12]] == expected_date and expected_date
    assert column(model, "missing")[row[11]] == "yes" and column(model, "missing")[row[10]] == ""
    plays = model.index(row[12], model.column_of("plays"))
    title = model.index(row[12], model.column_of("title"))
    assert model.data(plays, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert model.data(title, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignLeft
    gone = model.index(row[11], model.column_of("title"))
    assert model.data(gone, Qt.ItemDataRole.ToolTipRole) == MISSING_TOOLTIP
    assert model.data(gone, Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(title, Qt.ItemDataRole.ForegroundRole) is None
    assert model.headerData(0, Qt.Orientation.Horizontal) == COLUMNS[0].label


def test_filters_keep_the_sort_and_the_selection_follows_tracks(model: LibraryTableModel) -> None:
    model.sort(model.column_of("title"), Qt.SortOrder.AscendingOrder)
    selected = QPersistentModelIndex(model.index(ids(model).index(10), 2))  # Zebra, third column
    model.set_filters([BrowseFilter("artist", "BJÖRK")])
    assert column(model, "title") == ["Éclair", "Zebra"]
    assert selected.isValid() and model.data(model.index(selected.row(), 0), TRACK_ID_ROLE) == 10
    assert selected.column() == 2
    model.set_filters([BrowseFilter("artist", "Air")])
    assert ids(model) == [11] and not selected.isValid()  # filtered out: the index is dropped
    model.set_filters([])
    assert model.rowCount() == 4 and column(model, "title")[0] == "apple"


def test_set_columns_keeps_sort_filter_and_selection_by_track_id(model: LibraryTableModel) -> None:
    model.sort(model.column_of("title"), Qt.SortOrder.DescendingOrder)
    model.set_filters([BrowseFilter("artist", "bjork")])
    selected = QPersistentModelIndex(model.index(ids(model).index(12), 0))
    gone = QPersistentModelIndex(model.index(ids(model).index(10), 0))
    reloaded = [row for row in SAMPLE if row["id"] != 10] + [
        {"id": 14, "title": "Alarm Call", "artist": "Björk", "year": 1997},
        {"id": 15, "title": "Yellow", "artist": "Coldplay"},
    ]
    reloaded[1] = {**reloaded[1], "title": "Èclair (remix)"}  # track 12 renamed by a rescan
    model.set_columns(columns_of(list(reversed(reloaded))))
    assert column(model, "title") == ["Èclair (remix)", "Alarm Call"]  # still Björk only, still descending
    assert model.total == 5
    assert selected.isValid() and model.data(model.index(selected.row(), 0), TRACK_ID_ROLE) == 12
    assert not gone.isValid()


def test_row_lookups_and_empty_libraries(qtbot) -> None:
    model = LibraryTableModel()
    assert model.rowCount() == 0 and model.row_of_track(1) is None
    model.set_columns(columns_of([]))
    assert model.rowCount() == 0 and model.total == 0
    model.sort(0, Qt.SortOrder.DescendingOrder)
    model.set_filters([BrowseFilter("album", "x")])
    model.set_columns(columns_of(SAMPLE))
    assert model.rowCount() == 0  # the album filter is kept: no sample track has album "x"
    model.set_filters([])
    assert model.track_id(0) == 10 and model.row_of_track(13) == 3  # still by title descending, "" last
    assert model.row_of_track(99) is None


def test_prepared_keys_and_browse_lists(qtbot, qtmodeltester: ModelTester) -> None:
    assert fold_text("Björk") == fold_text("BJORK") == "bjork"
    assert fold_text("が") != fold_text("か")  # the dakuten changes the letter: not an accent to drop
    assert [camelot_rank(code) for code in ("1A", "1B", "2A", "12B")] == [2, 3, 4, 25]
    assert math.isnan(camelot_rank("")) and math.isnan(camelot_rank("Am"))
    table = prepare_table(columns_of(SAMPLE))
    assert browse_entries(table, "artist") == [("Air", 1), ("björk", 2), ("", 1)]
    assert browse_entries(table, "artist", BrowseFilter("artist", "air").mask(table)) == [("Air", 1)]
    assert table.code_of("artist", "Nobody") is None
    browse = BrowseListModel("artist")
    browse.set_entries(browse_entries(table, "artist"))
    qtmodeltester.check(browse)
    shown = [browse.data(browse.index(row, 0)) for row in range(browse.rowCount())]
    assert shown == ["All artists (3)", "Air (1)", "björk (2)", "Unknown artist (1)"]
    assert browse.row_of("björk") == 2 and browse.row_of(None) == 0 and browse.row_of("gone") == 0
    with qtbot.assertNotEmitted(browse.modelReset):  # same names, new counts: repainted in place
        browse.set_entries([("Air", 4), ("björk", 2), ("", 1)])
    assert browse.data(browse.index(1, 0)) == "Air (4)"
    with qtbot.waitSignal(browse.modelReset, timeout=100):
        browse.set_entries([("Air", 4), ("Björk", 2)])
    assert browse.rowCount() == 3 and browse.data(browse.index(0, 0)) == "All artists (2)"
    assert (
        format_length(math.nan) == "" and format_length(59.5) == "1:00" and format_length(3600) == "1:00:00"
    )
