"""Every edit audited: each model's Flask-Admin screen writes exactly one audit event per save,
with the changed fields old → new; secrets show only "changed"; events are never rewritten."""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal import clock
from portal.extensions import db
from portal.models import (
    AuditEvent,
    BnspCode,
    Case,
    CaseUnit,
    Certificate,
    Complaint,
    DecisionMeeting,
    Element,
    MeetingAttendee,
    PublicDocument,
    Schedule,
    User,
)
from portal.rules.vocabulary import Role
from tests.conftest import csrf_token, login, make_user


class _FormFields(HTMLParser):
    """The name=value pairs a browser would post from the page's admin form."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self._in_form = False
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "admin-form" in (a.get("class") or ""):
            self._in_form = True
        if not self._in_form or not a.get("name") and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.pairs.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select, self._options = (a["name"], "multiple" in a), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value") or "", "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            name, multiple = self._select
            chosen = [v for v, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self.pairs.extend((name, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one line break that starts a textarea's content.
            text = self._text
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self.pairs.append((self._textarea, text))
            self._textarea = None


def _save_edit(client, screen: str, record_id: int, changed: dict[str, str | list[str]]):
    """Open the record's edit form, change some fields as a user would (a list: the options
    chosen in a multiple select), and save it."""
    url = f"/admin/{screen}/edit/?id={record_id}"
    page = client.get(url)
    assert page.status_code == 200
    parser = _FormFields()
    parser.feed(page.get_data(as_text=True))
    data = [(k, v) for k, v in parser.pairs if k not in changed]
    for name, value in changed.items():
        data += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    return client.post(url, data=MultiDict(data))


@pytest.fixture
def records(catalogue):
    """One saved record of every model with an edit screen."""
    staff = make_user("staf", Role.SECRETARIAT.value, full_name="Staf Lama")
    chair = make_user("ketua", Role.CHAIR.value, full_name="Ketua LSP")
    today = clock.today()
    element = Element(unit_id=catalogue["units"][0].id, number=1, title="Menyalakan komputer")
    schedule = Schedule(
        code="JDW-01",
        scheme=catalogue["scheme"],
        tuk=catalogue["tuk"],
        starts_on=today + timedelta(days=30),
        ends_on=today + timedelta(days=31),
        registration_deadline=today + timedelta(days=20),
        quota=20,
    )
    case = Case(
        reg_number="APL-2026-000001",
        applicant=catalogue["applicant"],
        scheme=catalogue["scheme"],
        declaration_name="Budi",
        units=[CaseUnit(unit_id=catalogue["units"][0].id)],
    )
    meeting = DecisionMeeting(
        held_on=today,
        place="Jakarta",
        chair=chair,
        attendees=[MeetingAttendee(user=chair, position="Ketua LSP")],
    )
    db.session.add_all([element, schedule, case, meeting])
    db.session.flush()
    certificate = Certificate(
        number="KLP/0001/2026",
        series="KLP/2026",
        seq=1,
        verify_code="ABCDEF123456",
        case_id=case.id,
        applicant_id=case.applicant_id,
        scheme_id=case.scheme_id,
        holder_name="Budi Santoso",
        issued_on=today,
        expires_on=today + timedelta(days=1095),
    )
    complaint = Complaint(
        received_on=today, complainant_name="Ani", subject="Jadwal", description="Terlambat"
    )
    document = PublicDocument(
        title="Jadwal uji",
        kind="house_rules",
        original_name="jadwal.pdf",
        stored_name="doc-000001.pdf",
        mime_type="application/pdf",
        size_bytes=10,
        sha256="0" * 64,
    )
    code = BnspCode(kind="pendidikan", code="S1", name="Sarjana")
    db.session.add_all([certificate, complaint, document, code])
    db.session.commit()
    return {
        "applicant": catalogue["applicant"],
        "tuk": catalogue["tuk"],
        "scheme": catalogue["scheme"],
        "unit": catalogue["units"][0],
        "assessor": catalogue["assessor"],
        "element": element,
        "schedule": schedule,
        "case": case,
        "decision_meeting": meeting,
        "certificate": certificate,
        "complaint": complaint,
        "public_document": document,
        "bnsp_code": code,
        "user": staff,
    }


# screen → the field changed through the form, its new value, and [old, new] in the event
EDITS = {
    "applicant": ("full_name", "Budi Santosa", ["Budi Santoso", "Budi Santosa"]),
    "tuk": ("name", "TUK Perpusnas Salemba", ["TUK Perpusnas", "TUK Perpusnas Salemba"]),
    "scheme": (
        "title",
        "Klaster Layanan Pemustaka Madya",
        ["Klaster Layanan Pemustaka", "Klaster Layanan Pemustaka Madya"],
    ),
    "unit": (
        "title",
        "Demo: Mengoperasikan komputer kantor",
        ["Demo: Mengoperasikan komputer", "Demo: Mengoperasikan komputer kantor"],
    ),
    "assessor": ("institution", "Perpusnas", [None, "Perpusnas"]),
    "element": ("title", "Mematikan komputer", ["Menyalakan komputer", "Mematikan komputer"]),
    "schedule": ("quota", "30", [20, 30]),
    "case": ("declaration_name", "Budi Santoso", ["Budi", "Budi Santoso"]),
    "decision_meeting": ("place", "Bandung", ["Jakarta", "Bandung"]),
    "certificate": ("bnsp_registration_number", "REG-77", [None, "REG-77"]),
    "complaint": ("subject", "Jadwal ujian", ["Jadwal", "Jadwal ujian"]),
    "public_document": ("title", "Jadwal uji 2026", ["Jadwal uji", "Jadwal uji 2026"]),
    "bnsp_code": ("name", "Sarjana (S1)", ["Sarjana", "Sarjana (S1)"]),
    "user": ("full_name", "Staf Baru", ["Staf Lama", "Staf Baru"]),
}


def _officer():
    """Someone who may write every screen (all roles but asesor, whose view is scoped)."""
    return make_user("petugas", *(r.value for r in Role if r != Role.ASSESSOR))


def _events_for(record_type: str, record_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.record_type == record_type, AuditEvent.record_id == record_id
            )
        )
    )


@pytest.mark.parametrize("screen", sorted(EDITS))
def test_an_edit_through_the_screen_writes_one_event_with_the_changed_field(
    client, records, screen
):
    officer = _officer()
    login(client, "petugas")
    record = records[screen]
    field, value, change = EDITS[screen]
    response = _save_edit(client, screen, record.id, {field: value})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    (event,) = _events_for(type(record).__tablename__, record.id)
    assert (event.action, event.user_id) == ("record_updated", officer.id)
    assert event.changes == {field: change}


def test_every_screen_with_an_edit_form_is_covered(app):
    admin = app.extensions["portal_admin"]
    editable = {v.endpoint for v in admin._views if getattr(v, "allow_edit", False)}
    assert editable == set(EDITS)


def test_a_role_change_and_a_new_password_are_audited_without_the_hash(client, records):
    _officer()
    login(client, "petugas")
    user = records["user"]
    response = _save_edit(
        client,
        "user",
        user.id,
        {"role_names": Role.QUALITY_HEAD.value, "new_password": "kata-sandi-baru-99"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    (event,) = _events_for("user", user.id)
    assert event.changes == {
        "password_hash": "changed",
        "role_rows": [[Role.SECRETARIAT.value], [Role.QUALITY_HEAD.value]],
    }
    assert db.session.get(User, user.id).password_hash not in str(event.changes)


def test_attendees_added_and_edited_are_in_the_meeting_event(client, records):
    _officer()
    login(client, "petugas")
    meeting = records["decision_meeting"]
    staff = records["user"]
    response = _save_edit(
        client,
        "decision_meeting",
        meeting.id,
        {
            "attendees-0-position": "Ketua",
            "attendees-1-user": str(staff.id),
            "attendees-1-position": "Sekretariat",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    (event,) = _events_for("decision_meeting", meeting.id)
    assert event.changes["attendees"][1] == sorted(["meeting_attendee#1", "meeting_attendee#new"])
    assert event.changes["attendees[meeting_attendee#1].position"] == ["Ketua LSP", "Ketua"]


def test_a_record_created_through_its_screen_is_audited_with_its_values(client, catalogue):
    officer = _officer()
    login(client, "petugas")
    token = csrf_token(client, "/admin/bnsp_code/new/")
    response = client.post(
        "/admin/bnsp_code/new/",
        data={"csrf_token": token, "kind": "pekerjaan", "code": "P1", "name": "Pustakawan"},
    )
    assert response.status_code == 302
    code = db.session.scalar(select(BnspCode).where(BnspCode.code == "P1"))
    (event,) = _events_for("bnsp_code", code.id)
    assert (event.action, event.user_id) == ("record_created", officer.id)
    assert event.changes == {
        "kind": [None, "pekerjaan"],
        "code": [None, "P1"],
        "name": [None, "Pustakawan"],
    }


def test_a_save_that_changes_nothing_writes_no_event(client, records):
    _officer()
    login(client, "petugas")
    tuk = records["tuk"]
    assert _save_edit(client, "tuk", tuk.id, {}).status_code == 302
    assert _events_for("tuk", tuk.id) == []


def test_the_record_page_and_the_audit_log_show_the_history(client, records):
    _officer()
    login(client, "petugas")
    tuk = records["tuk"]
    _save_edit(client, "tuk", tuk.id, {"name": "TUK Salemba"})
    page = client.get(f"/admin/tuk/details/?id={tuk.id}").get_data(as_text=True)
    assert 'id="record-history"' in page
    assert "TUK Perpusnas → TUK Salemba" in page
    log = client.get("/admin/audit/").get_data(as_text=True)
    assert "TUK Salemba" in log


def test_audit_events_are_never_edited_or_deleted(app, records):
    db.session.add(AuditEvent(action="record_updated", record_type="tuk", record_id=1))
    db.session.commit()
    event = db.session.scalar(select(AuditEvent))
    event.note = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEvent)))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent)).note is None


def test_the_date_fields_are_recorded_as_iso_text(client, records):
    _officer()
    login(client, "petugas")
    schedule = records["schedule"]
    later = schedule.registration_deadline + timedelta(days=1)
    _save_edit(client, "schedule", schedule.id, {"registration_deadline": later.isoformat()})
    db.session.expire_all()
    (event,) = _events_for("schedule", schedule.id)
    before = (later - timedelta(days=1)).isoformat()
    assert event.changes == {"registration_deadline": [before, later.isoformat()]}
    assert isinstance(date.fromisoformat(event.changes["registration_deadline"][1]), date)


def test_a_user_created_by_the_cli_is_audited(app, runner):
    result = runner.invoke(
        args=["create-user", "rina", "--role", "secretariat", "--name", "Rina"],
        input="Perpustakaan-Nasional-42\nPerpustakaan-Nasional-42\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "rina"))
    (event,) = _events_for("user", user.id)
    assert (event.action, event.user_id) == ("record_created", None)
    assert event.changes["password_hash"] == "changed"
    assert event.changes["role_rows"] == [[], ["secretariat"]]
