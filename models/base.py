"""Declarative base and the two logical schemas every table lives in.

Tables declare one of two *logical* schema names, :data:`MEDIALIBRARY` or :data:`LISTENS`. At run time the
engine maps them to the configured physical schemas (or to the connection's default schema) with
``schema_translate_map``; DDL and Alembic work on a copy of the metadata carrying the physical names
(:func:`models.schemas.physical_metadata`).
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

MEDIALIBRARY = "medialibrary"
"""Logical schema of the analyzer-owned tables (catalog, files, analysis)."""

LISTENS = "listens"
"""Logical schema of the scrobbler-owned tables (users, listens, candidates, config)."""

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def media_table_args(*args: object) -> tuple[object, ...]:
    """``__table_args__`` for a medialibrary table: constraints plus the schema and MariaDB options."""
    return (*args, {"schema": MEDIALIBRARY, **_MARIADB_OPTIONS})


def listens_table_args(*args: object) -> tuple[object, ...]:
    """``__table_args__`` for a listens-schema table."""
    return (*args, {"schema": LISTENS, **_MARIADB_OPTIONS})


_MARIADB_OPTIONS = {
    "mariadb_engine": "InnoDB",
    "mariadb_charset": "utf8mb4",
    "mariadb_collate": "utf8mb4_unicode_ci",
}
