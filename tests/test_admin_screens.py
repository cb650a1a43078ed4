"""Every admin screen opens for the roles the access table allows, and only for them."""

from __future__ import annotations

import pytest

from portal.rules.access import SCREENS
from portal.rules.vocabulary import Role
from tests.conftest import login, make_user

SCREEN_URLS = {
    "applicant": "/admin/applicant/",
    "case": "/admin/case/",
    "scheme": "/admin/scheme/",
    "unit": "/admin/unit/",
    "assessor": "/admin/assessor/",
    "tuk": "/admin/tuk/",
    "schedule": "/admin/schedule/",
    "public_document": "/admin/public_document/",
    "decision_meeting": "/admin/decision_meeting/",
    "certificate": "/admin/certificate/",
    "surveillance": "/admin/surveillance/",
    "appeal": "/admin/appeal/",
    "complaint": "/admin/complaint/",
    "bnsp_code": "/admin/bnsp_code/",
    "user": "/admin/user/",
    "audit": "/admin/audit/",
    "outbox": "/admin/outbox/",
}


def _login_as(client, role, catalogue):
    assessor = catalogue["assessor"] if role == Role.ASSESSOR else None
    make_user(f"u_{role.value}", role.value, assessor=assessor)
    login(client, f"u_{role.value}")


def _expected_create_status(screen: str, role: Role) -> int:
    """403 without read access; the form for writers; otherwise refused (403)."""
    access = SCREENS[screen]
    if role in access.write and screen not in CREATED_ELSEWHERE:
        return 200
    return 403


# Rows of these screens are created by the workflow or an upload form, never by the plain form.
CREATED_ELSEWHERE = {"audit", "appeal", "certificate", "public_document", "outbox"}


@pytest.mark.parametrize("role", list(Role))
def test_list_screens_follow_the_access_table(client, catalogue, role):
    _login_as(client, role, catalogue)
    got = {screen: client.get(url).status_code for screen, url in SCREEN_URLS.items()}
    expected = {s: 200 if role in SCREENS[s].read else 403 for s in SCREEN_URLS}
    assert got == expected


@pytest.mark.parametrize("role", list(Role))
def test_create_forms_open_only_for_writers(client, catalogue, role):
    _login_as(client, role, catalogue)
    got = {screen: client.get(url + "new/").status_code for screen, url in SCREEN_URLS.items()}
    expected = {s: _expected_create_status(s, role) for s in SCREEN_URLS}
    assert got == expected


def test_menu_shows_only_what_the_role_may_open(client, catalogue):
    _login_as(client, Role.ASSESSOR, catalogue)
    html = client.get("/admin/").get_data(as_text=True)
    assert "/admin/case/" in html
    assert "/admin/user/" not in html
    assert "/admin/audit/" not in html


def test_screen_table_and_urls_cover_each_other():
    assert set(SCREEN_URLS) | {"dashboard", "attachment", "exchange"} == set(SCREENS)
