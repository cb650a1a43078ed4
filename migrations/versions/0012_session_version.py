"""A session version per user: raised to end every session and remember cookie (issue 12)

Revision ID: 0012_session_version
Revises: 0011_audit_records
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_session_version"
down_revision = "0011_audit_records"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("session_version")
