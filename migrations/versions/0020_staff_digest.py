"""The staff daily digest: a per-user choice to receive the e-mail of waiting work (issue 13)

Revision ID: 0020_staff_digest
Revises: 0019_recommended_on
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_staff_digest"
down_revision = "0019_recommended_on"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(
            sa.Column("daily_digest", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("daily_digest")
