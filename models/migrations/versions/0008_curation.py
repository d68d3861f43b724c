"""Curation: playlist sources and entries with their match, entry candidates, album ratings, organize proposals

Playlists imported from files keep every entry as the source gave it (playlist_entries), matched or not,
with a score and a status; ambiguous ones keep their candidates for review. Album ratings are per user.
Organize proposals are the plan and the undo log of moving files to tag-derived paths.
All in the medialibrary schema: album_ratings.user_id points into the listens schema without a declared
key (app-checked), so no new key crosses attached SQLite files.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.types
from models.migrations.schema_names import media_ref, media_schema

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('playlist_sources',
    sa.Column('playlist_id', sa.Integer(), nullable=False),
    sa.Column('source_path', models.types.FilePath(), nullable=False),
    sa.Column('source_key', sa.String(length=40), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('imported_at', models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['playlist_id'], [media_ref('playlists.id')], name=op.f('fk_playlist_sources_playlist_id_playlists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('playlist_id', name=op.f('pk_playlist_sources')),
    sa.UniqueConstraint('source_key', name=op.f('uq_playlist_sources_source_key')),
    schema=media_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    op.create_table('album_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('release_group_id', sa.Integer(), nullable=False),
    sa.Column('rating_halves', sa.Integer(), nullable=False),
    sa.Column('favourite_track_id', sa.Integer(), nullable=True),
    sa.Column('review', sa.Text(), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('rating_halves >= 1 AND rating_halves <= 10', name=op.f('ck_album_ratings_rating_range')),
    sa.ForeignKeyConstraint(['favourite_track_id'], [media_ref('tracks.id')], name=op.f('fk_album_ratings_favourite_track_id_tracks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['release_group_id'], [media_ref('release_groups.id')], name=op.f('fk_album_ratings_release_group_id_release_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_album_ratings')),
    sa.UniqueConstraint('user_id', 'release_group_id', name=op.f('uq_album_ratings_user_id_release_group_id')),
    schema=media_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    op.create_index(op.f('ix_album_ratings_favourite_track_id'), 'album_ratings', ['favourite_track_id'], unique=False, schema=media_schema())
    op.create_index(op.f('ix_album_ratings_release_group_id'), 'album_ratings', ['release_group_id'], unique=False, schema=media_schema())
    op.create_table('playlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('playlist_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=True),
    sa.Column('artist', sa.String(length=1024), nullable=True),
    sa.Column('title', sa.String(length=1024), nullable=True),
    sa.Column('album', sa.String(length=1024), nullable=True),
    sa.Column('location', sa.Text(), nullable=True),
    sa.Column('duration_secs', models.types.DurationSecs(), nullable=True),
    sa.Column('start_secs', models.types.DurationSecs(), nullable=True),
    sa.Column('ids_json', sa.Text(), nullable=True),
    sa.Column('track_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('matched', 'ambiguous', 'missing', name='playlist_entry_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('ck_playlist_entries_score_range')),
    sa.ForeignKeyConstraint(['playlist_id'], [media_ref('playlists.id')], name=op.f('fk_playlist_entries_playlist_id_playlists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], [media_ref('tracks.id')], name=op.f('fk_playlist_entries_track_id_tracks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_playlist_entries')),
    sa.UniqueConstraint('playlist_id', 'position', name=op.f('uq_playlist_entries_playlist_id_position')),
    schema=media_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    op.create_index(op.f('ix_playlist_entries_status'), 'playlist_entries', ['status'], unique=False, schema=media_schema())
    op.create_index(op.f('ix_playlist_entries_track_id'), 'playlist_entries', ['track_id'], unique=False, schema=media_schema())
    op.create_table('organize_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('media_file_id', sa.Integer(), nullable=False),
    sa.Column('current_path', models.types.FilePath(), nullable=False),
    sa.Column('proposed_path', models.types.FilePath(), nullable=False),
    sa.Column('proposed_path_hash', sa.String(length=40), nullable=False),
    sa.Column('template', sa.String(length=1024), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'moving', 'applied', 'rejected', 'failed', 'undone', name='organize_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('undoes_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('applied_at', models.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('confidence >= 0 AND confidence <= 100', name=op.f('ck_organize_proposals_confidence_range')),
    sa.ForeignKeyConstraint(['media_file_id'], [media_ref('media_files.id')], name=op.f('fk_organize_proposals_media_file_id_media_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organize_proposals')),
    schema=media_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    op.create_index(op.f('ix_organize_proposals_media_file_id'), 'organize_proposals', ['media_file_id'], unique=False, schema=media_schema())
    op.create_index(op.f('ix_organize_proposals_proposed_path_hash'), 'organize_proposals', ['proposed_path_hash'], unique=False, schema=media_schema())
    op.create_index(op.f('ix_organize_proposals_run_id'), 'organize_proposals', ['run_id'], unique=False, schema=media_schema())
    op.create_index(op.f('ix_organize_proposals_status'), 'organize_proposals', ['status'], unique=False, schema=media_schema())
    op.create_table('playlist_entry_candidates',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('features_json', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], [media_ref('playlist_entries.id')], name=op.f('fk_playlist_entry_candidates_entry_id_playlist_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], [media_ref('tracks.id')], name=op.f('fk_playlist_entry_candidates_track_id_tracks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'track_id', name=op.f('pk_playlist_entry_candidates')),
    schema=media_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    op.create_index(op.f('ix_playlist_entry_candidates_track_id'), 'playlist_entry_candidates', ['track_id'], unique=False, schema=media_schema())


def downgrade() -> None:
    # Dropping a table drops its indexes (MariaDB refuses to drop one a foreign key needs first).
    op.drop_table('playlist_entry_candidates', schema=media_schema())
    op.drop_table('organize_proposals', schema=media_schema())
    op.drop_table('playlist_entries', schema=media_schema())
    op.drop_table('album_ratings', schema=media_schema())
    op.drop_table('playlist_sources', schema=media_schema())
