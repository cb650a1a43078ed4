"""A decision meeting with its attendees is created and edited through its form."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import DecisionMeeting
from tests.conftest import login, make_user


def _token(client, url):
    return re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)
    ).group(1)


def test_a_meeting_is_saved_with_its_attendees_and_can_be_edited(client, app):
    chair = make_user("ketua", "chair", position="Ketua LSP")
    head = make_user("kabid", "certification_head", position="Kepala Bidang Sertifikasi")
    login(client, "ketua")
    response = client.post(
        "/admin/decision_meeting/new/",
        data={
            "csrf_token": _token(client, "/admin/decision_meeting/new/"),
            "held_on": clock.today().isoformat(),
            "place": "Jakarta",
            "chair": str(chair.id),
            "attendees-0-user": str(chair.id),
            "attendees-0-position": "Ketua LSP",
            "attendees-1-user": str(head.id),
            "attendees-1-position": "Kepala Bidang Sertifikasi",
            "minutes": "Rapat keputusan sertifikasi.",
        },
    )
    assert response.status_code == 302
    meeting = db.session.scalar(select(DecisionMeeting))
    assert {a.user_id for a in meeting.attendees} == {chair.id, head.id}
    edit = client.get(f"/admin/decision_meeting/edit/?id={meeting.id}")
    assert edit.status_code == 200
