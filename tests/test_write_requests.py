"""Every request that writes begins as a writer (issue 12, finding 4): on SQLite, concurrent
saves that read before they write never answer "database is locked", and a failed request's
error page never touches the broken session. The saves are language switches and Flask-Admin
saves, two of the three kinds that answered 500 in the attack pass.

Each thread is a browser of its own with its own session and connection, as under a server with
several workers. The saves read first (the logged-in user, the record) and write afterwards:
begun DEFERRED, SQLite refuses the upgrade to a write at once when another writer committed in
between, whatever the busy timeout.
"""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from portal.extensions import db
from portal.models import BnspCode, User
from tests.conftest import csrf_token, login, make_user

WRITERS = 6
SAVES = 16


def _language(client: FlaskClient, n: int, token: str, _row: tuple[int, str]) -> int:
    """Switch the language (reads the user, then writes its locale)."""
    return client.post(f"/lang/{('en', 'id')[n % 2]}", data={"csrf_token": token}).status_code


def _admin_save(client: FlaskClient, n: int, token: str, row: tuple[int, str]) -> int:
    """Save a record through Flask-Admin (reads it and checks its unique values, then writes it
    and its audit event)."""
    row_id, code = row
    data = {"csrf_token": token, "kind": "provinsi", "code": code, "name": f"Nama {n}"}
    return client.post(f"/admin/bnsp_code/edit/?id={row_id}", data=data).status_code


@pytest.mark.parametrize("save", [_language, _admin_save])
def test_concurrent_saves_that_read_first_never_answer_500(app, save):
    users = [make_user(f"staf{n}", "admin").username for n in range(WRITERS)]
    rows = [BnspCode(kind="provinsi", code=f"{n}", name="Nama") for n in range(WRITERS)]
    db.session.add_all(rows)
    db.session.commit()
    keys = [(row.id, row.code) for row in rows]
    statuses: list[int] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(WRITERS)

    def writer(username: str, row: tuple[int, str]) -> None:
        try:
            client = FlaskClient(app, app.response_class, use_cookies=True)
            login(client, username)
            token = csrf_token(client, "/admin/")
            barrier.wait()
            statuses.extend(save(client, n, token, row) for n in range(SAVES))
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=pair) for pair in zip(users, keys, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(statuses) == WRITERS * SAVES
    assert statuses.count(500) == 0 and set(statuses) <= {200, 302}
    db.session.rollback()
    if save is _language:
        assert {user.locale for user in db.session.query(User)} == {"id"}
    else:
        assert {row.name for row in db.session.query(BnspCode)} == {f"Nama {SAVES - 1}"}


def test_a_failed_write_answers_the_friendly_page_and_leaves_the_session_usable(app, client):
    """The 500 page reads the user; the failed transaction is rolled back before it."""
    make_user("sekretariat", "secretariat", locale=None)
    login(client, "sekretariat")
    token = csrf_token(client, "/admin/")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def fail_update(conn, cursor, statement, *_args):  # noqa: ANN001
        if statement.startswith(("UPDATE user", 'UPDATE "user"')):  # SQLite, PostgreSQL
            raise RuntimeError("the database failed")

    event.listen(db.engine, "before_cursor_execute", fail_update)
    try:
        response = client.post("/lang/en", data={"csrf_token": token})
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_update)
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert 'class="card border-warning' in page  # the portal's own error page
    assert 'href="/admin/"' in page  # which still knows who is logged in
    assert db.session.get(User, 1).locale is None  # the session works, the change was not kept
