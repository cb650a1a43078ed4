"""The case list as staff use it: logging in, filters, the action menus, reports, and what an
asesor may see."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.rules.vocabulary import CaseStatus
from portal.rules.workflow import Action

from .conftest import Watch
from .helpers import (
    add_filter,
    apply_action,
    apply_filters,
    case_row,
    click_to_load,
    log_in,
    menu,
    search_cases,
    shot,
)
from .world import BULK_SCHEME, PASSWORD, SECRETARIAT, Live, unique

pytestmark = pytest.mark.e2e

S = CaseStatus
NOT_SIGNED = "The applicant has not signed the declaration."


def test_staff_log_in_through_the_form_and_the_portal_speaks_indonesian(
    page: Page, live: Live
) -> None:
    page.goto("/admin/")  # not logged in: sent to the login form
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)admin"))
    expect(page.locator("html")).to_have_attribute("lang", "id")
    page.locator("#username").fill(SECRETARIAT)
    page.locator("#password").fill(PASSWORD + "-salah")
    click_to_load(page, page.locator("form:has(#password) button[type=submit]"))
    expect(page.locator(".alert-danger")).to_have_text(
        live.text("Wrong username or password, or the account is inactive.")
    )
    page.locator("#password").fill(PASSWORD)
    click_to_load(page, page.locator("form:has(#password) button[type=submit]"))
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator(".navbar")).to_contain_text("Rina Marlina")
    expect(page.locator("form[action='/logout'] button")).to_have_text(live.text("Log out"))


def test_all_cases_matching_a_filter_on_every_page_are_submitted_with_a_report(
    page: Page, live: Live
) -> None:
    """30 drafts (2 unsigned) in their own scheme; 25 a page: "All 30 matching" reaches all."""
    applicants = [live.new_applicant(unique("Asesi Massal")) for _ in range(30)]
    signed = [i not in (7, 23) for i in range(30)]
    ids = live.new_cases(applicants, BULK_SCHEME, signed=signed)
    unsigned = [case_id for case_id, ok in zip(ids, signed, strict=True) if not ok]

    log_in(page, SECRETARIAT)
    menu(page, "/admin/case/")
    add_filter(page, live.text("Status"), live.status_label(S.DRAFT))
    add_filter(page, live.text("Skema"), "Klaster Uji Massal")
    apply_filters(page)
    expect(page.locator("table.model-list tbody tr")).to_have_count(25)
    expect(page.locator(".pagination")).to_be_visible()
    shot(page, "case-list-filtered")
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the filtered list scrolls sideways on a phone: {width}px"
    page.set_viewport_size({"width": 1366, "height": 900})

    all_matching = page.locator("#all-matching-menu")
    expect(all_matching.locator("a.dropdown-toggle")).to_contain_text("30")
    all_matching.locator("a.dropdown-toggle").click()
    only_submitted = live.text(
        "Only for applications with the status %(status)s.",
        status=live.status_label(S.SUBMITTED),
    )  # a list of drafts: verifying cannot succeed, and says which status it needs
    expect(all_matching.locator(".action-refused[data-action='verify']")).to_contain_text(
        only_submitted
    )
    expect(all_matching.locator("a[href*='/act/verify/']")).to_have_count(0)
    click_to_load(page, all_matching.locator("a.dropdown-item[href*='/act/submit/']"))
    expect(page.locator("form[action*='/act/submit/'] button[type=submit]")).to_contain_text("30")
    expect(page.locator(".card-body strong").first).to_contain_text("30")
    shot(page, "action-form-all-matching")
    apply_action(page)

    report = page.locator("#skipped-cases")
    expect(report.locator("tbody tr")).to_have_count(2)
    for case_id in unsigned:
        expect(report.locator(f"tr:has(a[href$='id={case_id}'])")).to_contain_text(
            live.text(NOT_SIGNED)
        )
    expect(page.locator("h1 + p")).to_have_text(
        live.text("%(done)s done; %(skipped)s skipped.", done="28", skipped="2")
    )
    shot(page, "action-report")
    statuses = {case_id: live.status_of(case_id) for case_id in ids}
    assert list(statuses.values()).count(S.SUBMITTED) == 28
    assert {statuses[i] for i in unsigned} == {S.DRAFT}


def test_a_refused_action_is_reported_with_its_reason(page: Page, live: Live) -> None:
    """Two cases checked in the list, "With selected" → submit: the unsigned one is skipped."""
    name = unique("Asesi Pilihan")
    signed_id, unsigned_id = live.new_cases(
        [live.new_applicant(f"{name} A"), live.new_applicant(f"{name} B")], signed=[True, False]
    )
    log_in(page, SECRETARIAT)
    search_cases(page, name)
    expect(page.locator("table.model-list tbody tr")).to_have_count(2)
    case_row(page, signed_id).locator("input.action-checkbox").check()
    case_row(page, unsigned_id).locator("input.action-checkbox").check()
    submit = live.action_label(Action.SUBMIT)
    actions = page.locator("li.nav-item.dropdown:not(#all-matching-menu)", has_text=submit)
    actions.locator("a.dropdown-toggle").click()
    click_to_load(page, actions.locator("a.dropdown-item", has_text=submit))

    expect(page.locator("form[action*='/act/submit/'] input[name=id]")).to_have_count(2)
    apply_action(page)
    skipped = page.locator("#skipped-cases tbody tr")
    expect(skipped).to_have_count(1)
    expect(skipped.locator(f"a[href$='id={unsigned_id}']")).to_be_visible()
    expect(skipped).to_contain_text(live.text(NOT_SIGNED))
    assert live.status_of(signed_id) == S.SUBMITTED
    assert live.status_of(unsigned_id) == S.DRAFT


def test_an_asesor_cannot_see_another_asesors_case(page: Page, live: Live, watch: Watch) -> None:
    name = unique("Asesi Lingkup")
    own, other = live.new_cases([live.new_applicant(f"{name} A"), live.new_applicant(f"{name} B")])
    live.to_self_assessed([own], "asesor3")
    live.to_self_assessed([other], "asesor4")

    log_in(page, "asesor3")
    search_cases(page, name)
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(case_row(page, own)).to_be_visible()
    expect(case_row(page, other)).to_have_count(0)

    watch.expect_error(r"status of 404")  # the refused page below, as the browser logs it
    response = page.goto(f"/admin/case/details/?id={other}")
    assert response is not None
    assert response.status == 404 or "/details/" not in page.url, (response.status, page.url)
    expect(page.locator("#case-status")).to_have_count(0)

    page.goto(f"/admin/case/act/return/?id={other}")  # an action on it by id: nothing to act on
    expect(page).to_have_url(re.compile(r"/admin/case/(\?.*)?$"))
    assert live.status_of(other) == S.SELF_ASSESSED
