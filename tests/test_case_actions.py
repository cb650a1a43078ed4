"""Workflow actions through the case screens, as each role would click them."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import (
    Applicant,
    AuditEvent,
    Case,
    CaseUnit,
    Certificate,
    DecisionMeeting,
    MeetingAttendee,
)
from tests.conftest import csrf_token, judged_attachment, login, worked


def make_case(catalogue, applicant=None, n: int = 1) -> Case:
    """A signed draft application with its two required attachments, already judged adequate."""
    case = Case(
        reg_number=f"APL-TEST-{n:06d}",
        applicant=applicant or catalogue["applicant"],
        scheme=catalogue["scheme"],
        units=[CaseUnit(unit=u) for u in catalogue["units"]],
        declaration_signed=True,
        declaration_name="Budi Santoso",
        declaration_date=clock.today(),
    )
    db.session.add(case)
    db.session.flush()
    db.session.add_all([judged_attachment(kind, case=case) for kind in ("photo", "ijazah")])
    db.session.commit()
    return case


def act(client, action: str, ids, **data):
    """Open an action's form for the cases and submit it, as the browser would."""
    ids = ids if isinstance(ids, list) else [ids]
    url = f"/admin/case/act/{action}/?" + "&".join(f"id={i}" for i in ids)
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    form = {"csrf_token": token.group(1), "apply": "1", "id": [str(i) for i in ids], **data}
    return client.post(f"/admin/case/act/{action}/", data=form)


def status_of(case_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Case, case_id).status


def switch(client, username):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, username)


def test_an_application_reaches_an_issued_certificate_through_the_screens(client, catalogue, staff):
    case = make_case(catalogue)
    units = catalogue["units"]
    login(client, "sekretariat")
    act(client, "submit", case.id)
    assert status_of(case.id) == "submitted"
    act(client, "verify", case.id, all_good="y")
    assert status_of(case.id) == "verified"
    verdicts = {f"unit{u.id}__verdict": "K" for u in units}
    act(client, "record_self_assessment", case.id, **verdicts)
    assert status_of(case.id) == "self_assessed"
    act(
        client,
        "assign_assessor",
        case.id,
        assessor_id=str(catalogue["assessor"].id),
        assessment_date=(clock.today() + timedelta(days=7)).isoformat(),
    )

    switch(client, "asesor")
    methods = {f"unit{u.id}__methods": ["observasi", "lisan"] for u in units}
    act(
        client,
        "pre_assess",
        case.id,
        tuk_id=str(catalogue["tuk"].id),
        assessment_date=clock.today().isoformat(),  # assessed today: recommended and decided after
        agreement_confirmed="y",
        **methods,
    )
    assert status_of(case.id) == "ready_for_assessment"
    act(client, "recommend", case.id, **verdicts)
    assert status_of(case.id) == "assessed"

    meeting = DecisionMeeting(held_on=clock.today(), place="Jakarta", chair=staff["chair"])
    meeting.attendees = [
        MeetingAttendee(user=staff[name], position=name)
        for name in ("chair", "head", "secretariat")
    ]
    db.session.add(meeting)
    db.session.commit()
    switch(client, "ketua")
    act(client, "decide", case.id, meeting_id=str(meeting.id))
    assert status_of(case.id) == "competent"
    act(client, "issue", case.id)
    assert status_of(case.id) == "certified"
    certificate = db.session.scalar(select(Certificate).where(Certificate.case_id == case.id))
    assert certificate.holder_name == "Budi Santoso"

    page = client.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)
    assert certificate.number in page
    trail = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()
    assert trail == [
        "submit",
        "verify",
        "record_self_assessment",
        "assign_assessor",
        "pre_assess",
        "recommend",
        "decide",
        "issue",
    ]


def test_bulk_action_reports_every_skipped_case_with_its_reason(client, catalogue, staff):
    ready = make_case(catalogue, n=1)
    unsigned = make_case(catalogue, applicant=_second_applicant(), n=2)
    unsigned.declaration_signed = False
    db.session.commit()
    login(client, "sekretariat")
    response = act(client, "submit", [ready.id, unsigned.id])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "skipped-cases" in html and unsigned.reg_number in html
    assert status_of(ready.id) == "submitted"
    assert status_of(unsigned.id) == "draft"


def test_a_refused_action_changes_nothing_and_says_why(client, catalogue, staff):
    case = make_case(catalogue)
    login(client, "sekretariat")
    response = act(client, "return", case.id, reason="Ijazah tidak terbaca")
    assert status_of(case.id) == "draft"
    assert response.status_code == 200


def test_all_matching_the_filter_reaches_cases_on_every_page(client, catalogue, staff):
    applicants = [catalogue["applicant"]] + [_second_applicant(i) for i in range(1, 30)]
    cases = [make_case(catalogue, applicant=a, n=i) for i, a in enumerate(applicants)]
    login(client, "sekretariat")
    page = client.get("/admin/case/act/submit/?all=1&flt0_0=draft")
    assert page.status_code == 200
    assert "30" in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    client.post(
        "/admin/case/act/submit/?all=1&flt0_0=draft",
        data={"csrf_token": token.group(1), "apply": "1"},
    )
    assert {status_of(c.id) for c in cases} == {"submitted"}


def test_all_matching_above_the_inline_limit_runs_as_a_job_and_reports(
    app, client, catalogue, staff
):
    ready = [make_case(catalogue, applicant=_second_applicant(i), n=i) for i in range(1, 4)]
    unsigned = make_case(catalogue, n=9)
    unsigned.declaration_signed = False
    db.session.commit()
    app.config["INLINE_MAX_ROWS"] = 2
    login(client, "sekretariat")
    url = "/admin/case/act/submit/?all=1&flt0_0=draft"
    page = client.get(url).get_data(as_text=True)
    assert 'id="runs-as-job"' in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    answer = client.post(url, data={"csrf_token": token.group(1), "apply": "1"})
    assert {status_of(c.id) for c in ready} == {"draft"}  # nothing done in the request
    report = worked(client, answer)
    assert "3 selesai; 1 dilewati." in report
    assert 'id="skipped-cases"' in report and unsigned.reg_number in report
    assert {status_of(c.id) for c in ready} == {"submitted"}
    assert status_of(unsigned.id) == "draft"


def test_an_assessor_cannot_see_or_act_on_a_case_not_assigned_to_them(client, catalogue, staff):
    case = make_case(catalogue)
    login(client, "asesor")
    assert client.get(f"/admin/case/details/?id={case.id}").status_code in (302, 404)
    assert case.reg_number not in client.get("/admin/case/").get_data(as_text=True)
    response = client.get(f"/admin/case/act/return/?id={case.id}")
    assert response.status_code == 302
    assert status_of(case.id) == "draft"


def test_an_action_outside_the_users_roles_is_forbidden(client, catalogue, staff):
    case = make_case(catalogue)
    login(client, "asesor")
    assert client.get(f"/admin/case/act/issue/?id={case.id}").status_code == 403


def _second_applicant(i: int = 1) -> Applicant:
    applicant = Applicant(
        nik=f"31710117084{i:05d}",
        full_name=f"Asesi {i}",
        birth_place="Bogor",
        birth_date=date(1945, 8, 17),
        sex="L",
        address="Bogor",
        phone="+6281234567891",
        education_level="S1",
    )
    db.session.add(applicant)
    db.session.commit()
    return applicant


def test_after_the_third_reassessment_the_page_offers_a_new_prefilled_application(
    client, catalogue, staff
):
    case = make_case(catalogue)
    case.status = "not_yet_competent"  # set-up: the service tests walk the three re-assessments
    case.units[0].result = "BK"
    case.units[0].reassessment_count = 3
    case.units[1].result = "K"
    db.session.commit()
    login(client, "sekretariat")
    page = client.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)
    assert 'id="start-new-application"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/case/new-application/", data={"csrf_token": token, "id": str(case.id)})
    new = db.session.scalar(select(Case).where(Case.previous_case_id == case.id))
    assert new.status == "draft"
    assert new.applicant_id == case.applicant_id and len(new.units) == 2
    again = client.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)
    assert 'id="start-new-application"' not in again


def _verify_from_the_list(client, queries, ids: list[int]) -> tuple[str, list[int]]:
    """Verify cases as a person does: tick them in the list and choose the action (its
    confirmation page), then apply it there (the report). The report's text, and the
    statements each of the two requests ran."""
    counts = []
    token = csrf_token(client, "/admin/case/")
    chosen = {"csrf_token": token, "action": "verify", "rowid": [str(i) for i in ids]}
    queries.clear()
    page = client.post("/admin/case/action/", data={**chosen, "url": "/admin/case/"})
    counts.append(len(queries))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="apply"' in html
    form = dict(re.findall(r'<input type="hidden" name="(url|apply)" value="([^"]*)"', html))
    posted = re.findall(r'<input type="hidden" name="id" value="(\d+)"', html)
    form |= {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)}
    action = re.search(r'<form method="post" action="([^"]+)" novalidate>', html).group(1)
    queries.clear()
    report = client.post(action.replace("&amp;", "&"), data={**form, "id": posted})
    counts.append(len(queries))
    assert report.status_code == 200
    return report.get_data(as_text=True), counts


def test_verifying_many_cases_costs_the_same_statements_as_verifying_two(
    client, catalogue, staff, queries
):
    """The confirmation page and the report of a bulk verify run a constant number of SQL
    statements, whatever the number of cases (issue 17: verify × 1,000 from the list)."""
    applicants = [_second_applicant(i) for i in range(1, 9)]
    for applicant in applicants:  # an S1 in library science meets the scheme's requirements
        applicant.library_field = True
    cases = [make_case(catalogue, applicant=a, n=i).id for i, a in enumerate(applicants)]
    login(client, "sekretariat")
    act(client, "submit", cases)
    small, large = cases[:2], cases[2:]
    report_small, counts_small = _verify_from_the_list(client, queries, small)
    report_large, counts_large = _verify_from_the_list(client, queries, large)
    assert "2 selesai; 0 dilewati." in report_small
    assert "6 selesai; 0 dilewati." in report_large
    assert {status_of(c) for c in cases} == {"verified"}
    assert counts_large == counts_small, (counts_small, counts_large)
