"""``tonearm scan`` tells a new SQLite database from a URL without SQLAlchemy where the URL is plain, and
then says what models.engine says; a first scan's process starts its read workers before SQLAlchemy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models.database_location import DATA_DIR_ENV, DATABASE_URL_ENV, plain_new_sqlite_database
from models.engine import is_new_sqlite_database
from tests.scan_audio import make_templates, place

ROOT = Path(__file__).resolve().parents[2]


def url_forms(folder: Path) -> list[str]:
    return [
        f"sqlite:///{folder}/absent.db",
        f"sqlite:///{folder}/empty.db",
        f"sqlite:///{folder}/full.db",
        f"sqlite:///{folder}/wal-only.db",
        f"sqlite:///{folder}/dir.db",
        "sqlite:///relative-absent.db",
        "sqlite:///~/tonearm-absent-in-home.db",
        "sqlite://",
        "sqlite:///:memory:",
        f"sqlite:///file:{folder}/x.db?mode=memory&uri=true",
        f"sqlite:///{folder}/with%20space.db",
        f"sqlite+pysqlite:///{folder}/absent.db",
        "mariadb+pymysql://u:p@localhost/x",
    ]


def test_plain_urls_get_the_engines_answer_and_others_none(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    (tmp_path / "full.db").write_bytes(b"SQLite format 3\x00")
    (tmp_path / "wal-only.db-wal").write_bytes(b"x")
    (tmp_path / "dir.db").mkdir()
    (tmp_path / "dir.db" / "f").touch()
    answered = 0
    for url in url_forms(tmp_path):
        light = plain_new_sqlite_database(url, environ={})
        if light is not None:
            answered += 1
            assert light == is_new_sqlite_database(url, environ={}), url
    assert answered == 7  # absent, empty, full, wal-only, dir, relative, home
    assert plain_new_sqlite_database(f"sqlite:///{tmp_path}/absent.db", environ={}) is True
    assert plain_new_sqlite_database(f"sqlite:///{tmp_path}/full.db", environ={}) is False


def test_the_default_database_and_the_environment_are_read_as_the_engine_reads_them(tmp_path: Path) -> None:
    environ = {DATA_DIR_ENV: str(tmp_path)}
    assert plain_new_sqlite_database(None, environ) is True is is_new_sqlite_database(None, environ=environ)
    (tmp_path / "tonearm.db").write_bytes(b"SQLite format 3\x00")
    assert plain_new_sqlite_database(None, environ) is False is is_new_sqlite_database(None, environ=environ)
    other = {DATABASE_URL_ENV: f"sqlite:///{tmp_path}/other.db", **environ}
    assert plain_new_sqlite_database(None, other) is True is is_new_sqlite_database(None, environ=other)


PROBE = """
import json, sys
import concurrent.futures.process as process
seen = {}
start = process.ProcessPoolExecutor.__init__
def init(self, *args, **kwargs):
    for name in ("sqlalchemy", "pydantic", "rich", "typer"):
        seen.setdefault(name, name in sys.modules)
    start(self, *args, **kwargs)
process.ProcessPoolExecutor.__init__ = init
sys.argv = ["tonearm", "scan", sys.argv[1], "--json"]
if sys.argv[-1] == "console script":
    from app.launch import main  # what `tonearm` runs (pyproject's [project.scripts])
    code = main()
else:
    from app.cli import main
    code = main(sys.argv[1:])
sys.stderr.write("PROBE " + json.dumps(seen))
sys.exit(code)
"""


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")
@pytest.mark.parametrize("entry", ["console script", "app.cli.main"])
def test_a_first_scan_starts_its_read_workers_before_importing_sqlalchemy_pydantic_or_rich(
    tmp_path: Path, entry: str
) -> None:
    (tmp_path / "templates").mkdir()
    templates = make_templates(tmp_path / "templates", duration=0.5)
    library = tmp_path / "library"
    for n in range(300):  # more than a pool chunk: the pool starts while the walk goes on
        place(templates, library / f"{n:03d} Song.{['mp3', 'flac', 'opus'][n % 3]}", title=f"Song {n}")
    env = {**os.environ, DATABASE_URL_ENV: f"sqlite:///{tmp_path}/new.db"}
    probe = PROBE.replace('sys.argv[-1] == "console script"', repr(entry == "console script"))
    done = subprocess.run(
        [sys.executable, "-c", probe, str(library)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == 300
    # nor Typer's pydantic, nor rich: the command line was recognised before Typer (app.commands.first_scan);
    # the console script (app.launch) starts them before it imports Typer itself.
    assert json.loads(done.stderr.rpartition("PROBE ")[2]) == {
        "sqlalchemy": False,
        "pydantic": False,
        "rich": False,
        "typer": entry != "console script",
    }
