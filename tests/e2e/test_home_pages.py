"""Each role's home page in the demo ("Menunggu Anda", issue 15): the work waiting for that
person, and a count followed to the list that shows exactly those items; the heads' dashboard
with its charts beside their tables, on a laptop and on a phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from portal.models import Certificate
from portal.rules.workflow import Action

from .helpers import click_to_load, log_in, shot
from .world import CERT_HEAD, CHAIR, SECRETARIAT, Live, unique

pytestmark = pytest.mark.e2e

# role login → a step its home page shows, with work waiting there (prepared below)
HOME_PAGES = [
    (SECRETARIAT, "verify", "/admin/case/"),
    (CERT_HEAD, "assign", "/admin/case/"),
    ("asesor1", "plan", "/admin/case/"),
    (CHAIR, "decide", "/admin/case/"),
]


@pytest.fixture(scope="module")
def waiting_work(live: Live) -> None:
    """Work waiting at each step above, put there with the workflow service; one case decided
    (K), so that the heads' dashboard has a pass rate to show."""
    applicants = [live.new_applicant(unique("Asesi Menunggu")) for _ in range(6)]
    submitted, verified, planned, assessed = (
        live.new_cases(applicants[:2]),
        live.new_cases(applicants[2:3]),
        live.new_cases(applicants[3:4]),
        live.new_cases(applicants[4:6]),
    )
    live.advance(submitted + verified, (SECRETARIAT, Action.SUBMIT, {}))
    live.advance(verified, (SECRETARIAT, Action.VERIFY, {}))
    live.to_self_assessed(planned, "asesor1")
    live.to_ready_for_assessment(assessed, "asesor1")
    units = {u: {"verdict": "K"} for u, _code in live.units_of(assessed[0])}
    live.advance(assessed, ("asesor1", Action.RECOMMEND, {"units": units}))
    live.advance(assessed[:1], (CHAIR, Action.DECIDE, {"meeting_id": live.meeting[0]}))
    held = live.new_cases([live.new_applicant(unique("Pemegang Sertifikat Dengan Nama Panjang"))])
    live.to_certified(held, "asesor1")  # its surveillance overdue: a long number on the card
    with live.session() as session:
        overdue = live.today - timedelta(days=30)
        session.execute(
            update(Certificate)
            .where(Certificate.case_id == held[0])
            .values(next_surveillance_due=overdue)
        )
        session.commit()


# The record numbers of the cards' items that do not fit inside their box (cut with "…"); the
# holder's name may be shortened, the number never.
CUT_NUMBERS = """[...document.querySelectorAll('.waiting-items li a')]
  .filter(a => a.getBoundingClientRect().right > a.parentElement.getBoundingClientRect().right + 1)
  .map(a => a.textContent.trim())"""


def _count(card) -> int:  # noqa: ANN001 (a Playwright Locator)
    """The number a step's card shows (Indonesian thousands separator removed)."""
    return int(card.locator(".waiting-count").inner_text().replace(".", ""))


@pytest.mark.parametrize(("username", "step", "list_path"), HOME_PAGES)
def test_a_count_on_the_home_page_opens_the_list_of_exactly_those_items(
    page: Page, live: Live, waiting_work: None, username: str, step: str, list_path: str
) -> None:
    log_in(page, username)
    expect(page.locator("h4")).to_have_text(live.text("Waiting for you"))
    card = page.locator(f".waiting-card[data-step='{step}']")
    expect(card).to_be_visible()
    count = _count(card)
    assert count > 0, (username, step)
    shot(page, f"home-{username}-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the home page scrolls sideways on a phone: {width}px"
    cut = page.evaluate(CUT_NUMBERS)
    assert not cut, f"record numbers cut short on a phone: {cut}"
    shot(page, f"home-{username}-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    click_to_load(page, card.locator(".waiting-count"))
    expect(page).to_have_url(re.compile(re.escape(list_path)))
    rows = page.locator("table.model-list tbody tr:not(:has(td[colspan]))")  # not "no items"
    assert rows.count() == min(count, 25), (username, step, count)


def test_the_heads_dashboard_shows_charts_with_their_tables_on_a_laptop_and_a_phone(
    page: Page, live: Live, waiting_work: None
) -> None:
    log_in(page, CHAIR)
    click_to_load(page, page.locator("a[href='/admin/pimpinan/']"))
    for block in ("funnel", "step-times", "by-scheme", "by-assessor"):
        section = page.locator(f"#{block}")
        expect(section.locator("svg.chart")).to_be_visible()
        expect(section.locator("table.chart-table tbody tr").first).to_be_visible()
    funnel = page.locator("#funnel table tbody tr")
    assert funnel.count() == 6
    submitted = int(funnel.first.locator("td").nth(1).inner_text().replace(".", ""))
    decided = int(funnel.nth(4).locator("td").nth(1).inner_text().replace(".", ""))
    assert submitted >= decided > 0
    shot(page, "heads-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#funnel svg.chart")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width}px"
    shot(page, "heads-390")
