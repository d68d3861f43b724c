"""Analysis on several machines: a worker path per library folder, and leases on media files

``library_folders.worker_path`` is where a cluster's workers see the folder (``tonearm folders map``);
``analysis_leases`` lets several analyze runs share one library without analysing a file twice.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.types
from models.migrations.schema_names import media_ref, media_schema

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("library_folders", schema=media_schema()) as batch_op:
        batch_op.add_column(sa.Column("worker_path", models.types.FilePath(), nullable=True))
    op.create_table('analysis_leases',
    sa.Column('media_file_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('expires_at', models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['media_file_id'], [media_ref('media_files.id')], name=op.f('fk_analysis_leases_media_file_id_media_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('media_file_id', name=op.f('pk_analysis_leases')),
    schema=media_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    with op.batch_alter_table('analysis_leases', schema=media_schema()) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_leases_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_analysis_leases_owner'), ['owner'], unique=False)


def downgrade() -> None:
    op.drop_table('analysis_leases', schema=media_schema())
    with op.batch_alter_table("library_folders", schema=media_schema()) as batch_op:
        batch_op.drop_column("worker_path")
