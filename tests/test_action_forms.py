"""The workflow action forms show what is needed and fill in what is known (issue 15):
the verify checklist, the decide form's recommendations, the pre-filled plan, the assign list
with eligibility and workload; a refused action keeps its input; actions that cannot succeed
now are shown disabled with the reason."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import (
    Appeal,
    Assessor,
    AssessorConflict,
    Attachment,
    AuditEvent,
    Case,
)
from tests.conftest import csrf_token, login, quorate_meeting
from tests.test_case_actions import _second_applicant, make_case, status_of

TODAY = clock.today()


def form_page(client, action: str, case_id: int) -> str:
    page = client.get(f"/admin/case/act/{action}/?id={case_id}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def post_form(client, action: str, case_id: int, **data) -> str:
    """Post the action's form for one case as the browser would (CSRF token read first)."""
    token = csrf_token(client, f"/admin/case/act/{action}/?id={case_id}")
    form = {"csrf_token": token, "apply": "1", "id": str(case_id), **data}
    response = client.post(f"/admin/case/act/{action}/", data=form)
    return response.get_data(as_text=True) if response.status_code == 200 else response.location


def tag(html: str, name: str, value: str | None = None) -> str:
    """The <input> tag with this name (and value)."""
    for found in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in found and (value is None or f'value="{value}"' in found):
            return found
    raise AssertionError(f"no input {name}={value}")


def at_status(case: Case, status: str, **columns) -> Case:
    """Put a case in a status for a form's test (the service tests walk the transitions)."""
    case.status = status
    for name, value in columns.items():
        setattr(case, name, value)
    db.session.commit()
    return case


# --- verify ---------------------------------------------------------------------------------


def test_the_verify_form_shows_the_checklist_and_the_requirements(client, catalogue, staff):
    case = at_status(make_case(catalogue), "submitted")
    unjudged = case.attachments[0]
    unjudged.present = unjudged.adequate = None
    db.session.commit()
    login(client, "sekretariat")
    html = form_page(client, "verify", case.id)
    assert html.count('class="attachment-verdict') == 2
    assert "checked" not in tag(html, f"att{unjudged.id}__present")
    judged = case.attachments[1]
    assert "checked" in tag(html, f"att{judged.id}__present")
    assert 'type="checkbox"' in tag(html, "all_good")
    # the applicant (S1 in library science) meets the first alternative, not the third
    assert html.count("requirement-met") == 1
    assert "requirement-not-met" in html


def test_verify_with_all_present_and_adequate_records_the_verdicts_and_verifies(
    client, catalogue, staff
):
    case = at_status(make_case(catalogue), "submitted")
    for a in case.attachments:
        a.present = a.adequate = None
    db.session.commit()
    login(client, "sekretariat")
    post_form(client, "verify", case.id, all_good="y")
    assert status_of(case.id) == "verified"
    db.session.expire_all()
    assert {(a.present, a.adequate) for a in case.attachments} == {(True, True)}
    events = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id == case.id)
    ).all()
    assert events.count("attachment_verdict") == 2 and "verify" in events


def test_a_refused_verify_keeps_the_input_and_says_why(client, catalogue, staff):
    case = at_status(make_case(catalogue), "submitted")
    photo, ijazah = sorted(case.attachments, key=lambda a: a.kind)[::-1]
    login(client, "sekretariat")
    html = post_form(
        client,
        "verify",
        case.id,
        **{
            f"att{photo.id}__present": "y",
            f"att{photo.id}__adequate": "y",
            f"att{ijazah.id}__present": "y",
            f"att{ijazah.id}__note": "Ijazah tidak terbaca",
        },
    )
    assert status_of(case.id) == "submitted"
    assert 'id="action-refusal"' in html and "ijazah.pdf" in html
    assert 'value="Ijazah tidak terbaca"' in html  # the typed note is kept
    assert "checked" not in tag(html, f"att{ijazah.id}__adequate")
    db.session.expire_all()
    assert db.session.get(Attachment, ijazah.id).adequate is False  # the verdict stands


# --- decide ---------------------------------------------------------------------------------


def assessed_case(catalogue, staff) -> Case:
    case = make_case(catalogue)
    first, second = case.units
    first.recommendation, second.recommendation = "K", "BK"
    second.recommendation_note = "Ulangi praktik katalogisasi"
    return at_status(
        case,
        "assessed",
        assessor_id=catalogue["assessor"].id,
        assessment_date=TODAY,
        agreement_confirmed=True,
    )


def test_the_decide_form_shows_and_prefills_each_units_recommendation(client, catalogue, staff):
    case = assessed_case(catalogue, staff)
    first, second = case.units
    login(client, "ketua")
    html = form_page(client, "decide", case.id)
    assert "checked" in tag(html, f"unit{first.unit_id}__verdict", "K")
    assert "checked" in tag(html, f"unit{second.unit_id}__verdict", "BK")
    assert "Ulangi praktik katalogisasi" in html
    assert html.count('class="small text-info mb-1 recommendation"') == 2
    assert tag(html, f"unit{second.unit_id}__reason")


def test_departing_without_a_reason_comes_back_with_the_input(client, catalogue, staff):
    case = assessed_case(catalogue, staff)
    first, second = case.units
    meeting = quorate_meeting(staff["chair"], TODAY)
    login(client, "ketua")
    verdicts = {f"unit{first.unit_id}__verdict": "K", f"unit{second.unit_id}__verdict": "K"}
    html = post_form(client, "decide", case.id, meeting_id=str(meeting.id), **verdicts)
    assert status_of(case.id) == "assessed"
    assert 'id="action-refusal"' in html
    assert "checked" in tag(html, f"unit{second.unit_id}__verdict", "K")  # kept, not reset
    post_form(
        client,
        "decide",
        case.id,
        meeting_id=str(meeting.id),
        **verdicts,
        **{f"unit{second.unit_id}__reason": "Bukti portofolio cukup"},
    )
    assert status_of(case.id) == "competent"


# --- pre-assessment -------------------------------------------------------------------------


def test_the_plan_is_prefilled_and_methods_are_checkboxes(client, catalogue, staff):
    planned = TODAY + timedelta(days=5)
    case = at_status(
        make_case(catalogue),
        "self_assessed",
        assessor_id=catalogue["assessor"].id,
        assessment_date=planned,
        tuk_id=catalogue["tuk"].id,
    )
    case.units[0].methods = "observasi,lisan"
    db.session.commit()
    login(client, "asesor")
    html = form_page(client, "pre_assess", case.id)
    assert f'value="{planned.isoformat()}"' in tag(html, "assessment_date")
    assert 'data-role="datepicker"' in tag(html, "assessment_date")
    assert re.search(rf'<option selected value="{catalogue["tuk"].id}">', html)
    unit = case.units[0].unit_id
    assert 'type="checkbox"' in tag(html, f"unit{unit}__methods", "observasi")
    assert "checked" in tag(html, f"unit{unit}__methods", "lisan")
    assert "checked" not in tag(html, f"unit{unit}__methods", "tertulis")
    assert 'type="checkbox"' in tag(html, "agreement_confirmed")


# --- assign ---------------------------------------------------------------------------------


def test_the_assign_form_lists_eligible_asesors_first_with_workload_and_reasons(
    client, catalogue, staff
):
    scheme, applicant = catalogue["scheme"], catalogue["applicant"]
    far = TODAY + timedelta(days=400)
    busy = catalogue["assessor"]  # eligible, one case in hand
    free = Assessor(full_name="Ahmad Bebas", met_number="MET.2", licence_valid_until=far)
    free.schemes = [scheme]
    related = Assessor(full_name="Bambang Kerabat", met_number="MET.3", licence_valid_until=far)
    related.schemes = [scheme]
    lapsing = Assessor(
        full_name="Citra Habis", met_number="MET.4", licence_valid_until=TODAY + timedelta(days=1)
    )
    lapsing.schemes = [scheme]
    other = Assessor(full_name="Dewi Lain", met_number="MET.5", licence_valid_until=far)
    retired = Assessor(
        full_name="Eko Pensiun", met_number="MET.6", licence_valid_until=far, active=False
    )
    db.session.add_all([free, related, lapsing, other, retired])
    db.session.flush()
    db.session.add(AssessorConflict(assessor=related, applicant=applicant, kind="family"))
    in_hand = make_case(catalogue, applicant=_second_applicant(), n=2)
    at_status(in_hand, "ready_for_assessment", assessor_id=busy.id)
    case = at_status(make_case(catalogue), "verified", assessment_date=TODAY + timedelta(days=7))
    login(client, "sekretariat")
    html = form_page(client, "assign_assessor", case.id)
    rows = re.findall(r'<tr class="candidate ([\w-]+)[^"]*">(.*?)</tr>', html, re.S)
    names = [re.search(r'for="[^"]+">([^<]+)</label>', row).group(1) for _, row in rows]
    assert names == ["Ahmad Bebas", "Siti Asesor", "Bambang Kerabat", "Citra Habis", "Dewi Lain"]
    eligible = [kind == "candidate-eligible" for kind, _ in rows]
    assert eligible == [True, True, False, False, False]
    workload = [re.search(r'class="workload[^"]*">(\d+)<', row).group(1) for _, row in rows]
    assert workload[:2] == ["0", "1"]
    assert (
        "disabled" in rows[2][1] and "Hubungan keluarga" in rows[2][1]
    )  # the conflict, as a label
    assert "tidak berlaku" in rows[3][1] and "tidak terdaftar" in rows[4][1]
    assert "disabled" not in rows[0][1]
    assert "Eko Pensiun" not in html


def test_the_assign_form_prefills_the_planned_date_and_assigns(client, catalogue, staff):
    planned = TODAY + timedelta(days=7)
    case = at_status(make_case(catalogue), "verified", assessment_date=planned)
    login(client, "sekretariat")
    html = form_page(client, "assign_assessor", case.id)
    assert f'value="{planned.isoformat()}"' in tag(html, "assessment_date")
    post_form(
        client,
        "assign_assessor",
        case.id,
        assessor_id=str(catalogue["assessor"].id),
        assessment_date=planned.isoformat(),
    )
    db.session.expire_all()
    assert db.session.get(Case, case.id).assessor_id == catalogue["assessor"].id


# --- what cannot be done now is shown disabled, with the reason -----------------------------


def details(client, case: Case) -> str:
    return client.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("user", "setup", "action", "reason"),
    [
        ("sekretariat", {"declaration_signed": False}, "submit", "belum menandatangani"),
        (
            "asesor",
            {"status": "ready_for_assessment", "agreement_confirmed": True, "assessed_in": 3},
            "recommend",
            "rekomendasi",
        ),
        ("ketua", {"status": "assessed", "trainer": "ketua"}, "decide", "pelatih"),
    ],
)
def test_an_action_that_cannot_succeed_is_disabled_with_its_reason(
    client, catalogue, staff, user, setup, action, reason
):
    case = make_case(catalogue)
    setup = dict(setup)
    if "assessed_in" in setup:
        setup["assessment_date"] = TODAY + timedelta(days=setup.pop("assessed_in"))
    if "trainer" in setup:
        setup["trainer_user_id"] = staff["chair"].id
        setup.pop("trainer")
    case.assessor_id = catalogue["assessor"].id
    at_status(case, setup.pop("status", "draft"), **setup)
    login(client, user)
    html = details(client, case)
    block = re.search(rf'data-action="{action}">(.*?)</div>\s*</div>', html, re.S)
    assert block, html[html.find("case-actions") :][:1500]
    assert "disabled" in block.group(1) and reason in block.group(1).lower()
    assert f"/act/{action}/?id={case.id}" not in html
    form = form_page(client, action, case.id)
    assert 'id="action-blocked"' in form and re.search(r'<button type="submit"[^>]*disabled', form)


def test_edit_is_disabled_with_the_reason_once_the_application_is_submitted(
    client, catalogue, staff
):
    case = make_case(catalogue)
    login(client, "sekretariat")
    assert f"/admin/case/edit/?id={case.id}" in details(client, case)
    at_status(case, "submitted")
    html = details(client, case)
    assert f"/admin/case/edit/?id={case.id}" not in html
    assert 'id="edit-disabled"' in html and 'id="edit-why"' in html


QUESTIONS = ("process_explained", "discussed_with_assessor", "involved_others")


def yes_no_radios(page: str, name: str) -> list[str]:
    """The labels of the radio buttons answering one FR.AK.04 question."""
    ids = re.findall(rf'<input[^>]*id="({name}-\d)"[^>]*name="{name}"[^>]*type="radio"', page)
    return [re.search(rf'for="{i}">([^<]+)<', page).group(1) for i in ids]


def test_the_appeal_form_asks_fr_ak_04_with_yes_no_radios_and_keeps_the_answers(
    client, catalogue, staff
):
    case = make_case(catalogue)
    case.status, case.decided_on = "not_yet_competent", TODAY
    db.session.commit()
    login(client, "sekretariat")
    page = form_page(client, "appeal", case.id)
    for name in QUESTIONS:
        assert yes_no_radios(page, name) == ["Ya", "Tidak"], name
        assert not re.search(rf'<select[^>]*name="{name}"|type="checkbox"[^>]*name="{name}"', page)
    answers = {"process_explained": "1", "discussed_with_assessor": "0", "involved_others": "1"}
    post_form(client, "appeal", case.id, reason="Portofolio belum dinilai.", **answers)
    assert status_of(case.id) == "appealed"
    appeal = db.session.scalar(select(Appeal).where(Appeal.case_id == case.id))
    assert [getattr(appeal, q) for q in QUESTIONS] == [True, False, True]
