"""An import as staff run it in the browser: the template filled, uploaded, previewed with a
refused row, committed on the worker (its progress page, then its report), and the cases made
opened from the result."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from portal.exchange import template
from portal.models import Case, Schedule, Scheme, Tuk

from .helpers import click_to_load, log_in, shot
from .world import SECRETARIAT, Live, new_nik, unique

pytestmark = pytest.mark.e2e


def _schedule(live: Live) -> str:
    """A schedule open for registration, with room for the file."""
    code = unique("E2E-JDW").replace(" ", "-")
    with live.session() as s:
        scheme = s.scalar(select(Scheme).where(Scheme.code == "DEMO-LP"))
        s.add(
            Schedule(
                code=code,
                scheme=scheme,
                tuk=s.scalar(select(Tuk).order_by(Tuk.id)),
                starts_on=live.today + timedelta(days=40),
                ends_on=live.today + timedelta(days=41),
                registration_deadline=live.today + timedelta(days=30),
                quota=10,
            )
        )
        s.commit()
    return code


def _filled(live: Live, schedule: str, tmp_path) -> str:
    """The template with two good rows and one with a bad phone number."""
    with live.app.test_request_context(), live.session() as s:
        data = template.workbook(s, live.today, 50)
    book = load_workbook(io.BytesIO(data))
    sheet = book["Data"]
    names = [c.value for c in sheet[1]]
    for n, phone in enumerate(("081234567801", "081234567802", "021 555"), start=1):
        values = {
            "nama_asesi": f"Impor Browser {n}",
            "nik": new_nik(),
            "tempat_lahir": "Jakarta",
            "tanggal_lahir": "01-01-2001",
            "jenis_kelamin": "L",
            "tempat_tinggal": "Jl. Salemba Raya 28A",
            "telp": phone,
            "kode_jadwal": schedule,
            "pendidikan_terakhir": "S1",
        }
        sheet.append([values.get(name, "") for name in names])
    path = tmp_path / "calon.xlsx"
    book.save(path)
    return str(path)


def test_an_import_from_upload_to_preview_to_commit(
    page: Page, live: Live, worker, tmp_path
) -> None:
    schedule = _schedule(live)
    log_in(page, SECRETARIAT)
    page.goto("/admin/exchange/")
    click_to_load(page, page.locator("#intake-link"))
    page.locator("#file").set_input_files(_filled(live, schedule, tmp_path))
    click_to_load(page, page.locator("#upload-form button[type=submit]"))
    expect(page.locator("#preview-summary")).to_contain_text(
        live.text(
            "%(rows)s rows: %(valid)s valid, %(invalid)s with errors.", rows=3, valid=2, invalid=1
        )
    )
    expect(page.locator("#invalid-rows")).to_contain_text("telp")
    page.set_viewport_size({"width": 390, "height": 800})
    shot(page, "exchange-intake-preview-390")
    page.set_viewport_size({"width": 1366, "height": 800})
    shot(page, "exchange-intake-preview-1366")
    click_to_load(page, page.locator("#commit-valid"))
    expect(page).to_have_url(re.compile(r"/admin/(jobs|exchange/job)/\d+/$"))
    # the job's page reloads itself until the worker is done, then shows the report
    expect(page.locator("#result-summary")).to_contain_text(
        live.text(
            "%(made)s cases made, %(updated)s applicants updated, %(refused)s rows refused.",
            made=2,
            updated=0,
            refused=1,
        ),
        timeout=60_000,
    )
    shot(page, "exchange-intake-result")
    with live.session() as s:
        made = s.scalar(
            select(func.count()).select_from(Case).join(Schedule).where(Schedule.code == schedule)
        )
    assert made == 2
    click_to_load(page, page.locator("#made-cases a").first)
    expect(page.locator("body")).to_contain_text("Impor Browser 1")
