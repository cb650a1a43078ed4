"""CSRF: every state-changing request without a valid token answers 400 and changes nothing.

One mechanism (Flask-WTF's CSRFProtect) guards every POST, Flask-Admin's forms, bulk actions and
deletes included. A sweep posts to every POST route of the URL map without a token and with a
token of another session; for the requests that change something, the same request with the
right token is shown to change it, so a 400 is not an accident of the data.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from portal.models import Attachment, Case, Certificate, Tuk, User
from portal.rules.vocabulary import Role
from tests.security_world import PDF, World, built_world, snapshot
from tests.test_security_access import probes

EXPIRED = "The form has expired or is not valid. Reload the page and try again."


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with built_world(tmp_path_factory.mktemp("csrf")) as built:
        yield built


def _refused(response) -> bool:
    """The CSRF refusal: 400 on the portal's own error page, in the user's language."""
    with force_locale("id"):
        texts = (EXPIRED, gettext(EXPIRED))
    body = response.get_data(as_text=True)
    return response.status_code == 400 and any(text in body for text in texts)


@pytest.mark.parametrize("role", [None, Role.ADMIN, Role.SECRETARIAT])
@pytest.mark.parametrize("token", ["missing", "another session's"])
def test_every_post_route_refuses_a_request_without_its_token(world, role, token):
    client = world.client(role)
    forged = world.token(world.client(role)) if token != "missing" else None
    posts = [p for p in probes(world.app, world) if p.method == "POST"]
    before = snapshot()
    accepted = []
    for probe in posts:
        data = {**probe.data, **({"csrf_token": forged} if forged else {})}
        response = client.post(probe.url, data=data)
        if not _refused(response):
            accepted.append(f"{probe.url} {probe.data}: {response.status_code}")
    print(f"\nCSRF sweep [{role or 'anonymous'}, {token} token]: {len(posts)} POSTs, all 400")
    assert accepted == []
    assert snapshot() == before


# --- the same request with and without its token ------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A state-changing request, and how to read the state it changes."""

    role: Role | None
    url: Callable[[World], str]
    data: Callable[[World], dict]
    state: Callable[[World], object]


def _case_in(status: str) -> Callable[[World], int]:
    """The first case in a status (each change uses its own status, so none takes another's)."""
    return lambda _world: db.session.scalar(select(func.min(Case.id)).where(Case.status == status))


_draft, _returned = _case_in("draft"), _case_in("returned")


def _judged_attachment(_world: World) -> int:
    return db.session.scalar(
        select(func.min(Attachment.id))
        .join(Case)
        .where(Case.status == "submitted", Attachment.is_current)
    )


def _active_certificate(_world: World) -> int:
    return db.session.scalar(select(func.min(Certificate.id)).where(Certificate.status == "active"))


def _value(query) -> Callable[[World], object]:
    """A reader of the state: one scalar of the database, read afresh."""

    def read(_world: World) -> object:
        db.session.expire_all()
        return db.session.execute(query).all()

    return read


CHANGES = {
    "login": Change(
        None,
        lambda w: "/login",
        lambda w: {"username": "sekretariat", "password": DEMO_PASSWORD},
        None,
    ),
    "language switch": Change(
        Role.SECRETARIAT,
        lambda w: "/lang/en",
        lambda w: {"next": "/jadwal"},
        _value(select(User.locale).where(User.username == "sekretariat")),
    ),
    "create form": Change(
        Role.ADMIN,
        lambda w: "/admin/tuk/new/",
        lambda w: {"code": "TUK-X", "name": "TUK X", "tuk_type": "sewaktu", "address": "Bogor"},
        _value(select(Tuk.code).order_by(Tuk.code)),
    ),
    "edit form": Change(
        Role.ADMIN,
        lambda w: f"/admin/tuk/edit/?id={db.session.scalar(select(func.min(Tuk.id)))}",
        lambda w: {"code": "TUK-Y", "name": "TUK Y", "tuk_type": "sewaktu", "address": "Bogor"},
        _value(select(Tuk.code).order_by(Tuk.code)),
    ),
    "workflow action": Change(
        Role.SECRETARIAT,
        lambda w: "/admin/case/act/withdraw/",
        lambda w: {"apply": "1", "id": str(_draft(w)), "reason": "Mengundurkan diri"},
        _value(select(Case.id, Case.status).order_by(Case.id)),
    ),
    "certificate change": Change(
        Role.CHAIR,
        lambda w: "/admin/certificate/change/suspend/",
        lambda w: {"apply": "1", "id": str(_active_certificate(w)), "reason": "Tidak lapor"},
        _value(select(Certificate.id, Certificate.status).order_by(Certificate.id)),
    ),
    "attachment upload": Change(
        Role.SECRETARIAT,
        lambda w: f"/berkas/kasus/{_returned(w)}/lampiran",
        lambda w: {"kind": "other", "file": (io.BytesIO(PDF), "surat.pdf")},
        _value(select(func.count(Attachment.id))),
    ),
    "attachment verdict": Change(
        Role.SECRETARIAT,
        lambda w: f"/berkas/lampiran/{_judged_attachment(w)}/penilaian",
        lambda w: {"present": "1", "adequate": "0", "note": "Buram"},
        _value(select(Attachment.id, Attachment.adequate).order_by(Attachment.id)),
    ),
}


def _logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.mark.parametrize("name", list(CHANGES))
def test_without_the_token_nothing_changes_and_with_it_the_change_is_made(world, name):
    change = CHANGES[name]
    client = world.client(change.role)
    state = change.state or (lambda _w: _logged_in(client))
    before, files = state(world), _files(world)

    refused = client.post(change.url(world), data=change.data(world))
    assert _refused(refused)
    assert (state(world), _files(world)) == (before, files)

    token = world.token(client)
    client.post(change.url(world), data={"csrf_token": token, **change.data(world)})
    assert state(world) != before


def test_logout_needs_the_token(world):
    client = world.client(Role.SECRETARIAT)
    assert _refused(client.post("/logout"))
    assert _logged_in(client)
    client.post("/logout", data={"csrf_token": world.token(client)})
    assert not _logged_in(client)


def _files(world: World) -> int:
    """How many files the upload folder holds."""
    return sum(1 for path in world.upload_dir.rglob("*") if path.is_file())
