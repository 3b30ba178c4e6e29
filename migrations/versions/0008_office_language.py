"""office language: the language an office prints follow-up documents in

Revision ID: 0008_office_language
Revises: 0007_stage_days
Create Date: 2026-11-27 15:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_office_language'
down_revision = '0007_stage_days'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
        batch_op.create_check_constraint(
            'known_language', sa.text("language IS NULL OR language IN ('fr', 'nl', 'en')"))


def downgrade():
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_offices_known_language'), type_='check')
        batch_op.drop_column('language')
