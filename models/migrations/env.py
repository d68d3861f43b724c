"""Alembic environment for Tonearm. Always run through :mod:`models.bootstrap`, which passes the open
connection and the schema split in ``config.attributes`` (no alembic.ini, no URL of its own)."""

from __future__ import annotations

from alembic import context

from models.schemas import SchemaConfig, physical_metadata

config = context.config
connection = config.attributes["connection"]
schemas: SchemaConfig = config.attributes["schemas"]
target_metadata = physical_metadata(schemas)
our_schemas = {None, *schemas.named_schemas()}


def include_name(name, type_, parent_names):
    if type_ == "schema":
        return name in our_schemas
    if type_ == "table":
        return name in target_metadata.tables or (
            parent_names.get("schema_qualified_table_name") in target_metadata.tables
        )
    return True


context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    include_schemas=schemas.is_split,
    include_name=include_name,
    compare_type=True,
    tonearm_schemas=schemas,
)

with context.begin_transaction():
    context.run_migrations()
