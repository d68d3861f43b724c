"""`tonearm db ...` and the global options, run in-process the way the console script runs them."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from app.cli import main
from models.bootstrap import head_revision
from models.registry import CONTRACT_TABLES


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == "tonearm 0.1.0"


def test_init_then_info_on_the_default_sqlite_file(capsys: pytest.CaptureFixture[str]) -> None:
    default_file = Path(os.environ["TONEARM_DATA_DIR"]) / "tonearm.db"
    code, out, _ = run(capsys, "db", "init")
    assert code == 0 and str(default_file) in out and default_file.exists()
    code, out, _ = run(capsys, "db", "info", "--json")
    info = json.loads(out)
    assert info["engine"] == "sqlite" and info["revision"] == info["head"]
    tables = {s["logical"]: set(s["tables"]) for s in info["schemas"]}
    for schema, names in CONTRACT_TABLES.items():
        assert names <= tables[schema]
    code, out, _ = run(capsys, "db", "info")
    assert code == 0 and "listen_match_candidates" in out and "medialibrary" in out


def test_info_on_sqlite_split_shows_three_files(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCROBBLER_MEDIALIBRARY_SCHEMA", "medialibrary")
    monkeypatch.setenv("SCROBBLER_LISTENS_SCHEMA", "listens")
    url = f"sqlite:///{tmp_path / 'lib.db'}"
    assert run(capsys, "--database-url", url, "db", "init")[0] == 0
    _code, out, _ = run(capsys, "--database-url", url, "db", "info", "--json")
    info = json.loads(out)
    assert info["files"] == {
        "main": str(tmp_path / "lib.db"),
        "medialibrary": str(tmp_path / "lib-medialibrary.db"),
        "listens": str(tmp_path / "lib-listens.db"),
    }
    for schema in info["schemas"]:
        with sqlite3.connect(schema["location"]) as raw:
            names = {r[0] for r in raw.execute("select name from sqlite_master where type='table'")}
        assert CONTRACT_TABLES[schema["logical"]] <= names
        assert not (
            names & CONTRACT_TABLES["listens" if schema["logical"] == "medialibrary" else "medialibrary"]
        )


def test_database_url_from_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TONEARM_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert run(capsys, "db", "init")[0] == 0
    assert (tmp_path / "env.db").exists()


def test_check_passes_on_a_healthy_database_and_fails_on_an_orphan(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    run(capsys, "--database-url", url, "db", "init")
    code, out, _ = run(capsys, "--database-url", url, "db", "check")
    assert code == 0 and "OK" in out
    with sqlite3.connect(tmp_path / "c.db") as raw:
        raw.execute(
            "INSERT INTO external_ids (entity_type, entity_id, scheme, value) VALUES ('track', 9, 'isrc', 'X')"
        )
    code, out, _ = run(capsys, "--database-url", url, "db", "check", "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    assert any("external_ids.entity_id[track]" in p for p in report["problems"])


def test_check_reports_missing_tables_and_old_revisions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with sqlite3.connect(tmp_path / "old.db") as raw:
        raw.execute("CREATE TABLE unrelated (x)")
    code, out, _ = run(capsys, "--database-url", url, "db", "check")
    assert code == 1 and "missing table" in out
    code, out, _ = run(capsys, "--database-url", url, "db", "upgrade")
    assert code == 0 and f"to {head_revision()}" in out
    assert run(capsys, "--database-url", url, "db", "check")[0] == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mariadb+pymysql://user:secret@127.0.0.1:1/tonearm", "cannot reach the database server"),
        ("postgresql://localhost/x", "unsupported database"),
        ("::not a url::", "bad database URL"),
    ],
)
def test_errors_are_one_clear_line(capsys: pytest.CaptureFixture[str], url: str, expected: str) -> None:
    code, _out, err = run(capsys, "--database-url", url, "db", "info")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("tonearm: error: ") and expected in err
    assert "secret" not in err and "Traceback" not in err


def test_read_only_database_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from models.bootstrap import upgrade_database
    from models.engine import open_database

    older = open_database(f"sqlite:///{tmp_path / 'ro.db'}")
    upgrade_database(older, "0001")  # an older database, so `db upgrade` must write
    older.dispose()
    # root ignores file modes; SQLite's read-only open mode gives the same refusal a read-only file does
    ro_url = f"sqlite:///file:{tmp_path / 'ro.db'}?mode=ro&uri=true"
    code, _, err = run(capsys, "--database-url", ro_url, "db", "upgrade")
    assert code == 1 and err.startswith("tonearm: error: the database is read-only") and err.count("\n") == 1


def test_missing_database_directory_cannot_be_opened_read_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ro_url = f"sqlite:///file:{tmp_path / 'absent.db'}?mode=ro&uri=true"
    code, _, err = run(capsys, "--database-url", ro_url, "db", "info")
    assert code == 1 and err.startswith("tonearm: error: cannot open the database file")


def test_repair_splits_a_merged_track_and_says_what_it_did(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import shutil

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is needed to make audio")
    from models.engine import open_database
    from tests.analyzer.test_repair import WESNOTH, merge_as_old_rule, old_uid
    from tests.scan_audio import make_templates, place

    short, long = (tmp_path / "short", tmp_path / "long")
    short.mkdir(), long.mkdir()
    music = tmp_path / "music"
    pinkham = place(make_templates(short, 8.5), music / "defeat.ogg", artist="Timothy Pinkham", **WESNOTH)
    reilly = place(make_templates(long, 14.2), music / "defeat2.ogg", artist="Ryan Reilly", **WESNOTH)
    url = f"sqlite:///{tmp_path / 'lib.db'}"
    assert run(capsys, "--database-url", url, "scan", str(music))[0] == 0
    db = open_database(url)
    merge_as_old_rule(
        db, str(reilly), str(pinkham), old_uid("Wesnoth Project", WESNOTH["album"], 0, 0, "Defeat")
    )
    db.dispose()

    code, out, _ = run(capsys, "--database-url", url, "db", "repair")
    assert code == 0
    assert "1 split, 1 files moved to their own recording" in out
    code, out, _ = run(capsys, "--database-url", url, "db", "repair", "--json")
    report = json.loads(out)
    assert code == 0 and report["tracks_checked"] == 2 and report["tracks_split"] == 0
