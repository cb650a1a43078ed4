"""Helpers for the applicant-portal tests: accounts, schedules, and a browser-like applicant."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from itertools import count

from flask.testing import FlaskClient

from portal import clock
from portal.applicant.accounts import CONFIRM, make_token
from portal.extensions import db
from portal.models import ApplicantAccount, Schedule
from tests import files
from tests.conftest import _FAST_HASH, PASSWORD, csrf_token

PDF = files.pdf()  # real files: uploads are checked by parsing and decoding them
JPEG = files.image("JPEG")

_niks = count(1)


def new_nik() -> str:
    """A valid NIK (Jakarta Pusat, born 17-08-1985), unique per call."""
    return f"317101170885{next(_niks):04d}"


def make_account(email: str, *, confirmed: bool = True, nik: str | None = None) -> ApplicantAccount:
    """A committed applicant account (password PASSWORD)."""
    account = ApplicantAccount(
        email=email,
        nik=nik or new_nik(),
        full_name=email.split("@")[0].title(),
        password_hash=_FAST_HASH,
        confirmed_at=clock.now() if confirmed else None,
    )
    db.session.add(account)
    db.session.commit()
    return account


def confirm_link(account: ApplicantAccount) -> str:
    """The path of the account's confirmation link."""
    return f"/asesi/konfirmasi/{make_token(CONFIRM, account)}"


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):
    token = csrf_token(client, "/asesi/masuk")
    return client.post(
        "/asesi/masuk", data={"email": email, "password": password, "csrf_token": token}
    )


def post(client: FlaskClient, url: str, form_url: str, **data):
    """Post a form as the browser would, with the CSRF token of the page it is on, and that
    page as the referrer (a refusal goes back there)."""
    data["csrf_token"] = csrf_token(client, form_url)
    return client.post(url, data=data, headers={"Referer": f"http://localhost{form_url}"})


PROFILE = {
    "birth_place": "Jakarta",
    "birth_date": "1985-08-17",
    "sex": "L",
    "address": "Jl. Salemba 1",
    "phone": "081234567890",
    "education_level": "S1",
    "library_field": "y",
    "experience_months": "24",
    "institution": "Perpustakaan Nasional",
    "job_title": "Pustakawan",
}


def fill_profile(client: FlaskClient):
    return post(client, "/asesi/profil", "/asesi/profil", **PROFILE)


def make_schedule(catalogue: dict, code: str = "JDW-1", quota: int = 20, **dates) -> Schedule:
    today = clock.today()
    schedule = Schedule(
        code=code,
        scheme=catalogue["scheme"],
        tuk=catalogue["tuk"],
        starts_on=dates.get("starts_on", today + timedelta(days=30)),
        ends_on=dates.get("ends_on", today + timedelta(days=30)),
        registration_deadline=dates.get("deadline", today + timedelta(days=20)),
        quota=quota,
    )
    db.session.add(schedule)
    db.session.commit()
    return schedule


def upload(client: FlaskClient, case_id: int, kind: str, content: bytes, name: str):
    page = f"/asesi/permohonan/{case_id}"
    return client.post(
        f"/asesi/permohonan/{case_id}/lampiran",
        data={
            "csrf_token": csrf_token(client, page),
            "kind": kind,
            "file": (BytesIO(content), name),
        },
        content_type="multipart/form-data",
        headers={"Referer": f"http://localhost{page}"},
    )


def browser(app) -> FlaskClient:
    """A new browser whose visitor chose English (the messages asserted are the msgids)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def make_certificate(case, *, issued_on: date, expires_on: date, number: str = "00001/TEST"):
    """A certificate of a case (set-up: issuing is tested with the workflow)."""
    from portal.models import Certificate

    certificate = Certificate(
        number=number,
        series="TEST",
        seq=int(number.split("/")[0]),
        verify_code=f"code{number.split('/')[0]}",
        case_id=case.id,
        applicant_id=case.applicant_id,
        scheme_id=case.scheme_id,
        holder_name="Holder",
        issued_on=issued_on,
        expires_on=expires_on,
        next_surveillance_due=issued_on + timedelta(days=365),
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate
