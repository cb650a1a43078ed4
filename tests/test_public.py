"""The public pages: the schedule with seats left, and certificate verification (RULES.md #14)."""

from __future__ import annotations

import socket
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from portal import clock, create_app
from portal.casework import change_certificates
from portal.extensions import db
from portal.models import PublicDocument, Schedule
from portal.rules.vocabulary import Role
from tests.conftest import database_url, make_user
from tests.test_documents import make_case, make_certificate

PERSONAL = ("3171011708450001", "Jl. Merdeka 1", "+6281234567890", "budi@example.org")
EN = {"Accept-Language": "en"}
HOLDER = "Budi Santoso"


@pytest.fixture
def certificate(catalogue):
    catalogue["applicant"].email = "budi@example.org"
    return make_certificate(catalogue, issued_on=clock.today() - timedelta(days=30))


def page(client, url: str) -> str:
    """A public page in English, asserting it answered 200."""
    response = client.get(url, headers=EN)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- verification ---------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["number", "code"])
def test_verification_shows_name_scheme_status_validity_and_no_personal_data(
    client, certificate, by
):
    query = (
        f"nomor={certificate.number}&nama={HOLDER}"
        if by == "number"
        else f"kode={certificate.verify_code}"
    )
    html = page(client, f"/verifikasi?{query}")

    assert "Budi Santoso" in html
    assert "Klaster Layanan Pemustaka" in html
    assert "This certificate is valid." in html
    assert certificate.expires_on.strftime("%Y") in html
    for secret in PERSONAL:
        assert secret not in html


def test_the_page_is_indonesian_by_default(client, certificate):
    html = client.get(f"/verifikasi?nomor={certificate.number}&nama={HOLDER}").get_data(
        as_text=True
    )
    assert '<html lang="id">' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("nomor=99999/LSP-PUST/KLP/2025&nama=Budi", "No certificate with this number and name"),
        ("kode=doesnotexist", "No certificate with this number and name"),
        ("nomor=<script>alert(1)</script>", "This is not a certificate number."),
        ("nomor=" + "1" * 5000, "This is not a certificate number."),
        ("kode=" + "a" * 33, "This is not a certificate number."),
        ("nomor=%E2%80%AE%F0%9F%98%80", "This is not a certificate number."),
    ],
)
def test_unknown_and_malformed_numbers_get_a_clear_answer(client, certificate, query, message):
    html = page(client, f"/verifikasi?{query}")
    assert message in html
    assert "<script>alert(1)</script>" not in html
    assert 'value="' + "1" * 81 not in html  # the echoed input is capped


def test_control_characters_get_a_clear_answer_not_a_crash(client):
    response = client.get("/verifikasi?kode=%00%01", headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400)  # portal.security may refuse them for every page
    assert "control characters" in html or "This is not a certificate number." in html


def test_the_empty_form(client):
    html = page(client, "/verifikasi")
    assert 'name="nomor"' in html
    assert "was found" not in html


def test_suspension_shows_on_the_page(client, certificate, catalogue):
    assert "This certificate is valid." in page(
        client, f"/verifikasi?nomor={certificate.number}&nama={HOLDER}"
    )
    chair = make_user("ketua", Role.CHAIR)

    outcome = change_certificates(db.session, "suspend", [certificate.id], chair, "Tidak lapor")
    assert outcome.skipped == []

    html = page(client, f"/verifikasi?nomor={certificate.number}&nama={HOLDER}")
    assert "This certificate is suspended" in html
    assert "Tidak lapor" not in html  # the reason stays internal


def test_an_active_certificate_past_its_expiry_shows_as_expired(client, catalogue):
    old = make_certificate(catalogue, issued_on=date(2019, 1, 10))
    html = page(client, f"/verifikasi?kode={old.verify_code}")
    assert "This certificate expired on" in html


def test_a_superseded_certificate_says_so(client, catalogue):
    old = make_certificate(catalogue, n=1, status="superseded")
    html = page(client, f"/verifikasi?kode={old.verify_code}")
    assert "replaced by a newer one" in html


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("", None),  # asked for the name
        ("Siti Aminah", False),  # someone else's name
        ("Budi", False),  # part of the name
        ("  budi   SANTOSO ", True),  # case and spacing do not matter
    ],
)
def test_a_number_alone_does_not_reveal_the_holder(client, certificate, name, found):
    """Numbers are sequential: without the holder's name, guessing them lists nobody."""
    html = page(client, f"/verifikasi?nomor={certificate.number}&nama={name}")
    assert ("Budi Santoso" in html.replace('value="Budi Santoso"', "")) is bool(found)
    if found is None:
        assert "Enter the holder's name too" in html
    elif not found:
        assert "No certificate with this number and name was found." in html


def _limited_app(tmp_path, **config):
    """An app with the verification limit at 3 a minute and rate limiting on."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "RATELIMIT_ENABLED": True,
            "VERIFY_RATE_LIMIT": "3/minute",
            **config,
        }
    )
    with app.app_context():
        db.create_all()
        db.session.remove()
    return app


def _redis_answers() -> bool:
    """True when a Redis server answers PING at 127.0.0.1:6379."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis answers at 127.0.0.1:6379")
def test_the_limit_holds_across_workers_through_the_shared_store_with_retry_after(tmp_path):
    """Two apps (two workers) sharing Redis count one client's requests together."""
    shared = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    workers = [_limited_app(tmp_path / str(n), **shared) for n in range(2)]
    codes = []
    for n in range(4):
        with workers[n % 2].app_context():
            response = workers[n % 2].test_client().get("/verifikasi", headers=EN)
            codes.append(response.status_code)
    assert codes == [200, 200, 200, 429]
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "Too many requests" in response.get_data(as_text=True)


def test_verification_is_rate_limited_per_client(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "RATELIMIT_ENABLED": True,
            "VERIFY_RATE_LIMIT": "3/minute",
        }
    )
    with app.app_context():
        db.create_all()
        client = app.test_client()
        codes = [client.get("/verifikasi?nomor=1", headers=EN).status_code for _ in range(4)]
        other = client.get("/verifikasi", headers=EN, environ_base={"REMOTE_ADDR": "10.0.0.9"})
        limited = client.get("/verifikasi", headers=EN)
        db.session.remove()

    assert codes == [200, 200, 200, 429]
    assert other.status_code == 200  # another client has its own allowance
    assert "Too many requests" in limited.get_data(as_text=True)
    assert client.get("/jadwal").status_code == 200  # the schedule is not limited


# --- schedule -------------------------------------------------------------------------------


def _schedule(catalogue, code: str, starts_in: int = 14, **fields) -> Schedule:
    start = clock.today() + timedelta(days=starts_in)
    schedule = Schedule(
        code=code,
        scheme=catalogue["scheme"],
        tuk=catalogue["tuk"],
        starts_on=start,
        ends_on=start + timedelta(days=1),
        registration_deadline=fields.pop("registration_deadline", start - timedelta(days=3)),
        quota=fields.pop("quota", 5),
        **fields,
    )
    db.session.add(schedule)
    db.session.commit()
    return schedule


def test_seats_left_is_the_quota_less_registered_cases_not_withdrawn(client, catalogue):
    schedule = _schedule(catalogue, "JDW-A", quota=5)
    other = _schedule(catalogue, "JDW-B", starts_in=30, quota=2)
    make_case(catalogue, n=1, schedule=schedule, status="submitted")
    make_case(catalogue, n=2, schedule=schedule, status="certified")
    make_case(catalogue, n=3, schedule=schedule, status="withdrawn")
    make_case(catalogue, n=4, schedule=other, status="draft")
    make_case(catalogue, n=5, schedule=other, status="verified")
    make_case(catalogue, n=6, schedule=other, status="verified")  # over quota: shows 0

    html = page(client, "/jadwal")

    seats = [cell.split("<", 1)[0] for cell in html.split('class="col-7 col-sm-8 seats-left">')[1:]]
    assert seats == ["3", "0"]
    assert "3 seats left" in html
    assert "Full" in html


def test_seats_are_counted_in_one_query_whatever_the_number_of_schedules(app, client, catalogue):
    def statements_for_page() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page(client, "/jadwal")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    _schedule(catalogue, "JDW-1")
    with_one = statements_for_page()
    for n in range(2, 8):
        make_case(catalogue, n=n, schedule=_schedule(catalogue, f"JDW-{n}", starts_in=n))
    assert statements_for_page() == with_one


def test_schedule_page_lists_upcoming_published_schedules_documents_and_address(
    app, client, catalogue
):
    shown = _schedule(catalogue, "JDW-SHOWN")
    _schedule(catalogue, "JDW-HIDDEN", published=False)
    _schedule(catalogue, "JDW-PAST", starts_in=-30, registration_deadline=date(2020, 1, 1))
    closed = _schedule(catalogue, "JDW-CLOSED", starts_in=2, registration_deadline=clock.today())
    closed.registration_deadline = clock.today() - timedelta(days=1)
    files = dict(mime_type="application/pdf", size_bytes=2048, sha256="0" * 64)
    general = PublicDocument(
        title="Kode etik asesi",
        kind="code_of_ethics",
        original_name="etik.pdf",
        stored_name="a" * 32 + ".pdf",
        **files,
    )
    own = PublicDocument(
        title="Formulir APL.01",
        kind="application_form",
        original_name="apl01.pdf",
        stored_name="b" * 32 + ".pdf",
        schedule=shown,
        **files,
    )
    draft = PublicDocument(
        title="Belum terbit",
        kind="other",
        original_name="x.pdf",
        stored_name="c" * 32 + ".pdf",
        published=False,
        **files,
    )
    db.session.add_all([general, own, draft])
    db.session.commit()

    html = page(client, "/jadwal")

    assert html.count("Klaster Layanan Pemustaka") == 2  # JDW-SHOWN and JDW-CLOSED
    assert "Registration closed" in html
    assert f'href="/dokumen/{general.id}"' in html and "Kode etik asesi" in html
    assert f'href="/dokumen/{own.id}"' in html and "Formulir APL.01" in html
    assert "Belum terbit" not in html
    assert app.config["LSP_ADDRESS"] in html
    assert "TUK Perpusnas" in html


def test_schedule_page_never_shows_applicants(client, catalogue):
    catalogue["applicant"].email = "budi@example.org"
    make_case(catalogue, n=1, schedule=_schedule(catalogue, "JDW-X"))
    html = page(client, "/jadwal")
    assert "Budi Santoso" not in html
    for secret in PERSONAL:
        assert secret not in html
