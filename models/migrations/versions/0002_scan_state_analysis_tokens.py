"""Scan state on media_files; analysis tables; API tokens; listen sources

Additions to the contract that later work needs (docs/data-model.md): what a scan learned about each
file, fingerprints and features with their extractor version, AcoustID submissions, hashed API tokens and
the raw rows behind each canonical listen.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.types
from models.migrations.schema_names import listens_ref, listens_schema, media_ref, media_schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media_files", schema=media_schema()) as batch_op:
        batch_op.add_column(sa.Column('size_bytes', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('mtime_ns', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('format', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('codec', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('bitrate', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sample_rate', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('channels', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lossless', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('scan_status', sa.Enum('ok', 'error', 'missing', name='scan_status', native_enum=False, create_constraint=True, length=32), nullable=False, server_default='ok'))
        batch_op.add_column(sa.Column('error_kind', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('scan_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('analysis_status', sa.Enum('pending', 'done', 'error', name='analysis_status', native_enum=False, create_constraint=True, length=32), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('analysis_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('last_scanned_at', models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('analyzed_at', models.types.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_media_files_analysis_status"), ["analysis_status"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_files_scan_status"), ["scan_status"], unique=False)
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=True),
    sa.Column('created_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], [listens_ref('users.id')], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_api_tokens_token_sha256')),
    schema=listens_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    with op.batch_alter_table('api_tokens', schema=listens_schema()) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('listen_sources',
    sa.Column('listen_id', sa.Integer(), nullable=False),
    sa.Column('raw_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['listen_id'], [listens_ref('listens.id')], name=op.f('fk_listen_sources_listen_id_listens'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raw_id'], [listens_ref('listens_raw.id')], name=op.f('fk_listen_sources_raw_id_listens_raw'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('listen_id', 'raw_id', name=op.f('pk_listen_sources')),
    sa.UniqueConstraint('raw_id', name=op.f('uq_listen_sources_raw_id')),
    schema=listens_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    op.create_table('acoustid_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('media_file_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint_sha1', sa.String(length=40), nullable=False),
    sa.Column('submission_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('submitted_at', models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['media_file_id'], [media_ref('media_files.id')], name=op.f('fk_acoustid_submissions_media_file_id_media_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acoustid_submissions')),
    schema=media_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    with op.batch_alter_table('acoustid_submissions', schema=media_schema()) as batch_op:
        batch_op.create_index(batch_op.f('ix_acoustid_submissions_media_file_id'), ['media_file_id'], unique=False)

    op.create_table('audio_features',
    sa.Column('media_file_id', sa.Integer(), nullable=False),
    sa.Column('extractor_version', sa.String(length=32), nullable=False),
    sa.Column('bpm', sa.Float(), nullable=True),
    sa.Column('bpm_confidence', sa.Float(), nullable=True),
    sa.Column('key', sa.String(length=8), nullable=True),
    sa.Column('scale', sa.String(length=8), nullable=True),
    sa.Column('key_strength', sa.Float(), nullable=True),
    sa.Column('camelot', sa.String(length=4), nullable=True),
    sa.Column('loudness_lufs', sa.Float(), nullable=True),
    sa.Column('dynamic_complexity', sa.Float(), nullable=True),
    sa.Column('danceability', sa.Float(), nullable=True),
    sa.Column('onset_rate', sa.Float(), nullable=True),
    sa.Column('energy', sa.Float(), nullable=True),
    sa.Column('acousticness', sa.Float(), nullable=True),
    sa.Column('instrumentalness', sa.Float(), nullable=True),
    sa.Column('valence', sa.Float(), nullable=True),
    sa.Column('details_json', sa.Text(), nullable=True),
    sa.Column('vector', sa.LargeBinary(), nullable=True),
    sa.Column('computed_at', models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['media_file_id'], [media_ref('media_files.id')], name=op.f('fk_audio_features_media_file_id_media_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('media_file_id', name=op.f('pk_audio_features')),
    schema=media_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )
    with op.batch_alter_table('audio_features', schema=media_schema()) as batch_op:
        batch_op.create_index(batch_op.f('ix_audio_features_extractor_version'), ['extractor_version'], unique=False)

    op.create_table('fingerprints',
    sa.Column('media_file_id', sa.Integer(), nullable=False),
    sa.Column('chromaprint', sa.Text(), nullable=False),
    sa.Column('duration_secs', models.types.DurationSecs(), nullable=False),
    sa.Column('algorithm', sa.Integer(), nullable=False),
    sa.Column('computed_at', models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['media_file_id'], [media_ref('media_files.id')], name=op.f('fk_fingerprints_media_file_id_media_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('media_file_id', name=op.f('pk_fingerprints')),
    schema=media_schema(),
    mariadb_charset='utf8mb4',
    mariadb_collate='utf8mb4_unicode_ci',
    mariadb_engine='InnoDB'
    )

def downgrade() -> None:
    op.drop_table('fingerprints', schema=media_schema())
    op.drop_table('audio_features', schema=media_schema())
    op.drop_table('acoustid_submissions', schema=media_schema())
    op.drop_table('listen_sources', schema=listens_schema())
    op.drop_table('api_tokens', schema=listens_schema())
    with op.batch_alter_table("media_files", schema=media_schema()) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_files_scan_status"))
        batch_op.drop_index(batch_op.f("ix_media_files_analysis_status"))
        batch_op.drop_constraint(batch_op.f("ck_media_files_analysis_status"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_media_files_scan_status"), type_="check")
        batch_op.drop_column('analyzed_at')
        batch_op.drop_column('last_scanned_at')
        batch_op.drop_column('analysis_error')
        batch_op.drop_column('analysis_status')
        batch_op.drop_column('scan_error')
        batch_op.drop_column('error_kind')
        batch_op.drop_column('scan_status')
        batch_op.drop_column('lossless')
        batch_op.drop_column('channels')
        batch_op.drop_column('sample_rate')
        batch_op.drop_column('bitrate')
        batch_op.drop_column('codec')
        batch_op.drop_column('format')
        batch_op.drop_column('mtime_ns')
        batch_op.drop_column('size_bytes')
