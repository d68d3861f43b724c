"""Creating and upgrading a Tonearm database.

:func:`init_database` makes a usable database from nothing (schemas, every table, the Alembic stamp) and
leaves an existing one alone; :func:`upgrade_database` runs the Alembic migrations up to head.

A database with no table at all is created and stamped without Alembic's machinery (importing it and
running its environment cost a first `tonearm scan` about a fifth of a second): the tables come from the
models either way, and the version table is the one Alembic creates (``tests/models`` compare the two
databases table by table). Everything else (an older database, upgrades, the head per Alembic) uses Alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, Connection, MetaData, PrimaryKeyConstraint, String, Table, inspect

from models.engine import Database
from models.schemas import physical_metadata

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"
"""Alembic's default version table, in the connection's default schema (our env.py keeps both defaults)."""


def alembic_config(db: Database, connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    config.attributes["schemas"] = db.schemas
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None, "no Alembic revisions found"
    return head


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

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
        has_version_table = inspect(connection).has_table(VERSION_TABLE)
        if not existing and not has_version_table:
            head = _light_head()
            if head is not None:
                metadata.create_all(connection, tables=missing, checkfirst=False)
                stamp_new_database(connection, head)
                return True
        stamped = has_version_table and _has_revision(connection)
        if stamped and missing:
            # A database Alembic manages: let migrations make its tables, never create_all past them.
            return False
        metadata.create_all(connection, tables=missing, checkfirst=True)
        if not stamped:
            from alembic import command

            command.stamp(alembic_config(db, connection), "head")
    return bool(missing)


def upgrade_database(db: Database, revision: str = "head") -> tuple[str | None, str | None]:
    """Run migrations up to ``revision``; returns (revision before, revision after)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with db.engine.begin() as connection:
        create_schemas(db, connection)
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(alembic_config(db, connection), revision)
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after


def version_table() -> Table:
    """The table ``alembic stamp`` creates (alembic.runtime.migration.MigrationContext: one VARCHAR(32)
    column, primary key named ``alembic_version_pkc``), for stamping a new database without Alembic."""
    return Table(
        VERSION_TABLE,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
    )


def stamp_new_database(connection: Connection, head: str) -> None:
    """What ``alembic stamp head`` leaves in a database that had no version table: the table, one row."""
    table = version_table()
    table.create(connection)
    connection.execute(table.insert().values(version_num=head))


def _light_head() -> str | None:
    """The head from the version files' text (models.migrations.heads, tested against Alembic's own), or
    None when that simple reading does not apply (several heads, a merge): Alembic stamps those."""
    from models.migrations.heads import script_head

    try:
        return script_head()
    except RuntimeError:
        return None


def _has_revision(connection: Connection) -> bool:
    """Whether the (existing) version table holds a revision: Alembic's current revision is not None."""
    return connection.execute(version_table().select().limit(1)).first() is not None


def _existing_tables(connection: Connection, db: Database) -> set[tuple[str | None, str]]:
    inspector = inspect(connection)
    found: set[tuple[str | None, str]] = set()
    for schema in {db.schemas.medialibrary, db.schemas.listens}:
        for name in inspector.get_table_names(schema=schema):
            found.add((schema, name))
    return found
