"""Creating and editing an application (FR.APL.01) through the case form."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case, Unit
from tests.conftest import login, make_user


def _form(client, url):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _post_case(client, catalogue, units):
    token = _form(client, "/admin/case/new/")
    return client.post(
        "/admin/case/new/",
        data={
            "csrf_token": token,
            "applicant": str(catalogue["applicant"].id),
            "scheme": str(catalogue["scheme"].id),
            "chosen_units": [str(u.id) for u in units],
            "purpose": "sertifikasi",
            "declaration_signed": "y",
            "declaration_name": "Budi Santoso",
            "declaration_date": date.today().isoformat(),
        },
        follow_redirects=True,
    )


@pytest.fixture
def secretariat(client, app, catalogue):
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")


def test_a_new_application_gets_a_number_its_units_and_draft_status(client, catalogue, secretariat):
    _post_case(client, catalogue, catalogue["units"])
    case = db.session.scalar(select(Case))
    assert re.fullmatch(r"APL-\d{4}-\d{6}", case.reg_number)
    assert case.status == "draft"
    assert {cu.unit_id for cu in case.units} == {u.id for u in catalogue["units"]}


def test_a_unit_outside_the_scheme_is_refused_and_nothing_is_saved(client, catalogue, secretariat):
    stranger = Unit(code="DEMO.XX01.001.01", title="Demo: unit of another scheme")
    db.session.add(stranger)
    db.session.commit()
    response = _post_case(client, catalogue, [catalogue["units"][0], stranger])
    assert "DEMO.XX01.001.01" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_the_status_is_not_on_the_form(client, catalogue, secretariat):
    html = client.get("/admin/case/new/").get_data(as_text=True)
    assert 'name="status"' not in html


def test_a_submitted_application_cannot_be_edited(client, catalogue, secretariat):
    _post_case(client, catalogue, catalogue["units"])
    case = db.session.scalar(select(Case))
    case.status = "submitted"  # test set-up: the workflow's own tests cover how it gets there
    db.session.commit()
    token = _form(client, f"/admin/case/edit/?id={case.id}")
    response = client.post(
        f"/admin/case/edit/?id={case.id}",
        data={
            "csrf_token": token,
            "applicant": str(catalogue["applicant"].id),
            "scheme": str(catalogue["scheme"].id),
            "chosen_units": [str(catalogue["units"][0].id)],
            "purpose": "rpl",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.purpose == "sertifikasi" and len(case.units) == 2
