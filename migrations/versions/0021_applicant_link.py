"""applicant link: an account proves it may take over a record staff made for its NIK

Revision ID: 0021_applicant_link
Revises: 0020_staff_digest
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_applicant_link"
down_revision = "0020_staff_digest"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "applicant_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("sent_to", sa.String(length=254), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["applicant_account.id"]),
        sa.ForeignKeyConstraint(["applicant_id"], ["applicant.id"]),
        sa.ForeignKeyConstraint(["confirmed_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_applicant_link_account_id", "applicant_link", ["account_id"])
    op.create_index("ix_applicant_link_applicant_id", "applicant_link", ["applicant_id"])


def downgrade():
    op.drop_index("ix_applicant_link_applicant_id", table_name="applicant_link")
    op.drop_index("ix_applicant_link_account_id", table_name="applicant_link")
    op.drop_table("applicant_link")
