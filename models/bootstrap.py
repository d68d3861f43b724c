"""Creating and upgrading a Tonearm database.

:func:`init_database` makes a usable database from nothing (schemas, every table, the Alembic stamp) and
leaves an existing one alone; :func:`upgrade_database` runs the Alembic migrations up to head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from models.engine import Database
from models.schemas import physical_metadata

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(db: Database, connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    config.attributes["schemas"] = db.schemas
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None, "no Alembic revisions found"
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def create_schemas(db: Database, connection: Connection) -> None:
    """MariaDB: CREATE SCHEMA IF NOT EXISTS for each named schema (SQLite attaches them on connect)."""
    if db.is_sqlite:
        return
    for name in db.schemas.named_schemas():
        connection.exec_driver_sql(
            f"CREATE SCHEMA IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )


def init_database(db: Database) -> bool:
    """Create whatever is missing; stamp the Alembic head on a new database. True when it created tables.

    An existing database at an older revision is not touched beyond missing tables; `db upgrade` migrates.
    """
    metadata = physical_metadata(db.schemas)
    with db.engine.begin() as connection:
        create_schemas(db, connection)
        existing = _existing_tables(connection, db)
        missing = [t for t in metadata.sorted_tables if (t.schema, t.name) not in existing]
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision is not None and missing:
            # A database Alembic manages: let migrations make its tables, never create_all past them.
            return False
        metadata.create_all(connection, tables=missing, checkfirst=True)
        if revision is None:
            command.stamp(alembic_config(db, connection), "head")
    return bool(missing)


def upgrade_database(db: Database, revision: str = "head") -> tuple[str | None, str | None]:
    """Run migrations up to ``revision``; returns (revision before, revision after)."""
    with db.engine.begin() as connection:
        create_schemas(db, connection)
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(alembic_config(db, connection), revision)
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after


def _existing_tables(connection: Connection, db: Database) -> set[tuple[str | None, str]]:
    inspector = inspect(connection)
    found: set[tuple[str | None, str]] = set()
    for schema in {db.schemas.medialibrary, db.schemas.listens}:
        for name in inspector.get_table_names(schema=schema):
            found.add((schema, name))
    return found
