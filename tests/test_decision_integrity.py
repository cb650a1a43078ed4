"""The decision-integrity rules, tried through the admin screens as each role would."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.casework.offers import case_offer
from portal.digest import send_digests
from portal.extensions import db
from portal.models import (
    Appeal,
    Assessor,
    AuditEvent,
    Case,
    CaseUnit,
    Complaint,
    DecisionMeeting,
    MeetingAddendum,
    MeetingAttendee,
    OutboxMessage,
    User,
)
from portal.rules.vocabulary import AppealStatus, CaseStatus, Role
from portal.rules.workflow import APPEAL_QUESTIONS, Action
from tests import test_casework, test_waiting
from tests.conftest import csrf_token, login, make_user
from tests.test_audit_records import _save_edit
from tests.test_case_actions import act, status_of
from tests.test_documents import pdf_text

world = test_casework.world  # the fixture: catalogue, a meeting of three, one user per role


def _assessed_case(world) -> int:
    world["chair"].locale = "en"  # the refusals below are read in English
    (case_id,) = test_casework.new_cases(world, 1, CaseStatus.ASSESSED)
    db.session.execute(
        update(CaseUnit).where(CaseUnit.case_id == case_id).values(recommendation="K")
    )
    db.session.commit()
    return case_id


def test_a_meeting_without_quorum_decides_nothing(client, world):
    case_id = _assessed_case(world)
    small = DecisionMeeting(
        held_on=world["meeting"].held_on,
        place="Jakarta",
        chair=world["chair"],
        attendees=[MeetingAttendee(user=world["chair"], position="Ketua LSP")],
    )
    db.session.add(small)
    db.session.commit()
    login(client, "ketua")
    page = act(client, "decide", case_id, meeting_id=str(small.id)).get_data(as_text=True)
    assert "The decision meeting has 1 attendees; the quorum is 3." in page
    assert status_of(case_id) == CaseStatus.ASSESSED


def test_a_chair_absent_from_the_meeting_cannot_record_its_decision(client, world):
    case_id = _assessed_case(world)
    make_user("ketua2", Role.CHAIR.value, locale="en")
    login(client, "ketua2")
    page = act(client, "decide", case_id, meeting_id=str(world["meeting"].id))
    assert "You are not recorded as present at the decision meeting." in page.get_data(as_text=True)
    assert status_of(case_id) == CaseStatus.ASSESSED


def test_the_quorum_follows_the_configuration(app, client, world):
    app.config["LSP_MEETING_QUORUM"] = 4
    case_id = _assessed_case(world)
    login(client, "ketua")
    page = act(client, "decide", case_id, meeting_id=str(world["meeting"].id))
    assert "the quorum is 4." in page.get_data(as_text=True)
    app.config["LSP_MEETING_QUORUM"] = 3
    act(client, "decide", case_id, meeting_id=str(world["meeting"].id))
    assert status_of(case_id) == CaseStatus.COMPETENT


def test_the_standards_head_decides_an_appeal_on_the_case_screen(client, world):
    (case_id,) = test_casework.new_cases(world, 1, CaseStatus.APPEALED)
    db.session.execute(
        update(Case).where(Case.id == case_id).values(decided_by_id=world["chair"].id)
    )
    db.session.commit()
    make_user("standar", Role.STANDARDS_HEAD.value)
    login(client, "standar")
    assert client.get(f"/admin/case/details/?id={case_id}").status_code == 200
    act(client, "decide_appeal", case_id, outcome="rejected", reason="Bukti tidak cukup")
    assert status_of(case_id) == CaseStatus.CLOSED


def _admin():
    return make_user("admin2", Role.ADMIN.value, locale="en")


def test_an_admin_cannot_grant_itself_the_chair_role(client, world):
    me = _admin()
    login(client, "admin2")
    page = _save_edit(client, "user", me.id, {"role_names": [Role.ADMIN.value, Role.CHAIR.value]})
    assert page.status_code == 200
    assert "You cannot grant yourself a deciding role: chair." in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, me.id).roles == {Role.ADMIN.value}
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.record_id == me.id)).all() == []


def test_an_admin_account_is_refused_a_deciding_role_given_by_another(client, world):
    _admin()
    other = make_user("admin3", Role.ADMIN.value)
    login(client, "admin2")
    page = _save_edit(
        client, "user", other.id, {"role_names": [Role.ADMIN.value, Role.QUALITY_HEAD.value]}
    )
    assert "An administrator cannot also hold a deciding role (quality_head)" in page.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(User, other.id).roles == {Role.ADMIN.value}


def test_a_complaint_about_a_case_is_not_handled_by_its_asesor(client, world):
    (case_id,) = test_casework.new_cases(world, 1, CaseStatus.ASSESSED)
    db.session.execute(
        update(Case).where(Case.id == case_id).values(assessor_id=world["asesor"].id)
    )
    db.session.commit()
    assessor_user = world["assessor"]
    make_user("mutu2", Role.QUALITY_HEAD.value, locale="en")
    login(client, "mutu2")
    form = {
        "csrf_token": csrf_token(client, "/admin/complaint/new/"),
        "received_on": "2026-03-02",
        "complainant_name": "Ani",
        "subject": "Penilaian asesor",
        "description": "Asesor tidak adil",
        "case": str(case_id),
        "handler": str(assessor_user.id),
        "status": "open",
    }
    page = client.post("/admin/complaint/new/", data=form)
    assert "The asesor of the case cannot handle a complaint about it." in page.get_data(
        as_text=True
    )
    assert db.session.scalar(select(Complaint)) is None
    form["handler"] = str(world["quality"].id)
    assert client.post("/admin/complaint/new/", data=form).status_code == 302
    assert db.session.scalar(select(Complaint)).handler_id == world["quality"].id


def test_a_meeting_cited_by_a_decision_is_locked_but_its_place_may_be_corrected(client, world):
    case_id = _assessed_case(world)
    login(client, "ketua")
    act(client, "decide", case_id, meeting_id=str(world["meeting"].id))
    assert status_of(case_id) == CaseStatus.COMPETENT
    meeting = world["meeting"]
    form = client.get(f"/admin/decision_meeting/edit/?id={meeting.id}").get_data(as_text=True)
    assert 'name="place"' in form  # what may still change, and why the rest is not there
    assert not re.search(r'name="(held_on|chair|minutes|attendees-0-position)"', form)
    assert "its Attendees, Chaired by, Date, Minutes (berita acara) can" in form, "not codes"
    page = _save_edit(client, "decision_meeting", meeting.id, {"minutes": "Ditulis ulang"})
    assert page.status_code == 302 and "/details/" in page.location
    shown = client.get(page.location).get_data(as_text=True)
    assert "its Minutes (berita acara) can no longer be changed" in shown
    page = _save_edit(client, "decision_meeting", meeting.id, {"attendees-0-position": "X"})
    assert "its Attendees can no longer be changed" in client.get(page.location).get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(DecisionMeeting, meeting.id).minutes is None
    assert _save_edit(client, "decision_meeting", meeting.id, {"place": "Bogor"}).status_code == 302
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "decision_meeting")
    ).all()
    assert [e.changes for e in events] == [{"place": ["Jakarta", "Bogor"]}]


def test_a_pending_appeal_closes_with_its_withdrawn_case(client, world):
    (case_id,) = test_casework.new_cases(world, 1, CaseStatus.NOT_YET_COMPETENT)
    answers = dict.fromkeys(APPEAL_QUESTIONS, True)
    appealed = test_casework.run(
        world, "secretariat", Action.APPEAL, [case_id], reason="Asesor keliru", **answers
    )
    assert appealed.done == [case_id]
    login(client, "sekretariat")
    act(client, "withdraw", case_id, reason="Asesi mengundurkan diri")
    assert status_of(case_id) == CaseStatus.WITHDRAWN
    appeal = db.session.scalar(select(Appeal).where(Appeal.case_id == case_id))
    assert (appeal.status, appeal.decision_reason) == (
        AppealStatus.WITHDRAWN,
        "Asesi mengundurkan diri",
    )
    assert appeal.decided_by_id == world["secretariat"].id


def test_a_decision_against_the_recommendation_needs_and_keeps_a_reason(client, world):
    case_id = _assessed_case(world)
    unit = world["units"][0]
    login(client, "ketua")
    meeting = str(world["meeting"].id)
    page = act(client, "decide", case_id, meeting_id=meeting, **{f"unit{unit.id}__verdict": "BK"})
    assert f"Give the reason for deciding unit {unit.code} against the asesor" in page.get_data(
        as_text=True
    )
    assert status_of(case_id) == CaseStatus.ASSESSED
    act(
        client,
        "decide",
        case_id,
        meeting_id=meeting,
        **{f"unit{unit.id}__verdict": "BK", f"unit{unit.id}__reason": "Portofolio tidak asli"},
    )
    assert status_of(case_id) == CaseStatus.NOT_YET_COMPETENT
    reasons = dict(
        db.session.execute(
            select(CaseUnit.unit_id, CaseUnit.decision_reason).where(CaseUnit.case_id == case_id)
        ).all()
    )
    assert reasons == {unit.id: "Portofolio tidak asli", world["units"][1].id: None}


def test_an_upheld_appeal_past_the_reassessment_limit_closes_the_case(app, client, world):
    (case_id,) = test_casework.new_cases(world, 1, CaseStatus.NOT_YET_COMPETENT)
    db.session.execute(update(CaseUnit).where(CaseUnit.case_id == case_id).values(result="K"))
    spent = db.session.scalars(select(CaseUnit).where(CaseUnit.case_id == case_id)).first()
    spent.result, spent.reassessment_count = "BK", 3
    db.session.commit()
    answers = dict.fromkeys(APPEAL_QUESTIONS, True)
    test_casework.run(
        world, "secretariat", Action.APPEAL, [case_id], reason="Asesor keliru", **answers
    )
    login(client, "mutu")
    act(client, "decide_appeal", case_id, outcome="upheld", reason="Bukti baru diterima")
    assert status_of(case_id) == CaseStatus.CLOSED, "not left in Banding"
    case = db.session.get(Case, case_id)
    db.session.refresh(case)
    assert case.closing_reason == "Bukti baru diterima"
    assert db.session.scalar(select(Appeal.status).where(Appeal.case_id == case_id)) == "upheld"
    secretariat = app.test_client()
    login(secretariat, "sekretariat")
    page = secretariat.get(f"/admin/case/details/?id={case_id}").get_data(as_text=True)
    assert 'id="start-new-application"' in page, "the case links to the new application"


def test_the_deputy_chair_decides_a_case_whose_trainer_is_the_chair(client, world):
    conflicted = _assessed_case(world)
    (plain,) = test_casework.new_cases(world, 1, CaseStatus.ASSESSED)
    db.session.execute(
        update(Case).where(Case.id == conflicted).values(trainer_user_id=world["chair"].id)
    )
    deputy = make_user("wakil", Role.DEPUTY_CHAIR.value, locale="en")
    meeting = DecisionMeeting(
        held_on=world["meeting"].held_on,
        place="Jakarta",
        chair=deputy,
        attendees=[
            MeetingAttendee(user=deputy, position="Wakil Ketua LSP"),
            MeetingAttendee(user=world["quality"], position="Kepala Bidang Mutu"),
            MeetingAttendee(user=world["head"], position="Kepala Bidang Sertifikasi"),
        ],
    )
    db.session.add(meeting)
    db.session.commit()
    decide = f"/admin/case/act/decide/?id={conflicted}"
    login(client, "ketua")
    page = act(client, "decide", conflicted, meeting_id=str(world["meeting"].id))
    assert "The trainer of this applicant cannot decide this case." in page.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, "wakil")
    assert decide in client.get(f"/admin/case/details/?id={conflicted}").get_data(as_text=True)
    assert "/act/decide/" not in client.get(f"/admin/case/details/?id={plain}").get_data(
        as_text=True
    )
    page = act(client, "decide", plain, meeting_id=str(meeting.id))
    assert "The deputy chair decides only when the chair" in page.get_data(as_text=True)
    act(client, "decide", conflicted, meeting_id=str(meeting.id))
    assert status_of(conflicted) == CaseStatus.COMPETENT
    assert db.session.get(Case, conflicted).decided_by_id == deputy.id
    assert status_of(plain) == CaseStatus.ASSESSED


def test_the_deputy_chair_is_given_to_decide_exactly_the_cases_offered(app, client, world):
    """ "Menunggu Anda" counts and lists for the deputy what the DECIDE row offers them: the
    cases whose chair is their trainer or their asesor, not every assessed case (#11, #15)."""
    trained, chair_assessed, plain, other = (_assessed_case(world) for _ in range(4))
    chair_asesor = Assessor(
        full_name="Ketua sebagai asesor",
        met_number="MET-KETUA",
        licence_valid_until=world["meeting"].held_on + timedelta(days=365),
        schemes=[world["scheme"]],
    )
    world["chair"].assessor = chair_asesor
    db.session.flush()
    db.session.execute(
        update(Case).where(Case.id == trained).values(trainer_user_id=world["chair"].id)
    )
    db.session.execute(
        update(Case).where(Case.id == chair_assessed).values(assessor_id=chair_asesor.id)
    )
    db.session.execute(update(Case).where(Case.id == other).values(assessor_id=world["asesor"].id))
    db.session.commit()
    deputy = make_user("wakil", Role.DEPUTY_CHAIR.value)
    assessed = [trained, chair_assessed, plain, other]
    offered = {
        case_id
        for case_id in assessed
        if (o := case_offer(db.session, case_id, Action.DECIDE, deputy, app.config))
        and o.refusal is None
    }
    assert offered == {trained, chair_assessed}
    login(client, "wakil")
    home = client.get("/admin/").get_data(as_text=True)
    url, count, _late = test_waiting._cards(home)["decide"]
    assert count == len(offered)
    numbers = dict(db.session.execute(select(Case.id, Case.reg_number)).all())
    listing = client.get(url).get_data(as_text=True)
    for case_id in assessed:
        expected = case_id in offered
        assert (numbers[case_id] in home) is expected, case_id
        assert (numbers[case_id] in listing) is expected, case_id

    # The chair is given the others: a case he trained or assessed is not his to decide.
    chair_offered = {
        case_id
        for case_id in assessed
        if (o := case_offer(db.session, case_id, Action.DECIDE, world["chair"], app.config))
        and o.refusal is None
    }
    assert chair_offered == {plain, other}
    chair = app.test_client()
    login(chair, "ketua")
    home = chair.get("/admin/").get_data(as_text=True)
    url, count, _late = test_waiting._cards(home)["decide"]
    assert count == len(chair_offered)
    listing = chair.get(url).get_data(as_text=True)
    for case_id in assessed:
        expected = case_id in chair_offered
        assert (numbers[case_id] in home) is expected, case_id
        assert (numbers[case_id] in listing) is expected, case_id
    world["chair"].email = "ketua@example.org"
    db.session.commit()
    app.config["DIGEST_HOUR"] = 0
    send_digests(db.session)
    digest = db.session.scalar(
        select(OutboxMessage.context).where(OutboxMessage.recipient == "ketua@example.org")
    )
    assert [d["count"] for d in digest["lists"] if "worklist=decide" in d["path"]] == [2]


def test_a_meeting_held_before_the_recommendation_decides_nothing(client, world):
    case_id = _assessed_case(world)
    later = world["meeting"].held_on + timedelta(days=1)  # the meeting is on 2 March 2026
    db.session.execute(update(Case).where(Case.id == case_id).values(recommended_on=later))
    db.session.commit()
    login(client, "ketua")
    page = act(client, "decide", case_id, meeting_id=str(world["meeting"].id))
    expected = "was held before the recommendation of March 3, 2026."
    assert expected in page.get_data(as_text=True)
    assert status_of(case_id) == CaseStatus.ASSESSED


def test_a_cited_meeting_is_corrected_by_an_audited_addendum(client, world):
    case_id = _assessed_case(world)
    login(client, "ketua")
    act(client, "decide", case_id, meeting_id=str(world["meeting"].id))
    meeting_id = world["meeting"].id
    page = client.get(f"/admin/decision_meeting/edit/?id={meeting_id}")
    assert "Record a correction as an addendum on the meeting" in page.get_data(as_text=True)
    details = f"/admin/decision_meeting/details/?id={meeting_id}"
    form = {"csrf_token": csrf_token(client, details), "id": str(meeting_id)}
    text = "Jabatan peserta ketiga: Kepala Bidang Sertifikasi."
    response = client.post("/admin/decision_meeting/addendum/", data={**form, "text": text})
    assert response.status_code == 302
    page = client.get(details).get_data(as_text=True)
    assert text in page and 'id="addendum-text"' in page
    addendum = db.session.scalar(select(MeetingAddendum))
    assert (addendum.meeting_id, addendum.author_id) == (meeting_id, world["chair"].id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting_addendum"))
    assert (event.record_type, event.record_id, event.note) == (
        "decision_meeting",
        meeting_id,
        text,
    )
    assert text in pdf_text(client.get(f"/documents/meetings/{meeting_id}/minutes.pdf").data)
    for bad in ("", "x", "-1", "99999999999999999999999"):
        posted = {**form, "id": bad, "text": text}
        assert client.post("/admin/decision_meeting/addendum/", data=posted).status_code == 404

    make_user("mutu2", Role.QUALITY_HEAD.value, locale="en")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, "mutu2")
    assert 'id="addendum-text"' not in client.get(details).get_data(as_text=True)
    refused = client.post(
        "/admin/decision_meeting/addendum/",
        data={"csrf_token": csrf_token(client, details), "id": str(meeting_id), "text": "X"},
    )
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(MeetingAddendum)) == 1
    addendum.text = "Diubah"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
