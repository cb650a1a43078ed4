"""status since: when each case entered its status, stored with it and indexed

The home page's waiting work as index reads. `case.status_since` is filled from the audit trail
as the home page computed it until now: the time of the last event that led to the case's
status, else the case's creation. Certificates in force are found by their surveillance date.

Revision ID: 0023_status_since
Revises: 0022_import_result
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_status_since"
down_revision = "0022_import_result"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case") as batch_op:
        batch_op.add_column(sa.Column("status_since", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        'UPDATE "case" SET status_since = COALESCE('
        "(SELECT max(audit_event.at) FROM audit_event"
        ' WHERE audit_event.case_id = "case".id AND audit_event.to_status = "case".status),'
        ' "case".created_at)'
    )
    with op.batch_alter_table("case") as batch_op:
        batch_op.alter_column(
            "status_since", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_index("ix_case_status_since", ["status", "status_since"])
    with op.batch_alter_table("certificate") as batch_op:
        batch_op.create_index(
            "ix_certificate_status_surveillance", ["status", "next_surveillance_due"]
        )


def downgrade():
    with op.batch_alter_table("certificate") as batch_op:
        batch_op.drop_index("ix_certificate_status_surveillance")
    with op.batch_alter_table("case") as batch_op:
        batch_op.drop_index("ix_case_status_since")
        batch_op.drop_column("status_since")
