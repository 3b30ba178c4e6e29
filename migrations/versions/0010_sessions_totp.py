"""sessions and two-factor login: session generation, TOTP secret and last step, recovery codes

Revision ID: 0010_sessions_totp
Revises: 0009_audit
Create Date: 2026-11-27 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import caseflow.db

# revision identifiers, used by Alembic.
revision = '0010_sessions_totp'
down_revision = '0009_audit'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('session_generation_positive',
                                         sa.text('session_generation >= 0'))
        batch_op.create_check_constraint(
            'totp_step_needs_secret', sa.text('totp_last_step IS NULL OR totp_secret IS NOT NULL'))

    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', caseflow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', caseflow.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_recovery_codes_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_codes_code_hash')),
    )
    op.create_index(op.f('ix_recovery_codes_user_id'), 'recovery_codes', ['user_id'])


def downgrade():
    op.drop_index(op.f('ix_recovery_codes_user_id'), table_name='recovery_codes')
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_totp_step_needs_secret'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_users_session_generation_positive'),
                                 type_='check')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('session_generation')
