"""`tonearm tracks`: the library table in a terminal, over a scanned library of real audio files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("tracks-cli-templates"))


@pytest.fixture
def scanned(tmp_path: Path, templates: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> list[str]:
    """A scanned library; the Ogg file is then deleted and the library rescanned, so its track is missing."""
    root = tmp_path / "music"
    crazy = {"title": "Crazy in Love", "artist": "Beyoncé feat. JAY Z", "album": "Dangerously in Love",
             "albumartist": "Beyoncé", "date": "2003", "tracknumber": "1"}  # fmt: skip
    place(templates, root / "Beyonce/01 Crazy in Love.flac", **crazy)
    place(templates, root / "Beyonce/01 Crazy in Love.mp3", **crazy)
    discovery = {"artist": "Daft Punk", "album": "Discovery", "date": "2001"}
    place(
        templates,
        root / "Daft Punk/01 One More Time.ogg",
        title="One More Time",
        tracknumber="1",
        **discovery,
    )
    place(
        templates, root / "Daft Punk/03 Digital Love.m4a", title="Digital Love", tracknumber="3", **discovery
    )
    place(
        templates,
        root / "AC-DC/01 Highway to Hell.mp3",
        title="Highway to Hell",
        artist="AC/DC",
        album="Highway to Hell",
        date="1979",
    )
    url = ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}"]
    assert main([*url, "scan", str(root)]) == 0
    (root / "Daft Punk/01 One More Time.ogg").unlink()
    assert main([*url, "scan", str(root)]) == 0
    capsys.readouterr()
    return url


def _json(capsys: pytest.CaptureFixture[str], url: list[str], *args: str) -> list[dict[str, object]]:
    assert main([*url, "tracks", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_json_rows_carry_every_column(scanned: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json(capsys, scanned)
    # Default order: artist, album, title, case-insensitively.
    assert [(r["artist"], r["title"]) for r in rows] == [
        ("AC/DC", "Highway to Hell"),
        ("Beyoncé feat. JAY Z", "Crazy in Love"),
        ("Daft Punk", "Digital Love"),
        ("Daft Punk", "One More Time"),
    ]
    crazy = rows[1]
    assert crazy["album"] == "Dangerously in Love" and crazy["album_artist"] == "Beyoncé"
    assert crazy["year"] == 2003 and crazy["formats"] == ["flac", "mp3"] and crazy["missing"] is False
    assert crazy["plays"] == 0 and crazy["last_played"] is None and crazy["bpm"] is None
    assert (
        isinstance(crazy["length"], float) and crazy["length"] > 0 and str(crazy["added"]).endswith("+00:00")
    )
    assert (rows[0]["album"], rows[0]["year"], rows[0]["formats"]) == ("Highway to Hell", 1979, ["mp3"])
    gone = rows[3]
    assert gone["missing"] is True and gone["formats"] == []


@pytest.mark.parametrize(
    ("search", "titles"),
    [
        ("beyonce", ["Crazy in Love"]),
        ("love", ["Crazy in Love", "Digital Love"]),
        ('artist:"daft punk" -digital', ["One More Time"]),
        ("missing:yes", ["One More Time"]),
        ("format:mp3", ["Highway to Hell", "Crazy in Love"]),
        ("year:1990..2002", ["Digital Love", "One More Time"]),
        ("ac/dc", ["Highway to Hell"]),
        ("nothing-like-this", []),
    ],
)
def test_search_uses_the_library_syntax(
    scanned: list[str], capsys: pytest.CaptureFixture[str], search: str, titles: list[str]
) -> None:
    assert [r["title"] for r in _json(capsys, scanned, "--search", search)] == titles


def test_sort_descending_and_limit(scanned: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json(capsys, scanned, "--sort", "year", "--desc", "--limit", "2")
    assert [(r["title"], r["year"]) for r in rows] == [("Crazy in Love", 2003), ("Digital Love", 2001)]
    rows = _json(capsys, scanned, "--sort", "title")
    assert [r["title"] for r in rows] == ["Crazy in Love", "Digital Love", "Highway to Hell", "One More Time"]


def test_the_table_shows_the_columns_and_counts(
    scanned: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*scanned, "tracks", "--search", "daft"]) == 0
    text = capsys.readouterr().out
    header = text.splitlines()[0]
    for column in ("artist", "title", "length", "album", "year", "plays", "format"):
        assert column in header
    assert "Digital Love" in text and "m4a" in text and "2001" in text
    assert "2 tracks; 1 shown dim have no readable file" in text
    assert main([*scanned, "tracks", "--limit", "1"]) == 0
    assert "1 of 4 tracks" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--search", "year:nineties"], "--search: year: wants a year (2001), a range (1990..1999)"),
        (["--search", "artsit:daft"], "--search: unknown field artsit:"),
        (["--search", 'artist:"daft'], "--search: a quote is not closed"),
        (["--sort", "colour"], "--sort colour: no such column; columns: title, artist"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    scanned: list[str], capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    assert main([*scanned, "tracks", *args]) == 1
    captured = capsys.readouterr()
    assert says in captured.err and captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_an_empty_library_and_no_match_say_what_to_do(
    tmp_path: Path, scanned: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database-url", f"sqlite:///{tmp_path / 'empty.db'}", "tracks"]) == 0
    assert "No tracks yet: add a music folder (tonearm folders add PATH)" in capsys.readouterr().out
    assert main([*scanned, "tracks", "--search", "year:>2020"]) == 0
    assert "No track matches 'year:>2020' (of 4 tracks)." in capsys.readouterr().out
