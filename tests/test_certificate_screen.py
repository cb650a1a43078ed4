"""Certificates after issue (seed 2.9–2.12): suspend and reinstate with a reason, worklists,
re-certification started from the certificate's page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal import casework, clock
from portal.extensions import db
from portal.models import Case, Certificate, DecisionMeeting, MeetingAttendee
from tests.conftest import login, make_user
from tests.test_case_actions import make_case


def _issue(catalogue, chair, secretariat, assessor_user, issued_on: date) -> Certificate:
    """Take a case to an issued certificate through the workflow service."""
    case = make_case(catalogue)
    units = {
        u.id: {"verdict": "K", "evidence": "Portofolio", "methods": ["observasi"]}
        for u in catalogue["units"]
    }
    meeting = DecisionMeeting(held_on=issued_on, place="Jakarta", chair=chair)
    meeting.attendees = [
        MeetingAttendee(user=user, position="Anggota")
        for user in (chair, secretariat, assessor_user)
    ]
    db.session.add(meeting)
    db.session.commit()
    day = issued_on - timedelta(days=10)
    steps = [
        (secretariat, "submit", {}),
        (secretariat, "verify", {}),
        (secretariat, "record_self_assessment", {"units": units}),
        (
            secretariat,
            "assign_assessor",
            {"assessor_id": catalogue["assessor"].id, "assessment_date": day},
        ),
        (
            assessor_user,
            "pre_assess",
            {
                "units": units,
                "tuk_id": catalogue["tuk"].id,
                "assessment_date": day,
                "agreement_confirmed": True,
            },
        ),
        (assessor_user, "recommend", {"units": units}),
        (chair, "decide", {"meeting_id": meeting.id}),
        (chair, "issue", {"issued_on": issued_on}),
    ]
    for user, action, inputs in steps:
        outcome = casework.apply(db.session, action, [case.id], user, inputs, {"today": issued_on})
        assert outcome.done == [case.id], (action, outcome.skipped)
    return db.session.scalar(select(Certificate).where(Certificate.case_id == case.id))


@pytest.fixture
def certificate(app, catalogue):
    chair = make_user("ketua", "chair")
    secretariat = make_user("sekretariat", "secretariat")
    assessor_user = make_user("asesor", "assessor", assessor=catalogue["assessor"])
    make_user("kabid", "certification_head")
    return _issue(catalogue, chair, secretariat, assessor_user, clock.today() - timedelta(days=40))


def _change(client, action, certificate_id, reason):
    page = client.get(f"/admin/certificate/change/{action}/?id={certificate_id}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    return client.post(
        f"/admin/certificate/change/{action}/",
        data={
            "csrf_token": token.group(1),
            "apply": "1",
            "id": str(certificate_id),
            "reason": reason,
        },
    )


def test_suspending_shows_on_the_public_page_and_reinstating_restores_it(client, certificate):
    login(client, "kabid")
    _change(client, "suspend", certificate.id, "Laporan surveilan tidak masuk")
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).status == "suspended"
    public = client.get(f"/verifikasi?kode={certificate.verify_code}").get_data(as_text=True)
    assert "Dibekukan" in public
    _change(client, "reinstate", certificate.id, "Laporan sudah diterima")
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).status == "active"


def test_a_change_without_a_reason_changes_nothing(client, certificate):
    login(client, "kabid")
    response = _change(client, "suspend", certificate.id, "")
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).status == "active"


def test_secretariat_may_not_suspend(client, certificate):
    login(client, "sekretariat")
    response = client.get(f"/admin/certificate/change/suspend/?id={certificate.id}")
    assert response.status_code == 403


def test_expiring_worklist_and_recertification_from_the_certificate_page(client, certificate):
    certificate.expires_on = clock.today() + timedelta(days=60)
    db.session.commit()
    login(client, "kabid")
    listing = client.get("/admin/certificate/?worklist=expiring").get_data(as_text=True)
    assert certificate.number in listing
    details = client.get(f"/admin/certificate/details/?id={certificate.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', details).group(1)
    response = client.post(
        "/admin/certificate/recertify/", data={"csrf_token": token, "id": str(certificate.id)}
    )
    assert response.status_code == 302
    new_case = db.session.scalar(select(Case).where(Case.previous_certificate_id == certificate.id))
    assert new_case.purpose == "sertifikasi_ulang" and new_case.status == "draft"
    assert [u.unit_id for u in new_case.units] == [u.unit_id for u in certificate.case.units]


def test_a_certificate_far_from_expiry_is_not_on_the_expiring_list(client, certificate):
    login(client, "kabid")
    listing = client.get("/admin/certificate/?worklist=expiring").get_data(as_text=True)
    assert certificate.number not in listing


def test_a_surveillance_report_moves_the_next_due_date_on(client, certificate):
    first_due = certificate.next_surveillance_due
    login(client, "sekretariat")
    page = client.get("/admin/surveillance/new/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/admin/surveillance/new/",
        data={
            "csrf_token": token,
            "certificate": str(certificate.id),
            "submitted_on": clock.today().isoformat(),
            "placement": "Perpustakaan Nasional",
            "duties": "Layanan referensi",
            "job_fit": "sesuai",
        },
    )
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).next_surveillance_due > first_due
