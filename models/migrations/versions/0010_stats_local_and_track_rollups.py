"""Stats rollups for the all-time views: plays per user and local day / local hour, plays and seconds per
user and track key, each raw track's first listen, and the state of each (zone, up to when, what changed)

Derived data only: a database upgraded to this revision has no state rows, so each rollup is built the
first time a view needs it (scrobbler/stats/rollup.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from models.migrations.schema_names import listens_ref, listens_schema

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_OPTIONS: dict[str, Any] = {
    "mariadb_charset": "utf8mb4",
    "mariadb_collate": "utf8mb4_unicode_ci",
    "mariadb_engine": "InnoDB",
}


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], [listens_ref("users.id")], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "listen_local_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("unique_tracks", sa.Integer(), nullable=False),
        sa.Column("unique_artists", sa.Integer(), nullable=False),
        _user_fk("listen_local_days"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listen_local_days")),
        schema=listens_schema(),
        **_OPTIONS,
    )
    with op.batch_alter_table("listen_local_days", schema=listens_schema()) as batch_op:
        batch_op.create_index("ix_listen_local_days_user_day", ["user_id", "day"], unique=False)
    op.create_table(
        "listen_local_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        _user_fk("listen_local_hours"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listen_local_hours")),
        schema=listens_schema(),
        **_OPTIONS,
    )
    with op.batch_alter_table("listen_local_hours", schema=listens_schema()) as batch_op:
        batch_op.create_index("ix_listen_local_hours_user_day", ["user_id", "day"], unique=False)
    op.create_table(
        "listen_track_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=True),
        sa.Column("artist_name_normalized", sa.String(length=255), nullable=False),
        sa.Column("track_name_normalized", sa.String(length=255), nullable=True),
        sa.Column("release_name_normalized", sa.String(length=255), nullable=True),
        sa.Column("artist_name", sa.String(length=1024), nullable=False),
        sa.Column("track_name", sa.String(length=1024), nullable=True),
        sa.Column("release_name", sa.String(length=1024), nullable=True),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("secs", sa.Double(), nullable=False),
        _user_fk("listen_track_totals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listen_track_totals")),
        schema=listens_schema(),
        **_OPTIONS,
    )
    with op.batch_alter_table("listen_track_totals", schema=listens_schema()) as batch_op:
        batch_op.create_index("ix_listen_track_totals_user_track", ["user_id", "track_id"], unique=False)
    op.create_table(
        "listen_first_plays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("artist_name_normalized", sa.String(length=255), nullable=False),
        sa.Column("track_name_normalized", sa.String(length=255), nullable=False),
        sa.Column("first_at", sa.BigInteger(), nullable=False),
        sa.Column("artist_name", sa.String(length=1024), nullable=False),
        sa.Column("track_name", sa.String(length=1024), nullable=False),
        _user_fk("listen_first_plays"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listen_first_plays")),
        schema=listens_schema(),
        **_OPTIONS,
    )
    with op.batch_alter_table("listen_first_plays", schema=listens_schema()) as batch_op:
        batch_op.create_index("ix_listen_first_plays_user_first", ["user_id", "first_at"], unique=False)
    op.create_table(
        "listen_rollup_state",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rollup", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=True),
        sa.Column("upto", sa.BigInteger(), nullable=True),
        sa.Column("dirty_lo", sa.BigInteger(), nullable=True),
        sa.Column("dirty_hi", sa.BigInteger(), nullable=True),
        _user_fk("listen_rollup_state"),
        sa.PrimaryKeyConstraint("user_id", "rollup", name=op.f("pk_listen_rollup_state")),
        schema=listens_schema(),
        **_OPTIONS,
    )


def downgrade() -> None:
    op.drop_table("listen_rollup_state", schema=listens_schema())
    op.drop_table("listen_first_plays", schema=listens_schema())
    op.drop_table("listen_track_totals", schema=listens_schema())
    op.drop_table("listen_local_hours", schema=listens_schema())
    op.drop_table("listen_local_days", schema=listens_schema())
