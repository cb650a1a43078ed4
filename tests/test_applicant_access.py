"""Every applicant route, generated from the URL map, for anonymous visitors, the owner,
another applicant and each staff role: the owner opens their records, another applicant gets
"not found" for every object id, staff are refused, anonymous visitors are sent to sign in.
A new /asesi/ route joins the matrix by itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal import clock
from portal.extensions import db
from portal.models import Attachment, Case
from portal.rules.vocabulary import Role
from tests.applicant_world import (
    PDF,
    PROFILE,
    browser,
    fill_profile,
    make_account,
    make_certificate,
    make_schedule,
    post,
    sign_in,
    upload,
)
from tests.conftest import csrf_token, login, make_user

# Pages anyone may open (the account's own forms and links).
OPEN = {"register", "sign_in", "confirm", "resend", "forgot", "reset"}


@pytest.fixture
def world(app, catalogue):
    """The owner with an application at the stage where every page of it exists, and another
    applicant with their own profile."""
    owner = browser(app)
    make_account("pemilik@example.org")
    sign_in(owner, "pemilik@example.org")
    fill_profile(owner)
    schedule = make_schedule(catalogue)
    page = f"/asesi/jadwal/{schedule.id}"
    case_id = int(post(owner, page, page).headers["Location"].rsplit("/", 1)[1])
    upload(owner, case_id, "ijazah", PDF, "ijazah.pdf")
    attachment_id = db.session.scalar(select(Attachment.id).where(Attachment.case_id == case_id))
    other = browser(app)
    make_account("lain@example.org")
    sign_in(other, "lain@example.org")
    fill_profile(other)
    case = db.session.get(Case, case_id)
    certificate = make_certificate(
        case, issued_on=clock.today() - timedelta(1000), expires_on=clock.today() + timedelta(60)
    )
    return {
        "certificate_id": certificate.id,
        "owner": owner,
        "other": other,
        "case_id": case_id,
        "attachment_id": attachment_id,
        "schedule_id": schedule.id,
    }


def _stage_for(endpoint: str, case_id: int) -> None:
    """Put the case where the page exists (set-up; the workflow is tested elsewhere)."""
    status = {
        "self_assessment": "verified",
        "appeal": "not_yet_competent",
        "badge": "ready_for_assessment",
    }.get(endpoint, "draft")
    db.session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(
            status=status, decided_on=clock.today(), assessment_date=clock.today() + timedelta(1)
        )
    )
    db.session.commit()


def probes(app, world) -> list[tuple[str, str, str]]:
    """(endpoint name, method, url) for every rule of the applicant blueprint."""
    values = {
        "case_id": world["case_id"],
        "attachment_id": world["attachment_id"],
        "schedule_id": world["schedule_id"],
        "certificate_id": world["certificate_id"],
        "token": "not-a-valid-token",
    }
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("asesi."):
            continue
        url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint.split(".", 1)[1], method, url))
    assert len(found) > 15
    return sorted(found, key=lambda p: p[0] == "sign_out")  # signing out last


def answer(client, method: str, url: str, form_page: str = "/asesi/masuk"):
    data = {"csrf_token": csrf_token(client, form_page)} if method == "POST" else None
    return client.open(url, method=method, data=data)


def test_anonymous_visitors_are_sent_to_sign_in(app, world):
    visitor = browser(app)
    for name, method, url in probes(app, world):
        response = answer(visitor, method, url)
        assert response.status_code < 500, (method, url)
        if name not in OPEN:
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/asesi/masuk"), (method, url)


def test_another_applicant_finds_none_of_the_owners_records(app, world):
    other = world["other"]
    for name, method, url in probes(app, world):
        _stage_for(name, world["case_id"])
        response = answer(other, method, url, "/asesi/")
        # the account's own pages, which name no record in their URL
        own = ("start", "home", "profile", "link", "request_link", "sign_out")
        if name in own or name in OPEN:
            assert response.status_code < 400, (method, url, response.status_code)
        else:
            assert response.status_code == 404, (method, url, response.status_code)


def test_the_owner_opens_every_page_of_their_own(app, world):
    owner = world["owner"]
    for name, method, url in probes(app, world):
        if method != "GET" or name in ("sign_out", "certificate"):
            continue
        _stage_for(name, world["case_id"])
        response = owner.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)


@pytest.mark.parametrize(
    ("asked", "lands_on"),
    [
        ("/asesi/jadwal/1", "/asesi/jadwal/1"),  # where "Daftar" sent them to fill the profile
        ("https://evil.example/asesi/", "/asesi/"),
        ("//evil.example/asesi/", "/asesi/"),
        ("/admin/", "/asesi/"),
    ],
)
def test_saving_the_profile_goes_on_only_to_a_page_of_the_applicant_portal(world, asked, lands_on):
    page = f"/asesi/profil?next={asked}"
    response = post(world["owner"], page, "/asesi/profil", **PROFILE)
    assert response.status_code == 302
    assert response.headers["Location"] == lands_on


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_staff_never_act_as_applicants(app, world, role):
    staff = browser(app)
    make_user(f"staf-{role.value}", role.value, locale="en")
    login(staff, f"staf-{role.value}")
    for name, method, url in probes(app, world):
        if name in OPEN:
            continue
        response = answer(staff, method, url)
        assert response.status_code == 403, (role, method, url, response.status_code)
