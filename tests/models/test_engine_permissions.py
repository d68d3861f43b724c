"""A new database and its folder are private (0600/0700) whatever the umask: the history and the API
token digests are nobody else's business on a multi-user machine."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from models.bootstrap import init_database
from models.engine import data_dir, open_database
from models.schemas import SchemaConfig


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    "schemas", [SchemaConfig(), SchemaConfig("medialibrary", "listens")], ids=["single", "split"]
)
def test_fresh_database_files_and_folders_are_private(
    tmp_path: Path, umask_022: None, schemas: SchemaConfig
) -> None:
    database = tmp_path / "new" / "nested" / "tonearm.db"
    db = open_database(f"sqlite:///{database}", schemas)
    try:
        init_database(db)
        with db.session() as session:  # a write, so every file has its -wal and -shm
            session.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
            session.execute(text("INSERT INTO probe VALUES (1)"))
        files = [Path(path) for path in db.files().values()]
        assert len(files) == len(schemas.named_schemas()) + 1
        made = [
            path
            for base in files
            for path in (base, Path(f"{base}-wal"), Path(f"{base}-shm"))
            if path.exists()
        ]
        assert {path.name for path in made} >= {"tonearm.db", "tonearm.db-wal", "tonearm.db-shm"}
        assert {path.name: oct(mode(path)) for path in made} == {path.name: "0o600" for path in made}
        assert oct(mode(tmp_path / "new")) == oct(mode(database.parent)) == "0o700"
    finally:
        db.dispose()


def test_an_existing_folder_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    db = open_database(f"sqlite:///{shared / 'tonearm.db'}", SchemaConfig())
    try:
        init_database(db)
    finally:
        db.dispose()
    assert mode(shared) == 0o755
    assert mode(shared / "tonearm.db") == 0o600


def test_the_default_data_dir_is_created_private(
    tmp_path: Path, umask_022: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    environ = {"HOME": str(tmp_path)}  # no TONEARM_* variables: the platformdirs default is used
    folder = data_dir(environ)
    assert folder == tmp_path / "xdg" / "tonearm"
    db = open_database(environ=environ, schemas=SchemaConfig())
    try:
        init_database(db)
    finally:
        db.dispose()
    assert mode(tmp_path / "xdg") == 0o700 and mode(folder) == 0o700
    assert mode(folder / "tonearm.db") == 0o600
