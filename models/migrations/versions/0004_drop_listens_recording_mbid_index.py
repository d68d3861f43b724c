"""Drop the index on listens.recording_mbid: no query reads it, and every imported listen paid for it

Listens are linked by recording MBID through external_ids (ingest and the matcher look the listen's MBID
up there); nothing searches listens by MBID. The index cost one of nine B-tree inserts per imported
listen, and the random order of MBIDs made it one of the dearer ones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 23:00:00
"""

from __future__ import annotations

from alembic import op

from models.migrations.schema_names import listens_schema

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_listens_recording_mbid", table_name="listens", schema=listens_schema())


def downgrade() -> None:
    op.create_index("ix_listens_recording_mbid", "listens", ["recording_mbid"], unique=False, schema=listens_schema())
