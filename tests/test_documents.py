"""The printed documents: what each PDF says, how it is built, and who may download it."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from PIL import Image
from pypdf import PdfReader

from portal.documents.bulk import IN_PROCESS_MAX, certificate_zip
from portal.documents.certificate import (
    CertificateData,
    CertificateSettings,
    UnitLine,
    render_certificate,
    verify_url,
)
from portal.documents.pdf import DocumentError, html_to_pdf, qr_data_uri
from portal.extensions import db
from portal.models import (
    Attachment,
    Case,
    CaseUnit,
    Certificate,
    DecisionMeeting,
    Element,
    Kuk,
    KukAnswer,
    MeetingAttendee,
    Schedule,
)
from portal.rules.certificates import expiry
from portal.rules.vocabulary import Role
from portal.uploads import store_stream
from tests.conftest import csrf_token, login, make_user

ISSUED = date(2025, 3, 12)
A4_LANDSCAPE = (842, 595)


def make_case(catalogue: dict, applicant=None, n: int = 1, **fields) -> Case:
    """A case of the catalogue's scheme whose every unit was decided K."""
    case = Case(
        reg_number=f"REG-2025-{n:04d}",
        applicant=applicant or catalogue["applicant"],
        scheme=catalogue["scheme"],
        tuk=catalogue["tuk"],
        assessor=fields.pop("assessor", catalogue["assessor"]),
        status=fields.pop("status", "certified"),
        units=[
            CaseUnit(unit=u, self_assessment="K", recommendation="K", result="K")
            for u in catalogue["units"]
        ],
        **fields,
    )
    db.session.add(case)
    db.session.commit()
    return case


def make_schedule(catalogue: dict, code: str, open_until: date = ISSUED) -> Schedule:
    """A schedule of the catalogue's scheme and TUK held on ISSUED, added to the session."""
    schedule = Schedule(
        code=code,
        scheme=catalogue["scheme"],
        tuk=catalogue["tuk"],
        starts_on=ISSUED,
        ends_on=ISSUED,
        registration_deadline=open_until,
        quota=10,
    )
    db.session.add(schedule)
    return schedule


def make_certificate(
    catalogue: dict, n: int = 1, issued_on: date = ISSUED, **fields
) -> Certificate:
    """A certificate for a new certified case of the catalogue's applicant."""
    case = make_case(catalogue, n=n)
    certificate = Certificate(
        number=f"{n:05d}/LSP-PUST/KLP/{issued_on.year}",
        series=f"LSP-PUST/KLP/{issued_on.year}",
        seq=n,
        verify_code=fields.pop("verify_code", f"kode-{n:04d}-abcdefgh"),
        case=case,
        applicant=case.applicant,
        scheme=case.scheme,
        holder_name=case.applicant.full_name,
        issued_on=issued_on,
        expires_on=expiry(issued_on, 36),
        **fields,
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, pages joined, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def pdf_fonts(data: bytes) -> set[str]:
    """The base font names used on every page of a PDF."""
    reader = PdfReader(io.BytesIO(data))
    return {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"].get("/Font", {}).values()
    }


@pytest.fixture
def chair(app):
    return make_user("ketua", Role.CHAIR, full_name="Dr. Ahmad Ketua, M.Si.", position="Ketua LSP")


@pytest.fixture
def staff(client, app):
    """A logged-in secretariat member (reads cases, certificates and meetings), in Indonesian."""
    make_user("sekretariat", Role.SECRETARIAT, full_name="Rina Sekretariat")
    login(client, "sekretariat")
    return client


@pytest.fixture
def english_staff(client, app):
    """A logged-in secretariat member who chose English, to read the messages as written."""
    make_user("secretary", Role.SECRETARIAT, locale="en")
    login(client, "secretary")
    return client


# --- the certificate ------------------------------------------------------------------------


def test_certificate_pdf_holds_every_field(app, staff, catalogue, chair):
    catalogue["scheme"].number = "SKM.LP.01.2014"
    certificate = make_certificate(
        catalogue,
        signed_by=chair,
        bnsp_registration_number="BNSP-REG-2025-77",
        blanko_number="BLK-0004567",
    )

    response = staff.get(f"/documents/certificates/{certificate.id}.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="sertifikat-00001-LSP-PUST-KLP-2025.pdf"'
    text = pdf_text(response.data)
    for expected in (
        "SERTIFIKAT KOMPETENSI",
        "Certificate of Competence",
        "Budi Santoso",
        "00001/LSP-PUST/KLP/2025",
        "Klaster Layanan Pemustaka",
        "SKM.LP.01.2014",
        "DEMO.LP01.001.01",
        "Demo: Mengoperasikan komputer",
        "DEMO.LP01.002.01",
        "Demo: Melakukan seleksi bahan perpustakaan",
        "12 Maret 2025",  # issued, in Indonesian long form
        "12 Maret 2028",  # expires after the scheme's 36 months
        "Jakarta, 12 Maret 2025",
        "Dr. Ahmad Ketua, M.Si.",
        "BNSP-REG-2025-77",
        "BLK-0004567",
        "berlaku sampai dengan",
        "valid until",
    ):
        assert expected in text, expected


def test_certificate_is_a4_landscape_in_the_embedded_font(app, catalogue):
    certificate = make_certificate(catalogue)
    pdf = _render(app, certificate)

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(page.mediabox.width), round(page.mediabox.height)) == A4_LANDSCAPE
    fonts = pdf_fonts(pdf)
    assert any(name.endswith("SourceSerifPro-Regular") for name in fonts), fonts
    assert any(name.endswith("SourceSerifPro-Bold") for name in fonts), fonts


def test_qr_code_decodes_to_the_verification_url(app, catalogue):
    zxingcpp = pytest.importorskip("zxingcpp")
    certificate = make_certificate(catalogue, verify_code="Zq3_x-9AbCdEfGh1")
    pdf = _render(app, certificate)

    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    decoded = {r.text for image in images for r in zxingcpp.read_barcodes(image.image)}
    assert decoded == {"http://127.0.0.1:5000/verifikasi?kode=Zq3_x-9AbCdEfGh1"}


def _render(app, certificate: Certificate) -> bytes:
    """Render a certificate straight from the data layer, as the download route does."""
    from portal.documents.loading import load_certificates

    (data,) = load_certificates(db.session, [certificate.id])
    return render_certificate(data, CertificateSettings.from_config(app.config))


def test_verification_url_escapes_the_code():
    assert verify_url("https://lsp.example/", "a b") == "https://lsp.example/verifikasi?kode=a%20b"


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="/etc/passwd">',
        '<img src="http://169.254.169.254/latest/meta-data/">',
        "<style>@font-face { font-family: X; src: url('/etc/fonts/x.ttf'); }</style>",
    ],
)
def test_the_renderer_refuses_resources_outside_its_asset_folders(markup):
    with pytest.raises(DocumentError):
        html_to_pdf(f"<html><body>{markup}<p>x</p></body></html>")


def test_qr_data_uri_is_a_png():
    assert qr_data_uri("https://lsp.example/verifikasi?kode=x").startswith("data:image/png;base64,")


# --- bulk -----------------------------------------------------------------------------------


def test_zip_of_selected_certificates_holds_one_valid_pdf_each(app, staff, catalogue):
    certificates = [make_certificate(catalogue, n=n) for n in (1, 2, 3)]
    ids = [str(c.id) for c in certificates] + ["99999"]  # an unknown id is dropped
    token = csrf_token(staff, "/admin/certificate/")

    response = staff.post("/documents/certificates.zip", data={"ids": ids, "csrf_token": token})

    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert _zip_numbers(response.data) == [c.number for c in certificates]


def test_zip_of_selected_cases_and_refusal_of_garbage_ids(app, staff, catalogue):
    certificate = make_certificate(catalogue)
    token = csrf_token(staff, "/admin/certificate/")

    by_case = staff.post(
        "/documents/certificates.zip",
        data={"case_ids": [str(certificate.case_id)], "csrf_token": token},
    )
    garbage = staff.post(
        "/documents/certificates.zip", data={"ids": ["1 OR 1=1"], "csrf_token": token}
    )
    nothing = staff.post("/documents/certificates.zip", data={"ids": [], "csrf_token": token})

    assert _zip_numbers(by_case.data) == [certificate.number]
    assert garbage.status_code == 400
    assert nothing.status_code == 400


def test_zip_post_without_csrf_token_is_refused(app, staff, catalogue):
    certificate = make_certificate(catalogue)
    response = staff.post("/documents/certificates.zip", data={"ids": [str(certificate.id)]})
    assert response.status_code == 400


def test_zip_for_a_period(app, staff, catalogue):
    make_certificate(catalogue, n=1, issued_on=date(2025, 3, 12))
    make_certificate(catalogue, n=2, issued_on=date(2025, 5, 1))

    response = staff.get("/documents/certificates.zip?from=2025-03-01&to=2025-03-31")

    assert response.status_code == 200
    assert _zip_numbers(response.data) == ["00001/LSP-PUST/KLP/2025"]


def test_large_batch_renders_in_worker_processes_and_keeps_order():
    """More than IN_PROCESS_MAX certificates go through the process pool, in order."""
    settings = CertificateSettings("LSP Uji", "Bandung", "https://lsp.example", _default_logo())
    batch = [_data(n) for n in range(1, IN_PROCESS_MAX + 6)]
    by_id = {data.id: data for data in batch}

    chunks = list(
        certificate_zip([d.id for d in batch], lambda ids: [by_id[i] for i in ids], settings)
    )

    assert len(chunks) > 2, "the ZIP is yielded entry by entry, not at the end"
    assert _zip_numbers(b"".join(chunks)) == [d.number for d in batch]


def _default_logo() -> str:
    from portal.documents.pdf import DEFAULT_LOGO

    return str(DEFAULT_LOGO)


def _data(n: int) -> CertificateData:
    return CertificateData(
        id=n,
        number=f"{n:05d}/LSP-UJI/X/2025",
        holder_name=f"Pemegang {n}",
        scheme_number="SKM.X",
        scheme_title="Klaster Uji",
        units=(UnitLine("X.001", "Unit satu"),),
        issued_on=ISSUED,
        expires_on=expiry(ISSUED, 36),
        signed_by="Ketua",
        bnsp_registration_number=None,
        blanko_number=None,
        verify_code=f"code-{n}",
    )


def _zip_numbers(data: bytes) -> list[str]:
    """The certificate number printed in each PDF of a ZIP, in archive order."""
    numbers = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            assert name.startswith("sertifikat-") and name.endswith(".pdf")
            pdf = archive.read(name)
            assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
            text = pdf_text(pdf)
            numbers.append(text.split("Number: ", 1)[1].split()[0])
    return numbers


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.STANDARDS_HEAD])
def test_roles_without_the_certificate_screen_get_403(app, client, catalogue, role):
    certificate = make_certificate(catalogue)
    make_user("u", role, assessor=catalogue["assessor"] if role == Role.ASSESSOR else None)
    login(client, "u")

    assert client.get(f"/documents/certificates/{certificate.id}.pdf").status_code == 403
    assert (
        client.get("/documents/certificates.zip?from=2025-01-01&to=2025-12-31").status_code == 403
    )
    assert client.get("/documents/certificates/register.pdf").status_code == 403


def test_anonymous_users_are_sent_to_login(app, client, catalogue):
    certificate = make_certificate(catalogue)
    response = client.get(f"/documents/certificates/{certificate.id}.pdf")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_certificate_is_404(app, staff):
    assert staff.get("/documents/certificates/4242.pdf").status_code == 404


def test_an_asesor_prints_only_their_own_cases(app, client, catalogue):
    from portal.models import Assessor

    other = Assessor(
        full_name="Lain Asesor", met_number="MET.000.000002 2015", licence_valid_until=ISSUED
    )
    db.session.add(other)
    own = make_case(catalogue, n=1, status="self_assessed")
    foreign = make_case(catalogue, n=2, status="self_assessed", assessor=other)
    make_user("asesor", Role.ASSESSOR, assessor=catalogue["assessor"])
    login(client, "asesor")

    for form in ("fr-apl-01", "fr-apl-02"):
        assert client.get(f"/documents/cases/{own.id}/{form}.pdf").status_code == 200
        assert client.get(f"/documents/cases/{foreign.id}/{form}.pdf").status_code == 404


# --- badges, forms, minutes, register -------------------------------------------------------


def test_badges_of_a_schedule(app, staff, catalogue):
    """Names, numbers, scheme, TUK and date; the uploaded pas foto where there is one."""
    schedule = make_schedule(catalogue, "JDW-07", open_until=ISSUED - timedelta(days=7))
    with_photo = make_case(catalogue, n=1, schedule=schedule, status="ready_for_assessment")
    _attach_photo(app, with_photo)
    make_case(catalogue, n=2, schedule=schedule, status="withdrawn")
    make_case(catalogue, n=3, schedule=schedule, status="draft")
    make_case(catalogue, n=4, schedule=schedule, status="verified")

    response = staff.get(f"/documents/schedules/{schedule.id}/badges.pdf")

    assert response.status_code == 200
    assert 'filename="tanda-pengenal-JDW-07.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for expected in ("Budi Santoso", "REG-2025-0001", "Klaster Layanan Pemustaka", "TUK Perpusnas"):
        assert expected in text
    assert "12 Maret 2025" in text
    for left_out in ("REG-2025-0002", "REG-2025-0003", "REG-2025-0004"):
        assert left_out not in text, "withdrawn, draft and verified cases get no badge"
    sizes = {image.image.size for image in PdfReader(io.BytesIO(response.data)).pages[0].images}
    assert (300, 400) in sizes, "the photo, cropped to 3 x 4"


def test_the_badge_of_one_case_once_it_is_ready_for_assessment(app, english_staff, catalogue):
    schedule = make_schedule(catalogue, "JDW-09")
    case = make_case(catalogue, n=1, schedule=schedule, status="verified")
    url = f"/documents/cases/{case.id}/badge.pdf"

    refused = english_staff.get(url)
    assert refused.status_code == 409
    assert "A badge is printed once the case is ready for assessment" in refused.get_data(
        as_text=True
    )

    case.status = "ready_for_assessment"
    db.session.commit()
    response = english_staff.get(url)
    assert response.status_code == 200
    assert "REG-2025-0001" in pdf_text(response.data)


def _attach_photo(app, case: Case) -> None:
    """Store a 4000 x 3000 photograph through the upload store and attach it as the pas foto."""
    photo = io.BytesIO()
    Image.new("RGB", (4000, 3000), "#8899aa").save(photo, "JPEG")
    photo.seek(0)
    stored = store_stream(photo, "foto.jpg", app.config["UPLOAD_DIR"], 10 * 1024 * 1024)
    db.session.add(Attachment(case=case, kind="photo", **stored.columns()))
    db.session.commit()


def test_badges_of_an_empty_schedule_are_404(app, staff, catalogue):
    schedule = make_schedule(catalogue, "JDW-08")
    db.session.commit()
    assert staff.get(f"/documents/schedules/{schedule.id}/badges.pdf").status_code == 404


def test_application_forms(app, staff, catalogue):
    unit = catalogue["units"][0]
    element = Element(number=1, title="Menyalakan komputer", unit=unit)
    kuk = Kuk(number="1.1", text="Komputer dinyalakan sesuai prosedur", element=element)
    db.session.add_all([element, kuk])
    case = make_case(catalogue, n=1, status="ready_for_assessment", declaration_signed=True)
    case.units[0].kuk_answers.append(KukAnswer(kuk=kuk, answer="K", evidence="Foto kegiatan"))
    db.session.commit()

    apl01 = pdf_text(staff.get(f"/documents/cases/{case.id}/fr-apl-01.pdf").data)
    apl02 = pdf_text(staff.get(f"/documents/cases/{case.id}/fr-apl-02.pdf").data)

    for expected in ("FR.APL.01", "Budi Santoso", "3171011708450001", "DEMO.LP01.002.01"):
        assert expected in apl01
    for expected in ("FR.APL.02", "Menyalakan komputer", "Komputer dinyalakan", "Foto kegiatan"):
        assert expected in apl02
    assert "Siti Asesor" in apl02


def test_decision_meeting_minutes(app, staff, catalogue, chair):
    secretary = make_user("kabag", Role.SECRETARIAT, full_name="Kepala Umum")
    meeting = DecisionMeeting(held_on=ISSUED, place="Ruang Rapat LSP", chair=chair)
    meeting.attendees = [
        MeetingAttendee(user=chair, position="Ketua LSP"),
        MeetingAttendee(user=secretary, position="Kepala Bagian Umum"),
    ]
    db.session.add(meeting)
    decided = make_case(catalogue, n=1, decision_meeting=meeting)
    not_yet = make_case(catalogue, n=2, decision_meeting=meeting, status="not_yet_competent")
    not_yet.units[1].result = "BK"
    not_yet.units[1].recommendation = "K"
    not_yet.units[1].decision_reason = "Bukti portofolio tidak asli"
    db.session.commit()

    response = staff.get(f"/documents/meetings/{meeting.id}/minutes.pdf")

    assert response.status_code == 200
    text = pdf_text(response.data)
    for expected in (
        "Rabu, 12 Maret 2025",
        "Ruang Rapat LSP",
        "Dr. Ahmad Ketua, M.Si.",
        "Kepala Umum",
        "Kepala Bagian Umum",
        decided.reg_number,
        not_yet.reg_number,
        "Alasan keputusan berbeda dari rekomendasi: Bukti portofolio tidak asli",
    ):
        assert expected in text, expected


def test_certificate_register_for_a_period(app, staff, catalogue):
    make_certificate(catalogue, n=1, issued_on=date(2025, 3, 12))
    make_certificate(catalogue, n=2, issued_on=date(2024, 1, 5))

    response = staff.get("/documents/certificates/register.pdf?from=2025-01-01&to=2025-12-31")

    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "00001/LSP-PUST/KLP/2025" in text
    assert "00002/LSP-PUST/KLP/2024" not in text
    assert "1 Januari 2025" in text and "31 Desember 2025" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Give the first and last day of the period (YYYY-MM-DD)."),
        ("?from=2025-01-01", "Give the first and last day of the period (YYYY-MM-DD)."),
        ("?from=kemarin&to=2025-01-01", "is not a date: write it as YYYY-MM-DD."),
        ("?from=2025-02-30&to=2025-03-01", "is not a date: write it as YYYY-MM-DD."),
        ("?from=" + "9" * 500 + "&to=2025-01-01", "is not a date: write it as YYYY-MM-DD."),
        ("?from=2025-03-01&to=2025-02-01", "The first day of the period is after its last day."),
    ],
)
def test_bad_periods_get_a_clear_message(app, english_staff, query, message):
    for url in ("/documents/certificates/register.pdf", "/documents/certificates.zip"):
        response = english_staff.get(url + query)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
