"""What an admin page keeps per process (admin_views/kept.py): the menu, the filters and the
action menu are built once per language and roles, yet each user sees their own."""

from __future__ import annotations

import re

from portal.admin_views import kept
from portal.admin_views.fields import LookupFilter
from portal.extensions import db
from portal.models import Tuk
from tests.conftest import csrf_token, login, make_user


def logged_in(app, username: str, *roles: str):
    """A browser of its own, logged in as a new member of staff with these roles."""
    make_user(username, *roles)
    client = app.test_client()
    login(client, username)
    return client


def page(client, url: str = "/admin/case/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_user_sees_the_menu_and_actions_of_their_roles_in_their_language(app, catalogue):
    admin = logged_in(app, "pengelola", "admin")
    secretariat = logged_in(app, "sekretariat", "secretariat")
    for _ in range(2):  # the second round is served from what the first kept
        admin_page, secretariat_page = page(admin), page(secretariat)
        assert 'href="/admin/user/"' in admin_page
        assert 'href="/admin/user/"' not in secretariat_page
        assert "Verifikasi permohonan" in secretariat_page
        assert "Verifikasi permohonan" not in admin_page
        assert ">Permohonan</a>" in admin_page.replace("\n", "").replace("  ", "")

    token = csrf_token(secretariat, "/admin/")
    assert secretariat.post("/lang/en", data={"csrf_token": token, "next": "/"}).status_code == 302
    english, still_indonesian = page(secretariat), page(admin)
    assert "Verify application" in english and "Verifikasi permohonan" not in english
    assert "Kasus" not in english and "Cases" in english
    assert "Permohonan" in still_indonesian and "Cases" not in still_indonesian


def test_the_menu_marks_the_page_it_is_on(app, catalogue):
    secretariat = logged_in(app, "sekretariat", "secretariat")
    for url, endpoint in (
        ("/admin/case/", "case"),
        ("/admin/tuk/", "tuk"),
        ("/admin/case/", "case"),
    ):
        menu = page(secretariat, url).split("</nav>", 1)[0]
        assert re.findall(r'class="dropdown-item active[^"]*"\s*href="([^"]*)"', menu) == [
            f"/admin/{endpoint}/"
        ]


def test_a_new_tuk_appears_in_the_filter_once_the_kept_options_expire(app, catalogue, monkeypatch):
    secretariat = logged_in(app, "sekretariat", "secretariat")
    assert "TUK Baru" not in page(secretariat)
    db.session.add(Tuk(code="TUK-02", name="TUK Baru", tuk_type="sewaktu", address="Bogor"))
    db.session.commit()
    assert "TUK Baru" not in page(secretariat)  # kept for a minute
    monkeypatch.setattr(kept, "FILTERS_TTL", -1.0)
    monkeypatch.setattr(LookupFilter, "ttl_seconds", -1.0)
    assert "TUK Baru" in page(secretariat)
