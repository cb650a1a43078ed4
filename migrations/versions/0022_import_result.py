"""import result: an import commit's report kept on its job, written with the imported rows

Revision ID: 0022_import_result
Revises: 0021_applicant_link
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_import_result"
down_revision = "0021_applicant_link"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job") as batch_op:
        batch_op.add_column(sa.Column("report", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("job") as batch_op:
        batch_op.drop_column("report")
