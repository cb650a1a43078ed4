"""Findings of the attack pass (issue 12) that belong to no other test module: each test failed
on the code before the fix."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from portal.config import finalise
from portal.extensions import db
from portal.models import Assessor, BnspCode, User
from portal.security import neutralise_cell
from tests.conftest import csrf_token, login, make_user
from tests.test_case_actions import make_case

HUGE = ("99999999999999999999999", "-1", "1e400")


# --- finding 7: a huge id in a list filter ------------------------------------------------------


def test_every_list_filter_answers_a_huge_or_odd_number_without_a_500(app, client):
    make_user("admin", "admin", locale="en")
    login(client, "admin")
    admin = app.extensions["portal_admin"]
    answers = {}
    for view in admin._views:
        for key in getattr(view, "_filter_args", None) or {}:
            for value in HUGE:
                response = client.get(f"{view.url}/?flt0_{key}={value}")
                answers[(view.endpoint, key, value)] = response.status_code
    assert answers, "no filters found"
    assert {where: code for where, code in answers.items() if code != 200} == {}


# --- finding 9: no cache keeps personal data ----------------------------------------------------


def test_pages_and_exports_with_personal_data_are_never_cached(app, client, catalogue):
    make_user("admin", "admin")
    login(client, "admin")
    applicant = catalogue["applicant"]
    for url in (
        "/admin/applicant/",
        f"/admin/applicant/details/?id={applicant.id}",
        "/admin/applicant/export/csv/",
        "/admin/applicant/export/xlsx/",
        "/verifikasi?kode=ABC",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


# --- finding 12: formulas in exports ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "neutralised"),
    [
        ("=1+1", "'=1+1"),
        ("  =1+1", "  '=1+1"),
        ("\t=1+1", "\t'=1+1"),
        ("\n@SUM(A1)", "\n'@SUM(A1)"),
        ("\uff1dHYPERLINK(1)", "'\uff1dHYPERLINK(1)"),
        ("Budi;=cmd|' /C calc'!A0", "Budi;'=cmd|' /C calc'!A0"),
        ("Budi; +1", "Budi; '+1"),
        ("Sri Wahyuni", "Sri Wahyuni"),
        ("Jl. Merdeka 8; Bandung", "Jl. Merdeka 8; Bandung"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(value, neutralised):
    assert neutralise_cell(value) == neutralised


def test_exports_keep_a_formula_like_name_as_text(app, client, catalogue):
    applicant = catalogue["applicant"]
    applicant.full_name = ' =HYPERLINK("http://x")'
    db.session.commit()
    make_user("admin", "admin")
    login(client, "admin")
    export = client.get("/admin/applicant/export/csv/").text
    rows = list(csv.reader(io.StringIO(export), delimiter=";"))
    assert ' \'=HYPERLINK("http://x")' in rows[1]
    workbook = load_workbook(io.BytesIO(client.get("/admin/applicant/export/xlsx/").data))
    cells = [cell for row in workbook.active.iter_rows(min_row=2) for cell in row]
    shown = next(cell for cell in cells if "HYPERLINK" in str(cell.value))
    assert shown.value == ' =HYPERLINK("http://x")' and shown.data_type == "s"


# --- the public address printed in QR codes -----------------------------------------------------


def test_no_public_base_url_no_start_outside_demo_mode():
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        finalise({"SECRET_KEY": "x" * 32, "DEMO": False, "TESTING": False})
    demo = {"SECRET_KEY": "x" * 32, "DEMO": True}
    finalise(demo)
    assert demo["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    production = {"SECRET_KEY": "x" * 32, "PUBLIC_BASE_URL": "https://lsp.example.id"}
    finalise(production)
    assert production["PUBLIC_BASE_URL"] == "https://lsp.example.id"


# --- finding 14: the build tools in .venv ------------------------------------------------------


def test_the_virtualenv_build_tools_are_past_their_known_advisories():
    from importlib.metadata import version

    setuptools = tuple(int(part) for part in version("setuptools").split(".")[:2])
    assert setuptools >= (78, 1)  # CVE-2025-47273 (path traversal) fixed in 78.1.1
    assert tuple(int(part) for part in version("wheel").split(".")[:2]) >= (0, 38)
    # CVE-2023-5752 fixed in 23.3; Python 3.11's ensurepip brings 23.2.1
    assert tuple(int(part) for part in version("pip").split(".")[:2]) >= (23, 3)


# --- finding 13: unique values are form errors --------------------------------------------------

UNIQUE_MESSAGE = "Another record already has this value"


def test_linking_a_user_to_an_asesor_record_another_user_holds_is_a_form_error(app, client):
    assessor = Assessor(
        full_name="Asesor Satu",
        met_number="MET.000.001668 2012",
        licence_valid_until=date(2030, 1, 1),
    )
    db.session.add(assessor)
    db.session.commit()
    make_user("admin", "admin", locale="en")
    holder = make_user("asesor1", "assessor", assessor=assessor)
    other = make_user("asesor2", "secretariat")
    login(client, "admin")
    url = f"/admin/user/edit/?id={other.id}"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "username": "asesor2",
            "full_name": "Asesor Dua",
            "role_names": "assessor",
            "assessor": str(assessor.id),
            "active": "y",
        },
    )
    assert response.status_code == 200
    assert UNIQUE_MESSAGE in response.text
    db.session.expire_all()
    assert db.session.get(User, holder.id).assessor_id == assessor.id
    assert db.session.get(User, other.id).assessor_id is None


def _user_form(username: str, full_name: str = "Rina Wulandari") -> dict[str, str]:
    return {
        "username": username,
        "full_name": full_name,
        "role_names": "secretariat",
        "active": "y",
        "new_password": "kopi tubruk 28A",
    }


def _code_form(kind: str) -> dict[str, str]:
    return {"kind": kind, "code": "31", "name": "DKI Jakarta"}


@pytest.mark.parametrize(
    ("screen", "model", "first", "again", "elsewhere"),
    [
        # one unique column
        ("user", User, _user_form("rina"), _user_form("rina"), _user_form("rina2")),
        # a unique pair (kind, code): the same code in another table is no conflict
        (
            "bnsp_code",
            BnspCode,
            _code_form("provinsi"),
            _code_form("provinsi"),
            _code_form("pendidikan"),
        ),
    ],
)
def test_every_kind_of_unique_constraint_is_a_form_error(
    app, client, screen, model, first, again, elsewhere
):
    make_user("admin", "admin", locale="en")
    login(client, "admin")
    url = f"/admin/{screen}/new/"

    def post(data: dict[str, str]):
        return client.post(url, data={"csrf_token": csrf_token(client, url), **data})

    def count() -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(model))

    before = count()
    assert post(first).status_code == 302
    refused = post(again)
    assert refused.status_code == 200
    # beside the field: ours, or Flask-Admin's own for a single unique column it converts
    assert UNIQUE_MESSAGE in refused.text or "Already exists." in refused.text
    assert count() == before + 1
    assert post(elsewhere).status_code == 302
    assert count() == before + 2


def test_a_save_that_loses_a_race_for_a_unique_value_is_a_clear_message(app, client):
    """Another save commits the same value between the form's check and the insert: the
    database's constraint refuses it, and the person reads why (the form again, never a 500)."""
    make_user("admin", "admin", locale="en")
    login(client, "admin")
    url = "/admin/bnsp_code/new/"
    token = csrf_token(client, url)
    raced = []

    def the_other_save_first(conn, cursor, statement, *_args):  # noqa: ANN001
        if statement.startswith("INSERT INTO bnsp_code") and not raced:
            raced.append(statement)
            conn.exec_driver_sql(
                "INSERT INTO bnsp_code (kind, code, name) VALUES ('provinsi', '31', 'other')"
            )

    event.listen(db.engine, "before_cursor_execute", the_other_save_first)
    try:
        answer = client.post(url, data={"csrf_token": token, **_code_form("provinsi")})
    finally:
        event.remove(db.engine, "before_cursor_execute", the_other_save_first)
    assert raced and answer.status_code == 200
    assert "Nothing was saved: another record already holds one of these values" in answer.text
    assert 'name="code"' in answer.text and 'value="31"' in answer.text  # the form, as typed
    db.session.rollback()
    assert client.get("/admin/bnsp_code/").status_code == 200  # the next request works


# --- the names item: invisible and direction characters refused on every staff name form -------


@pytest.mark.parametrize(
    ("screen", "form"),
    [
        ("user", _user_form("rina", "Rina \u202eWulandari")),
        (
            "assessor",
            {"full_name": "Asesor \u2066Satu\u2069", "met_number": "MET.000.001668 2012"},
        ),
    ],
)
def test_a_staff_or_asesor_name_with_a_direction_control_is_refused_beside_the_field(
    app, client, screen, form
):
    make_user("admin", "admin", locale="en")
    login(client, "admin")
    url = f"/admin/{screen}/new/"
    answer = client.post(url, data={"csrf_token": csrf_token(client, url), **form})
    assert answer.status_code == 200
    assert "text-direction control character (U+" in answer.text
    assert db.session.scalar(select(func.count()).select_from(Assessor)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # the admin only


# --- finding 1: database text is never passed to gettext ----------------------------------------


def test_requirement_text_on_the_case_page_is_escaped_data_not_a_message(app, client, catalogue):
    case = make_case(catalogue)
    case.requirement_met = '<meta http-equiv="refresh" content="0;url=https://evil.example"> %(x)s'
    db.session.commit()
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    response = client.get(f"/admin/case/details/?id={case.id}")
    assert response.status_code == 200
    assert '<meta http-equiv="refresh"' not in response.text
    assert "&lt;meta http-equiv=&#34;refresh&#34;" in response.text and "%(x)s" in response.text
