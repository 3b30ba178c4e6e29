"""versions on every editable record

Revision ID: 0012_versions
Revises: 0011_privacy
Create Date: 2026-11-27 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_versions'
down_revision = '0011_privacy'
branch_labels = None
depends_on = None


# Records edited through a form of their own; the others are covered by their case's version.
TABLES = ('offices', 'users', 'service_types')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                          server_default='1'))
            batch_op.create_check_constraint('version_positive', sa.text('version > 0'))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_version_positive'), type_='check')
            batch_op.drop_column('version')
