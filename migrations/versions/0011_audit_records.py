"""audit events of record edits: the edited record and its changed fields; an appeal may be
withdrawn with its case; a unit's decision keeps the reason it departs from the recommendation

Revision ID: 0011_audit_records
Revises: 0013_outbox_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_audit_records"
down_revision = "0013_outbox_jobs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("record_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("changes", sa.JSON(), nullable=True))
        batch_op.create_index(
            "ix_audit_event_record", ["record_type", "record_id", "at"], unique=False
        )
    _appeal_statuses("'pending', 'upheld', 'rejected', 'withdrawn'")
    with op.batch_alter_table("case_unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))


def _appeal_statuses(values: str) -> None:
    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_appeal_status_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_appeal_status_valid"), f"status IN ({values})")


def downgrade():
    with op.batch_alter_table("case_unit", schema=None) as batch_op:
        batch_op.drop_column("decision_reason")
    _appeal_statuses("'pending', 'upheld', 'rejected'")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_record")
        batch_op.drop_column("changes")
        batch_op.drop_column("record_id")
        batch_op.drop_column("record_type")
