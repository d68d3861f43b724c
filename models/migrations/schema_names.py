"""Physical schema names for migration scripts, which must not hard-code them (they are configuration)."""

from __future__ import annotations

from alembic import op

from models.schemas import SchemaConfig


def _schemas() -> SchemaConfig:
    config: SchemaConfig = op.get_context().opts["tonearm_schemas"]
    return config


def media_schema() -> str | None:
    return _schemas().medialibrary


def listens_schema() -> str | None:
    return _schemas().listens


def media_ref(column: str) -> str:
    """A foreign-key target in the medialibrary schema, e.g. ``media_ref("tracks.id")``."""
    schema = media_schema()
    return f"{schema}.{column}" if schema else column


def listens_ref(column: str) -> str:
    schema = listens_schema()
    return f"{schema}.{column}" if schema else column
