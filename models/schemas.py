"""The medialibrary/listens schema split: configuration and the physical metadata it implies.

``SCROBBLER_MEDIALIBRARY_SCHEMA`` / ``SCROBBLER_LISTENS_SCHEMA`` name the physical schema of each logical
one; unset or empty keeps those tables in the connection's default schema (contract: "Media library and
listening history schemas"). On MariaDB a schema is a database; on SQLite it is an attached file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import MetaData
from sqlalchemy.schema import BLANK_SCHEMA

from models.base import LISTENS, MEDIALIBRARY, NAMING_CONVENTION

MEDIALIBRARY_ENV = "SCROBBLER_MEDIALIBRARY_SCHEMA"
LISTENS_ENV = "SCROBBLER_LISTENS_SCHEMA"


@dataclass(frozen=True, slots=True)
class SchemaConfig:
    """Physical schema of each logical schema; None means the connection's default schema."""

    medialibrary: str | None = None
    listens: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SchemaConfig:
        env = os.environ if environ is None else environ
        return cls(
            medialibrary=_schema_name(env.get(MEDIALIBRARY_ENV)),
            listens=_schema_name(env.get(LISTENS_ENV)),
        )

    @property
    def is_split(self) -> bool:
        return self.medialibrary is not None or self.listens is not None

    def translate_map(self) -> dict[str | None, str | None]:
        """For ``execution_options(schema_translate_map=...)``: logical name -> physical name."""
        return {MEDIALIBRARY: self.medialibrary, LISTENS: self.listens}

    def physical(self, logical: str | None) -> str | None:
        return self.translate_map().get(logical, logical)

    def named_schemas(self) -> list[str]:
        """The distinct physical schema names to create or attach."""
        return sorted({s for s in (self.medialibrary, self.listens) if s})


def _schema_name(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    name = value.strip()
    if not name.replace("_", "").replace("-", "").isalnum() or len(name) > 64:
        raise ValueError(
            f"invalid schema name {name!r}: use letters, digits, '_' or '-' (at most 64 characters)"
        )
    return name


@lru_cache(maxsize=16)
def physical_metadata(schemas: SchemaConfig) -> MetaData:
    """A copy of the model metadata whose tables carry their physical schema names.

    DDL (create_all), Alembic autogenerate and reflection-based checks work on this copy; ORM and Core
    queries keep the logical names and are mapped by ``schema_translate_map``. With real names SQLAlchemy
    emits cross-schema foreign keys where the engine can hold them (MariaDB, one SQLite file) and leaves
    them out across attached SQLite files, which cannot enforce them.
    """
    from models.registry import metadata

    mapping = schemas.translate_map()
    target = MetaData(naming_convention=NAMING_CONVENTION)
    for table in metadata.sorted_tables:
        table.to_metadata(
            target,
            schema=mapping[table.schema],  # type: ignore[arg-type]  # None is accepted: "the default schema"
            # BLANK_SCHEMA, not None: None would keep the logical name in the reference.
            referred_schema_fn=lambda _t, _to, _c, referred: mapping.get(referred, referred) or BLANK_SCHEMA,  # type: ignore[arg-type,return-value]
        )
    return target
