"""What staff do with the mouse and keyboard, as small steps the scenarios share.

Elements are found by stable ids, names and hrefs (the UI speaks Indonesian by default and may
be reworded); visible text is compared with the app's own translation of the message.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from .world import PASSWORD, Live

SHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder: keep screenshots of the main screens


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot when E2E_SCREENSHOTS names a folder (for a look by eye)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def click_to_load(page: Page, target: Locator) -> None:
    """Click something that loads a new page (a link, a form's button), and wait for it; an
    error page (4xx/5xx) fails the step at once."""
    with page.expect_navigation() as navigation:
        target.click()
    response = navigation.value
    if response is not None and response.status >= 400:
        raise AssertionError(f"{response.status} {response.status_text} from {response.url}")


# --- logging in and out ----------------------------------------------------------------------


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form (logging out first when someone is logged in)."""
    log_out(page)
    if "/login" not in page.url:
        page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    click_to_load(page, page.locator("form:has(#password) button[type=submit]"))
    expect(page).to_have_url(re.compile(r"/admin/"))


def log_out(page: Page) -> None:
    """Click the navbar's log-out button, if someone is logged in on this page."""
    button = page.locator("form[action='/logout'] button[type=submit]")
    if page.url.startswith("http") and button.count():
        click_to_load(page, button)
        expect(page.locator("#username")).to_be_visible()


def menu(page: Page, href: str) -> None:
    """Open a screen from the navbar: its dropdown, then its link."""
    link = page.locator(
        f".navbar a.dropdown-item[href='{href}'], .navbar a.nav-link[href='{href}']"
    )
    dropdown = page.locator(f".navbar .dropdown:has(a[href='{href}']) > a.dropdown-toggle")
    if dropdown.count():
        dropdown.first.click()
    click_to_load(page, link.first)
    expect(page).to_have_url(re.compile(re.escape(href)))


def staff_context(page: Page, live: Live):  # noqa: ANN201 (playwright's BrowserContext)
    """A browser context of its own for the staff, as another person's computer."""
    return page.context.browser.new_context(base_url=live.url, locale="id-ID")


def applicant_sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in to the applicant portal (/asesi/masuk); lands on "My applications"."""
    page.goto("/asesi/masuk")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#sign-in-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/asesi/$"))


# --- Flask-Admin's widgets -------------------------------------------------------------------


def select2(page: Page, field_id: str, search: str, pick: str | None = None) -> None:
    """Choose in a select2 box (plain, ajax or multiple): open it, type, click the match."""
    container = page.locator(f"#s2id_{field_id}")
    multiple = "select2-container-multi" in (container.get_attribute("class") or "")
    if multiple:
        box = container.locator("input.select2-input")
        box.click()
        box.fill(search)
    else:
        container.locator("a.select2-choice").click()
        page.locator("#select2-drop input.select2-input").fill(search)
    choice = page.locator("#select2-drop .select2-result-selectable .select2-result-label")
    choice.filter(has_text=pick or search).first.click()
    expect(page.locator("#select2-drop")).to_be_hidden()


def type_date(page: Page, field_id: str, value: str) -> None:
    """Type a date into Flask-Admin's date picker field; Tab closes the calendar it opens."""
    field = page.locator(f"#{field_id}")
    field.fill(value)
    field.press("Tab")
    expect(page.locator(".daterangepicker:visible")).to_have_count(0)
    expect(field).to_have_value(value)


def save_form(page: Page) -> None:
    """Click the create/edit form's main save button."""
    click_to_load(page, page.locator("form.admin-form input[type=submit].btn-primary"))


def add_filter(page: Page, filter_name: str, value: str) -> None:
    """Add a list filter from the filter menu and choose its value (a select2 box)."""
    menu = page.locator("li.dropdown:has(.field-filters)")
    menu.locator("a.dropdown-toggle").click()
    menu.locator(".field-filters a.filter", has_text=filter_name).first.click()
    row = page.locator("table.filters tr").last
    row.locator(".select2-container.filter-val a.select2-choice").click()
    page.locator("#select2-drop input.select2-input").fill(value)
    page.locator("#select2-drop .select2-result-label", has_text=value).first.click()


def apply_filters(page: Page) -> None:
    """Click the filter form's "apply" button (it appears once a filter changed)."""
    click_to_load(page, page.locator("#filter_form button[type=submit]"))


# --- cases -----------------------------------------------------------------------------------


def search_cases(page: Page, text: str) -> None:
    """Search the case list (registration number, NIK or name) from its search box."""
    if not re.search(r"/admin/case/(\?.*)?$", page.url):
        menu(page, "/admin/case/")
    page.locator("form[role=search] input[name=search]").fill(text)
    click_to_load(page, page.locator("form[role=search] button[type=submit]"))


def open_case(page: Page, text: str) -> None:
    """Find one case by search and open its page from the list's view icon."""
    search_cases(page, text)
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    click_to_load(page, rows.locator("td.list-buttons-column a:has(span.fa-eye)"))
    expect(page.locator("#case-status")).to_be_visible()


def case_row(page: Page, case_id: int) -> Locator:
    return page.locator(f"table.model-list tbody tr:has(input.action-checkbox[value='{case_id}'])")


def next_step(page: Page, action: str) -> None:
    """On a case page, click the "Next steps" button of an action."""
    click_to_load(page, page.locator(f"#case-actions a[href*='/act/{action}/']"))
    expect(page.locator("form[action*='/act/'] input[name=apply]")).to_have_count(1)


def apply_action(page: Page) -> None:
    """On an action's form, click the button that applies it. The form coming back instead of
    the case page or the report means it was refused: fail with what it says."""
    form = "form[action*='/act/']:has(input[name=apply])"
    click_to_load(page, page.locator(f"{form} button[type=submit]"))
    if page.locator(form).count():
        said = page.locator(".invalid-feedback, .alert, .card-body strong").all_inner_texts()
        raise AssertionError(f"the action's form came back: {said}")


def expect_status(page: Page, live: Live, status) -> None:  # noqa: ANN001 (CaseStatus)
    """The case page shows the status, in Indonesian."""
    expect(page.locator("#case-status")).to_have_text(live.status_label(status))


def unit_row(page: Page, unit_code: str) -> Locator:
    """The row of one unit in an action's per-unit table."""
    return page.locator("form[action*='/act/'] table tr", has_text=unit_code)


# --- files a person would upload -------------------------------------------------------------


def small_pdf(title: str) -> bytes:
    """A real one-page PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.drawString(72, 760, title)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def small_png(width: int = 30, height: int = 40) -> bytes:
    """A real grey PNG, passport-photo shaped."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    rows = b"".join(b"\x00" + b"\x90\x90\x90" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def upload_as_applicant(page: Page, kind: str, filename: str, mime: str, content: bytes) -> None:
    """Upload one document on the applicant's draft page and see it listed."""
    page.locator("#upload-form #kind").select_option(kind)
    page.locator("#upload-form #file").set_input_files(
        {"name": filename, "mimeType": mime, "buffer": content}
    )
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("#attachment-list")).to_contain_text(filename)


def complete_the_draft(page: Page, name: str, photo: str) -> None:
    """On the applicant's draft page: sign the declaration, save, and upload the photo (named
    `photo`) and the ijazah the scheme requires, each then listed."""
    page.locator("#declaration_name").fill(name)
    page.locator("#draft-form button[type=submit]").click()
    upload_as_applicant(page, "photo", photo, "image/png", small_png())
    upload_as_applicant(page, "ijazah", "ijazah.pdf", "application/pdf", small_pdf("Ijazah"))
