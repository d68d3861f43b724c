"""Stats views (scrobbler/stats/views.py) on every layout, and exporting a view's tables and chart
(scrobbler/exports/view_export.py): what is computed is what the underlying stats give, and files read back."""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from models.engine import Database
from models.progress import CancelToken, run_to_end
from scrobbler.exports.charts import DARK, LIGHT
from scrobbler.exports.view_charts import write_view_chart
from scrobbler.exports.view_export import CHART_PART, export_formats, export_view
from scrobbler.stats import TopBy, daily_trend, listening_clock, scope_for, streaks, top
from scrobbler.stats.views import VIEWS, compute_view, listen_span, load_scope_user, stats_users
from scrobbler.users import get_user
from tests.listening_fixtures import Library, utc

NOW = int(utc(2025, 6, 1).timestamp())


@pytest.fixture
def history(db: Database) -> Database:
    """ada (Europe/Berlin) and ben (UTC); tracks with genres, one analysed file per track; listens in 2024."""
    with db.session() as session:
        lib = Library(session)
        ada = lib.user("ada", "Europe/Berlin")
        ben = lib.user("ben", "UTC")
        features = {
            "Teardrop": {"bpm": 77.0, "energy": 0.4, "danceability": 0.5, "key": "A", "scale": "minor"},
            "Angel": {"bpm": 80.0, "energy": 0.6, "danceability": 0.6, "key": "C", "scale": "major"},
            "Jóga": {"bpm": 90.0, "energy": 0.5, "danceability": 0.4, "key": "A", "scale": "minor"},
            "Old Song": {"bpm": 79.0, "energy": 0.45, "danceability": 0.5, "key": "E", "scale": "minor"},
        }
        artists = {
            "Teardrop": "Massive Attack",
            "Angel": "Massive Attack",
            "Jóga": "Björk",
            "Old Song": "Air",
        }
        for title, artist in artists.items():
            lib.track(title, artist, album=f"{artist} LP", genres=("trip hop",) if artist != "Björk" else ())
            lib.media_file(title, f"/music/{title}.flac", features=features[title])
        for day in range(1, 11):
            lib.listen(ada, utc(2024, 3, day, 20), "Massive Attack", "Teardrop", played=300.0)
        for day in (2, 3, 4):
            lib.listen(ada, utc(2024, 3, day, 21), "Björk", "Jóga", played=200.0)
        lib.listen(
            ada, utc(2024, 3, 30, 23, 30), "Massive Attack", "Angel", played=250.0
        )  # 31 March in Berlin
        lib.listen(ada, utc(2023, 1, 1, 12), "Air", "Old Song", played=200.0)  # long ago
        for day in (5, 6):
            lib.listen(ben, utc(2024, 3, day, 9), "Massive Attack", "Teardrop")
        lib.listen(ben, utc(2024, 3, 7, 9), "Portishead", "Roads", matched=False)
    return db


def _scope(db: Database, name: str, rng: str = "2024"):  # type: ignore[no-untyped-def]
    with db.session() as session:
        return scope_for(get_user(session, name), rng)  # type: ignore[arg-type]


def test_views_give_what_the_stats_give(history: Database) -> None:
    scope = _scope(history, "ada")
    with history.session() as session:
        for by in (TopBy.PLAYS, TopBy.TIME):
            view = compute_view(session, scope, "top-artists", by=by)
            entries = top(session, scope, "artists", by)
            assert view.chart == entries and view.by == by.value
            assert [row[1] for row in view.tables[0].rows] == [e.name for e in entries]
        assert view.tables[0].name == "top-artists-by-time"
        assert view.title == "Top artists by listening time, 2024"
        clock = compute_view(session, scope, "clock")
        assert clock.chart == listening_clock(session, scope)
        assert sum(row[2] for row in clock.tables[0].rows) == 14
        assert "busiest hour: " in clock.notes[0]
        daily = compute_view(session, scope, "daily")
        assert daily.chart == daily_trend(session, scope)
        assert daily.notes == ["14 plays on 11 of 31 days (1.3 per listening day)"]
        found = streaks(session, scope)
        streak_view = compute_view(session, scope, "streaks")
        assert streak_view.tables[0].rows[0][0] == found.longest_days == 10
        assert streak_view.notes[0] == "Longest streak: 10 days (2024-03-01 to 2024-03-10)"
        discoveries = compute_view(session, scope, "discoveries")
        assert [t.name for t in discoveries.tables] == ["discoveries", "discoveries-artists"]
        assert {row[3] for row in discoveries.tables[0].rows} == {"Teardrop", "Jóga", "Angel"}
        genres = compute_view(session, scope, "top-genres")
        assert [row[1] for row in genres.tables[0].rows] == ["trip hop"]


def test_taste_compat_library_and_recommendations(history: Database) -> None:
    ada, ben = _scope(history, "ada"), _scope(history, "ben")
    with history.session() as session:
        taste = compute_view(session, ada, "taste")
        assert [t.name for t in taste.tables] == [
            "taste-features",
            "taste-genres",
            "taste-keys",
            "taste-hours",
        ]
        assert taste.chart.analysed_plays == 14
        assert dict(taste.table("taste-keys").rows) == {"A minor": 13, "C major": 1}
        assert sum(row[1] for row in taste.table("taste-hours").rows) == 14
        assert taste.notes == ["14 plays; 14 (100%) have analysed audio"]

        lonely = compute_view(session, ada, "compat")
        assert lonely.message is not None and lonely.next_step == "other-user" and not lonely.tables
        compat = compute_view(session, ada, "compat", other=ben)
        assert compat.title.startswith("ada and ben, 2024: ")
        assert compat.table("compat-shared-artists").rows == [("Massive Attack",)]
        assert any("shared artists" in note for note in compat.notes)

        library = compute_view(session, ada, "library")
        values = dict(library.table("library").rows)
        assert values["files"] == 4 and values["listens"] == 15 and values["analysed_files"] == 4

        missing_index = compute_view(session, ada, "recommend", now_epoch=NOW)
        assert missing_index.next_step == "analyze" and "similarity index" in (missing_index.message or "")

        def similar(seeds: Sequence[int], k: int) -> list[tuple[int, float]]:
            # The nearest owned tracks to the seeds: here, every other analysed track by a fixed score.
            return [(track_id, 0.9) for track_id in range(1, 5) if track_id not in seeds][:k]

        found = compute_view(session, ada, "recommend", similar=similar, now_epoch=NOW)
        assert [row[1] for row in found.tables[0].rows if row[0] == "track"] == ["Old Song"]
        with pytest.raises(KeyError, match="unknown view"):
            compute_view(session, ada, "charts")


def test_users_and_their_listening_span(history: Database) -> None:
    with history.session() as session:
        users, default = stats_users(session)
        assert [u.username for u in users] == ["ada", "ben"] and default is None
        ada = load_scope_user(session, users[0].id)
        assert listen_span(session, ada) == (date(2023, 1, 1), date(2024, 3, 31))  # Berlin's 31 March
        with pytest.raises(LookupError, match="pick another user"):
            load_scope_user(session, 999)


def test_every_view_computes_on_an_empty_range(history: Database) -> None:
    scope = _scope(history, "ada", "2020")
    with history.session() as session:
        for name in VIEWS:
            view = compute_view(session, scope, name, other=scope, now_epoch=NOW)
            assert view.name == name
            if name not in ("library", "recommend"):
                assert view.notes or view.message, name


def test_export_each_part_reads_back(history: Database, tmp_path: Path) -> None:
    scope = _scope(history, "ada")
    with history.session() as session:
        view = compute_view(session, scope, "top-tracks")
        taste = compute_view(session, scope, "taste")
        compat = compute_view(session, scope, "compat", other=_scope(history, "ben"))
    assert export_formats(view, CHART_PART) == ("png", "svg")
    assert export_formats(view, "top-tracks") == ("csv", "json", "parquet")
    result = run_to_end(export_view(view, "top-tracks", tmp_path / "top.csv", "csv", CancelToken()))
    assert result.rows == 3 and not result.cancelled
    with open(tmp_path / "top.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["name"], r["artist"], int(r["plays"])) for r in rows] == [
        ("Teardrop", "Massive Attack", 10),
        ("Jóga", "Björk", 3),
        ("Angel", "Massive Attack", 1),
    ]
    run_to_end(export_view(taste, "taste-keys", tmp_path / "keys.json", "json", CancelToken()))
    assert json.loads((tmp_path / "keys.json").read_text())["rows"][0] == {"key": "A minor", "plays": 13}
    run_to_end(export_view(taste, "taste-hours", tmp_path / "hours.parquet", "parquet", CancelToken()))
    assert sum(pq.read_table(tmp_path / "hours.parquet").to_pydict()["plays"]) == 14
    for chosen, fmt in ((view, "png"), (taste, "svg"), (compat, "png")):
        run_to_end(export_view(chosen, CHART_PART, tmp_path / f"{chosen.name}.{fmt}", fmt, CancelToken()))
        assert (tmp_path / f"{chosen.name}.{fmt}").stat().st_size > 1000
    assert "Taste profile, 2024" in (tmp_path / "taste.svg").read_text(encoding="utf-8")
    assert (tmp_path / "top-tracks.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_export_refuses_a_format_that_does_not_fit_and_a_cancel_writes_nothing(
    history: Database, tmp_path: Path
) -> None:
    with history.session() as session:
        view = compute_view(session, _scope(history, "ada"), "streaks")
    with pytest.raises(ValueError, match="a table can be saved as csv, json, parquet, not 'png'"):
        run_to_end(export_view(view, "streaks", tmp_path / "s.png", "png", CancelToken()))
    with pytest.raises(ValueError, match="the streaks view has no chart"):
        run_to_end(export_view(view, CHART_PART, tmp_path / "s.png", "png", CancelToken()))
    with pytest.raises(KeyError, match="no table 'top-artists'"):
        run_to_end(export_view(view, "top-artists", tmp_path / "s.csv", "csv", CancelToken()))
    out = tmp_path / "out"
    out.mkdir()
    target = out / "s.csv"
    target.write_text("older export\n")
    token = CancelToken()
    token.cancel()
    result = run_to_end(export_view(view, "streaks", target, "csv", token))
    assert result.cancelled and target.read_text() == "older export\n"
    assert sorted(p.name for p in out.iterdir()) == ["s.csv"]


def test_dark_chart_file(history: Database, tmp_path: Path) -> None:
    with history.session() as session:
        view = compute_view(session, _scope(history, "ada"), "clock")
    svg = write_view_chart(view, tmp_path / "clock.svg", "svg", DARK).read_text(encoding="utf-8")
    assert DARK.background in svg and "Listening clock, 2024" in svg


def test_screen_rendering_of_each_chart(history: Database) -> None:
    from scrobbler.exports.view_charts import render_view_chart, screen_height

    scope = _scope(history, "ada")
    with history.session() as session:
        other = _scope(history, "ben")
        views = [compute_view(session, scope, name, other=other, now_epoch=NOW) for name in VIEWS]
    for view in views:
        if view.chart_kind is None:
            continue
        for theme, scale in ((LIGHT, 1.0), (DARK, 2.0)):
            height = screen_height(view, 300)
            pixels = render_view_chart(view, 640, height, theme, scale)
            assert (pixels.width, pixels.height) == (int(640 * scale), int(height * scale)), view.name
            assert len(pixels.rgba) == pixels.width * pixels.height * 4
            corner = tuple(pixels.rgba[:3])  # the top-left pixel is the theme's background
            expected = (255, 255, 255) if theme is LIGHT else tuple(bytes.fromhex(DARK.background[1:]))
            assert corner == expected, view.name


@pytest.mark.parametrize("width", [640, 900, 1000, 1400])
def test_the_taste_chart_on_a_screen_keeps_its_panels_apart_and_inside(width: int) -> None:
    """On a screen the taste panels are placed without a layout engine: with long genre names, every key
    and a six-digit hour, no panel's labels reach into the next panel and nothing leaves the picture
    (narrower than TASTE_FIXED_MIN_PX, constrained layout places them, as in files)."""
    import matplotlib

    from scrobbler.exports.charts import new_figure
    from scrobbler.exports.view_charts import SCREEN_DPI, TASTE_FIXED_MIN_PX, _margins, draw_view_chart
    from scrobbler.stats.taste import FeatureSummary, TasteProfile
    from scrobbler.stats.views import StatsView

    genres = {f"{name} and the long genre name": 0.1 for name in ("alpha", "beta", "gamma")} | {"pop": 0.7}
    keys = {f"{note} minor": 10 + i for i, note in enumerate(("C#", "Eb", "F#", "G#", "Bb", "A", "B", "D"))}
    features = {name: FeatureSummary(name, 0.5, 0.1, 9) for name in ("bpm", "energy", "danceability")}
    profile = TasteProfile(999_999, 9, genres, features, keys, [123_456] * 24)
    view = StatsView("taste", "Taste profile, 2024", [], chart_kind="taste", chart=profile)
    height = 420
    figure = new_figure(
        width / SCREEN_DPI, height / SCREEN_DPI, LIGHT, dpi=SCREEN_DPI, margins=_margins(view, width, height)
    )
    draw_view_chart(figure, view, LIGHT)
    with matplotlib.rc_context({"text.hinting": "none"}):
        figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    assert (figure.get_layout_engine() is None) == (width >= TASTE_FIXED_MIN_PX)
    boxes = [axes.get_tightbbox(renderer) for axes in figure.axes]
    for box in boxes:
        assert box.x0 >= 0 and box.x1 <= width and box.y0 >= 0 and box.y1 <= height, box
    if width >= TASTE_FIXED_MIN_PX:  # (constrained layout lets long x labels of narrow panels meet)
        labelled = boxes[1:]  # the sound panel is text in its own axes
        for left, right in itertools.pairwise(labelled):
            assert left.x1 <= right.x0, (left, right)
