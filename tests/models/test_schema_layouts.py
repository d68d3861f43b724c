"""Every table of the contract exists, in the right schema, with its keys, on all four layouts."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import inspect

from models.engine import Database
from models.registry import CONTRACT_TABLES, metadata, tables_by_schema


def test_every_contract_table_is_modelled() -> None:
    defined = tables_by_schema()
    for schema, tables in CONTRACT_TABLES.items():
        assert tables <= set(defined[schema]), f"missing from models: {tables - set(defined[schema])}"


def test_tables_live_in_their_physical_schema(db: Database) -> None:
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        for logical, tables in tables_by_schema().items():
            physical = db.schemas.physical(logical)
            present = set(inspector.get_table_names(schema=physical))
            assert set(tables) <= present, f"{logical} ({physical}) lacks {set(tables) - present}"
        if db.schemas.is_split:
            # Nothing of ours leaks into the default schema when both are split off.
            default_tables = set(inspector.get_table_names())
            assert not (default_tables & {t.name for t in metadata.sorted_tables})


def _unique_sets(inspector, table: str, schema: str | None) -> set[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    sets = {tuple(c["column_names"]) for c in inspector.get_unique_constraints(table, schema=schema)}
    sets |= {tuple(i["column_names"]) for i in inspector.get_indexes(table, schema=schema) if i["unique"]}
    pk = inspector.get_pk_constraint(table, schema=schema)["constrained_columns"]
    return sets | {tuple(pk)}


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("artists", ("name_normalized",)),
        ("release_groups", ("primary_artist_id", "title_normalized")),
        ("releases", ("release_group_id", "title_normalized", "release_date")),
        ("tracks", ("track_uid",)),
        ("track_artists", ("track_id", "artist_id", "role")),
        ("track_labels", ("track_id", "label_id")),
        ("media_files", ("file_path_hash",)),
        ("listens", ("user_id", "track_id", "listened_at")),
        ("listens_raw", ("user_id", "listened_at", "source", "source_track_key")),
        ("listen_match_candidates", ("listen_id", "track_id")),
        ("external_ids", ("entity_type", "entity_id", "scheme", "value")),
        ("release_items", ("release_id", "track_id", "disc_no", "track_no")),
        ("release_labels", ("release_id", "label_id", "cat_id")),
        ("playlist_items", ("playlist_id", "position")),
        ("users", ("username",)),
    ],
)
def test_contract_uniqueness_is_declared_in_the_database(
    db: Database, table: str, columns: tuple[str, ...]
) -> None:
    schema_of = {name: logical for logical, names in tables_by_schema().items() for name in names}
    with db.engine.connect() as connection:
        uniques = _unique_sets(inspect(connection), table, db.schemas.physical(schema_of[table]))
    assert columns in uniques


def test_listens_indexes(db: Database) -> None:
    with db.engine.connect() as connection:
        indexes = inspect(connection).get_indexes("listens", schema=db.schemas.listens)
    by_columns = {tuple(i["column_names"]) for i in indexes}
    assert ("user_id", "listened_at") in by_columns
    assert ("enrich_status",) in by_columns
    # The contract's index on track_id leads with it and also holds listened_at (migration 0007).
    assert ("track_id", "listened_at") in by_columns
    # (user_id, listened_at DESC) as the contract says; reflection does not report the order, so ask.
    with db.engine.connect() as connection:
        if db.is_sqlite:
            schema = db.schemas.listens or "main"
            sql = connection.exec_driver_sql(
                f"SELECT sql FROM \"{schema}\".sqlite_master WHERE name = 'ix_listens_user_listened_at'"
            ).scalar_one()
            assert "listened_at DESC" in sql
        else:
            table = f"`{db.schemas.listens}`.listens" if db.schemas.listens else "listens"
            rows = connection.exec_driver_sql(
                f"SHOW INDEX FROM {table} WHERE Key_name = 'ix_listens_user_listened_at'"
            )
            assert [(r.Column_name, r.Collation) for r in rows] == [("user_id", "A"), ("listened_at", "D")]


def test_sqlite_split_uses_one_file_per_schema(sqlite_split_db: Database) -> None:
    db = sqlite_split_db
    files = db.files()
    assert set(files) == {"main", "medialibrary", "listens"}
    for path in files.values():
        assert os.path.exists(path)
    import sqlite3

    for schema, expected in (("medialibrary", "tracks"), ("listens", "listens")):
        with sqlite3.connect(files[schema]) as raw:
            names = {r[0] for r in raw.execute("select name from sqlite_master where type='table'")}
        assert expected in names and set(tables_by_schema()[schema]) == names
