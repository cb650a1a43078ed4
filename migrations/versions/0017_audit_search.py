"""audit search: a text index on the audit trail's notes

Revision ID: 0017_audit_search
Revises: 0001

PostgreSQL: a pg_trgm GIN index on audit_event.note (SQLite: an empty placeholder, as for the
other trigram indexes). SQLite: an FTS5 table indexing the notes, with its triggers, filled from
the existing events (see AUDIT_NOTE_FTS in portal/models.py).
"""
from alembic import op
import sqlalchemy as sa

from portal.models import AUDIT_NOTE_FTS, AUDIT_NOTE_FTS_DDL

revision = '0017_audit_search'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_event_note_trgm', 'audit_event', ['note'], unique=False,
                    postgresql_using='gin', postgresql_ops={'note': 'gin_trgm_ops'},
                    sqlite_where=sa.text('0'))
    if op.get_bind().dialect.name == 'sqlite':
        for statement in AUDIT_NOTE_FTS_DDL:
            op.execute(statement)
        op.execute(f"INSERT INTO {AUDIT_NOTE_FTS}({AUDIT_NOTE_FTS}) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER IF EXISTS {AUDIT_NOTE_FTS}_{trigger}')
        op.execute(f'DROP TABLE IF EXISTS {AUDIT_NOTE_FTS}')
    op.drop_index('ix_audit_event_note_trgm', table_name='audit_event')
