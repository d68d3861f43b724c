"""A first scan's start-up: a new database created without Alembic's machinery is the database Alembic's
stamp makes, and a scan into a new database (reads started before it exists) writes what a plain scan does."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from analyzer.scan import run_scan
from analyzer.scan.runner import scan_new_database
from models.bootstrap import alembic_config, create_schemas, current_revision, head_revision, init_database
from models.engine import Database, is_new_sqlite_database, open_database
from models.progress import run_to_end
from models.schemas import SchemaConfig, physical_metadata
from tests.conftest import ENGINE_LAYOUTS, open_layout
from tests.scan_audio import make_templates, place

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


def schema_ddl(db: Database) -> dict[str, str]:
    """Every table, index and constraint as the engine itself shows it, per (schema, name)."""
    found: dict[str, str] = {}
    with db.engine.connect() as connection:
        if db.is_sqlite:
            for schema in ["main", *db.schemas.named_schemas()]:
                rows = connection.exec_driver_sql(f'SELECT type, name, sql FROM "{schema}".sqlite_master')
                for kind, name, sql in rows:
                    found[f"{schema}.{kind}.{name}"] = sql or ""
        else:
            default = connection.exec_driver_sql("SELECT DATABASE()").scalar()
            # the two databases' schemas have names of their own: compared by role
            roles = {
                default: "default",
                db.schemas.medialibrary: "medialibrary",
                db.schemas.listens: "listens",
            }
            for schema in [default, *db.schemas.named_schemas()]:
                for name in connection.exec_driver_sql(f"SHOW TABLES FROM `{schema}`").scalars().all():
                    create = connection.exec_driver_sql(f"SHOW CREATE TABLE `{schema}`.`{name}`").one()[1]
                    for physical, role in roles.items():
                        if physical:
                            create = create.replace(f"`{physical}`", f"`{role}`")
                    # index order follows a set's order in the models' metadata (differs per schema names)
                    found[f"{roles[schema]}.{name}"] = "\n".join(
                        sorted(create.replace(",\n", "\n").splitlines())
                    )
    return found


def stamped_by_alembic(db: Database) -> None:
    """The database as before: the models' tables, then ``alembic stamp head``."""
    with db.engine.begin() as connection:
        create_schemas(db, connection)
        physical_metadata(db.schemas).create_all(connection)
        command.stamp(alembic_config(db, connection), "head")


@pytest.mark.parametrize("layout", ENGINE_LAYOUTS)
def test_a_new_database_without_alembic_is_the_one_alembic_stamps(
    layout: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if layout.startswith("mariadb"):
        request.applymarker(pytest.mark.mariadb)
    (tmp_path / "light").mkdir()
    (tmp_path / "alembic").mkdir()
    light = open_layout(layout, tmp_path / "light", request)
    reference = open_layout(layout, tmp_path / "alembic", request)
    try:
        assert init_database(light) is True
        stamped_by_alembic(reference)
        ours, theirs = schema_ddl(light), schema_ddl(reference)
        assert sorted(ours) == sorted(theirs)
        differing = {key: "\n".join(difflib.unified_diff(theirs[key].splitlines(), ours[key].splitlines()))
                     for key in ours if ours[key] != theirs[key]}  # fmt: skip
        assert differing == {}, "\n".join(differing.values())
        assert any(key.endswith("alembic_version") for key in ours)
        assert current_revision(light) == current_revision(reference) == head_revision()
        assert init_database(light) is False  # and it is a database init_database knows as its own
    finally:
        light.dispose()
        reference.dispose()


def test_an_empty_file_or_no_file_is_a_new_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lib.db'}"
    assert is_new_sqlite_database(url)
    (tmp_path / "lib.db").touch()
    assert is_new_sqlite_database(url)
    (tmp_path / "lib.db-wal").write_bytes(b"x")  # a log with something in it: opened the usual way
    assert not is_new_sqlite_database(url)
    (tmp_path / "lib.db-wal").unlink()
    db = open_database(url, SchemaConfig())
    init_database(db)
    db.dispose()
    assert not is_new_sqlite_database(url)
    assert not is_new_sqlite_database("sqlite://")  # in memory
    assert not is_new_sqlite_database("mariadb+pymysql://u:p@localhost/x")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("startup-templates"))


def small_library(root: Path, templates: dict[str, Path]) -> Path:
    for n, ext in enumerate([".flac", ".mp3", ".ogg", ".opus", ".m4a", ".flac"] * 3, 1):
        place(templates, root / f"Artist {n % 2}/Album {n % 3}/{n:02d} Song{ext}", title=f"Song {n}",
              artist=f"Artist {n % 2}", album=f"Album {n % 3}", tracknumber=str(n))  # fmt: skip
    (root / "Artist 0/broken.mp3").write_bytes(b"\0" * 64)
    return root


def catalog(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every catalog table's rows without timestamps (they differ between two scans by design)."""
    tables = ["media_files", "tracks", "artists", "track_artists", "releases", "release_groups",
              "release_items", "track_tag_attributes", "external_ids", "title_aliases"]  # fmt: skip
    dumped: dict[str, list[tuple[object, ...]]] = {}
    metadata = physical_metadata(db.schemas)
    with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name not in tables:
                continue
            columns = [c for c in table.columns if "_at" not in c.name]
            rows = connection.execute(table.select().with_only_columns(*columns).order_by(*table.primary_key))
            dumped[table.name] = [tuple(row) for row in rows]
    return dumped


@needs_ffmpeg
@pytest.mark.parametrize("workers", [1, 2])
def test_a_scan_into_a_new_database_writes_what_a_plain_scan_writes(
    tmp_path: Path, templates: dict[str, Path], workers: int
) -> None:
    root = small_library(tmp_path / "music", templates)
    plain = open_database(f"sqlite:///{tmp_path / 'plain.db'}", SchemaConfig())
    init_database(plain)
    expected = run_scan(plain, [root], workers=workers, batch_files=4)

    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert is_new_sqlite_database(url)
    made: list[Database] = []

    def create() -> Database:
        assert made == []  # created once, after the walk
        made.append(open_database(url, SchemaConfig()))
        init_database(made[0])
        return made[0]

    summary = run_to_end(scan_new_database(create, [root], workers=workers, batch_files=4))
    assert summary == expected and (summary.added, summary.errors) == (18, 1)
    assert catalog(made[0]) == catalog(plain)
    again = run_scan(made[0], [root], workers=workers)
    assert (again.unchanged, again.added, again.updated) == (19, 0, 0)
    plain.dispose()
    made[0].dispose()


@needs_ffmpeg
def test_a_new_database_that_another_scan_filled_meanwhile_is_compared_as_usual(
    tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = small_library(tmp_path / "music", templates)
    url = f"sqlite:///{tmp_path / 'lib.db'}"
    assert is_new_sqlite_database(url)

    def create_after_another_scan() -> Database:  # another program scanned part of the folder meanwhile
        db = open_database(url, SchemaConfig())
        init_database(db)
        run_scan(db, [root / "Artist 1"], workers=1)
        return db

    holder: list[Database] = []

    def create() -> Database:
        holder.append(create_after_another_scan())
        return holder[0]

    summary = run_to_end(scan_new_database(create, [root], workers=1))
    db = holder[0]
    with db.engine.connect() as connection:
        paths = connection.execute(text("SELECT file_path FROM media_files")).scalars().all()
    assert len(paths) == len(set(paths)) == 19  # each file once: the other scan's rows were updated
    assert (summary.added, summary.updated, summary.errors) == (9, 9, 1)
    db.dispose()
