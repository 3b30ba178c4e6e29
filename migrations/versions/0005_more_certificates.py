"""three more certificates: administrative assistance, school attendance, reintegration completed

Revision ID: 0005_more_certificates
Revises: 0004
Create Date: 2026-11-28 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005_more_certificates'
down_revision = '0004'
branch_labels = None
depends_on = None


OLD_KINDS = ("voluntary_departure",)
NEW_KINDS = (*OLD_KINDS, "administrative_assistance", "school_attendance",
             "reintegration_completed")
OLD_EVENTS = ("created", "transition", "edited", "document_added", "session_logged")
NEW_EVENTS = (*OLD_EVENTS, "certificate_issued", "certificate_revoked")


def _replace_check(batch_op, table, name, column, values):
    """Enum columns are VARCHAR with a CHECK listing the values: rewrite the list."""
    batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
    batch_op.create_check_constraint(name, sa.column(column).in_(values))


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('beneficiary_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certificates_beneficiary_id'), ['beneficiary_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_certificates_beneficiary_id_beneficiaries'),
                                    'beneficiaries', ['beneficiary_id'], ['id'])
        _replace_check(batch_op, 'certificates', 'certificate_kind', 'kind', NEW_KINDS)
        batch_op.create_check_constraint(
            'person_for_school', sa.text("(kind = 'school_attendance') = "
                                         "(beneficiary_id IS NOT NULL)"))
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        _replace_check(batch_op, 'case_events', 'event_kind', 'kind', NEW_EVENTS)


def downgrade():
    # The new kinds cannot be stored under the old constraints: their rows go first.
    op.execute(sa.text("DELETE FROM case_events WHERE kind IN "
                       "('certificate_issued', 'certificate_revoked')"))
    op.execute(sa.text("DELETE FROM certificates WHERE kind <> 'voluntary_departure'"))
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        _replace_check(batch_op, 'case_events', 'event_kind', 'kind', OLD_EVENTS)
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificates_person_for_school'), type_="check")
        _replace_check(batch_op, 'certificates', 'certificate_kind', 'kind', OLD_KINDS)
        batch_op.drop_constraint(batch_op.f('fk_certificates_beneficiary_id_beneficiaries'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certificates_beneficiary_id'))
        batch_op.drop_column('beneficiary_id')
