"""jobs: background jobs (reports, batch printing) and their result files

Revision ID: 0006_jobs
Revises: 0005_more_certificates
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import caseflow.db  # noqa: F401 - column types used below


revision = '0006_jobs'
down_revision = '0005_more_certificates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', 'expired', name='job_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('progress_note', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('storage_name', sa.String(length=64), nullable=True),
    sa.Column('result_filename', sa.String(length=200), nullable=True),
    sa.Column('result_mimetype', sa.String(length=100), nullable=True),
    sa.Column('result_size', sa.Integer(), nullable=True),
    sa.Column('created_at', caseflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', caseflow.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', caseflow.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', caseflow.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('progress_done >= 0 AND progress_total >= 0', name=op.f('ck_jobs_progress_positive')),
    sa.CheckConstraint("status NOT IN ('done', 'failed', 'expired') OR finished_at IS NOT NULL", name=op.f('ck_jobs_finished_has_time')),
    sa.CheckConstraint("status != 'queued' OR (started_at IS NULL AND finished_at IS NULL)", name=op.f('ck_jobs_queued_not_started')),
    sa.CheckConstraint("status != 'done' OR (storage_name IS NOT NULL AND result_filename IS NOT NULL AND result_mimetype IS NOT NULL AND result_size IS NOT NULL AND expires_at IS NOT NULL)", name=op.f('ck_jobs_done_has_result')),
    sa.CheckConstraint("status != 'failed' OR error IS NOT NULL", name=op.f('ck_jobs_failed_has_error')),
    sa.CheckConstraint("status = 'done' OR storage_name IS NULL", name=op.f('ck_jobs_file_only_when_done')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_jobs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('storage_name', name=op.f('uq_jobs_storage_name'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_jobs_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_expires_at'))

    op.drop_table('jobs')
