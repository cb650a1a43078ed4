"""Sessions and passwords: argon2id at ASVS strength, the password policy wherever a password is
set, login throttled per account and per client address, cookie flags, logout and deactivation
ending access, and no start without a SECRET_KEY outside demo mode."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from flask import Flask
from sqlalchemy import func, select

from portal import create_app
from portal.config import PROJECT_DIR, finalise
from portal.extensions import db
from portal.models import User
from portal.passwords import PARAMETERS, hash_password, password_problem
from tests.conftest import PASSWORD, csrf_token, login, make_user
from tests.security_world import fresh_app

# OWASP's Password Storage Cheat Sheet and ASVS 5.0: argon2id, 19 MiB, 2 passes, 1 lane at least.
MINIMUM = {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}


# --- passwords ---------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id_above_the_asvs_minimum():
    stored = extract_parameters(hash_password("a long enough password"))
    assert stored.type is Type.ID
    assert stored == PARAMETERS
    for name, least in MINIMUM.items():
        assert getattr(stored, name) >= least, name
    assert stored.salt_len >= 16


def test_a_weaker_hash_is_upgraded_at_the_next_login(app, client):
    weak = PasswordHasher(memory_cost=MINIMUM["memory_cost"], time_cost=2, parallelism=1)
    user = make_user("sekretariat", "secretariat")
    user.password_hash = weak.hash(PASSWORD)
    db.session.commit()
    assert login(client, "sekretariat").status_code == 302
    db.session.refresh(user)
    assert extract_parameters(user.password_hash) == PARAMETERS


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("short1!", True),
        ("password123", True),  # common
        ("Indonesia1", True),  # common, whatever the case
        ("rina-marlina-2026", True),  # contains the username
        ("x" * 257, True),  # longer than the login form accepts
        ("Password12", True),  # a common word with digits (zxcvbn's estimate)
        ("pustakawan1", True),  # the LSP's own word with a digit
        (" " * 10, True),  # whitespace only
        ("x" * 256, True),  # a repeated character
        ("kopi tubruk di salemba", False),
        ("kopi tubruk di salemba " + "x" * 233, False),  # 256 characters
    ],
)
def test_the_password_policy(password, refused):
    assert (password_problem(password, "rina-marlina") is not None) is refused


@pytest.mark.parametrize("password", ["password123", "pendek", "rina-2026-rahasia"])
def test_create_user_refuses_a_weak_password(app, runner, password):
    result = runner.invoke(
        args=["create-user", "rina", "--role", "secretariat"], input=f"{password}\n{password}\n"
    )
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize(
    ("password", "created"), [("password123", False), ("kopi tubruk 28A", True)]
)
def test_the_user_form_applies_the_policy(app, client, password, created):
    make_user("admin", "admin")
    login(client, "admin")
    token = csrf_token(client, "/admin/user/new/")
    client.post(
        "/admin/user/new/",
        data={
            "csrf_token": token,
            "username": "rina",
            "full_name": "Rina",
            "role_names": "secretariat",
            "active": "y",
            "new_password": password,
        },
    )
    user = db.session.scalar(select(User).where(User.username == "rina"))
    assert (user is not None) is created
    if created:
        assert extract_parameters(user.password_hash) == PARAMETERS


# --- login throttling --------------------------------------------------------------------------


@pytest.fixture
def limited(tmp_path) -> Flask:
    """An app with rate limits on (the other tests switch them off)."""
    with fresh_app(tmp_path, RATELIMIT_ENABLED=True) as app:
        make_user("sekretariat", "secretariat")
        make_user("ketua", "chair")
        yield app


def _attempt(client, username: str, password: str, address: str):
    """One login attempt from a client address."""
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failures_lock_only_that_address_out_of_that_account(limited):
    """A stranger's wrong passwords never lock the real user out (issue 12, finding 3)."""
    client = limited.test_client()
    failures = [_attempt(client, "sekretariat", "salah", "10.0.0.1") for _ in range(5)]
    assert [r.status_code for r in failures] == [200] * 5
    locked = _attempt(client, "sekretariat", PASSWORD, "10.0.0.1")
    assert locked.status_code == 429
    assert 'class="card border-warning' in locked.get_data(as_text=True)  # the friendly page
    assert locked.headers["Retry-After"].isdigit()
    assert _attempt(client, "Sekretariat ", "salah", "10.0.0.1").status_code == 429
    # the real user, from their own address, with the right password, gets in
    assert _attempt(limited.test_client(), "sekretariat", PASSWORD, "10.0.1.1").status_code == 302
    assert _attempt(limited.test_client(), "ketua", PASSWORD, "10.0.0.1").status_code == 302


def test_failures_spread_over_addresses_never_lock_the_account(limited):
    for i in range(20):
        assert (
            _attempt(limited.test_client(), "sekretariat", "salah", f"10.0.5.{i}").status_code
            == 200
        )
    assert _attempt(limited.test_client(), "sekretariat", PASSWORD, "10.0.6.1").status_code == 302


def test_successful_logins_do_not_count_as_failures(limited):
    for i in range(7):
        client = limited.test_client()
        assert _attempt(client, "sekretariat", PASSWORD, f"10.0.2.{i}").status_code == 302


def test_one_address_gets_ten_attempts_a_minute(limited):
    client = limited.test_client()
    codes = [_attempt(client, f"user{i}", "salah", "10.0.3.1").status_code for i in range(11)]
    assert codes == [200] * 10 + [429]
    assert _attempt(client, "ketua", PASSWORD, "10.0.3.2").status_code == 302


def test_the_login_form_itself_is_not_throttled(limited):
    client = limited.test_client()
    assert {client.get("/login").status_code for _ in range(30)} == {200}


# --- cookies -----------------------------------------------------------------------------------


def _cookie(response, name: str) -> str:
    """The Set-Cookie header of one cookie."""
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


def test_session_and_remember_cookies_are_httponly_samesite_lax(app, client):
    make_user("sekretariat", "secretariat")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "sekretariat",
            "password": PASSWORD,
            "remember": "y",
        },
    )
    session, remember = _cookie(response, "session"), _cookie(response, "remember_token")
    for cookie in (session, remember):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # COOKIE_SECURE is off by default (plain-HTTP demo)
    expires = datetime.strptime(
        remember.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT"
    )
    lifetime = expires.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(days=13) < lifetime <= timedelta(days=14)


def test_cookie_secure_setting_marks_both_cookies_and_sends_hsts(tmp_path):
    env = {**os.environ, "COOKIE_SECURE": "1"}
    code = "from portal.config import Config as C; print(C.SESSION_COOKIE_SECURE, C.REMEMBER_COOKIE_SECURE)"
    shown = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=PROJECT_DIR, capture_output=True, text=True
    )
    assert shown.stdout.split() == ["True", "True"]

    with fresh_app(tmp_path, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True) as app:
        make_user("sekretariat", "secretariat")
        client = app.test_client()
        token = csrf_token(client, "/login")
        data = {"csrf_token": token, "username": "sekretariat", "password": PASSWORD}
        response = client.post("/login", data={**data, "remember": "y"})
    assert "Secure" in _cookie(response, "session")
    assert "Secure" in _cookie(response, "remember_token")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# --- the start and the end of a session -------------------------------------------------------


def test_login_starts_a_fresh_session_with_a_new_csrf_token(app, client):
    make_user("sekretariat", "secretariat")
    before = csrf_token(client, "/login")
    login(client, "sekretariat")
    assert csrf_token(client, "/admin/") != before
    assert client.post("/lang/en", data={"csrf_token": before}).status_code == 400


def test_logout_ends_the_session_and_its_remember_cookie(app, client):
    make_user("sekretariat", "secretariat")
    token = csrf_token(client, "/login")
    client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "sekretariat",
            "password": PASSWORD,
            "remember": "y",
        },
    )
    old_token = csrf_token(client, "/admin/")
    response = client.post("/logout", data={"csrf_token": old_token})
    assert "remember_token=;" in _cookie(response, "remember_token")  # deleted
    with client.session_transaction() as session:
        assert "_user_id" not in session and "csrf_token" not in session
    assert client.get("/admin/").status_code == 302
    assert client.post("/lang/en", data={"csrf_token": old_token}).status_code == 400


def _remembered_login(client, username: str = "sekretariat") -> str:
    """Log in with "remember me" and return the remember cookie's value."""
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": PASSWORD, "remember": "y"},
    )
    return _cookie(response, "remember_token").split(";")[0].split("=", 1)[1]


def _replay(app, remember: str | None = None, session_cookie: str | None = None) -> int:
    """Open the admin in a new browser that carries only the given old cookies."""
    browser = app.test_client()
    if remember:
        browser.set_cookie("remember_token", remember)
    if session_cookie:
        browser.set_cookie("session", session_cookie)
    return browser.get("/admin/").status_code


def test_logout_revokes_the_old_remember_cookie_and_session_cookie(app, client):
    """A copied cookie is worthless once its owner logs out (issue 12, finding 2)."""
    make_user("sekretariat", "secretariat")
    remember = _remembered_login(client)
    session_cookie = client.get_cookie("session").value
    assert _replay(app, remember=remember) == 200  # the cookie works while logged in
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert _replay(app, remember=remember) == 302
    assert _replay(app, session_cookie=session_cookie) == 302


def test_each_login_after_a_logout_gets_a_new_remember_token(app):
    make_user("sekretariat", "secretariat")
    first_client = app.test_client()
    first = _remembered_login(first_client)
    first_client.post("/logout", data={"csrf_token": csrf_token(first_client, "/admin/")})
    assert _remembered_login(app.test_client()) != first


@pytest.mark.parametrize("change", ["password", "roles", "deactivate"])
def test_password_role_and_activity_changes_revoke_every_session(app, change):
    admin_user = make_user("admin", "admin")
    user = make_user("sekretariat", "secretariat")
    browser = app.test_client()
    remember = _remembered_login(browser)
    session_cookie = browser.get_cookie("session").value
    assert _replay(app, remember=remember) == 200
    assert _replay(app, session_cookie=session_cookie) == 200
    if change == "password":
        user.password_hash = hash_password("kopi tubruk di salemba")
    elif change == "roles":
        user.roles = {"secretariat", "quality_head"}
    else:
        user.active = False
    db.session.commit()
    assert _replay(app, remember=remember) == 302
    assert _replay(app, session_cookie=session_cookie) == 302
    assert admin_user.session_version == 1  # only that user's sessions end


def test_an_unchanged_save_keeps_the_sessions(app):
    user = make_user("sekretariat", "secretariat")
    remember = _remembered_login(app.test_client())
    user.roles = {"secretariat"}
    user.active = True
    db.session.commit()
    assert _replay(app, remember=remember) == 200


def test_deactivating_a_user_in_the_user_screen_ends_their_access_at_once(app):
    make_user("admin", "admin")
    user = make_user("sekretariat", "secretariat")
    staff, admin = app.test_client(), app.test_client()
    token = csrf_token(staff, "/login")
    staff.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "sekretariat",
            "password": PASSWORD,
            "remember": "y",
        },
    )
    assert staff.get("/admin/").status_code == 200
    login(admin, "admin")
    form = {
        "csrf_token": csrf_token(admin, f"/admin/user/edit/?id={user.id}"),
        "username": "sekretariat",
        "full_name": "Sekretariat",
        "role_names": "secretariat",
    }  # "active" not sent: the checkbox is cleared
    admin.post(f"/admin/user/edit/?id={user.id}", data=form)
    db.session.refresh(user)
    assert user.active is False
    assert staff.get("/admin/").status_code == 302
    with staff.session_transaction() as session:
        session.clear()  # a new browser session: only the remember cookie is left
    assert staff.get("/admin/").status_code == 302


# --- the secret key ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, ""])
def test_no_secret_key_no_start_outside_demo_mode(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        finalise({"SECRET_KEY": key, "DEMO": False, "TESTING": False})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": key, "DEMO": False})


def test_tests_get_a_random_key_of_their_own():
    first, second = {"TESTING": True}, {"TESTING": True}
    finalise(first)
    finalise(second)
    assert len(first["SECRET_KEY"]) >= 32 and first["SECRET_KEY"] != second["SECRET_KEY"]
