"""data protection: retention marks a case anonymised

Revision ID: 0011_privacy
Revises: 0010_sessions_totp
Create Date: 2026-11-27 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import caseflow.db

# revision identifiers, used by Alembic.
revision = '0011_privacy'
down_revision = '0010_sessions_totp'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', caseflow.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_check_constraint(
            'anonymised_when_closed', sa.text("anonymised_at IS NULL OR status = 'closed'"))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_cases_anonymised_when_closed'), type_='check')
        batch_op.drop_column('anonymised_at')
