"""audit trail: append-only, hash-chained entries, the chain's head and per-case keys

Revision ID: 0009_audit
Revises: 0008_office_language
Create Date: 2026-11-27 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import caseflow.db

# revision identifiers, used by Alembic.
revision = '0009_audit'
down_revision = '0008_office_language'
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade():
    op.create_table(
        'audit_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', caseflow.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('target', sa.String(length=80), nullable=True),
        sa.Column('target_id', sa.String(length=40), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('address', sa.String(length=45), nullable=True),
        sa.Column('endpoint', sa.String(length=80), nullable=True),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.CheckConstraint('seq > 0', name=op.f('ck_audit_entries_seq_positive')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_audit_entries_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
        sa.UniqueConstraint('hash', name=op.f('uq_audit_entries_hash')),
        sa.UniqueConstraint('seq', name=op.f('uq_audit_entries_seq')),
    )
    op.create_index('ix_audit_entries_at', 'audit_entries', ['at'])
    op.create_index('ix_audit_entries_case_at', 'audit_entries', ['case_id', 'at'])
    op.create_index('ix_audit_entries_user_at', 'audit_entries', ['user_id', 'at'])
    head = op.create_table(
        'audit_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_audit_head_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head')),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "last_hash": GENESIS_HASH}])
    op.create_table(
        'audit_keys',
        sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_audit_keys')),
    )
    # The application only ever inserts; the database refuses the rest, so a bug or a
    # stray script cannot rewrite history without dropping the triggers first.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_entries is append-only';
            END $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER audit_entries_append_only
            BEFORE UPDATE OR DELETE ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""")
        op.execute("""
            CREATE TRIGGER audit_entries_no_truncate
            BEFORE TRUNCATE ON audit_entries
            FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_entries_no_{verb.lower()}
                BEFORE {verb} ON audit_entries
                BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")
    op.drop_table('audit_keys')
    op.drop_table('audit_head')
    op.drop_index('ix_audit_entries_user_at', table_name='audit_entries')
    op.drop_index('ix_audit_entries_case_at', table_name='audit_entries')
    op.drop_index('ix_audit_entries_at', table_name='audit_entries')
    op.drop_table('audit_entries')
