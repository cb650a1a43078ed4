"""Any name a person can have prints (issue 12): every script of names in Indonesia is drawn in
an embedded font, and a character no font has never fails a document or a batch."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from pypdf import PdfReader

from portal.documents.pdf import REPLACEMENT, printable
from portal.extensions import db
from tests import test_documents
from tests.test_documents import make_case, make_certificate, pdf_fonts, pdf_text

staff = test_documents.staff  # shared fixture

LATIN = "Nguyễn Thị Ánh Ngọc Çağla Ñuñez Łukasz Øystein"
ARABIC = "محمد عبد الله"  # Arabic script; Jawi below adds its own letters (pa, nga, ca)
JAWI = "ڤڠچ"
CJK = "林山田"
UNDRAWABLE = "\U00013000"  # an Egyptian hieroglyph: no face of the stack has it
RLO = "\u202e"  # right-to-left override: would reorder the text around it


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("Siti Nurhaliza", "Siti Nurhaliza"),
        (LATIN, LATIN),
        ("Nguye\u0302\u0303n", "Nguyễn"),  # decomposed input is composed (NFC)
        (f"Budi {CJK}", f"Budi {CJK}"),
        (ARABIC, ARABIC),
        (JAWI, JAWI),
        (f"Budi{RLO} Santoso", "Budi Santoso"),
        ("Budi\u200b\u00ad Santoso", "Budi Santoso"),  # zero-width space, soft hyphen
        ("Budi\x00\x07 Santoso", "Budi Santoso"),
        (f"Budi {UNDRAWABLE}", f"Budi {REPLACEMENT}"),
        ("Budi \ue000", "Budi "),  # private use: no agreed meaning, dropped
    ],
)
def test_printable_keeps_every_script_and_drops_what_cannot_be_drawn(name, printed):
    assert printable(name) == printed


def _shaped_back(text: str) -> str:
    """Arabic as extracted (presentation forms, drawing order) back to letters in typing order."""
    import unicodedata

    return unicodedata.normalize("NFKC", text)


def test_a_certificate_prints_names_in_every_script_in_embedded_fonts(app, staff, catalogue):
    certificate = make_certificate(catalogue)
    certificate.holder_name = f"{LATIN} {CJK} {ARABIC}"
    db.session.commit()

    response = staff.get(f"/documents/certificates/{certificate.id}.pdf")

    assert response.status_code == 200
    text = pdf_text(response.data)
    assert LATIN in text and CJK in text
    fonts = {name.split("+")[-1] for name in pdf_fonts(response.data)}
    # The name is bold on page one and regular on the list of units (page two).
    assert {"NotoNaskhArabic-Bold", "NotoNaskhArabic-Regular"} <= fonts, fonts
    assert "DroidSansFallback" in fonts, fonts
    arabic = _shaped_back(text)
    assert all(word in arabic or word[::-1] in arabic for word in ARABIC.split())


def test_a_name_with_an_undrawable_character_prints_with_a_mark_in_its_place(app, staff, catalogue):
    certificate = make_certificate(catalogue)
    certificate.holder_name = f"Budi{RLO} Santoso {UNDRAWABLE}"
    db.session.commit()

    response = staff.get(f"/documents/certificates/{certificate.id}.pdf")

    assert response.status_code == 200
    assert f"Budi Santoso {REPLACEMENT}" in pdf_text(response.data)


def test_one_bad_record_never_breaks_a_months_zip(app, staff, catalogue):
    names = [
        "Siti Nurhaliza",
        f"Budi{RLO}\x07 {UNDRAWABLE}",
        f"{CJK} {ARABIC}",
        JAWI,
    ]  # no NUL: PostgreSQL text refuses it
    for n, name in enumerate(names, 1):
        certificate = make_certificate(catalogue, n=n, issued_on=date(2025, 3, n))
        certificate.holder_name = name
    db.session.commit()

    response = staff.get("/documents/certificates.zip?from=2025-03-01&to=2025-03-31")

    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        pdfs = [archive.read(name) for name in archive.namelist()]
    assert len(pdfs) == len(names)
    assert all(len(PdfReader(io.BytesIO(pdf)).pages) == 2 for pdf in pdfs)


def test_forms_and_the_register_print_any_name(app, staff, catalogue):
    catalogue["applicant"].full_name = f"{LATIN} {CJK} {ARABIC} {UNDRAWABLE}{RLO}"
    case = make_case(catalogue, n=9)
    make_certificate(catalogue, n=1).holder_name = catalogue["applicant"].full_name
    db.session.commit()

    for url in (
        f"/documents/cases/{case.id}/fr-apl-01.pdf",
        f"/documents/cases/{case.id}/fr-apl-02.pdf",
        "/documents/certificates/register.pdf?from=2025-01-01&to=2025-12-31",
    ):
        response = staff.get(url)
        assert response.status_code == 200, url
        assert CJK in pdf_text(response.data), url
