"""A record staff made earlier is linked to a new account only through a proof the person
controls: the code e-mailed to the record's address (received by a real SMTP server on
loopback), or the secretariat's confirmation when the record has no e-mail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Applicant, ApplicantAccount, ApplicantLink, AuditEvent
from portal.rules.account_link import MAX_ATTEMPTS
from portal.rules.vocabulary import Role
from tests.applicant_world import browser, fill_profile, make_account, post, sign_in
from tests.conftest import csrf_token, login, make_user
from tests.mail import mailbox  # noqa: F401 (the fixture)

LINK = "/asesi/tautkan"


@pytest.fixture
def client(app):
    return browser(app)


def _newcomer(client, record: Applicant) -> ApplicantAccount:
    """An account registered with the NIK of the staff-made record, signed in."""
    account = make_account("budi.baru@example.org", nik=record.nik)
    sign_in(client, account.email)
    return account


def _linked(account: ApplicantAccount) -> int | None:
    db.session.rollback()  # read what the requests committed
    return db.session.scalar(
        select(ApplicantAccount.applicant_id).where(ApplicantAccount.id == account.id)
    )


def test_the_record_links_with_the_code_sent_to_its_e_mail(app, client, catalogue, mailbox):  # noqa: F811
    record = catalogue["applicant"]
    record.email = "budi.lama@example.org"
    db.session.commit()
    account = _newcomer(client, record)
    home = client.get("/asesi/").get_data(as_text=True)
    assert "already holds a record with your NIK" in home and LINK in home
    assert "Link it to your account first" in fill_profile(client).get_data(as_text=True)
    page = client.get(LINK).get_data(as_text=True)
    assert "b***@example.org" in page and "budi.lama@example.org" not in page

    sent = post(client, f"{LINK}/kirim", LINK)
    assert sent.headers["Location"] == LINK
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "budi.lama@example.org"
    code = re.search(r"\b(\d{6})\b", message.get_body(("plain",)).get_content()).group(1)

    wrong = "000000" if code != "000000" else "111111"
    refused = post(client, LINK, LINK, code=wrong).get_data(as_text=True)
    assert "The code is not right" in refused
    assert _linked(account) is None

    done = post(client, LINK, LINK, code=code)
    assert done.headers["Location"] == "/asesi/"
    assert _linked(account) == record.id
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.account_id == account.id).order_by(AuditEvent.id)
    ).all()
    assert actions == ["applicant_link_requested", "applicant_linked"]
    assert client.get(LINK).headers["Location"] == "/asesi/"  # nothing left to link
    assert len(mailbox.settle()) == 1


def test_a_code_tried_too_often_is_spent(app, client, catalogue):
    record = catalogue["applicant"]
    record.email = "budi.lama@example.org"
    db.session.commit()
    account = _newcomer(client, record)
    post(client, f"{LINK}/kirim", LINK)
    db.session.execute(update(ApplicantLink).values(attempts=MAX_ATTEMPTS))
    db.session.commit()
    page = post(client, LINK, LINK, code="123456").get_data(as_text=True)
    assert "Ask for a new code" in page
    assert _linked(account) is None


def test_without_e_mail_the_secretariat_confirms(app, client, catalogue):
    record = catalogue["applicant"]
    assert record.email is None
    account = _newcomer(client, record)
    assert "Ask the secretariat" in client.get(LINK).get_data(as_text=True)
    post(client, f"{LINK}/kirim", LINK)
    assert "Your request is with the secretariat" in client.get(LINK).get_data(as_text=True)
    assert post(client, LINK, LINK, code="123456").status_code == 200  # no code to type
    assert _linked(account) is None
    link_id = db.session.scalar(select(ApplicantLink.id))

    admin = browser(app)
    make_user("teknis", Role.ADMIN, locale="en")
    login(admin, "teknis")
    listed = admin.get("/admin/applicant_link/").get_data(as_text=True)
    assert "budi.baru@example.org" in listed
    token = csrf_token(admin, "/admin/applicant_link/")
    refused = admin.post(
        "/admin/applicant_link/action/",
        data={"action": "confirm_link", "rowid": str(link_id), "csrf_token": token},
    )
    assert refused.status_code == 403  # the technical administrator does not vouch for people
    assert _linked(account) is None

    staff = browser(app)
    make_user("sekretariat", Role.SECRETARIAT, locale="en")
    login(staff, "sekretariat")
    token = csrf_token(staff, "/admin/applicant_link/")
    staff.post(
        "/admin/applicant_link/action/",
        data={"action": "confirm_link", "rowid": str(link_id), "csrf_token": token},
    )
    assert _linked(account) == record.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "applicant_linked"))
    assert event.user_id is not None and event.data["account"] == account.id
    assert "budi.baru@example.org" not in staff.get("/admin/applicant_link/").get_data(as_text=True)


def test_a_record_held_by_another_account_is_never_offered(app, client, catalogue):
    record = catalogue["applicant"]
    holder = make_account("pemegang@example.org")
    holder.applicant_id = record.id
    db.session.commit()
    other = make_account("lain@example.org", nik="3171011708850099")
    sign_in(client, other.email)
    assert client.get(LINK).headers["Location"] == "/asesi/"
    refused = post(client, f"{LINK}/kirim", "/asesi/")
    assert refused.headers["Location"] == "/asesi/"
    assert db.session.scalar(select(ApplicantLink.id)) is None
