"""The Alembic revisions build exactly the schema the models declare, from an empty database."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, stamp, upgrade
from sqlalchemy import inspect, select

from portal import create_app
from portal.casework.audit import write_events
from portal.extensions import db
from portal.models import Case, is_schema_object
from tests.conftest import database_url
from tests.test_case_actions import make_case


def test_migrations_upgrade_an_empty_database_to_the_models_and_back(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url(tmp_path)})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_name": is_schema_object}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.session.remove()


def test_the_appeal_status_check_admits_withdrawn_after_the_upgrade(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url(tmp_path)})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as connection:
            checks = inspect(connection).get_check_constraints("appeal")
        assert any("withdrawn" in check["sqltext"] for check in checks)
        downgrade(revision="base")
        db.session.remove()


def test_the_upgrade_dates_each_case_s_status_from_its_last_step_into_it(app, catalogue):
    stepped, untouched = make_case(catalogue, n=1), make_case(catalogue, n=2)
    stepped.status = "verified"
    db.session.commit()
    ids, created = (stepped.id, untouched.id), untouched.created_at
    day = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    write_events(
        db.session,
        [
            {"at": day.replace(day=d), "action": a, "case_id": ids[0], "to_status": to}
            for d, a, to in ((2, "submit", "submitted"), (3, "verify", "verified"), (4, "x", None))
        ],
    )
    db.session.commit()
    stamp()
    downgrade(revision="0022_import_result")
    upgrade()
    db.session.remove()
    since = dict(db.session.execute(select(Case.id, Case.status_since)).all())
    assert _utc(since[ids[0]]) == day.replace(day=3)  # the verify, not the later event
    assert _utc(since[ids[1]]) == _utc(created)


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
