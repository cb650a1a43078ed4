"""Every document laid out with the longest data a record may hold: names of 60+ characters,
long unit titles, many units. pdfplumber reads the words back: none leaves the page or its table
cell, none is drawn over another, and the long values are there in full."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import (
    Appeal,
    Attachment,
    DecisionMeeting,
    Element,
    Kuk,
    KukAnswer,
    MeetingAttendee,
    Schedule,
    Unit,
)
from portal.rules.vocabulary import Role
from tests import test_documents
from tests.conftest import make_user
from tests.layout import layout_problems
from tests.test_documents import ISSUED, make_certificate, pdf_text

staff = test_documents.staff  # shared fixture

LONG_NAME = "Raden Roro Siti Nurhaliza Kusumawardhani Hadiningrat Purbonegoro"  # 65 characters
LONG_ASSESSOR = "Prof. Dr. Ir. Bambang Sutrisno Wicaksono Hadiwijaya, S.Sos., M.Hum."
LONG_TITLE = (
    "Melakukan Penelusuran Informasi Ilmiah dan Teknis secara Daring dan Luring "
    "untuk Kebutuhan Riset Pemustaka Tingkat Lanjut {n}"
)
LONG_SCHEME = "Klaster Layanan Pemustaka dan Pengembangan Koleksi Perpustakaan Perguruan Tinggi"
UNITS = 24


@pytest.fixture
def world(app, catalogue):
    """A scheme of many units with long titles, a long-named asesi and asesor, and a certified
    case with its certificate, schedule, meeting and answers."""
    scheme = catalogue["scheme"]
    scheme.title = LONG_SCHEME
    units = [Unit(code=f"TIK.PR08.{n:03d}.01", title=LONG_TITLE.format(n=n)) for n in range(UNITS)]
    scheme.units = units
    catalogue["units"] = units
    catalogue["applicant"].full_name = LONG_NAME
    catalogue["applicant"].address = "Jl. " + "Panjang Sekali " * 8 + "No. 123"
    catalogue["assessor"].full_name = LONG_ASSESSOR
    for unit in units[:3]:
        for e in (1, 2):
            element = Element(number=e, title=f"Elemen {e}: " + LONG_TITLE.format(n=e), unit=unit)
            element.kuks = [
                Kuk(number=f"{e}.{k}", text="Kriteria unjuk kerja " + LONG_TITLE.format(n=k))
                for k in (1, 2, 3)
            ]
    schedule = Schedule(
        code="JDW-2025-LONG-01",
        scheme=scheme,
        tuk=catalogue["tuk"],
        starts_on=ISSUED,
        ends_on=ISSUED,
        registration_deadline=ISSUED - timedelta(days=7),
        quota=30,
    )
    chair = make_user("ketua", Role.CHAIR, full_name=LONG_ASSESSOR, position="Ketua LSP")
    meeting = DecisionMeeting(held_on=ISSUED, place="Ruang Rapat " + LONG_SCHEME, chair=chair)
    meeting.attendees = [MeetingAttendee(user=chair, position="Ketua " + LONG_SCHEME)]
    db.session.add_all([schedule, meeting])
    db.session.commit()
    certificates = []
    for n in range(1, 4):
        certificate = make_certificate(
            catalogue,
            n=n,
            bnsp_registration_number=f"BNSP-REG-2025-{n:08d}",
            blanko_number=f"BLK-{n:010d}",
        )
        certificate.number = f"{n:05d}/LSP-PUST/KLP-PERPUSTAKAAN/III/2025"
        certificate.case.schedule = schedule
        certificate.case.decision_meeting = meeting
        certificate.case.assessment_date = ISSUED
        certificates.append(certificate)
    case = certificates[0].case
    case.declaration_signed = True
    case.agreement_confirmed = True
    case.assessment_tools = "Komputer, " + LONG_TITLE.format(n="alat") * 3
    for i, cu in enumerate(case.units):
        cu.methods = "observasi,tertulis,lisan,portofolio" if i % 2 else "wawancara,pihak_ketiga"
        cu.recommendation_note = "Catatan asesor: " + LONG_TITLE.format(n=i)
    appeal = Appeal(
        case=case,
        filed_on=ISSUED,
        reason="Alasan banding " + LONG_TITLE.format(n="x") * 4,
        process_explained=True,
        discussed_with_assessor=False,
        involved_others=False,
    )
    db.session.add(appeal)
    for cu in case.units[:3]:
        for element in cu.unit.elements:
            for kuk in element.kuks:
                cu.kuk_answers.append(
                    KukAnswer(kuk=kuk, answer="K", evidence="Sertifikat pelatihan " + LONG_TITLE)
                )
    db.session.add(
        Attachment(
            case=case,
            kind="ijazah",
            original_name="ijazah-" + "panjang-" * 12 + ".pdf",
            stored_name="x.pdf",
            mime_type="application/pdf",
            size_bytes=1,
            sha256="0" * 64,
        )
    )
    db.session.commit()
    return {
        "case": case,
        "schedule": schedule,
        "meeting": meeting,
        "certificate": certificates[0],
        "appeal": appeal,
    }


def documents(world) -> dict[str, str]:
    """Every document's URL, by name."""
    case, schedule = world["case"], world["schedule"]
    return {
        "certificate": f"/documents/certificates/{world['certificate'].id}.pdf",
        "FR.APL.01": f"/documents/cases/{case.id}/fr-apl-01.pdf",
        "FR.APL.02": f"/documents/cases/{case.id}/fr-apl-02.pdf",
        "badges": f"/documents/schedules/{schedule.id}/badges.pdf",
        "minutes": f"/documents/meetings/{world['meeting'].id}/minutes.pdf",
        "register": "/documents/certificates/register.pdf?from=2025-01-01&to=2025-12-31",
        "FR.MAPA.01": f"/documents/cases/{case.id}/assessment-plan.pdf",
        "FR-DAT-01": f"/documents/cases/{case.id}/assessment-tools.pdf",
        "FR.AK.01": f"/documents/cases/{case.id}/agreement.pdf",
        "FR.AK.02": f"/documents/cases/{case.id}/assessment-record.pdf",
        "FR.AK.04": f"/documents/appeals/{world['appeal'].id}/fr-ak-04.pdf",
        "surat tugas": f"/documents/schedules/{schedule.id}/surat-tugas.pdf",
        "daftar hadir": f"/documents/schedules/{schedule.id}/daftar-hadir.pdf",
    }


DOCUMENTS = [
    "certificate",
    "FR.APL.01",
    "FR.APL.02",
    "badges",
    "minutes",
    "register",
    "FR.MAPA.01",
    "FR-DAT-01",
    "FR.AK.01",
    "FR.AK.02",
    "FR.AK.04",
    "surat tugas",
    "daftar hadir",
]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_text_leaves_the_page_or_its_cell_and_none_overlaps(app, staff, world, name):
    response = staff.get(documents(world)[name])
    assert response.status_code == 200, name
    if os.environ.get("PDF_OUT"):  # to look at them: PDF_OUT=/tmp/docs, then pdftoppm -png
        Path(os.environ["PDF_OUT"], f"{name}.pdf").write_bytes(response.data)

    problems = layout_problems(response.data)
    assert problems == [], "\n".join(problems)
    text = pdf_text(response.data)
    assert LONG_NAME in text
    if name in ("minutes", "register"):  # a number may wrap within its cell
        assert "00001/LSP-PUST/KLP-PERPUSTAKAAN/III/2025" in text.replace(" ", "")


def test_the_checker_finds_an_overflow_and_an_overlap():
    """The check itself can fail: a cell too narrow for its word, and two words on one spot."""
    from portal.documents.pdf import html_to_pdf

    narrow = html_to_pdf(
        "<html><body><table style='border: 1pt solid black'><tr>"
        "<td width='20mm' style='border: 1pt solid black'>00001/LSP-PUST/KLP-PERPUSTAKAAN/2025</td>"
        "<td style='border: 1pt solid black'>x</td></tr></table></body></html>"
    )
    assert any("crosses the edge" in p for p in layout_problems(narrow))
    stacked = html_to_pdf(
        "<html><head><style>@page { @frame a { -pdf-frame-content: a; left: 20mm; top: 20mm;"
        " width: 50mm; height: 10mm; } @frame b { -pdf-frame-content: b; left: 21mm; top: 20mm;"
        " width: 50mm; height: 10mm; } }</style></head><body><div id='a'>Tertimpa</div>"
        "<div id='b'>Tertimpa</div><p>x</p></body></html>"
    )
    assert any("overlap" in p for p in layout_problems(stacked))


def test_the_long_world_is_long():
    assert len(LONG_NAME) >= 60 and len(LONG_TITLE) > 100 and UNITS >= 20
    assert date(2025, 1, 1) <= ISSUED
