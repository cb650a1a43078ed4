"""The rest of the form set (issue 18): each form says what the records say, under both of
its numberings where the seed's and BNSP's differ, and only to those who may see the case."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import Appeal, Assessor
from portal.rules.vocabulary import Role
from tests import test_documents
from tests.conftest import login, make_user
from tests.test_documents import ISSUED, make_case, pdf_text

staff = test_documents.staff  # shared fixture


def planned_case(catalogue, n=1, **fields):
    """A case with methods chosen per unit and the plan agreed."""
    case = make_case(catalogue, n=n, status="assessed", agreement_confirmed=True, **fields)
    case.assessment_date = ISSUED
    case.assessment_tools = "Komputer dengan SLiMS"
    first, second = sorted(case.units, key=lambda cu: cu.unit.code)
    first.methods, second.methods = "observasi,lisan", "portofolio"
    second.recommendation, second.result = "BK", "BK"
    second.recommendation_note = "Portofolio belum lengkap"
    db.session.commit()
    return case


def test_the_assessment_plan_prints_the_methods_per_unit_under_both_numberings(
    app, staff, catalogue
):
    case = planned_case(catalogue)
    text = pdf_text(staff.get(f"/documents/cases/{case.id}/assessment-plan.pdf").data)

    assert "FR.MAPA.01" in text and "FR-POA-01" in text
    assert "Observasi, Pertanyaan lisan" in text and "Portofolio" in text
    assert "Rabu, 12 Maret 2025" in text and "disepakati" in text


def test_the_list_of_tools_names_the_instrument_of_each_method(app, staff, catalogue):
    case = planned_case(catalogue)
    text = pdf_text(staff.get(f"/documents/cases/{case.id}/assessment-tools.pdf").data)

    assert "FR-DAT-01" in text
    for expected in ("FR.IA.01 Observasi", "FR.IA.07 Pertanyaan lisan", "FR.IA.08 Portofolio"):
        assert expected in text
    assert "Komputer dengan SLiMS" in text


def test_the_agreement_and_the_assessment_record(app, staff, catalogue):
    case = planned_case(catalogue)
    agreement = pdf_text(staff.get(f"/documents/cases/{case.id}/agreement.pdf").data)
    record = pdf_text(staff.get(f"/documents/cases/{case.id}/assessment-record.pdf").data)

    assert "FR.AK.01" in agreement and "[X] Observasi" in agreement
    assert "[ ] Wawancara" in agreement.replace("\xa0", " ")
    assert "FR.AK.02" in record and "Portofolio belum lengkap" in record
    assert "belum kompeten (BK)" in record


def test_the_appeal_form_prints_the_answers_and_reason(app, staff, catalogue):
    case = planned_case(catalogue)
    appeal = Appeal(
        case=case,
        filed_on=ISSUED,
        reason="Bukti portofolio tidak dipertimbangkan",
        process_explained=True,
        discussed_with_assessor=False,
        involved_others=False,
    )
    db.session.add(appeal)
    db.session.commit()

    text = pdf_text(staff.get(f"/documents/appeals/{appeal.id}/fr-ak-04.pdf").data)

    assert "FR.AK.04" in text and "Bukti portofolio tidak dipertimbangkan" in text
    assert "Apakah proses banding telah dijelaskan kepada Anda? X" in text
    assert staff.get("/documents/appeals/999/fr-ak-04.pdf").status_code == 404


def test_the_schedule_prints_assignment_letters_and_the_attendance_list(app, staff, catalogue):
    schedule = test_documents.make_schedule(
        catalogue, "JDW-09", open_until=ISSUED - timedelta(days=7)
    )
    planned_case(catalogue, n=1, schedule=schedule)
    make_case(catalogue, n=2, schedule=schedule, status="withdrawn")

    letter = pdf_text(staff.get(f"/documents/schedules/{schedule.id}/surat-tugas.pdf").data)
    attendance = pdf_text(staff.get(f"/documents/schedules/{schedule.id}/daftar-hadir.pdf").data)

    assert "SURAT TUGAS" in letter and "Siti Asesor" in letter and "REG-2025-0001" in letter
    assert "DAFTAR HADIR" in attendance and "Budi Santoso" in attendance
    assert "REG-2025-0002" not in attendance  # withdrawn: not expected on the day


def test_an_asesor_prints_the_forms_of_their_own_cases_only(app, client, catalogue):
    other = Assessor(
        full_name="Lain Asesor", met_number="MET.000.000002 2015", licence_valid_until=ISSUED
    )
    db.session.add(other)
    own, foreign = planned_case(catalogue, n=1), planned_case(catalogue, n=2, assessor=other)
    make_user("asesor", Role.ASSESSOR, assessor=catalogue["assessor"])
    login(client, "asesor")

    for kind in ("assessment-plan", "assessment-tools", "agreement", "assessment-record"):
        assert client.get(f"/documents/cases/{own.id}/{kind}.pdf").status_code == 200
        assert client.get(f"/documents/cases/{foreign.id}/{kind}.pdf").status_code == 404
    assert client.get(f"/documents/cases/{own.id}/no-such-form.pdf").status_code == 404
