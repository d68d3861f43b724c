"""Migration 0007: the listens' track index becomes (track_id, listened_at), and plays per track read it alone."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from models.bootstrap import alembic_config, current_revision
from models.engine import Database


def _track_indexes(db: Database) -> dict[str, list[str]]:
    with db.engine.connect() as connection:
        found = inspect(connection).get_indexes("listens", schema=db.schemas.listens)
    return {
        index["name"]: list(index["column_names"]) for index in found if "track_id" in index["column_names"]
    }


def test_upgrade_replaces_the_track_index_and_downgrade_restores_it(empty_db: Database) -> None:
    with empty_db.engine.begin() as connection:
        command.upgrade(alembic_config(empty_db, connection), "0006")
    assert _track_indexes(empty_db)["ix_listens_track_id"] == ["track_id"]
    with empty_db.engine.begin() as connection:
        command.upgrade(alembic_config(empty_db, connection), "0007")
    assert current_revision(empty_db) == "0007"
    indexes = _track_indexes(empty_db)
    assert indexes["ix_listens_track_id_listened_at"] == ["track_id", "listened_at"]
    assert "ix_listens_track_id" not in indexes
    with empty_db.engine.begin() as connection:
        command.downgrade(alembic_config(empty_db, connection), "0006")
    assert _track_indexes(empty_db)["ix_listens_track_id"] == ["track_id"]


def test_plays_per_track_read_the_index_only(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT track_id, count(*), max(listened_at) FROM listens "
            "WHERE track_id IS NOT NULL GROUP BY track_id"
        ).all()
    assert any("COVERING INDEX ix_listens_track_id_listened_at" in row[-1] for row in plan), plan
