"""Uploads seen by an attacker: disguised and hostile files, names that try to become paths or
headers, sizes past the limits, and what a download sends back. (tests/test_uploads.py covers
the ordinary behaviour; this file adds the hostile cases.)"""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Attachment, PublicDocument, User
from portal.uploads import STORED_NAME
from tests.conftest import csrf_token, login, make_user
from tests.files import image, pdf, png_claiming
from tests.test_case_actions import make_case

PDF = pdf()


@pytest.fixture
def draft(app, catalogue):
    """A draft case, and the secretariat logged in."""
    return make_case(catalogue)


@pytest.fixture
def secretariat(client, draft):
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    return client


def upload(client, case_id: int, content: bytes, name: str, mimetype: str = "application/pdf"):
    """Post a file to a case as the attachment form would."""
    token = csrf_token(client, f"/admin/case/details/?id={case_id}")
    return client.post(
        f"/berkas/kasus/{case_id}/lampiran",
        data={"csrf_token": token, "kind": "other", "file": (io.BytesIO(content), name, mimetype)},
    )


def files(app) -> list[str]:
    return sorted(p.name for p in app.config["UPLOAD_DIR"].rglob("*") if p.is_file())


def newest(case_id: int) -> Attachment | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Attachment)
        .where(Attachment.case_id == case_id, Attachment.kind == "other")
        .order_by(Attachment.id.desc())
    )


@pytest.mark.parametrize(
    ("content", "name", "mimetype"),
    [
        (b"<html><script>alert(1)</script></html>", "cv.pdf", "application/pdf"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "photo.png", "image/png"),
        (b"GIF89a\x01\x00\x01\x00", "photo.gif", "image/gif"),
        (b"MZ\x90\x00\x03", "ijazah.pdf", "application/pdf"),
        (b"PK\x03\x04", "ijazah.docx", "application/pdf"),
        (b"", "empty.pdf", "application/pdf"),
    ],
)
def test_content_that_is_not_pdf_jpeg_or_png_is_refused_whatever_its_name(
    app, secretariat, draft, content, name, mimetype
):
    upload(secretariat, draft.id, content, name, mimetype)
    assert newest(draft.id) is None
    assert files(app) == []


def test_a_user_file_name_never_becomes_a_path_or_a_header(app, secretariat, draft):
    name = '../../etc/passwd"\r\nX-Injected: 1;.pdf'
    upload(secretariat, draft.id, PDF + b"<script>alert(1)</script>", name, "text/html")
    stored = newest(draft.id)
    assert STORED_NAME.fullmatch(stored.stored_name)
    assert files(app) == [stored.stored_name]
    assert "/" not in stored.original_name and "\r" not in stored.original_name
    assert stored.mime_type == "application/pdf"  # from the content, not from the browser

    response = secretariat.get(f"/berkas/lampiran/{stored.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "X-Injected" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_file_over_the_limit_leaves_nothing_behind(app, secretariat, draft):
    app.config["MAX_UPLOAD_BYTES"] = 1024
    upload(secretariat, draft.id, PDF + b"0" * 2048, "big.pdf")
    assert newest(draft.id) is None
    assert files(app) == []  # not even a half-written temporary file


def test_a_request_over_the_request_limit_gets_the_friendly_413(app, secretariat, draft):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = upload(secretariat, draft.id, PDF + b"0" * 8192, "huge.pdf")
    assert response.status_code == 413
    assert "error-card" in response.get_data(as_text=True)
    assert files(app) == []


def test_anonymous_visitors_get_published_documents_only(app, client):
    unpublished = PublicDocument(
        title="Draft",
        kind="other",
        published=False,
        original_name="x.pdf",
        stored_name="0" * 32 + ".pdf",
        mime_type="application/pdf",
        size_bytes=1,
        sha256="0" * 64,
    )
    db.session.add(unpublished)
    db.session.commit()
    assert client.get(f"/dokumen/{unpublished.id}").status_code == 404
    assert client.get("/berkas/lampiran/1").status_code == 302  # staff files: log in first


def test_a_tampered_stored_name_reads_no_other_file(app, secretariat, draft):
    upload(secretariat, draft.id, PDF, "ok.pdf")
    stored = newest(draft.id)
    stored.stored_name = "../../portal/config.py"
    db.session.commit()
    assert secretariat.get(f"/berkas/lampiran/{stored.id}").status_code == 404


# --- deep content checks and image bombs (issue 12, findings 5 and 6) ---------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (pdf(javascript=True), "JavaScript"),
        (pdf(launch=True), "JavaScript"),
        (pdf(attachment=True), "embedded files"),
        (b"%PDF-1.4\n%%EOF\n", "cannot be read as one"),
        (image("PNG")[:70], "cannot be read"),
        (image("JPEG")[:200], "cannot be read"),
        (png_claiming(13_000, 13_000), "too many pixels"),
        (png_claiming(9_000, 5_000), "too many pixels"),
        (image("PNG", 12_000, 10), "too large"),
    ],
)
def test_hostile_pdfs_broken_images_and_image_bombs_are_refused_with_a_reason(
    app, secretariat, draft, content, reason
):
    db.session.execute(update(User).values(locale="en"))
    db.session.commit()
    response = upload(secretariat, draft.id, content, "ijazah", "application/pdf")
    assert response.status_code == 302
    assert newest(draft.id) is None
    assert files(app) == []
    page = secretariat.get(response.headers["Location"]).get_data(as_text=True)
    assert reason in page


def test_a_public_document_with_javascript_is_refused_on_its_form(app, client):
    make_user("sekretariat", "secretariat", locale="en")
    login(client, "sekretariat")
    url = "/berkas/dokumen-publik/baru"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "title": "Jadwal",
            "kind": "other",
            "published": "y",
            "file": (io.BytesIO(pdf(javascript=True)), "jadwal.pdf", "application/pdf"),
        },
    )
    assert response.status_code == 200
    assert "JavaScript" in response.get_data(as_text=True)
    assert db.session.scalar(select(PublicDocument)) is None


def test_a_large_photo_is_stored_downscaled_once_for_documents(app, secretariat, draft):
    upload(secretariat, draft.id, image("JPEG", 6000, 4000), "foto.jpg", "image/jpeg")
    stored = newest(draft.id)
    path = app.config["UPLOAD_DIR"] / stored.stored_name[:2] / stored.stored_name
    with Image.open(path) as picture:
        assert picture.size == (2400, 1600)
    content = path.read_bytes()
    assert stored.size_bytes == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
