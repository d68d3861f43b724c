"""Library folders: the folders a person chose, shared by the CLI and the app

``tonearm folders add|remove|list`` and the app's folder list keep them here; ``tonearm scan`` with no path
scans them. Keyed like media_files: ``path_hash`` (SHA-1 of the path's bytes) is unique, ``path`` is text.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 12:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.types
from models.migrations.schema_names import media_schema

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('library_folders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', models.types.FilePath(), nullable=False),
    sa.Column('path_hash', sa.String(length=40), nullable=False),
    sa.Column('added_at', models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_folders')),
    sa.UniqueConstraint('path_hash', name=op.f('uq_library_folders_path_hash')),
    schema=media_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )


def downgrade() -> None:
    op.drop_table('library_folders', schema=media_schema())
