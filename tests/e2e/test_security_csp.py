"""The Content-Security-Policy (no 'unsafe-inline') in a real Chromium: Flask-Admin's widgets
still work and the browser reports no violation while staff use them.

Each violation is counted by a `securitypolicyviolation` listener the browser context installs
in every page; Chromium also logs it as a console error, which fails the test by itself (see
conftest.py). The widgets: the list's bulk-action menu and filters, links Flask-Admin writes as
`javascript:`, select2 pickers fed by ajax, inline forms' "Add" and remove, the date picker.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import log_in
from .world import SECRETARIAT

pytestmark = pytest.mark.e2e

COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
"""


@pytest.fixture
def csp_page(page: Page) -> Page:
    """The test's page, counting CSP violations and accepting every confirm() dialog."""
    page.context.add_init_script(COLLECT)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def violations(page: Page) -> list[str]:
    """The violations the current document has reported so far."""
    return page.evaluate("window.__cspViolations")


def test_the_case_list_menus_filters_and_links_work_without_violations(csp_page: Page) -> None:
    page = csp_page
    log_in(page, SECRETARIAT)
    page.goto("/admin/case/")
    page.locator("input.action-checkbox").first.check()
    page.locator("li.dropdown:has([data-portal-action]) > a.dropdown-toggle").click()
    expect(page.locator("[data-portal-action='submit']")).to_be_visible()
    assert violations(page) == []
    page.locator("[data-portal-action='submit']").click()
    expect(page).to_have_url(re.compile(r"/admin/case/action/$"))  # the action's own form
    expect(page.locator("form input[name=apply]")).to_have_count(1)
    assert violations(page) == []

    page.goto("/admin/case/")
    page.locator("li.dropdown:has(.field-filters) > a.dropdown-toggle").click()
    page.locator(".field-filters a.filter").first.click()
    expect(page.locator("table.filters tr")).to_have_count(1)
    assert page.url.endswith("/admin/case/")  # the filter link is not followed
    page.locator("table.filters tr .select2-container").last.click()
    page.keyboard.press("Escape")
    page.locator("a[href^='javascript:']").first.click()  # Flask-Admin's "List" tab
    assert violations(page) == []


def test_forms_with_ajax_pickers_inline_rows_and_dates_work_without_violations(
    csp_page: Page,
) -> None:
    page = csp_page
    log_in(page, SECRETARIAT)
    page.goto("/admin/case/new/")
    page.locator("#s2id_applicant a.select2-choice").click()
    page.locator("#select2-drop input.select2-input").fill("a")
    expect(page.locator("#select2-drop .select2-result-label").first).to_be_visible()
    page.keyboard.press("Escape")
    page.locator("#declaration_date").click()
    expect(page.locator(".daterangepicker:visible")).to_have_count(1)
    assert violations(page) == []

    log_in(page, "admin")
    page.goto("/admin/scheme/new/")
    cards = page.locator("#requirements > .inline-field-list > .inline-field")
    page.locator("[data-portal-add-inline='requirements']").click()
    expect(cards).to_have_count(1)
    cards.first.locator(".inline-remove-field").click()
    expect(cards).to_have_count(0)
    units = page.locator("#s2id_units input.select2-input")
    units.click()
    units.fill("DEMO")
    expect(page.locator("#select2-drop .select2-result-label").first).to_be_visible()
    assert violations(page) == []
