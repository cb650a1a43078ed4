"""signed certificate PDFs, stored once (issue 18)

Revision ID: 0018_signed_certificate
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_signed_certificate"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signed_certificate",
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("signer", sa.String(length=200), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificate.id"],
            name=op.f("fk_signed_certificate_certificate_id_certificate"),
        ),
        sa.PrimaryKeyConstraint("certificate_id", name=op.f("pk_signed_certificate")),
    )
    op.create_index(
        op.f("ix_signed_certificate_key_fingerprint"),
        "signed_certificate",
        ["key_fingerprint"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_signed_certificate_key_fingerprint"), table_name="signed_certificate")
    op.drop_table("signed_certificate")
