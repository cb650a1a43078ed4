"""text search: the audit trail's notes, and applicants' names on SQLite

Revision ID: 0017_audit_search
Revises: 0018_signed_certificate

PostgreSQL: a pg_trgm GIN index on audit_event.note (SQLite: an empty placeholder, as for the
other trigram indexes). SQLite: FTS5 tables indexing the notes (by word) and the applicants'
names (by trigram), with their triggers, filled from the existing rows (SQLITE_TEXT_INDEXES in
portal/models.py).
"""
from alembic import op
import sqlalchemy as sa

from portal.models import SQLITE_TEXT_INDEXES, fts_ddl

revision = '0017_audit_search'
down_revision = '0018_signed_certificate'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_event_note_trgm', 'audit_event', ['note'], unique=False,
                    postgresql_using='gin', postgresql_ops={'note': 'gin_trgm_ops'},
                    sqlite_where=sa.text('0'))
    if op.get_bind().dialect.name == 'sqlite':
        for fts, (table, column, tokenize) in SQLITE_TEXT_INDEXES.items():
            for statement in fts_ddl(fts, table.name, column, tokenize):
                op.execute(statement)
            op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for fts in SQLITE_TEXT_INDEXES:
            for trigger in ('insert', 'delete', 'update'):
                op.execute(f'DROP TRIGGER IF EXISTS {fts}_{trigger}')
            op.execute(f'DROP TABLE IF EXISTS {fts}')
    op.drop_index('ix_audit_event_note_trgm', table_name='audit_event')
