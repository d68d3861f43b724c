"""`tonearm stats ...` and `tonearm export ...` run in-process the way the console script runs them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from app.cli import main
from models.bootstrap import init_database
from models.engine import open_database
from models.schemas import SchemaConfig
from tests.listening_fixtures import Library, utc


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = open_database(url, SchemaConfig())
    init_database(db)
    with db.session() as session:
        lib = Library(session)
        alice, bob = lib.user("alice", "Europe/Berlin"), lib.user("bob")
        lib.track("Creep", "Radiohead", duration=200, genres=("rock",))
        lib.media_file("Creep", "/music/creep.flac")
        for day in (1, 2):
            lib.listen(alice, utc(2024, 1, day, 12), "Radiohead", "Creep")
        lib.listen(alice, utc(2024, 12, 31, 23, 30), "Björk", "Joga", matched=False)  # 2025 in Berlin
        lib.listen(bob, utc(2024, 1, 1), "Radiohead", "Creep")
    db.dispose()
    return url


def run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    code = main(["--database-url", url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_stats_top_json_csv_and_table(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, out, _ = run(capsys, url, "stats", "top", "artists", "--range", "2024", "--user", "alice", "--json")
    assert code == 0
    assert [(r["name"], r["plays"]) for r in json.loads(out)] == [("Radiohead", 2)]
    code, out, _ = run(
        capsys, url, "stats", "top", "tracks", "-r", "2025", "-u", "alice", "--csv", "--by", "time"
    )
    assert code == 0 and next(iter(csv.DictReader(out.splitlines())))["name"] == "Joga"
    code, out, _ = run(capsys, url, "stats", "top", "genres", "-u", "alice")
    assert code == 0 and "rock" in out


@pytest.mark.parametrize("command", ["clock", "daily", "discoveries", "streaks", "library", "taste"])
def test_other_stats_commands_run(capsys: pytest.CaptureFixture[str], url: str, command: str) -> None:
    code, out, err = run(capsys, url, "stats", command, "--user", "alice", "--range", "2024")
    assert code == 0, err
    assert out.strip()


def test_compat_and_recommend_messages(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, out, _ = run(capsys, url, "stats", "compat", "alice", "bob", "--json")
    assert code == 0 and json.loads(out)["artist_overlap"] > 0
    code, _, err = run(capsys, url, "stats", "compat", "alice", "nobody")
    assert code == 1 and "no user named 'nobody'" in err
    code, _, err = run(capsys, url, "stats", "recommend", "--user", "alice")
    assert code == 1 and "no audio analysis data" in err


def test_track_daily_plays_command(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, out, _ = run(capsys, url, "stats", "track", "1", "--user", "alice", "--json")
    assert code == 0 and json.loads(out) == [
        {"day": "2024-01-01", "plays": 1},
        {"day": "2024-01-02", "plays": 1},
    ]


def test_bad_range_is_one_line(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, _, err = run(capsys, url, "stats", "clock", "--range", "someday", "--user", "alice")
    assert code == 1 and err.startswith("tonearm: error: bad range 'someday'")


def test_export_commands(capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    assert (
        run(capsys, url, "export", "listens", "-o", str(out / "alice.parquet"), "-u", "alice", "-q")[0] == 0
    )
    assert pq.read_table(out / "alice.parquet").num_rows == 3
    assert run(capsys, url, "export", "listens", "-o", str(out / "alice.lb.jsonl"), "-u", "alice")[0] == 0
    assert len((out / "alice.lb.jsonl").read_text().splitlines()) == 3
    code, _, err = run(
        capsys, url, "export", "stats", "top-artists", "-o", str(out / "top.json"), "-u", "alice"
    )
    assert code == 0, err
    assert json.loads((out / "top.json").read_text())["rows"][0]["name"] == "Radiohead"
    for chart in ("top-artists", "clock", "daily"):
        assert (
            run(capsys, url, "export", "chart", chart, "-o", str(out / f"{chart}.svg"), "-u", "alice")[0] == 0
        )
    code, _, err = run(capsys, url, "export", "playlist", "-o", str(out / "mix.m3u8"), "-u", "alice")
    assert code == 0 and "Wrote 1 tracks" in err
    assert "/music/creep.flac" in (out / "mix.m3u8").read_text()
    code, _, err = run(capsys, url, "export", "playlist", "-o", str(out / "rock.xspf"), "--genre", "Rock")
    assert code == 0 and "<duration>200000</duration>" in (out / "rock.xspf").read_text()
    code, _, err = run(capsys, url, "export", "listens", "-o", str(out / "x.png"))
    assert code == 1 and "not 'png'" in err
