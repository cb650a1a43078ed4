"""Nothing lost: a failure in the middle of a bulk action leaves every case either fully changed
(status, units and audit event) or untouched, and the user gets the friendly error page.

The failure is injected where it hurts most: at the audit insert, after the batch's statuses
were already updated in the same transaction.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from portal import casework
from portal.extensions import db
from portal.models import Applicant, AuditEvent, Case
from tests.conftest import login, make_user
from tests.test_case_actions import _second_applicant, act, make_case

CASES = 5


class InjectedFailure(Exception):
    """The database "failing" on an audit insert."""


@pytest.fixture
def drafts(app, catalogue) -> list[int]:
    """Five signed drafts with their attachments, and the secretariat logged in elsewhere."""
    make_user("sekretariat", "secretariat")
    applicants: list[Applicant] = [catalogue["applicant"]]
    applicants += [_second_applicant(i) for i in range(1, CASES)]
    return [make_case(catalogue, applicant=a, n=i).id for i, a in enumerate(applicants)]


@pytest.fixture
def fail_audit_insert(app):
    """Make the Nth INSERT into audit_event raise (N set by the test)."""
    state = {"fail_at": 1, "seen": 0}

    def before_execute(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT"):
            state["seen"] += 1
            if state["seen"] == state["fail_at"]:
                raise InjectedFailure("the disk is full")

    event.listen(db.engine, "before_cursor_execute", before_execute)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # let the 500 handler answer, as in production
    yield state
    event.remove(db.engine, "before_cursor_execute", before_execute)


def trail(case_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id)))


def states(ids: list[int]) -> dict[int, tuple[str, list[str]]]:
    """Each case's status and audit trail, read afresh."""
    db.session.expire_all()
    return {i: (db.session.get(Case, i).status, trail(i)) for i in ids}


def test_a_failure_in_one_batch_keeps_the_committed_batches_and_rolls_back_the_rest(
    client, drafts, fail_audit_insert, monkeypatch
):
    monkeypatch.setattr(casework.transitions, "BATCH_SIZE", 2)  # batches: 2 + 2 + 1 cases
    fail_audit_insert["fail_at"] = 2  # the second batch fails after its status UPDATE
    login(client, "sekretariat")

    response = act(client, "submit", drafts)

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "error-card" in page and "Traceback" not in page and "InjectedFailure" not in page
    got = states(drafts)
    assert [got[i] for i in drafts[:2]] == [("submitted", ["submit"])] * 2
    assert [got[i] for i in drafts[2:]] == [("draft", [])] * 3


def test_a_failure_in_a_single_batch_leaves_every_case_untouched(client, drafts, fail_audit_insert):
    login(client, "sekretariat")
    before = states(drafts)

    response = act(client, "submit", drafts)

    assert response.status_code == 500
    assert states(drafts) == before == {i: ("draft", []) for i in drafts}


def test_after_the_failure_the_same_action_completes_the_rest(
    client, drafts, fail_audit_insert, monkeypatch
):
    monkeypatch.setattr(casework.transitions, "BATCH_SIZE", 2)
    fail_audit_insert["fail_at"] = 2
    login(client, "sekretariat")
    act(client, "submit", drafts)

    retry = act(client, "submit", drafts)  # the failure was once; the done cases are skipped

    assert retry.status_code == 200
    assert {status for status, _trail in states(drafts).values()} == {"submitted"}
    assert all(events == ["submit"] for _status, events in states(drafts).values())
