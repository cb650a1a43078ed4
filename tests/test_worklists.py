"""The surveillance and expiry worklists (issue 15): due date, days overdue, the holder's
contact, the most urgent first, "Catat surveilan" on the row and on the certificate's page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import Applicant
from tests.conftest import login, make_user
from tests.test_certificate_screen import _issue


@pytest.fixture
def overdue(app, catalogue):
    """Two active certificates whose surveillance fell due 10 and 3 days ago."""
    chair = make_user("ketua", "chair")
    secretariat = make_user("sekretariat", "secretariat")
    assessor_user = make_user("asesor", "assessor", assessor=catalogue["assessor"])
    make_user("mutu", "quality_head")
    today = clock.today()
    certificates = []
    for days in (3, 10):
        certificate = _issue(catalogue, chair, secretariat, assessor_user, today - timedelta(40))
        certificate.next_surveillance_due = today - timedelta(days=days)
        certificate.case.reg_number = f"APL-TEST-9{days:05d}"  # the next one is made as …0001
        certificates.append(certificate)
        catalogue["applicant"] = Applicant(
            nik="3171011708450002",
            full_name="Rina Wati",
            birth_place="Bandung",
            birth_date=date(1980, 1, 1),
            sex="P",
            address="Bandung",
            phone="+6281200000002",
            education_level="S1",
            library_field=True,
        )
        db.session.commit()
    return certificates


def _rows(page: str) -> list[str]:
    return re.findall(r"<tr>\s*<td class=\"list-checkbox-column\">.*?</tr>", page, re.S) or [
        row for row in re.findall(r"<tr.*?</tr>", page, re.S) if 'name="rowid"' in row
    ]


def test_the_overdue_list_shows_days_overdue_contact_and_the_oldest_first(client, overdue):
    login(client, "sekretariat")
    page = client.get("/admin/certificate/?worklist=surveillance_overdue").get_data(as_text=True)
    rows = _rows(page)
    assert len(rows) == 2
    assert "terlambat 10 hari" in rows[0] and "terlambat 3 hari" in rows[1]
    assert 'href="tel:+6281200000002"' in rows[0]  # the second holder's
    assert f"/admin/surveillance/new/?certificate={overdue[1].id}" in rows[0]
    assert "Catat surveilan" in rows[0]


def test_catat_surveilan_opens_the_form_for_that_certificate(client, overdue):
    login(client, "sekretariat")
    details = client.get(f"/admin/certificate/details/?id={overdue[0].id}").get_data(as_text=True)
    link = re.search(r'href="(/admin/surveillance/new/\?certificate=\d+)"', details).group(1)
    form = client.get(link).get_data(as_text=True)
    assert re.search(rf'<option selected value="{overdue[0].id}"|value="{overdue[0].id}"', form)
    assert overdue[0].number in form


def test_the_worklists_are_tabs_not_a_hidden_menu_and_sortable_by_due_date(client, overdue):
    login(client, "sekretariat")
    page = client.get("/admin/certificate/").get_data(as_text=True)
    assert 'id="certificate-worklists"' in page and "nav-pills" in page
    assert "worklist=surveillance_due" in page and "worklist=expiring" in page
    assert re.search(r'href="[^"]*sort=\d[^"]*"[^>]*>\s*Jatuh tempo surveilan berikutnya', page)


def test_those_who_do_not_record_surveillance_are_not_offered_it(client, overdue):
    login(client, "mutu")
    page = client.get("/admin/certificate/?worklist=surveillance_overdue").get_data(as_text=True)
    assert "terlambat 10 hari" in page
    assert "/admin/surveillance/new/" not in page
