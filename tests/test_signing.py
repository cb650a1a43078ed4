"""Signed certificates (PAdES): verified by pyHanko and poppler's pdfsig, stored once, re-signed.

The keys are real PKCS#12 files made by the same code as `make run`'s demo key; validation
trusts exactly that key's certificate, as an LSP's verifier would trust its CA.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from portal import clock
from portal.config import DEMO_SIGNING_PASSPHRASE
from portal.documents.archive import sign_issued
from portal.documents.signing import STAMP_BOX, make_demo_key
from portal.extensions import db
from portal.models import Case, SignedCertificate
from portal.rules.vocabulary import CertificateStatus
from portal.rules.workflow import Action
from tests import test_documents
from tests.conftest import csrf_token, login
from tests.test_casework import decide, new_cases, run, to_assessed
from tests.test_casework import world as casework_world
from tests.test_documents import make_certificate, pdf_text

staff, english_staff = test_documents.staff, test_documents.english_staff  # shared fixtures
world = casework_world

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pyhanko.*")


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, str]:
    """Two signing keys, as two LSP key generations."""
    folder = tmp_path_factory.mktemp("keys")
    paths = {}
    for name in ("first", "second"):
        paths[name] = str(folder / f"{name}.p12")
        make_demo_key(folder / f"{name}.p12", f"LSP Uji {name}", datetime.now(UTC))
    return paths


def use_key(app, path: str) -> None:
    """Configure the app to sign with this key."""
    app.config["CERT_SIGNING_P12"] = path
    app.config["CERT_SIGNING_PASSPHRASE"] = DEMO_SIGNING_PASSPHRASE


@pytest.fixture
def signing_staff(app, staff, keys):
    """A logged-in secretariat user of an LSP that signs with the first key."""
    use_key(app, keys["first"])
    return staff


def validation(pdf: bytes, key_path: str):
    """pyHanko's verdict on the PDF's only signature, trusting the key's own certificate."""
    cert = signers.SimpleSigner.load_pkcs12(
        key_path, passphrase=DEMO_SIGNING_PASSPHRASE.encode()
    ).signing_cert
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    context = ValidationContext(trust_roots=[cert])
    # in a thread of its own: pyHanko's sync API runs a loop, and the browser tests' loop may
    # still run in this one
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(validate_pdf_signature, signature, context).result()


def pdfsig(pdf: bytes, tmp_path) -> str:
    """poppler's report on the PDF's signatures (poppler-utils: `make pdf-deps`)."""
    assert shutil.which("pdfsig"), "pdfsig is missing: run `make pdf-deps`"
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def download(client, certificate) -> bytes:
    response = client.get(f"/documents/certificates/{certificate.id}.pdf")
    assert response.status_code == 200
    return response.data


def test_a_downloaded_certificate_verifies_with_pyhanko_and_pdfsig(
    app, signing_staff, catalogue, keys, tmp_path
):
    pdf = download(signing_staff, make_certificate(catalogue))

    status = validation(pdf, keys["first"])
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert "LSP Uji first" in status.signing_cert.subject.human_friendly
    report = pdfsig(pdf, tmp_path)
    assert "Signature is Valid." in report
    assert "LSP Uji first" in report
    assert "Total document signed" in report
    # The visible block on page one says who signed, in the band left free for it.
    (widget,) = [a.get_object() for a in PdfReader(io.BytesIO(pdf)).pages[0]["/Annots"]]
    assert widget["/FT"] == "/Sig" and [int(v) for v in widget["/Rect"]] == list(STAMP_BOX)
    appearance = widget["/AP"]["/N"].get_object().get_data()
    assert b"(Digitally signed by)" in appearance and b"LSP Uji first" in appearance


def test_one_flipped_byte_breaks_the_signature(app, signing_staff, catalogue, keys, tmp_path):
    pdf = bytearray(download(signing_staff, make_certificate(catalogue)))
    at = pdf.index(b"/Title (Sertifikat") + len(b"/Title (")
    pdf[at : at + 1] = b"X"
    tampered = bytes(pdf)

    status = validation(tampered, keys["first"])
    assert not status.intact and not status.bottom_line
    assert "Signature is Valid." not in pdfsig(tampered, tmp_path)


def test_the_signed_file_is_stored_once_and_served_as_is(app, signing_staff, catalogue):
    certificate = make_certificate(catalogue)
    first = download(signing_staff, certificate)
    second = download(signing_staff, certificate)

    assert first == second  # not signed again: the very same bytes
    stored = db.session.get(SignedCertificate, certificate.id)
    assert stored.pdf == first
    assert stored.signer.startswith("DEMO")


def test_a_zip_holds_signed_certificates_and_keeps_them(app, signing_staff, catalogue, keys):
    certificates = [make_certificate(catalogue, n=n) for n in (1, 2, 3)]
    token = csrf_token(signing_staff, "/admin/certificate/")
    response = signing_staff.post(
        "/documents/certificates.zip",
        data={"ids": [str(c.id) for c in certificates], "csrf_token": token},
    )
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        pdfs = [archive.read(name) for name in archive.namelist()]

    assert len(pdfs) == 3
    assert all(validation(pdf, keys["first"]).bottom_line for pdf in pdfs)
    stored = {row.certificate_id: row.pdf for row in db.session.query(SignedCertificate)}
    assert [stored[c.id] for c in certificates] == pdfs


def test_after_a_key_change_the_command_hands_the_re_signing_to_the_worker(
    app, runner, mailbox, catalogue, keys
):
    use_key(app, keys["first"])
    certificates = [make_certificate(catalogue, n=n) for n in (1, 2)]
    withdrawn = make_certificate(catalogue, n=3, status=CertificateStatus.WITHDRAWN.value)
    ids = [c.id for c in certificates]
    first = {id_: sign_issued(db.session, app.config, [id_]) for id_ in ids}
    assert first == dict.fromkeys(ids, 1)

    use_key(app, keys["second"])
    mailbox.restart_worker(
        CERT_SIGNING_P12=keys["second"], CERT_SIGNING_PASSPHRASE=DEMO_SIGNING_PASSPHRASE
    )
    result = runner.invoke(args=["sign-certificates"])
    assert "2 certificate(s) handed to the worker in 1 job(s)" in result.output, result.output
    assert "LSP Uji second" in result.output
    for id_ in ids:  # the worker replaces each stored PDF with one the new key signed
        pdf = _stored(id_, signer="LSP Uji second").pdf
        assert validation(pdf, keys["second"]).bottom_line
    assert db.session.get(SignedCertificate, withdrawn.id) is None
    assert "0 certificate(s) handed" in runner.invoke(args=["sign-certificates"]).output


@pytest.mark.parametrize(
    ("status", "mark"),
    [
        (CertificateStatus.WITHDRAWN, "DICABUT"),
        (CertificateStatus.SUSPENDED, "DIBEKUKAN"),
        (CertificateStatus.SUPERSEDED, "DIGANTIKAN"),
    ],
)
def test_a_certificate_not_in_force_prints_marked_and_unsigned(
    app, signing_staff, catalogue, status, mark
):
    certificate = make_certificate(catalogue)
    download(signing_staff, certificate)  # signed while in force
    certificate.status = status.value
    db.session.commit()

    pdf = download(signing_staff, certificate)
    text = pdf_text(pdf)
    assert "TIDAK BERLAKU" in text and mark in text and "NOT IN FORCE" in text
    assert not PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


def test_an_unusable_key_is_a_clear_error_not_an_unsigned_certificate(
    app, english_staff, catalogue, keys
):
    use_key(app, keys["first"])
    app.config["CERT_SIGNING_PASSPHRASE"] = "wrong"
    response = english_staff.get(f"/documents/certificates/{make_certificate(catalogue).id}.pdf")

    assert response.status_code == 500
    assert "signing key cannot be opened" in response.get_data(as_text=True)


def test_the_verification_page_says_the_certificate_is_signed_and_by_whom(
    app, signing_staff, catalogue
):
    certificate = make_certificate(catalogue, verify_code="kode-signed-0001")
    page = "/verifikasi?kode=kode-signed-0001"
    assert 'data-testid="signature"' not in signing_staff.get(page).get_data(as_text=True)

    download(signing_staff, certificate)
    html = signing_staff.get(page).get_data(as_text=True)
    assert 'data-testid="signature"' in html
    assert "DEMO, TIDAK SAH / NOT VALID: LSP Uji first" in html

    certificate.status = CertificateStatus.WITHDRAWN.value
    db.session.commit()
    assert 'data-testid="signature"' not in signing_staff.get(page).get_data(as_text=True)


def test_a_configured_key_that_is_missing_stops_the_portal_from_starting(tmp_path):
    from portal.config import finalise

    with pytest.raises(RuntimeError, match="CERT_SIGNING_P12"):
        finalise(
            {
                "SECRET_KEY": "x",
                "PUBLIC_BASE_URL": "https://sertifikasi.example.id",
                "CERT_SIGNING_P12": str(tmp_path / "missing.p12"),
            }
        )


def test_demo_mode_signs_with_the_demo_key_when_none_is_set(tmp_path, monkeypatch):
    import portal.config
    from portal.config import finalise

    demo_key = tmp_path / "demo.p12"
    monkeypatch.setattr(portal.config, "DEMO_SIGNING_KEY", demo_key)
    config = {"DEMO": True, "SECRET_KEY": "x"}
    finalise(config)
    assert not config.get("CERT_SIGNING_P12")  # no demo key made yet: unsigned, not an error

    make_demo_key(demo_key, "LSP Demo", datetime.now(UTC))
    config = {"DEMO": True, "SECRET_KEY": "x"}
    finalise(config)
    assert config["CERT_SIGNING_P12"] == str(demo_key)
    assert config["CERT_SIGNING_PASSPHRASE"] == DEMO_SIGNING_PASSPHRASE


def test_the_demo_key_command_refuses_outside_demo_mode(app, runner):
    result = runner.invoke(args=["make-demo-signing-key"])
    assert result.exit_code != 0
    assert "demo mode only" in result.output


def _issued(world) -> int:
    """A certificate issued through the workflow (the chair's ISSUE), its id."""
    ids = new_cases(world)
    to_assessed(world, ids)
    assert decide(world, ids).done == ids
    assert run(world, "chair", Action.ISSUE, ids).done == ids
    return db.session.get(Case, ids[0]).certificate.id


def _stored(certificate_id: int, signer: str = "", timeout: float = 60) -> SignedCertificate:
    """The signed PDF the worker stores (signed by `signer` when given), once it has (fails
    after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.commit()  # end the test's read transaction: see the worker's writes
        stored = db.session.get(SignedCertificate, certificate_id)
        if stored is not None and signer in stored.signer:
            return stored
        assert time.monotonic() < deadline, "the worker did not sign the issued certificate"
        time.sleep(0.1)


def test_an_issued_certificate_is_signed_by_the_worker_and_served_as_stored(
    app, client, mailbox, world, keys, tmp_path
):
    use_key(app, keys["first"])
    mailbox.restart_worker(
        CERT_SIGNING_P12=keys["first"], CERT_SIGNING_PASSPHRASE=DEMO_SIGNING_PASSPHRASE
    )
    certificate_id = _issued(world)

    stored = _stored(certificate_id)
    status = validation(stored.pdf, keys["first"])
    assert status.intact and status.valid and status.trusted
    report = pdfsig(stored.pdf, tmp_path)
    assert "Signature is Valid." in report and "LSP Uji first" in report
    login(client, "sekretariat")
    response = client.get(f"/documents/certificates/{certificate_id}.pdf")
    assert response.data == stored.pdf  # served as stored: nothing signed on request


def test_a_lost_signing_job_is_made_up_by_the_periodic_look(app, world, keys):
    use_key(app, keys["first"])
    certificate_id = _issued(world)  # no worker runs: its signing job waits in the broker
    assert sign_issued(db.session, app.config, None) == 0  # just issued: its job may yet run
    with clock.moved_by(timedelta(minutes=11)):
        assert sign_issued(db.session, app.config, None) == 1
        assert sign_issued(db.session, app.config, None) == 0  # signed once
    assert validation(db.session.get(SignedCertificate, certificate_id).pdf, keys["first"]).valid
