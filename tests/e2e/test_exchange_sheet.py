"""The BNSP sheet as staff make it in the browser: from the schedule's row, the pre-check with its
gaps and links, the gaps accepted, the XLSX downloaded."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.models import Applicant, Assessor, Case, CaseUnit, Schedule, Scheme, Tuk
from portal.rules import bnsp

from .helpers import click_to_load, log_in, shot
from .world import SECRETARIAT, Live, new_nik, unique

pytestmark = pytest.mark.e2e


def _decided_schedule(live: Live) -> str:
    """A held schedule with a K and a BK candidate; the BK one has no occupation code."""
    code = unique("E2E-BNSP").replace(" ", "-")
    with live.session() as s:
        scheme = s.scalar(select(Scheme).where(Scheme.code == "DEMO-LP"))
        held = live.today - timedelta(days=7)
        schedule = Schedule(
            code=code,
            scheme=scheme,
            tuk=s.scalar(select(Tuk).order_by(Tuk.id)),
            starts_on=held,
            ends_on=held,
            registration_deadline=held - timedelta(days=7),
            quota=10,
        )
        assessor = s.scalar(select(Assessor).order_by(Assessor.id))
        for n, (status, occupation) in enumerate(
            (("competent", "DM1"), ("not_yet_competent", None))
        ):
            person = Applicant(
                nik=new_nik(),
                full_name=f"Lapor BNSP {n}",
                birth_place="Jakarta",
                birth_date=held.replace(year=2001, month=1, day=1),
                sex="L",
                address="Jl. Salemba Raya 28A",
                phone="+6281234567890",
                education_level="S1",
                regency_code="3171",
                province_code="31",
                education_code="DM3",
                occupation_code=occupation,
                budget_source_code="DM1",
                ministry_code="DM1",
            )
            s.add(
                Case(
                    reg_number=unique("APL-E2E-BNSP").replace(" ", "-"),
                    applicant=person,
                    scheme=scheme,
                    schedule=schedule,
                    tuk=schedule.tuk,
                    assessor=assessor,
                    status=status,
                    assessment_date=held,
                    decided_on=held,
                    units=[CaseUnit(unit=u, result="K" if n == 0 else "BK") for u in scheme.units],
                )
            )
        s.commit()
    return code


def test_the_sheet_from_the_schedule_page_with_its_gaps_accepted(page: Page, live: Live) -> None:
    code = _decided_schedule(live)
    log_in(page, SECRETARIAT)
    page.goto(f"/admin/schedule/?search={code}")
    row = page.locator("tr", has_text=code)
    click_to_load(page, row.get_by_role("link", name=live.text("BNSP sheet")))
    expect(page.locator("#sheet-gaps")).to_contain_text("kode_pekerjaan")
    fix = page.locator("#sheet-gaps a").first
    expect(fix).to_have_attribute("href", re.compile(r"^/admin/applicant/edit/\?id=\d+"))
    shot(page, "exchange-sheet-check")
    page.locator("#accept").check()
    with page.expect_download() as download:
        page.locator("#sheet-download button[type=submit]").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == list(bnsp.COLUMNS)
    assert [r[-1] for r in rows[1:]] == ["K", "BK"]
    assert {r[bnsp.COLUMNS.index("kode_jadwal")] for r in rows[1:]} == {code}
