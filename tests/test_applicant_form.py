"""The applicant form refuses bad identity data beside the field and saves nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Applicant
from tests.conftest import csrf_token, login, make_user

GOOD = {
    "nik": "3171015708450001",
    "full_name": "Sri Wahyuni",
    "birth_place": "Bandung",
    "birth_date": "1945-08-17",
    "sex": "P",
    "nationality": "Indonesia",
    "address": "Jl. Asia Afrika 8",
    "phone": "0812-3456-7890",
    "email": "Sri.Wahyuni@Example.org",
    "education_level": "D3",
    "experience_months": "30",
}


def _post(client, **changes):
    token = csrf_token(client, "/admin/applicant/new/")
    data = {**GOOD, **changes, "csrf_token": token}
    return client.post("/admin/applicant/new/", data=data, follow_redirects=True)


@pytest.fixture
def secretariat(client, app):
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")


def test_valid_applicant_is_saved_normalised(client, secretariat):
    response = _post(client)
    assert response.status_code == 200
    applicant = db.session.scalar(select(Applicant))
    assert applicant.nik == "3171015708450001"
    assert applicant.phone == "+6281234567890"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nik", "3171013002001234"),  # 30 February
        ("nik", "31710117084500"),  # too short
        ("nik", "317101170845000X"),
        ("phone", "021-555-1234"),  # a landline, not a mobile
        ("email", "not-an-address"),
        ("nip", "19800101200501300"),  # 17 digits
    ],
)
def test_bad_identity_field_is_refused_beside_the_field(client, secretariat, field, value):
    response = _post(client, **{field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "invalid-feedback" in html or "help-block" in html
    assert db.session.scalar(select(func.count()).select_from(Applicant)) == 0


def test_duplicate_nik_is_refused_without_an_error_page(client, secretariat):
    _post(client)
    response = _post(client, full_name="Another Person")
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Applicant)) == 1


def test_a_name_with_a_direction_override_is_refused_beside_the_field(client, secretariat):
    response = _post(client, full_name="Sri \u202eWahyuni")
    assert "U+202E" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Applicant.id))) == 0


def test_a_decomposed_name_is_stored_composed(client, secretariat):
    _post(client, full_name="Nguye\u0302\u0303n  Thi\u0323")
    assert db.session.scalar(select(Applicant.full_name)) == "Nguy\u1ec5n Th\u1ecb"
