"""Stats rollup: plays and seconds per (user, UTC day or month, artist), and each user's dirty span

Top-artist lists read whole months and days from ``listen_artist_months`` and ``listen_artist_days``
instead of every listen of the range. The rollup is derived data: writers mark what they change
in ``listen_stats_state`` in their own transaction, and a stats query rebuilds the marked days first.
A database upgraded to this revision has no state rows, so the first stats query builds everything.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.migrations.schema_names import listens_ref, listens_schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('listen_artist_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('artist_id', sa.Integer(), nullable=True),
    sa.Column('artist_name_normalized', sa.String(length=255), nullable=True),
    sa.Column('artist_name', sa.String(length=1024), nullable=True),
    sa.Column('plays', sa.Integer(), nullable=False),
    sa.Column('secs', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], [listens_ref('users.id')], name=op.f('fk_listen_artist_days_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listen_artist_days')),
    schema=listens_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    with op.batch_alter_table('listen_artist_days', schema=listens_schema()) as batch_op:
        batch_op.create_index('ix_listen_artist_days_user_day', ['user_id', 'day'], unique=False)

    op.create_table('listen_artist_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('artist_id', sa.Integer(), nullable=True),
    sa.Column('artist_name_normalized', sa.String(length=255), nullable=True),
    sa.Column('artist_name', sa.String(length=1024), nullable=True),
    sa.Column('plays', sa.Integer(), nullable=False),
    sa.Column('secs', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], [listens_ref('users.id')], name=op.f('fk_listen_artist_months_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listen_artist_months')),
    schema=listens_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    with op.batch_alter_table('listen_artist_months', schema=listens_schema()) as batch_op:
        batch_op.create_index('ix_listen_artist_months_user_month', ['user_id', 'month'], unique=False)

    op.create_table('listen_stats_state',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('built', sa.Boolean(), nullable=False),
    sa.Column('dirty_lo', sa.BigInteger(), nullable=True),
    sa.Column('dirty_hi', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], [listens_ref('users.id')], name=op.f('fk_listen_stats_state_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_listen_stats_state')),
    schema=listens_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )


def downgrade() -> None:
    op.drop_table('listen_stats_state', schema=listens_schema())
    op.drop_table('listen_artist_months', schema=listens_schema())
    op.drop_table('listen_artist_days', schema=listens_schema())
