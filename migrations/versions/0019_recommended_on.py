"""decision records: the deputy chair role; the day a case's recommendation was recorded;
addenda that correct a decision meeting's record

Revision ID: 0019_recommended_on
Revises: 0014_applicant_accounts
"""

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0019_recommended_on"
down_revision = "0014_applicant_accounts"
branch_labels = None
depends_on = None

_ROLES = "'admin', 'secretariat', 'assessor', 'certification_head', 'quality_head', 'standards_head', 'chair'"


def upgrade():
    _roles(f"{_ROLES}, 'deputy_chair'")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recommended_on", sa.Date(), nullable=True))
    _backfill_recommended_on()
    op.create_table(
        "meeting_addendum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_meeting_addendum_author_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["decision_meeting.id"],
            name=op.f("fk_meeting_addendum_meeting_id_decision_meeting"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_addendum")),
    )
    with op.batch_alter_table("meeting_addendum", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_addendum_meeting_id"), ["meeting_id"], unique=False
        )


def _roles(values: str) -> None:
    with op.batch_alter_table("user_role", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_role_role_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_user_role_role_valid"), f"role IN ({values})")


def _backfill_recommended_on() -> None:
    """The day of each case's latest `recommend` event in the LSP's time zone; a case with a
    recommendation but no such event (imported, seeded) takes its assessment date."""
    bind = op.get_bind()
    zone = ZoneInfo(os.environ.get("LSP_TIMEZONE", "Asia/Jakarta"))
    case = sa.table(
        "case",
        sa.column("id", sa.Integer),
        sa.column("recommended_on", sa.Date),
        sa.column("assessment_date", sa.Date),
    )
    event = sa.table(
        "audit_event",
        sa.column("case_id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("at", sa.DateTime(timezone=True)),
    )
    unit = sa.table(
        "case_unit", sa.column("case_id", sa.Integer), sa.column("recommendation", sa.String)
    )
    latest = bind.execute(
        sa.select(event.c.case_id, sa.func.max(event.c.at))
        .where(event.c.action == "recommend", event.c.case_id.is_not(None))
        .group_by(event.c.case_id)
    ).all()
    days = [{"cid": cid, "day": _day(at, zone)} for cid, at in latest if at is not None]
    if days:
        bind.execute(
            case.update()
            .where(case.c.id == sa.bindparam("cid"))
            .values(recommended_on=sa.bindparam("day")),
            days,
        )
    recommended = sa.select(unit.c.case_id).where(unit.c.recommendation.is_not(None))
    bind.execute(
        case.update()
        .where(case.c.recommended_on.is_(None), case.c.id.in_(recommended))
        .values(recommended_on=case.c.assessment_date)
    )


def _day(at, zone):
    """The calendar day of a stored instant in the LSP's time zone (SQLite returns it naive,
    in UTC, or as text)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(zone).date()


def downgrade():
    op.drop_table("meeting_addendum")
    # not a batch: SQLite would copy "case", which other tables' foreign keys point at
    op.execute('ALTER TABLE "case" DROP COLUMN recommended_on')
    op.execute("DELETE FROM user_role WHERE role = 'deputy_chair'")
    _roles(_ROLES)
