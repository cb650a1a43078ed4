"""Background work in the browser: a ZIP of 1,000 certificates started from the certificate
list shows its progress and downloads; the outbox screen shows what the worker sent. A real
worker process and a real SMTP server on loopback serve the session's portal."""

from __future__ import annotations

import re
import zipfile
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import insert, select

from portal.models import Applicant, Case, CaseUnit, Certificate, Scheme
from portal.outbox import queue_email
from portal.transactions import writing
from tests.mail import _Handler

from .helpers import click_to_load, log_in, shot
from .world import CERT_HEAD, SECRETARIAT, Live

pytestmark = pytest.mark.e2e

ISSUED = date(2020, 2, 2)  # a day only these certificates were issued on
COUNT = 1000
BASE = 900_000  # ids far from the seeded rows


def _certificates(live: Live) -> None:
    """1,000 certified cases of the demo scheme with their certificates (Core inserts)."""
    with live.session() as session:
        scheme = session.scalar(select(Scheme).where(Scheme.code == "DEMO-LP"))
        units = [unit.id for unit in scheme.units]
        people = range(BASE, BASE + COUNT)
        applicants = [
            {
                "id": n,
                "nik": f"3171{n:012d}",
                "full_name": f"Pemegang E2E {n - BASE + 1}",
                "birth_place": "Jakarta",
                "birth_date": date(1980, 1, 1),
                "sex": "P",
                "address": "Jakarta",
                "phone": "+6281200000000",
                "education_level": "S1",
            }
            for n in people
        ]
        cases = [
            {"id": n, "reg_number": f"E2E-ZIP-{n}", "applicant_id": n, "scheme_id": scheme.id}
            for n in people
        ]
        for case in cases:
            case["status"] = "certified"
        certificates = [
            {
                "id": n,
                "number": f"{n - BASE + 1:05d}/LSP-PUST/E2E/2020",
                "series": "LSP-PUST/E2E/2020",
                "seq": n - BASE + 1,
                "verify_code": f"e2e-zip-{n:010d}",
                "case_id": n,
                "applicant_id": n,
                "scheme_id": scheme.id,
                "holder_name": f"Pemegang E2E {n - BASE + 1}",
                "issued_on": ISSUED,
                "expires_on": date(2023, 2, 2),
            }
            for n in people
        ]
        with writing(session):
            session.execute(insert(Applicant), applicants)
            session.execute(insert(Case), cases)
            session.execute(
                insert(CaseUnit),
                [{"case_id": n, "unit_id": u, "result": "K"} for n in people for u in units],
            )
            session.execute(insert(Certificate), certificates)


def test_a_zip_of_1000_certificates_shows_its_progress_and_downloads(
    page: Page, live: Live, worker: _Handler, tmp_path
) -> None:
    _certificates(live)
    log_in(page, CERT_HEAD)
    page.goto("/admin/certificate/")
    page.locator("#period-from").fill(ISSUED.isoformat())
    page.locator("#period-to").fill(ISSUED.isoformat())
    click_to_load(page, page.locator("#period-zip"))
    expect(page.locator("main, body")).to_contain_text("1.000")
    click_to_load(page, page.locator("#start-zip"))
    expect(page).to_have_url(re.compile(r"/admin/jobs/\d+/$"))
    # the page reloads itself: first "running" with some done, at last the download
    expect(page.locator("#job-status")).to_have_text("Berjalan", timeout=120_000)
    expect(page.locator("#job-counts")).to_contain_text(
        re.compile(r"[1-9][\d.]* dari 1\.000"), timeout=180_000
    )
    shot(page, "job-progress-1366")
    expect(page.locator("#job-download")).to_be_visible(timeout=900_000)
    expect(page.locator("#job-percent")).to_have_text("100%")
    shot(page, "job-done-1366")
    with page.expect_download() as download_info:
        page.locator("#job-download").click()
    download = download_info.value
    assert download.suggested_filename == "sertifikat-2020-02-02-2020-02-02.zip"
    path = tmp_path / "download.zip"
    download.save_as(path)
    names = zipfile.ZipFile(path).namelist()
    assert len(names) == COUNT and names[0] == "sertifikat-00001-LSP-PUST-E2E-2020.pdf"

    page.goto("/admin/jobs/")
    expect(page.locator("#my-jobs")).to_contain_text("Selesai")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "my-jobs-390")


def test_the_outbox_screen_shows_what_the_worker_sent(
    page: Page, live: Live, worker: _Handler
) -> None:
    with live.session() as session, writing(session):
        queue_email(
            session,
            to="pemegang.e2e@example.org",
            template="application_received",
            context={"name": "Pemegang E2E", "reg_number": "E2E-OUTBOX-1", "scheme": "Demo"},
            key="e2e:outbox:1",
        )
    log_in(page, SECRETARIAT)
    page.goto("/admin/outbox/")
    row = page.locator("tr", has_text="pemegang.e2e@example.org")
    for _ in range(60):  # the worker sends within seconds; reload until it says so
        if "Terkirim" in row.inner_text():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(row).to_contain_text("Permohonan E2E-OUTBOX-1 diterima")
    expect(row).to_contain_text("Terkirim")
    assert any(m["To"] == "pemegang.e2e@example.org" for m in worker.messages)
    shot(page, "outbox-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "outbox-390")
