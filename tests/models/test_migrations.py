"""Alembic migrations and the models agree, on both engines and both layouts; upgrades keep data."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import column, inspect, select, table

from models.bootstrap import current_revision, head_revision, init_database, upgrade_database
from models.engine import Database
from models.media import MediaFile
from models.schemas import physical_metadata
from models.users import User


def model_differences(db: Database) -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": db.schemas.is_split,
                "compare_type": True,
                "include_name": lambda name, kind, _parents: (
                    name in {None, *db.schemas.named_schemas()} if kind == "schema" else True
                ),
            },
        )
        diffs: list[object] = compare_metadata(context, physical_metadata(db.schemas))
    if not db.enforces_cross_schema_fks:
        # Across attached SQLite files the listens -> medialibrary keys cannot exist (app-checked instead);
        # they must be exactly those, nothing else.
        cross = [d for d in diffs if isinstance(d, tuple) and d[0] == "add_fk"]
        assert sorted(fk.name for _, fk in cross) == [  # type: ignore[attr-defined]
            "fk_listen_artists_artist_id_artists",
            "fk_listen_genres_genre_id_genres",
            "fk_listen_match_candidates_track_id_tracks",
            "fk_listens_track_id_tracks",
        ]
        diffs = [d for d in diffs if d not in cross]
    return diffs


def test_migrations_build_exactly_the_models(empty_db: Database) -> None:
    before, after = upgrade_database(empty_db)
    assert (before, after) == (None, head_revision())
    assert model_differences(empty_db) == []


def test_bootstrap_builds_exactly_the_models_and_stamps_head(empty_db: Database) -> None:
    assert init_database(empty_db) is True
    assert current_revision(empty_db) == head_revision()
    assert model_differences(empty_db) == []
    assert init_database(empty_db) is False  # idempotent
    assert upgrade_database(empty_db) == (head_revision(), head_revision())


def test_upgrade_from_first_revision_keeps_data(empty_db: Database) -> None:
    """A database made by revision 0001 (before scan state and analysis tables) upgrades in place."""
    upgrade_database(empty_db, "0001")
    medialibrary = empty_db.schemas.medialibrary
    with empty_db.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("media_files", schema=medialibrary)}
        assert "scan_status" not in columns
        assert "fingerprints" not in inspect(connection).get_table_names(schema=medialibrary)
    # Rows as revision 0001 knew them (only the columns that existed then; physical schema names).
    old_media = table("media_files", column("file_path"), column("file_path_hash"), column("first_seen_at"),
                      schema=empty_db.schemas.medialibrary)  # fmt: skip
    old_users = table("users", column("username"), column("created_at"), schema=empty_db.schemas.listens)
    with empty_db.engine.begin() as connection:
        connection.execute(old_media.insert().values(file_path="/old/song.mp3", file_path_hash="b" * 40,
                                                     first_seen_at="2020-01-01 00:00:00"))  # fmt: skip
        connection.execute(old_users.insert().values(username="old", created_at="2020-01-01 00:00:00"))
    # init on an older, Alembic-managed database does not paper over the migration with create_all
    assert init_database(empty_db) is False
    assert current_revision(empty_db) == "0001"

    assert upgrade_database(empty_db) == ("0001", head_revision())
    assert model_differences(empty_db) == []
    with empty_db.session() as session:
        media = session.scalars(select(MediaFile)).one()
        assert (media.file_path, media.size_bytes, media.scan_status.value, media.analysis_status.value) == (
            "/old/song.mp3", 0, "ok", "pending",
        )  # fmt: skip
        assert session.scalars(select(User.username)).all() == ["old"]


@pytest.mark.parametrize("target", ["0001", "base"])
def test_downgrade_runs(empty_db: Database, target: str) -> None:
    from alembic import command

    from models.bootstrap import alembic_config

    upgrade_database(empty_db)
    with empty_db.engine.begin() as connection:
        command.downgrade(alembic_config(empty_db, connection), target)
    assert current_revision(empty_db) == (None if target == "base" else target)


def test_upgrade_to_0006_adds_library_folders_and_keeps_files(empty_db: Database) -> None:
    """A database at 0005 gains an empty ``library_folders`` table; its media rows stay as they were."""
    from models.folders import LibraryFolder

    upgrade_database(empty_db, "0005")
    with empty_db.engine.connect() as connection:
        names = inspect(connection).get_table_names(schema=empty_db.schemas.medialibrary)
    assert "library_folders" not in names
    with empty_db.session() as session:
        session.add(MediaFile(file_path="/music/a.flac", file_path_hash="c" * 40))
    assert upgrade_database(empty_db) == ("0005", head_revision())
    assert model_differences(empty_db) == []
    with empty_db.session() as session:
        assert session.scalars(select(MediaFile.file_path)).all() == ["/music/a.flac"]
        session.add(LibraryFolder(path="/music", path_hash="d" * 40))
    with empty_db.session() as session:
        assert session.scalars(select(LibraryFolder.path)).all() == ["/music"]
