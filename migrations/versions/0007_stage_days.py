"""stage days on transitions: how long a case stayed in the stage it left

Revision ID: 0007_stage_days
Revises: 0006_jobs
Create Date: 2026-11-27 14:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_stage_days'
down_revision = '0006_jobs'
branch_labels = None
depends_on = None

# The previous event that entered a stage (creation or transition) of the same case.
ENTERED = ("(SELECT max(p.at) FROM case_events p WHERE p.case_id = case_events.case_id"
           " AND p.kind IN ('created', 'transition')"
           " AND (p.at < case_events.at OR (p.at = case_events.at AND p.id < case_events.id)))")


def upgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_days', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        days = f"(case_events.at::date - ({ENTERED})::date)"
    else:
        days = f"CAST(julianday(date(case_events.at)) - julianday(date({ENTERED})) AS INTEGER)"
    op.execute(f"UPDATE case_events SET stage_days = COALESCE({days}, 0) "
               "WHERE kind = 'transition'")
    # A clock that went backwards must not give a negative stay.
    op.execute("UPDATE case_events SET stage_days = 0 WHERE stage_days < 0")
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'transition_has_stage_days',
            sa.text("kind <> 'transition' OR (stage_days IS NOT NULL AND stage_days >= 0)"))
        batch_op.create_index('ix_case_events_stage_days',
                              ['kind', 'from_status', 'stage_days', 'at', 'case_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_stage_days')
        batch_op.drop_constraint(batch_op.f('ck_case_events_transition_has_stage_days'),
                                 type_='check')
        batch_op.drop_column('stage_days')
