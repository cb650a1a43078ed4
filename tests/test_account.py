"""Staff change their own password (issue 15): the current one is asked, the policy applies,
the new one works at the next login and the old one no longer does."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import User
from portal.passwords import verify_password
from tests.conftest import PASSWORD, csrf_token, login, make_user

URL = "/admin/akun/"
NEW = "Rak-buku-lantai-tiga-2026"


@pytest.fixture
def staff(app, client):
    user = make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    return user


def _change(client, current: str, new: str, again: str | None = None):
    token = csrf_token(client, URL)
    return client.post(
        URL,
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "confirm": new if again is None else again,
        },
    )


def _hash(user_id: int) -> str:
    db.session.expire_all()
    return db.session.get(User, user_id).password_hash


def test_the_navbar_name_opens_the_form_with_help_text(client, staff):
    assert f'href="{URL}"' in client.get("/admin/").get_data(as_text=True)
    page = client.get(URL).get_data(as_text=True)
    assert "Kata sandi saat ini" in page and "Paling sedikit 10 karakter" in page


def test_a_changed_password_works_at_the_next_login_and_the_old_one_does_not(app, client, staff):
    response = _change(client, PASSWORD, NEW)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200  # still logged in here
    assert verify_password(_hash(staff.id), NEW)
    other = app.test_client()
    assert login(other, "sekretariat", PASSWORD).headers.get("Location") != "/admin/"
    assert login(other, "sekretariat", NEW).headers["Location"] == "/admin/"


@pytest.mark.parametrize(
    ("current", "new", "again", "message"),
    [
        ("salah-sekali-123", NEW, None, "Kata sandi saat ini salah."),
        (PASSWORD, "pendek", None, "sekurang-kurangnya 10 karakter"),
        (PASSWORD, "sekretariat-2026", None, "nama pengguna"),
        (PASSWORD, NEW, NEW + "x", "Kedua kata sandi baru berbeda."),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(client, staff, current, new, again, message):
    before = _hash(staff.id)
    response = _change(client, current, new, again)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _hash(staff.id) == before


def test_without_a_csrf_token_nothing_changes(client, staff):
    before = _hash(staff.id)
    response = client.post(
        URL, data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW}
    )
    assert response.status_code == 400
    assert _hash(staff.id) == before


def test_anonymous_visitors_are_sent_to_the_login(app):
    response = app.test_client().get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_role_may_change_its_own_password(app, catalogue):
    make_user("asesor", "assessor", assessor=catalogue["assessor"])
    client = app.test_client()
    login(client, "asesor")
    assert client.get(URL).status_code == 200
