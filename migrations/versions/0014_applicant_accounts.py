"""applicant accounts: the applicant portal's own sign-in, the online marker, applicant actors

Revision ID: 0014_applicant_accounts
Revises: 0012_session_version
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_applicant_accounts"
down_revision = "0012_session_version"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "applicant_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applicant_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(nik) = 16", name="account_nik_length"),
        sa.ForeignKeyConstraint(["applicant_id"], ["applicant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("applicant_id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("nik"),
    )
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("online", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("attachment") as batch:
        batch.add_column(sa.Column("uploaded_by_account_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_attachment_uploaded_by_account_id",
            "applicant_account",
            ["uploaded_by_account_id"],
            ["id"],
        )
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_audit_event_account_id", "applicant_account", ["account_id"], ["id"]
        )
        batch.create_index("ix_audit_event_account_id", ["account_id"])
    with op.batch_alter_table("case") as batch:
        batch.alter_column("online", server_default=None)


def downgrade():
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_index("ix_audit_event_account_id")
        batch.drop_constraint("fk_audit_event_account_id", type_="foreignkey")
        batch.drop_column("account_id")
    with op.batch_alter_table("attachment") as batch:
        batch.drop_constraint("fk_attachment_uploaded_by_account_id", type_="foreignkey")
        batch.drop_column("uploaded_by_account_id")
    with op.batch_alter_table("case") as batch:
        batch.drop_column("online")
    op.drop_table("applicant_account")
