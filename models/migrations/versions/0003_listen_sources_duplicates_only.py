"""listen_sources keeps only cross-source duplicates; a listen's first raw row is listens.raw_id

Revision 0002 wrote a ``primary`` listen_sources row for every listen, repeating ``listens.raw_id``: a
third row per listen and about a tenth of a large import's write time. From here on listen_sources holds only
the ``duplicate`` links (docs/data-model.md); a raw row belongs to the listen whose raw_id it is, or to the
listen its duplicate link names. Data only: no table changes shape.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.migrations.schema_names import listens_schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _tables() -> tuple[sa.TableClause, sa.TableClause]:
    schema = listens_schema()
    sources = sa.table(
        "listen_sources", sa.column("listen_id"), sa.column("raw_id"), sa.column("relation"), schema=schema
    )
    listens = sa.table("listens", sa.column("id"), sa.column("raw_id"), schema=schema)
    return sources, listens


def upgrade() -> None:
    sources, _ = _tables()
    op.execute(sources.delete().where(sources.c.relation == "primary"))


def downgrade() -> None:
    sources, listens = _tables()
    op.execute(
        sources.insert().from_select(
            ["listen_id", "raw_id", "relation"],
            sa.select(listens.c.id, listens.c.raw_id, sa.literal("primary")),
        )
    )
