"""Login, logout, the safe `next`, and what an anonymous visitor gets."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests.conftest import csrf_token, login, make_user


def test_login_with_right_password_opens_the_dashboard(client, app):
    make_user("sekretariat", "secretariat")
    response = login(client, "sekretariat")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("password", ["wrong-password", "", "x" * 300])
def test_login_refused_with_a_message(client, app, password):
    make_user("sekretariat", "secretariat")
    response = login(client, "sekretariat", password)
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client, app):
    make_user("sekretariat", "secretariat")
    unknown = login(client, "nobody", "whatever-password").get_data(as_text=True)
    wrong = login(client, "sekretariat", "whatever-password").get_data(as_text=True)
    assert "alert-danger" in unknown and "alert-danger" in wrong


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/admin/case/", "/admin/case/"),
        ("https://evil.example/phish", "/admin/"),
        ("//evil.example/", "/admin/"),
        ("javascript:alert(1)", "/admin/"),
        ("/\\evil.example", "/admin/"),
    ],
)
def test_login_follows_only_a_safe_next(client, app, next_url, expected):
    make_user("sekretariat", "secretariat")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"username": "sekretariat", "password": "correct-horse-battery", "csrf_token": token},
    )
    assert response.headers["Location"] == expected


def test_anonymous_admin_page_redirects_to_login_with_next(client, app):
    response = client.get("/admin/case/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "admin/case" in response.headers["Location"]


def test_logout_ends_the_session(client, app):
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    token = csrf_token(client, "/admin/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_logout_without_csrf_token_is_refused(client, app):
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_deactivated_user_loses_access_at_the_next_request(client, app):
    user = make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    user.active = False
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_inactive_user_cannot_log_in(client, app):
    make_user("lama", "secretariat", active=False)
    login(client, "lama")
    assert client.get("/admin/").status_code == 302


def test_password_is_stored_as_argon2id(app):
    user = make_user("sekretariat", "secretariat")
    assert user.password_hash.startswith("$argon2id$")
