"""Uploads: typed by content, size-limited, stored under generated names; attachments and public
documents uploaded, judged and downloaded only by those allowed to."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import attachments
from portal.extensions import db
from portal.models import Assessor, Attachment, AuditEvent, Case, PublicDocument, User
from portal.uploads import (
    UploadRefused,
    detect_type,
    display_name,
    store_stream,
    stored_path,
)
from tests import files
from tests.conftest import csrf_token, login, make_user

PDF = files.pdf()
JPEG = files.image("JPEG")
PNG = files.image("PNG")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100
TEXT = b"Ini bukan ijazah, hanya teks biasa.\n"
LIMIT = 4096


# --- the storage itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "mime_type", "extension"),
    [
        (PDF, "ijazah.pdf", "application/pdf", ".pdf"),
        (JPEG, "foto.jpeg", "image/jpeg", ".jpg"),
        (PNG, "foto.png", "image/png", ".png"),
        (PDF, "scan-tanpa-ekstensi", "application/pdf", ".pdf"),
    ],
)
def test_accepted_types_are_stored_under_a_generated_name_with_checksum(
    tmp_path, content, name, mime_type, extension
):
    stored = store_stream(io.BytesIO(content), name, tmp_path, LIMIT)
    path = stored_path(tmp_path, stored.stored_name)
    assert stored.mime_type == mime_type
    assert stored.stored_name.endswith(extension)
    assert name not in stored.stored_name
    assert path.parent.name == stored.stored_name[:2]
    assert path.read_bytes() == content
    assert stored.size_bytes == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (EXE, "ijazah.pdf", "Only PDF, JPEG and PNG"),
        (TEXT, "foto.png", "Only PDF, JPEG and PNG"),
        (b"%PD", "short.pdf", "Only PDF, JPEG and PNG"),
        (b"", "empty.pdf", "empty"),
        (PDF + b"\0" * LIMIT, "big.pdf", "larger than the limit"),
    ],
)
def test_refused_content_leaves_no_file(tmp_path, content, name, reason):
    with pytest.raises(UploadRefused) as refused:
        store_stream(io.BytesIO(content), name, tmp_path, LIMIT)
    assert reason in str(refused.value)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_the_type_comes_from_the_content_not_the_name():
    assert detect_type(EXE) is None
    assert detect_type(PDF).mime_type == "application/pdf"


def test_a_file_at_the_limit_is_accepted(tmp_path):
    content = PDF + b"\0" * (LIMIT - len(PDF))
    assert store_stream(io.BytesIO(content), "x.pdf", tmp_path, LIMIT).size_bytes == LIMIT


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "ab/../../x.pdf",
        "0123456789abcdef0123456789abcdef.exe",
        "ABCDEF.pdf",
        "",
    ],
)
def test_only_generated_names_resolve_to_a_path(tmp_path, name):
    with pytest.raises(ValueError):
        stored_path(tmp_path, name)


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("C:\\Users\\budi\\ijazah.pdf", "ijazah.pdf"),
        ("../../evil\x00.exe", "evil.exe.pdf"),
        ("  Ijazah   S1.PDF ", "Ijazah S1.PDF"),
        ("", "file.pdf"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_the_original_name_is_made_safe_for_display(given, shown):
    assert display_name(given, detect_type(PDF)) == shown


# --- case attachments over HTTP ----------------------------------------------------------------


@pytest.fixture
def routes(app):
    """The attachment routes (registered here until create_app does it)."""
    if "attachments" not in app.blueprints:
        attachments.init_app(app)
    return app


def make_case(catalogue, status="draft", assessor: Assessor | None = None) -> Case:
    """A case of the catalogue's applicant in a given status."""
    case = Case(
        reg_number=f"APL-2026-{db.session.query(Case).count() + 1:06d}",
        applicant=catalogue["applicant"],
        scheme=catalogue["scheme"],
        status=status,
        assessor=assessor,
    )
    db.session.add(case)
    db.session.commit()
    return case


def upload(client, case_id, content, name, kind="ijazah", token=None):
    """Post one file to a case as the upload form does."""
    data = {"kind": kind, "file": (io.BytesIO(content), name)}
    if token is not False:
        data["csrf_token"] = token or csrf_token(client, "/admin/")
    return client.post(
        f"/berkas/kasus/{case_id}/lampiran", data=data, content_type="multipart/form-data"
    )


def flashed(client) -> list[str]:
    """The messages flashed to this client so far."""
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


@pytest.fixture
def secretariat(client, routes):
    """A logged-in member of the secretariat."""
    make_user("sek", "secretariat", locale="en")
    login(client, "sek")
    return client


def attachment_rows(case_id) -> list[Attachment]:
    """The attachments of a case, oldest first."""
    return list(
        db.session.scalars(
            select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)
        )
    )


def test_secretariat_uploads_a_pdf_to_a_draft_case(app, secretariat, catalogue):
    case = make_case(catalogue)
    response = upload(secretariat, case.id, PDF, "ijazah.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/case/details/?id={case.id}")
    (row,) = attachment_rows(case.id)
    assert (row.kind, row.original_name, row.mime_type, row.is_current) == (
        "ijazah",
        "ijazah.pdf",
        "application/pdf",
        True,
    )
    path = stored_path(app.config["UPLOAD_DIR"], row.stored_name)
    assert path.read_bytes() == PDF and row.sha256 == hashlib.sha256(PDF).hexdigest()
    static = Path(app.static_folder).resolve()
    assert static not in path.resolve().parents
    assert "is attached" in flashed(secretariat)[-1]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.case_id == case.id))
    assert event.action == "attachment_upload" and event.data["attachment_id"] == row.id


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (EXE, "ijazah.pdf", "Only PDF, JPEG and PNG"),
        (TEXT, "foto.png", "Only PDF, JPEG and PNG"),
        (b"", "kosong.pdf", "empty"),
        (PDF + b"\0" * 512 * 1024, "besar.pdf", "larger than the limit of 0.5 MB"),
    ],
)
def test_refused_upload_is_flashed_and_nothing_is_kept(
    app, secretariat, catalogue, content, name, reason
):
    app.config["MAX_UPLOAD_BYTES"] = 512 * 1024
    case = make_case(catalogue)
    response = upload(secretariat, case.id, content, name)
    assert response.status_code == 302
    assert reason in flashed(secretariat)[-1]
    assert attachment_rows(case.id) == []
    uploads = Path(app.config["UPLOAD_DIR"])
    assert not uploads.exists() or [p for p in uploads.rglob("*") if p.is_file()] == []


def test_upload_refused_once_the_application_is_submitted(secretariat, catalogue):
    case = make_case(catalogue, status="submitted")
    upload(secretariat, case.id, PDF, "ijazah.pdf")
    assert "only while the application is a draft or returned" in flashed(secretariat)[-1]
    assert attachment_rows(case.id) == []


def test_a_new_upload_replaces_the_current_one_and_keeps_the_old(app, secretariat, catalogue):
    case = make_case(catalogue, status="returned")
    upload(secretariat, case.id, PDF, "ijazah-lama.pdf")
    upload(secretariat, case.id, PNG, "ijazah-baru.png")
    upload(secretariat, case.id, JPEG, "foto.jpg", kind="photo")
    old, new, photo = attachment_rows(case.id)
    assert (old.original_name, old.is_current) == ("ijazah-lama.pdf", False)
    assert (new.original_name, new.is_current) == ("ijazah-baru.png", True)
    assert photo.is_current
    for row in (old, new, photo):
        assert stored_path(app.config["UPLOAD_DIR"], row.stored_name).is_file()


def test_upload_without_csrf_token_is_refused(secretariat, catalogue):
    case = make_case(catalogue)
    response = upload(secretariat, case.id, PDF, "ijazah.pdf", token=False)
    assert response.status_code == 400
    assert attachment_rows(case.id) == []


def test_unknown_kind_is_refused(secretariat, catalogue):
    case = make_case(catalogue)
    upload(secretariat, case.id, PDF, "ijazah.pdf", kind="passport")
    assert attachment_rows(case.id) == []
    assert "Not a valid choice" in flashed(secretariat)[-1]


def test_upload_to_a_missing_case_is_404(secretariat, catalogue):
    assert upload(secretariat, 999, PDF, "ijazah.pdf").status_code == 404


def test_an_assessor_may_not_upload(client, routes, catalogue):
    assessor = catalogue["assessor"]
    make_user("asesor", "assessor", assessor=assessor, locale="en")
    case = make_case(catalogue, assessor=assessor)
    login(client, "asesor")
    assert upload(client, case.id, PDF, "ijazah.pdf").status_code == 403


# --- downloads -------------------------------------------------------------------------------


@pytest.fixture
def stored_attachment(secretariat, catalogue):
    """A case assigned to the catalogue's assessor, with one uploaded PDF."""
    case = make_case(catalogue, assessor=catalogue["assessor"])
    upload(secretariat, case.id, PDF, "Ijazah Budi.pdf")
    (row,) = attachment_rows(case.id)
    return row


def test_secretariat_downloads_with_safe_headers(secretariat, stored_attachment):
    response = secretariat.get(f"/berkas/lampiran/{stored_attachment.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Ijazah Budi.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_assigned_assessor_downloads_others_get_404(client, stored_attachment, catalogue):
    other = Assessor(
        full_name="Asesor Lain",
        met_number="MET.000.009999 2020",
        licence_valid_until=catalogue["assessor"].licence_valid_until,
    )
    db.session.add(other)
    db.session.commit()
    make_user("asesor", "assessor", assessor=catalogue["assessor"], locale="en")
    make_user("lain", "assessor", assessor=other, locale="en")
    url = f"/berkas/lampiran/{stored_attachment.id}"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, "asesor")
    assert client.get(url).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, "lain")
    assert client.get(url).status_code == 404
    assert client.get("/berkas/lampiran/99999").status_code == 404


def test_role_without_the_screen_gets_403(client, stored_attachment):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    make_user("standar", "standards_head", locale="en")
    login(client, "standar")
    assert client.get(f"/berkas/lampiran/{stored_attachment.id}").status_code == 403


def test_anonymous_download_redirects_to_login(app, routes, stored_attachment):
    response = app.test_client().get(f"/berkas/lampiran/{stored_attachment.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_missing_file_is_404_not_500(app, secretariat, stored_attachment):
    stored_path(app.config["UPLOAD_DIR"], stored_attachment.stored_name).unlink()
    assert secretariat.get(f"/berkas/lampiran/{stored_attachment.id}").status_code == 404


# --- verdicts --------------------------------------------------------------------------------


def post_verdict(client, attachment_id, **fields):
    """Post the verdict form of one attachment."""
    data = {"csrf_token": csrf_token(client, "/admin/"), **fields}
    return client.post(f"/berkas/lampiran/{attachment_id}/penilaian", data=data)


def test_secretariat_records_a_verdict_on_a_submitted_case(secretariat, stored_attachment):
    case = db.session.get(Case, stored_attachment.case_id)
    case.status = "submitted"
    db.session.commit()
    response = post_verdict(
        secretariat, stored_attachment.id, present="1", adequate="0", note="Buram"
    )
    assert response.status_code == 302
    db.session.refresh(stored_attachment)
    assert (
        stored_attachment.present,
        stored_attachment.adequate,
        stored_attachment.verdict_note,
    ) == (
        True,
        False,
        "Buram",
    )
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id))
    assert "attachment_verdict" in list(actions)


@pytest.mark.parametrize(
    ("status", "fields", "reason"),
    [
        ("draft", {"present": "1", "adequate": "1"}, "only while the application is submitted"),
        ("submitted", {"present": "0", "adequate": "1"}, "not present cannot be adequate"),
        ("submitted", {"present": "1"}, "adequate"),
    ],
)
def test_verdict_refusals(secretariat, stored_attachment, status, fields, reason):
    db.session.get(Case, stored_attachment.case_id).status = status
    db.session.commit()
    post_verdict(secretariat, stored_attachment.id, **fields)
    assert reason in flashed(secretariat)[-1]
    db.session.refresh(stored_attachment)
    assert stored_attachment.present is None


def test_replaced_attachment_is_not_judged(secretariat, stored_attachment):
    upload(secretariat, stored_attachment.case_id, PNG, "ijazah-baru.png")
    db.session.get(Case, stored_attachment.case_id).status = "submitted"
    db.session.commit()
    post_verdict(secretariat, stored_attachment.id, present="1", adequate="1")
    assert "was replaced" in flashed(secretariat)[-1]


def test_assessor_may_not_record_a_verdict(client, stored_attachment, catalogue):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    make_user("asesor", "assessor", assessor=catalogue["assessor"], locale="en")
    login(client, "asesor")
    assert post_verdict(client, stored_attachment.id, present="1", adequate="1").status_code == 403


# --- public documents ------------------------------------------------------------------------


def test_public_document_upload_and_public_download(app, secretariat):
    page = secretariat.get("/berkas/dokumen-publik/baru")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(
        as_text=True
    )
    response = secretariat.post(
        "/berkas/dokumen-publik/baru",
        data={
            "csrf_token": csrf_token(secretariat, "/berkas/dokumen-publik/baru"),
            "title": "Formulir APL-01",
            "kind": "application_form",
            "schedule": "__None",
            "published": "y",
            "file": (io.BytesIO(PDF), "apl01.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    document = db.session.scalar(select(PublicDocument))
    assert (document.title, document.mime_type, document.published) == (
        "Formulir APL-01",
        "application/pdf",
        True,
    )
    public = app.test_client().get(f"/dokumen/{document.id}")
    assert public.status_code == 200 and public.data == PDF
    assert public.headers["Content-Disposition"].startswith("attachment;")
    document.published = False
    db.session.commit()
    assert app.test_client().get(f"/dokumen/{document.id}").status_code == 404


def test_public_document_upload_refuses_an_executable(secretariat):
    response = secretariat.post(
        "/berkas/dokumen-publik/baru",
        data={
            "csrf_token": csrf_token(secretariat, "/berkas/dokumen-publik/baru"),
            "title": "Jadwal",
            "kind": "other",
            "file": (io.BytesIO(EXE), "jadwal.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Only PDF, JPEG and PNG" in response.get_data(as_text=True)
    assert db.session.scalar(select(PublicDocument)) is None


def test_public_document_form_is_for_secretariat_and_admin_only(client, routes, catalogue):
    make_user("asesor", "assessor", assessor=catalogue["assessor"], locale="en")
    login(client, "asesor")
    assert client.get("/berkas/dokumen-publik/baru").status_code == 403
    assert client.get("/dokumen/1").status_code == 404


# --- the partial the case page includes -------------------------------------------------------


def render_partial(app, user, case) -> str:
    """The attachments partial as the case page renders it for a user."""
    from flask import render_template_string
    from flask_login import login_user

    with app.test_request_context("/admin/case/details/"):
        login_user(user)
        return render_template_string(
            '{% include "attachments/_case_attachments.html" %}', case=case
        )


def test_partial_offers_upload_on_a_draft_and_verdicts_on_a_submitted_case(
    app, secretariat, catalogue
):
    case = make_case(catalogue)
    upload(secretariat, case.id, PDF, "ijazah.pdf")
    user = db.session.scalar(select(User).where(User.username == "sek"))
    html = render_partial(app, user, db.session.get(Case, case.id))
    (row,) = attachment_rows(case.id)
    assert f"/berkas/lampiran/{row.id}" in html and "ijazah.pdf" in html
    assert f"/berkas/kasus/{case.id}/lampiran" in html and 'name="csrf_token"' in html
    assert "/penilaian" not in html
    case.status = "submitted"
    db.session.commit()
    html = render_partial(app, user, db.session.get(Case, case.id))
    assert f"/berkas/lampiran/{row.id}/penilaian" in html
    assert f"/berkas/kasus/{case.id}/lampiran" not in html


def test_partial_is_read_only_for_an_assessor(app, routes, catalogue):
    case = make_case(catalogue, assessor=catalogue["assessor"])
    user = make_user("asesor", "assessor", assessor=catalogue["assessor"], locale="en")
    html = render_partial(app, user, case)
    assert "No attachment yet." in html and "<form" not in html


def test_case_page_lists_the_attachments(secretariat, catalogue):
    case = make_case(catalogue)
    upload(secretariat, case.id, PDF, "ijazah.pdf")
    (row,) = attachment_rows(case.id)
    html = secretariat.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)
    assert f"/berkas/lampiran/{row.id}" in html and f"/berkas/kasus/{case.id}/lampiran" in html
