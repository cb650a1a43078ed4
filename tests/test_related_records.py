"""Related records where the user stands (issue 15): a meeting's decided cases, an applicant's
cases, certificates and appeals, an appeal's case and decision; each page runs the same number
of queries whatever the number of related records."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_date

from portal import clock
from portal.extensions import db
from portal.models import Appeal, CaseUnit, Certificate, SurveillanceReport, Unit
from tests.conftest import login, quorate_meeting
from tests.test_case_actions import _second_applicant, make_case

TODAY = clock.today()


def decided_cases(catalogue, meeting, count: int, applicant=None, start: int = 1) -> list:
    """Cases decided BK in the meeting, each appealed, K/BK per unit."""
    cases = []
    for n in range(start, start + count):
        case = make_case(catalogue, applicant=applicant or _second_applicant(n), n=n)
        case.status = "appealed"
        case.decision_meeting_id = meeting.id
        case.decided_on = meeting.held_on
        case.decided_by_id = meeting.chair_id
        case.units[0].result, case.units[1].result = "K", "BK"
        db.session.add(
            Appeal(
                case=case,
                filed_on=TODAY,
                reason="Bukti belum dipertimbangkan",
                process_explained=True,
                discussed_with_assessor=True,
                involved_others=False,
            )
        )
        cases.append(case)
    db.session.commit()
    return cases


def certify(case, n: int) -> Certificate:
    certificate = Certificate(
        number=f"{n:05d}/LSP/2026",
        series="LSP",
        seq=n,
        verify_code=f"code{n:05d}",
        case_id=case.id,
        applicant_id=case.applicant_id,
        scheme_id=case.scheme_id,
        holder_name=case.applicant.full_name,
        issued_on=TODAY,
        expires_on=TODAY + timedelta(days=3 * 365),
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate


def counted(client, queries, url: str) -> tuple[int, str]:
    """The statements a page runs after a warm-up visit, and its HTML."""
    assert client.get(url).status_code == 200
    queries.clear()
    page = client.get(url)
    assert page.status_code == 200
    return len(queries), page.get_data(as_text=True)


def test_a_meeting_page_lists_its_decided_cases_in_constant_queries(
    client, catalogue, staff, queries
):
    small = quorate_meeting(staff["chair"], TODAY - timedelta(days=1), "Ruang A")
    large = quorate_meeting(staff["head"], TODAY, "Ruang B")
    decided_cases(catalogue, small, 1)
    cases = decided_cases(catalogue, large, 6, start=10)
    login(client, "sekretariat")
    few, _ = counted(client, queries, f"/admin/decision_meeting/details/?id={small.id}")
    many, html = counted(client, queries, f"/admin/decision_meeting/details/?id={large.id}")
    assert few == many, queries
    assert 'id="meeting-cases"' in html
    for case in cases:
        assert f'href="/admin/case/details/?id={case.id}"' in html


def test_an_applicant_page_lists_cases_certificates_and_appeals_in_constant_queries(
    client, catalogue, staff, queries
):
    meeting = quorate_meeting(staff["chair"], TODAY)
    one = _second_applicant(90)
    decided_cases(catalogue, meeting, 1, applicant=one, start=90)
    busy = catalogue["applicant"]
    cases = decided_cases(catalogue, meeting, 4, applicant=busy, start=1)
    certificates = [certify(case, n) for n, case in enumerate(cases[:2], 1)]
    login(client, "sekretariat")
    few, _ = counted(client, queries, f"/admin/applicant/details/?id={one.id}")
    many, html = counted(client, queries, f"/admin/applicant/details/?id={busy.id}")
    assert few == many, queries
    for case in cases:
        assert f'href="/admin/case/details/?id={case.id}"' in html
    for certificate in certificates:
        assert f'href="/admin/certificate/details/?id={certificate.id}"' in html
    appeals = html[html.index('id="applicant-appeals"') :]
    assert appeals.count('href="/admin/appeal/details/?id=') == 4


def test_an_appeal_page_shows_its_case_and_the_decision_in_constant_queries(
    client, catalogue, staff, queries
):
    meeting = quorate_meeting(staff["chair"], TODAY)
    [case] = decided_cases(catalogue, meeting, 1)
    appeal = db.session.query(Appeal).filter_by(case_id=case.id).one()
    login(client, "sekretariat")
    before, html = counted(client, queries, f"/admin/appeal/details/?id={appeal.id}")
    assert f'href="/admin/case/details/?id={case.id}"' in html
    assert f'href="/admin/decision_meeting/details/?id={meeting.id}"' in html
    assert staff["chair"].full_name in html[html.index('id="appeal-case"') :]
    # more units on the appealed case cost no more statements
    for n in range(5):
        unit = Unit(code=f"EXTRA.{n}", title=f"Unit tambahan {n}")
        catalogue["scheme"].units.append(unit)
        case.units.append(CaseUnit(unit=unit, result="K"))
    db.session.commit()
    after, html = counted(client, queries, f"/admin/appeal/details/?id={appeal.id}")
    assert before == after, queries
    assert html[html.index('id="appeal-units"') :].count("<tr>") == 1 + 7


def test_a_certificate_page_lists_its_surveillance_reports_in_constant_queries(
    client, catalogue, staff, queries
):
    meeting = quorate_meeting(staff["chair"], TODAY)
    [case] = decided_cases(catalogue, meeting, 1)
    certificate = certify(case, 1)
    url = f"/admin/certificate/details/?id={certificate.id}"
    login(client, "sekretariat")
    none, html = counted(client, queries, url)
    assert "Belum ada laporan surveilan." in html
    # its dates written out like the page's others, the expiry too (the list keeps them short)
    assert format_date(certificate.expires_on, "long", locale="id") in html
    reports = [
        SurveillanceReport(
            certificate_id=certificate.id,
            due_on=TODAY + timedelta(days=365 * year),
            submitted_on=TODAY + timedelta(days=365 * year - 10),
            placement=f"Perpustakaan Daerah {year}",
            duties="Pengolahan bahan pustaka",
            job_fit="sesuai",
        )
        for year in (1, 2, 3)
    ]
    db.session.add_all(reports)
    db.session.commit()
    many, html = counted(client, queries, url)
    assert none == many, queries
    section = html[html.index('id="certificate-surveillance"') :]
    assert [f"Perpustakaan Daerah {year}" in section for year in (3, 2, 1)] == [True] * 3
    assert section.index("Daerah 3") < section.index("Daerah 1")  # the latest first
    for report in reports:
        assert f'href="/admin/surveillance/details/?id={report.id}"' in section
