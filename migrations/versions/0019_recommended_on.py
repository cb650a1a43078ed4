"""decision records: the deputy chair role

Revision ID: 0019_recommended_on
Revises: 0014_applicant_accounts
"""

from alembic import op

revision = "0019_recommended_on"
down_revision = "0014_applicant_accounts"
branch_labels = None
depends_on = None

_ROLES = "'admin', 'secretariat', 'assessor', 'certification_head', 'quality_head', 'standards_head', 'chair'"


def upgrade():
    _roles(f"{_ROLES}, 'deputy_chair'")


def _roles(values: str) -> None:
    with op.batch_alter_table("user_role", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_role_role_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_user_role_role_valid"), f"role IN ({values})")


def downgrade():
    op.execute("DELETE FROM user_role WHERE role = 'deputy_chair'")
    _roles(_ROLES)
