"""The action forms in the browser (issue 15): what each shows before anything is typed, a
refusal that keeps the input, actions shown disabled with their reason, and the related records
of a meeting, an applicant and an appeal; each page on a laptop and on a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.rules.vocabulary import CaseStatus
from portal.rules.workflow import Action

from .helpers import apply_action, click_to_load, expect_status, log_in, next_step, shot
from .world import CERT_HEAD, CHAIR, SECRETARIAT, Live, unique

pytestmark = pytest.mark.e2e

S = CaseStatus
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


def at_both_widths(page: Page, name: str) -> None:
    """Screenshots on a laptop and a phone; on the phone nothing scrolls sideways."""
    shot(page, f"{name}-1366")
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways on a phone: {width}px"
    shot(page, f"{name}-390")
    page.set_viewport_size(LAPTOP)


def open_case_page(page: Page, case_id: int) -> None:
    page.goto(f"/admin/case/details/?id={case_id}")
    expect(page.locator("#case-status")).to_be_visible()


def test_the_verify_form_judges_the_attachments_and_keeps_them_on_a_refusal(
    page: Page, live: Live
) -> None:
    [case_id] = live.new_cases([live.new_applicant(unique("Asesi Verifikasi"))])
    live.advance([case_id], (SECRETARIAT, Action.SUBMIT, {}))
    log_in(page, SECRETARIAT)
    open_case_page(page, case_id)
    next_step(page, "verify")
    rows = page.locator("#verify-attachments tr.attachment-verdict")
    expect(rows).to_have_count(2)
    expect(page.locator("#verify-requirements .requirement-met")).to_have_count(1)
    expect(page.locator("#verify-requirements .requirement-not-met")).to_have_count(2)
    at_both_widths(page, "form-verify")

    # the ijazah is not adequate: the verdict is recorded, the verification refused, the note kept
    ijazah = rows.filter(has_text="ijazah.pdf")
    ijazah.locator("input[name$='__adequate']").uncheck()
    ijazah.locator("input[name$='__note']").fill("Ijazah tidak terbaca")
    click_to_load(page, page.locator("form[action*='/act/'] button[type=submit]"))
    expect(page.locator("#action-refusal")).to_contain_text("ijazah.pdf")
    expect(ijazah.locator("input[name$='__adequate']")).not_to_be_checked()
    expect(ijazah.locator("input[name$='__note']")).to_have_value("Ijazah tidak terbaca")
    at_both_widths(page, "form-verify-refused")

    page.locator("#all_good").check()
    apply_action(page)
    expect_status(page, live, S.VERIFIED)


def test_the_assign_form_lists_eligible_asesors_first_with_their_workload(
    page: Page, live: Live
) -> None:
    [case_id] = live.new_cases([live.new_applicant(unique("Asesi Penugasan"))])
    live.advance([case_id], (SECRETARIAT, Action.SUBMIT, {}), (SECRETARIAT, Action.VERIFY, {}))
    log_in(page, CERT_HEAD)
    open_case_page(page, case_id)
    next_step(page, "assign_assessor")
    candidates = page.locator("#assessor-choice tr.candidate")
    assert candidates.count() > 1
    kinds = [c.get_attribute("class") for c in candidates.all()]
    eligible = [k for k in kinds if "candidate-eligible" in k]
    assert eligible and kinds[: len(eligible)] == eligible, kinds  # eligible ones first
    workloads = [int(c.inner_text()) for c in page.locator("tr.candidate-eligible .workload").all()]
    assert workloads == sorted(workloads)
    for refused in page.locator("tr.candidate-refused").all():
        expect(refused.locator("input[type=radio]")).to_be_disabled()
    at_both_widths(page, "form-assign")

    first = page.locator("tr.candidate-eligible input[type=radio]").first
    first.check()
    page.locator("#assessment_date").fill((live.today + timedelta(days=7)).isoformat())
    page.locator("#assessment_date").press("Tab")
    apply_action(page)
    expect_status(page, live, S.VERIFIED)


def test_the_plan_and_the_decision_come_pre_filled(page: Page, live: Live) -> None:
    planned, decided = (
        live.new_cases([live.new_applicant(unique("Asesi Rencana"))]),
        live.new_cases([live.new_applicant(unique("Asesi Putusan"))]),
    )
    live.to_self_assessed(planned, "asesor1")
    log_in(page, "asesor1")
    open_case_page(page, planned[0])
    next_step(page, "pre_assess")
    expect(page.locator("#assessment_date")).to_have_value(
        (live.today + timedelta(days=7)).isoformat()
    )
    expect(
        page.locator("#unit-inputs input[type=checkbox][name$='__methods']").first
    ).to_be_visible()
    expect(page.locator("#agreement_confirmed")).to_have_attribute("type", "checkbox")
    at_both_widths(page, "form-pre-assess")

    live.to_ready_for_assessment(decided, "asesor1")
    (first, _c1), (second, _c2) = live.units_of(decided[0])[:2]
    units = {u: {"verdict": "K"} for u, _c in live.units_of(decided[0])}
    units[second] = {"verdict": "BK", "note": "Perlu latihan penelusuran informasi"}
    live.advance(decided, ("asesor1", Action.RECOMMEND, {"units": units}))
    log_in(page, CHAIR)
    open_case_page(page, decided[0])
    next_step(page, "decide")
    expect(page.locator("#unit-inputs .recommendation")).to_have_count(len(units))
    expect(page.locator(f"input[name=unit{second}__verdict][value=BK]")).to_be_checked()
    expect(page.locator(f"input[name=unit{first}__verdict][value=K]")).to_be_checked()
    expect(page.locator("#unit-inputs")).to_contain_text("Perlu latihan penelusuran informasi")
    at_both_widths(page, "form-decide")


def test_an_action_that_cannot_succeed_is_shown_disabled_with_its_reason(
    page: Page, live: Live
) -> None:
    [case_id] = live.new_cases(
        [live.new_applicant(unique("Asesi Belum Tanda Tangan"))], signed=False
    )
    log_in(page, SECRETARIAT)
    open_case_page(page, case_id)
    blocked = page.locator("#case-actions [data-action=submit]")
    expect(blocked.locator("button")).to_be_disabled()
    expect(blocked).to_contain_text(live.text("The applicant has not signed the declaration."))
    at_both_widths(page, "case-disabled-action")


def test_a_meeting_an_applicant_and_an_appeal_show_their_related_records(
    page: Page, live: Live
) -> None:
    applicant = live.new_applicant(unique("Asesi Banding"))
    [case_id] = live.new_cases([applicant])
    live.to_ready_for_assessment([case_id], "asesor2")
    units = {u: {"verdict": "BK", "note": "Ulangi"} for u, _c in live.units_of(case_id)}
    live.advance(
        [case_id],
        ("asesor2", Action.RECOMMEND, {"units": units}),
        (CHAIR, Action.DECIDE, {"meeting_id": live.meeting[0]}),
        (
            SECRETARIAT,
            Action.APPEAL,
            {
                "reason": "Bukti belum dipertimbangkan",
                "process_explained": True,
                "discussed_with_assessor": True,
                "involved_others": False,
            },
        ),
    )
    log_in(page, SECRETARIAT)
    page.goto(f"/admin/decision_meeting/details/?id={live.meeting[0]}")
    link = page.locator(f"#meeting-cases a[href='/admin/case/details/?id={case_id}']")
    expect(link).to_be_visible()
    at_both_widths(page, "meeting-related")

    page.goto(f"/admin/applicant/details/?id={applicant}")
    expect(
        page.locator(f"#applicant-cases a[href='/admin/case/details/?id={case_id}']")
    ).to_be_visible()
    appeal = page.locator("#applicant-appeals a[href*='/admin/appeal/details/']")
    expect(appeal).to_have_count(1)
    at_both_widths(page, "applicant-related")

    click_to_load(page, appeal)
    expect(
        page.locator(f"#appeal-case a[href='/admin/case/details/?id={case_id}']")
    ).to_be_visible()
    expect(page.locator("#appeal-units tbody tr")).to_have_count(len(units))
    at_both_widths(page, "appeal-related")
