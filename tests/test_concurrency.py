"""Staff acting on the same cases at the same moment, over HTTP, on committed data.

Each request runs in its own thread with its own session and database connection, as in a
server with several workers. Every case is changed once, with exactly one audit event; whoever
lost the race reads "Already done by someone else." in the report, never an error page. (The
service-level races, 8 issuers numbering the same 500 cases and 8 verifiers, are in
test_casework.py.)
"""

from __future__ import annotations

import re
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, CaseUnit, MeetingAttendee, User
from portal.rules.vocabulary import CaseStatus, Role
from tests import test_casework
from tests.conftest import login, make_user

world = test_casework.world  # the catalogue, a decision meeting and one user per role
STAFF = 4  # members of staff posting at once
CASES = 60
REPORT = re.compile(r"(\d+) done; (\d+) skipped")


def staff(role: str) -> list[str]:
    """The usernames of STAFF distinct members of staff with the role, reading English."""
    return [make_user(f"{role}{n}", role, locale="en").username for n in range(STAFF)]


def post_at_once(app: Flask, users: list[str], url: str, form: dict) -> list[tuple[int, str]]:
    """Each user logs in and opens the action's form in a thread of their own; then all post it
    together. Plain FlaskClients: the suite's BrowserClient clears `g` of the test's own app
    context, which these threads do not have (each of their requests pushes its own)."""
    barrier, results, errors = threading.Barrier(len(users)), {}, []

    def act(n: int, username: str) -> None:
        try:
            client = FlaskClient(app, app.response_class, use_cookies=True)
            login(client, username)
            page = client.get(f"{url}?id={form['id'][0]}").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            barrier.wait()
            response = client.post(url, data={**form, "csrf_token": token, "apply": "1"})
            results[n] = (response.status_code, response.get_data(as_text=True))
        except Exception as error:  # noqa: BLE001 - asserted below
            barrier.abort()
            errors.append(error)

    threads = [threading.Thread(target=act, args=item) for item in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.rollback()  # end the test's own read snapshot: the requests committed after it
    return [results[n] for n in range(len(users))]


def assert_applied_once(results: list[tuple[int, str]], action: str, ids: list[int]) -> None:
    """Every case got one audit event; the reports add up, and every skip says why."""
    assert [status for status, _html in results] == [200] * len(results)
    reports = [tuple(map(int, REPORT.search(html).groups())) for _status, html in results]
    assert sum(done for done, _skipped in reports) == len(ids)
    assert all(done + skipped == len(ids) for done, skipped in reports)
    for (_done, skipped), (_status, html) in zip(reports, results, strict=True):
        assert html.count("Already done by someone else.") == skipped
    events = db.session.execute(
        select(AuditEvent.case_id, func.count())
        .where(AuditEvent.action == action, AuditEvent.case_id.in_(ids))
        .group_by(AuditEvent.case_id)
    ).all()
    assert sorted(events) == [(case_id, 1) for case_id in sorted(ids)]


def test_staff_verifying_the_same_cases_at_once_apply_each_once(app, world):
    ids = test_casework.new_cases(world, CASES, CaseStatus.SUBMITTED)
    users = staff(Role.SECRETARIAT)

    results = post_at_once(app, users, "/admin/case/act/verify/", {"id": ids})

    assert_applied_once(results, "verify", ids)
    assert set(test_casework.statuses(ids)) == {CaseStatus.VERIFIED}


@pytest.mark.parametrize("follow", [True, False])
def test_chairs_deciding_the_same_cases_at_once_apply_each_once(app, world, follow):
    ids = test_casework.new_cases(world, CASES, CaseStatus.ASSESSED)
    db.session.execute(CaseUnit.__table__.update().values(recommendation="K"))
    db.session.commit()
    users = staff(Role.CHAIR)
    world["meeting"].attendees.extend(  # a decider attends the meeting that decides
        MeetingAttendee(
            user_id=db.session.scalar(select(User.id).where(User.username == name)),
            position="Ketua",
        )
        for name in users
    )
    db.session.commit()
    verdict = "" if follow else "K"  # follow the recommendation, or give one for every unit
    form = {"id": ids, "meeting_id": world["meeting"].id, "unitall__verdict": verdict}

    results = post_at_once(app, users, "/admin/case/act/decide/", form)

    assert_applied_once(results, "decide", ids)
    assert set(test_casework.statuses(ids)) == {CaseStatus.COMPETENT}
