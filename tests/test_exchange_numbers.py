"""BNSP numbers back in: matched by certificate number or NIK + scheme, a preview per row with
the errors per cell, all or nothing, audited per certificate, and idempotent."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Certificate
from tests.conftest import login, make_user, worked
from tests.exchange_data import add_codes, add_schedule, decided_case

URL = "/admin/exchange/bnsp-numbers/"
HEADER = ["nomor_sertifikat", "nik", "kode_skema", "nomor_registrasi", "nomor_blanko"]


@pytest.fixture
def certificates(app, catalogue) -> list[Certificate]:
    add_codes()
    schedule = add_schedule(catalogue)
    made = []
    for n in (1, 2, 3):
        case = decided_case(n, catalogue, schedule, "certified")
        cert = Certificate(
            number=f"0000{n}/LSP-PUST/KLP/2026",
            series="/LSP-PUST/KLP/2026",
            seq=n,
            verify_code=f"V{n}",
            case=case,
            applicant=case.applicant,
            scheme=catalogue["scheme"],
            holder_name=case.applicant.full_name,
            issued_on=date(2026, 3, 10),
            expires_on=date(2029, 3, 10),
        )
        db.session.add(cert)
        made.append(cert)
    made[2].bnsp_registration_number = "REG-OLD-3"
    db.session.commit()
    return made


@pytest.fixture
def staff(client):
    make_user("sekretariat", "secretariat", locale="en")
    login(client, "sekretariat")
    return client


def xlsx(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "bnsp.xlsx", url: str = URL):
    token = _token(client.get(url).get_data(as_text=True))
    return client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def commit(client, preview_html: str) -> str:
    """Commit the previewed upload; the report of the job that records it."""
    token = re.search(r'name="token" value="([^"]+)"', preview_html).group(1)
    data = {"csrf_token": _token(preview_html), "token": token}
    return worked(client, client.post(URL + "commit/", data=data))


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _numbers() -> list[tuple]:
    return db.session.execute(
        select(Certificate.bnsp_registration_number, Certificate.blanko_number).order_by(
            Certificate.id
        )
    ).all()


def _events() -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == "import_bnsp_numbers"))


GOOD = [
    ["00001/LSP-PUST/KLP/2026", "", "", "REG-0001", "BL-0001"],
    ["", "3171015708800002", "KLP", "REG-0002", "BL-0002"],  # matched by NIK + scheme
]


def test_preview_then_commit_writes_every_number_and_audits_each_certificate(staff, certificates):
    preview = upload(staff, xlsx(GOOD))
    html = preview.get_data(as_text=True)
    assert "2 rows: 2 certificates to change, 0 rows with errors" in html
    assert "REG-0002" in html and "00002/LSP-PUST/KLP/2026" in html
    assert _numbers()[0] == (None, None)  # the preview wrote nothing
    done = commit(staff, html)
    assert "BNSP numbers recorded on 2 certificates." in done
    db.session.expire_all()
    assert _numbers()[:2] == [("REG-0001", "BL-0001"), ("REG-0002", "BL-0002")]
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.certificate_id, e.note) for e in events] == [
        (certificates[0].id, "bnsp.xlsx"),
        (certificates[1].id, "bnsp.xlsx"),
    ]
    assert events[0].data == {
        "bnsp_registration_number": [None, "REG-0001"],
        "blanko_number": [None, "BL-0001"],
    }


def test_importing_the_same_file_again_changes_nothing(staff, certificates):
    commit(staff, upload(staff, xlsx(GOOD)).get_data(as_text=True))
    again = upload(staff, xlsx(GOOD)).get_data(as_text=True)
    assert "0 certificates to change, 0 rows with errors" in again
    assert "already recorded" in again
    assert 'id="commit-form"' not in again
    assert _events() == 2


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (["99999/NOPE", "", "", "REG-9", ""], "nomor_sertifikat", "unknown certificate"),
        (["", "3171011708800099", "KLP", "REG-9", ""], "nik", "no certificate for this NIK"),
        (["", "12345", "KLP", "REG-9", ""], "nik", "NIK must have 16 digits"),
        (["00001/LSP-PUST/KLP/2026", "", "", "REG<script>", ""], "nomor_registrasi", "at most 64"),
        (["00001/LSP-PUST/KLP/2026", "", "", "", ""], "nomor_registrasi", "no number to record"),
        (
            ["00001/LSP-PUST/KLP/2026", "", "", "REG-OLD-3", ""],
            "nomor_registrasi",
            "already used by certificate 00003",
        ),
        (
            ["00003/LSP-PUST/KLP/2026", "", "", "REG-NEW", ""],
            "nomor_registrasi",
            "already has number REG-OLD-3",
        ),
    ],
)
def test_each_refusal_is_shown_on_its_cell_and_nothing_is_recorded(
    staff, certificates, row, column, reason
):
    html = upload(staff, xlsx([GOOD[1], row])).get_data(as_text=True)
    assert "1 rows with errors" in html
    assert f"<code>{column}</code>: " in html
    assert reason in html
    assert 'id="commit-form"' not in html
    refused = commit_with_token_of_upload(staff, html)
    assert "Nothing was recorded" in refused
    assert _numbers()[1] == (None, None)
    assert _events() == 0


def commit_with_token_of_upload(client, html: str) -> str:
    """Post the commit of the kept upload although the preview offered no button."""
    with client.session_transaction() as kept:
        upload_token = next(iter(kept["exchange_pending"]))
    data = {"csrf_token": _token(html), "token": upload_token}
    return worked(client, client.post(URL + "commit/", data=data))


def test_a_number_twice_in_the_file_and_a_certificate_twice(staff, certificates):
    rows = [
        ["00001/LSP-PUST/KLP/2026", "", "", "REG-X", ""],
        ["00002/LSP-PUST/KLP/2026", "", "", "REG-X", ""],
        ["00001/LSP-PUST/KLP/2026", "", "", "REG-Y", ""],
    ]
    html = upload(staff, xlsx(rows)).get_data(as_text=True)
    assert "used twice in the file" in html
    assert "the certificate is twice in the file" in html


def test_a_file_without_the_columns_is_refused(staff, certificates):
    refused = upload(staff, xlsx([["a"]], header=["nama"]))
    assert refused.status_code == 302
    assert "needs the columns" in staff.get(URL).get_data(as_text=True)


def test_csv_works_too(staff, certificates):
    data = ("\ufeff" + ";".join(HEADER) + "\n00001/LSP-PUST/KLP/2026;;;REG-1;BL-1\n").encode()
    html = upload(staff, data, "bnsp.csv").get_data(as_text=True)
    assert "1 certificates to change" in html


def test_an_asesor_or_reader_may_not_import(client, certificates):
    make_user("kepala", "certification_head")
    login(client, "kepala")
    assert client.get(URL).status_code == 403


def test_a_large_file_is_checked_by_the_worker_and_previewed_from_its_report(
    app, staff, certificates
):
    app.config["IMPORT_INLINE_BYTES"] = 100
    html = worked(staff, upload(staff, xlsx(GOOD)))
    assert "2 rows: 2 certificates to change, 0 rows with errors" in html
    assert "REG-0002" in html and 'id="commit-form"' in html
    assert "BNSP numbers recorded on 2 certificates." in commit(staff, html)
    db.session.expire_all()
    assert _numbers()[:2] == [("REG-0001", "BL-0001"), ("REG-0002", "BL-0002")]
