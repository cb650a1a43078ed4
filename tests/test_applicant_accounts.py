"""Applicant accounts: register, confirm by the signed link, sign in and out, reset the
password; no enumeration; staff and applicant sessions kept apart."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from portal import clock
from portal.applicant.accounts import RESET, make_token
from portal.extensions import db
from portal.models import ApplicantAccount
from tests.applicant_world import browser, confirm_link, make_account, new_nik, post, sign_in
from tests.conftest import PASSWORD, csrf_token, login, make_user
from tests.security_world import fresh_app

NEW_PASSWORD = "kopi-tubruk-pagi-hari"


@pytest.fixture
def client(app):
    return browser(app)


def register(client, email="rina@example.org", nik=None, password=NEW_PASSWORD):
    return post(
        client,
        "/asesi/daftar",
        "/asesi/daftar",
        full_name="Rina  Wulandari",
        nik=nik or new_nik(),
        email=email,
        password=password,
    )


def test_register_confirm_and_sign_in(app, client):
    response = register(client, email="Rina@Example.org")
    assert "Check your e-mail" in response.get_data(as_text=True)
    account = db.session.scalar(select(ApplicantAccount))
    assert account.email == "rina@example.org"
    assert account.full_name == "Rina Wulandari"
    assert account.confirmed_at is None

    refused = sign_in(client, "rina@example.org", NEW_PASSWORD)
    assert "Confirm your e-mail address first" in refused.get_data(as_text=True)

    assert client.get(confirm_link(account)).status_code == 302
    db.session.refresh(account)
    assert account.confirmed_at is not None
    assert sign_in(client, "rina@example.org", NEW_PASSWORD).headers["Location"] == "/asesi/"
    assert "My applications" in client.get("/asesi/").get_data(as_text=True)


def test_a_name_is_stored_composed_and_a_direction_override_refused(client):
    """The name printed on the certificate is checked here too (issue 12, names)."""
    refused = post(
        client,
        "/asesi/daftar",
        "/asesi/daftar",
        full_name="Rina \u202eWulandari",
        nik=new_nik(),
        email="rina@example.org",
        password=NEW_PASSWORD,
    )
    assert "U+202E" in refused.get_data(as_text=True)
    assert db.session.scalar(select(ApplicantAccount)) is None
    register(client)  # its name has two spaces; now one decomposed
    post(
        client,
        "/asesi/daftar",
        "/asesi/daftar",
        full_name="Nguye\u0302\u0303n  Thi\u0323",
        nik=new_nik(),
        email="nguyen@example.org",
        password=NEW_PASSWORD,
    )
    names = db.session.scalars(select(ApplicantAccount.full_name).order_by(ApplicantAccount.id))
    assert list(names) == ["Rina Wulandari", "Nguy\u1ec5n Th\u1ecb"]


def test_bad_input_keeps_what_was_typed(client):
    page = register(client, email="rina@example.org", password="short").get_data(as_text=True)
    assert "at least 10 characters" in page
    assert 'value="rina@example.org"' in page
    assert db.session.scalar(select(ApplicantAccount)) is None


def test_a_taken_email_or_nik_gets_the_same_answer_and_no_second_account(client):
    first = make_account("budi@example.org")
    same_email = register(client, email="budi@example.org").get_data(as_text=True)
    same_nik = register(client, email="other@example.org", nik=first.nik).get_data(as_text=True)
    fresh = register(client, email="new@example.org").get_data(as_text=True)
    message = "If the address belongs to an account"
    assert message in same_email and message in same_nik and message in fresh
    emails = db.session.scalars(select(ApplicantAccount.email)).all()
    assert sorted(emails) == ["budi@example.org", "new@example.org"]


def test_a_forged_or_expired_confirmation_link_is_refused(app, client, monkeypatch):
    account = make_account("late@example.org", confirmed=False)
    link = confirm_link(account)
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert client.get(forged).headers["Location"] == "/asesi/konfirmasi-ulang"
    hours = app.config["APPLICANT_CONFIRM_HOURS"]
    now = time.time()
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: now - (hours + 1) * 3600)
    expired = confirm_link(account)
    monkeypatch.undo()
    assert client.get(expired).headers["Location"] == "/asesi/konfirmasi-ulang"
    db.session.refresh(account)
    assert account.confirmed_at is None
    assert client.get(link).headers["Location"] == "/asesi/masuk"


def test_sign_in_messages_do_not_tell_whether_an_account_exists(client):
    make_account("ada@example.org")
    unknown = sign_in(client, "nobody@example.org", "whatever-password").get_data(as_text=True)
    wrong = sign_in(client, "ada@example.org", "whatever-password").get_data(as_text=True)
    assert "Wrong e-mail or password." in unknown and "Wrong e-mail or password." in wrong
    forgot_unknown = post(client, "/asesi/lupa-sandi", "/asesi/lupa-sandi", email="x@example.org")
    forgot_known = post(client, "/asesi/lupa-sandi", "/asesi/lupa-sandi", email="ada@example.org")
    assert forgot_unknown.get_data(as_text=True) == forgot_known.get_data(as_text=True).replace(
        forgot_known.get_data(as_text=True), forgot_unknown.get_data(as_text=True)
    )
    assert "If the address belongs to an account" in forgot_known.get_data(as_text=True)


def test_password_reset_works_once_and_ends_other_sessions(app, client):
    account = make_account("lupa@example.org")
    other_browser = browser(app)
    sign_in(other_browser, "lupa@example.org")
    assert other_browser.get("/asesi/").status_code == 200

    link = f"/asesi/sandi-baru/{make_token(RESET, account)}"
    response = post(client, link, link, password=NEW_PASSWORD, repeat=NEW_PASSWORD)
    assert response.headers["Location"] == "/asesi/masuk"
    assert sign_in(client, "lupa@example.org", NEW_PASSWORD).headers["Location"] == "/asesi/"
    assert other_browser.get("/asesi/").headers["Location"].startswith("/asesi/masuk")
    assert client.get(link).headers["Location"] == "/asesi/lupa-sandi"  # used: no longer valid


def test_an_applicant_never_opens_the_admin_and_staff_never_act_as_applicants(app, client):
    make_account("asesi@example.org")
    make_user("sekretariat", "secretariat")
    sign_in(client, "asesi@example.org")
    assert client.get("/asesi/").status_code == 200
    assert client.get("/admin/").status_code in (302, 403)
    assert "/login" in client.get("/admin/").headers.get("Location", "/login")

    staff = browser(app)
    login(staff, "sekretariat")
    assert staff.get("/admin/").status_code == 200
    assert staff.get("/asesi/").status_code == 403

    # signing in as an applicant ends the staff session in that browser, and back again
    sign_in(staff, "asesi@example.org")
    assert staff.get("/admin/").status_code == 302
    login(staff, "sekretariat", PASSWORD)
    assert staff.get("/asesi/").status_code == 403


def test_an_unconfirmed_account_older_than_the_link_can_ask_for_a_new_one(client):
    account = make_account("baru@example.org", confirmed=False)
    account.created_at = clock.now() - timedelta(days=5)
    db.session.commit()
    page = post(client, "/asesi/konfirmasi-ulang", "/asesi/konfirmasi-ulang", email=account.email)
    assert "If the address belongs to an account" in page.get_data(as_text=True)


def test_failed_sign_ins_are_limited_per_account_from_any_address(tmp_path):
    with fresh_app(tmp_path, RATELIMIT_ENABLED=True) as limited:
        make_account("ratelimit@example.org")
        client = browser(limited)
        codes = []
        for i in range(6):
            token = csrf_token(client, "/asesi/masuk")
            response = client.post(
                "/asesi/masuk",
                data={"csrf_token": token, "email": "ratelimit@example.org", "password": "salah"},
                environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
            )
            codes.append(response.status_code)
        assert codes == [200] * 5 + [429]


# --- the real messages: received over SMTP on loopback, links followed -----------------------


def _link(message) -> str:
    """The portal link in a received message's text part, as a path."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    url = re.search(r"https?://\S+/asesi/\S+", text).group(0)
    return urlparse(url).path


def test_the_confirmation_and_reset_links_arrive_by_e_mail_and_work(client, mailbox):
    register(client, email="surel@example.org")
    (confirmation,) = mailbox.wait_for(1)
    assert confirmation["To"] == "surel@example.org"
    assert client.get(_link(confirmation)).headers["Location"] == "/asesi/masuk"
    assert sign_in(client, "surel@example.org", NEW_PASSWORD).headers["Location"] == "/asesi/"

    other = "sandi-lain-yang-panjang"
    post(client, "/asesi/lupa-sandi", "/asesi/lupa-sandi", email="surel@example.org")
    reset_message = mailbox.wait_for(2)[1]
    link = _link(reset_message)
    post(client, link, link, password=other, repeat=other)
    assert sign_in(client, "surel@example.org", other).headers["Location"] == "/asesi/"

    register(client, email="surel@example.org")  # again: the owner is told, nobody else
    notice = mailbox.wait_for(3)[2]
    assert notice["To"] == "surel@example.org"
    assert "/asesi/lupa-sandi" in _link(notice)
    assert len(mailbox.settle()) == 3
