"""Screens for what the flow produces: certificates, decision meetings, surveillance reports,
appeals, complaints, and the read-only audit log."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.validators import ValidationError

from .. import casework
from ..casework import audit, related
from ..casework.meetings import add_meeting_addendum, meeting_addenda
from ..extensions import db
from ..i18n import ACTION_LABELS, label, translate
from ..models import (
    AUDIT_NOTE_FTS,
    Appeal,
    AuditEvent,
    Case,
    Certificate,
    Complaint,
    DecisionMeeting,
    MeetingAttendee,
    SurveillanceReport,
)
from ..rules import duties, meetings
from ..rules.meetings import ADDENDUM_ROLES
from ..rules.vocabulary import (
    APPEAL_STATUS_LABELS,
    CASE_STATUS_LABELS,
    COMPLAINT_STATUS_LABELS,
    JOB_FIT_LABELS,
    AppealStatus,
    ComplaintStatus,
    JobFit,
)
from ..rules.workflow import Refusal
from .base import MAX_ID, SecureModelView
from .fields import badge_formatter, choices, enum_formatter, link_formatter
from .listing import FastListMixin, text_match


class DecisionMeetingView(SecureModelView):
    """Decision meetings (rapat keputusan) with their attendees and minutes."""

    screen = "decision_meeting"
    details_template = "admin/meeting_details.html"
    column_list = ("held_on", "place", "chair", "minutes_pdf")
    column_formatters = {
        "minutes_pdf": link_formatter("documents.minutes", _l("Minutes (PDF)"), "meeting_id")
    }
    column_select_related_list = (DecisionMeeting.chair,)
    column_filters = ("held_on",)
    column_default_sort = ("held_on", True)
    form_columns = ("held_on", "place", "chair", "attendees", "minutes")
    form_ajax_refs = {"chair": {"fields": ("full_name", "username"), "page_size": 20}}
    inline_models = (
        (
            MeetingAttendee,
            {
                "form_columns": ("id", "user", "position"),
                "column_labels": {"user": _l("Attendee"), "position": _l("Position")},
                "form_ajax_refs": {"user": {"fields": ("full_name", "username"), "page_size": 20}},
            },
        ),
    )
    column_labels = {
        "held_on": _l("Date"),
        "place": _l("Place"),
        "chair": _l("Chaired by"),
        "attendees": _l("Attendees"),
        "minutes": _l("Minutes (berita acara)"),
        "minutes_pdf": _l("Minutes"),
    }

    def related(self, model: DecisionMeeting) -> related.Related:
        """The cases decided in the meeting."""
        return related.meeting_related(db.session, model, current_user)

    def render(self, template: str, **kwargs: Any) -> Any:
        """The meeting's page gets its addenda, and whether the user may add one, here."""
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs["addenda"] = meeting_addenda(db.session, model.id, current_user)
        return super().render(template, **kwargs)

    @expose("/addendum/", methods=("POST",))
    def addendum_view(self) -> Any:
        """Add a correction to the meeting's record (a refusal goes back with its reason)."""
        if not ADDENDUM_ROLES.intersection(current_user.roles):
            abort(403)
        wanted = request.form.get("id", "")
        known = wanted.isascii() and wanted.isdigit() and int(wanted) <= MAX_ID
        meeting = self.get_one(wanted) if known else None
        if meeting is None:
            abort(404)
        add_meeting_addendum(db.session, meeting.id, current_user, request.form.get("text"))
        flash(gettext("The addendum was added to the meeting's record."), "success")
        return redirect(url_for(".details_view", id=meeting.id))

    def edit_form(self, obj: Any = None) -> Any:
        """A meeting that decisions cite: the form of what may still change (its place), and
        why the rest is not there."""
        form = super().edit_form(obj)
        if obj is not None and _cited(obj.id):
            for name in meetings.LOCKED_ONCE_CITED:
                delattr(form, name)
            if request.method == "GET":
                refusal = meetings.meeting_edit_refusal(True, meetings.LOCKED_ONCE_CITED)
                flash(translate(refusal), "info")
        return form

    def edit_refusal(self, model: DecisionMeeting) -> str | None:
        """A posted change of what a cited meeting keeps is refused whole (an older form)."""
        if request.method != "POST" or not _cited(model.id):
            return None
        refusal = meetings.meeting_edit_refusal(True, request.form.keys())
        return translate(refusal) if refusal else None

    def on_model_change(self, form: Any, model: DecisionMeeting, is_created: bool) -> None:
        """A meeting that decisions cite keeps its date, chair, attendees and minutes (checked
        again here: a decision may cite it while its form is open)."""
        if is_created:
            return
        changed = audit.record_changes(db.session, model, "update")
        refusal = meetings.meeting_edit_refusal(_cited(model.id), changed)
        if refusal:
            raise ValidationError(translate(refusal))


def _cited(meeting_id: int) -> bool:
    """Whether a decision cites the meeting."""
    found = select(Case.id).where(Case.decision_meeting_id == meeting_id).limit(1)
    return db.session.scalar(found) is not None


class SurveillanceView(SecureModelView):
    """Yearly surveillance reports of certificate holders (seed 2.11).

    A report is recorded through the workflow service, which also moves the certificate's next
    due date on; reports are records, so they are not edited afterwards.
    """

    screen = "surveillance"
    allow_edit = False
    column_list = ("certificate", "due_on", "submitted_on", "placement", "job_fit")
    column_select_related_list = (SurveillanceReport.certificate,)
    column_filters = ("due_on", "submitted_on", "job_fit")
    column_default_sort = ("submitted_on", True)
    form_columns = ("certificate", "submitted_on", "placement", "duties", "job_fit", "evidence")
    form_choices = {"job_fit": choices(JobFit, JOB_FIT_LABELS)}
    column_formatters = {"job_fit": enum_formatter(JOB_FIT_LABELS)}
    form_ajax_refs = {"certificate": {"fields": ("number", "holder_name"), "page_size": 20}}
    column_labels = {
        "certificate": _l("Certificate"),
        "due_on": _l("Due on"),
        "submitted_on": _l("Submitted on"),
        "placement": _l("Placement"),
        "duties": _l("Duties"),
        "job_fit": _l("Fit with the job"),
        "evidence": _l("Evidence"),
    }

    def create_form(self, obj: Any = None) -> Any:
        """The report's form; opened from a certificate ("Catat surveilan"), for that one."""
        form = super().create_form(obj)
        wanted = request.args.get("certificate", "")
        if (
            request.method == "GET"
            and wanted.isascii()
            and wanted.isdigit()
            and int(wanted) <= MAX_ID
        ):
            form.certificate.data = db.session.get(Certificate, int(wanted))
        return form

    def create_model(self, form: Any) -> Any:
        """Record the report through the service; a refusal is shown beside the form."""
        if form.certificate.data is None:
            flash(gettext("Choose the certificate."), "error")
            return False
        try:
            return casework.record_surveillance(
                db.session,
                form.certificate.data,
                current_user,
                placement=form.placement.data,
                duties=form.duties.data,
                job_fit=form.job_fit.data,
                evidence=form.evidence.data or None,
                submitted_on=form.submitted_on.data,
                settings=current_app.config,
            )
        except Refusal as refusal:
            flash(translate(refusal), "error")
            return False


class AppealView(SecureModelView):
    """Appeals (banding). Filing and deciding go through the case actions."""

    screen = "appeal"
    details_template = "admin/appeal_details.html"
    allow_create = False
    allow_edit = False
    column_list = ("case", "filed_on", "status", "decided_on", "form_pdf")
    column_select_related_list = (Appeal.case,)
    column_filters = ("status", "filed_on", "decided_on")
    column_default_sort = ("filed_on", True)
    column_formatters = {
        "status": badge_formatter(
            APPEAL_STATUS_LABELS,
            {AppealStatus.PENDING: "warning", AppealStatus.UPHELD: "success"},
        ),
        "form_pdf": link_formatter("documents.appeal_form", _l("FR.AK.04 (PDF)"), "appeal_id"),
    }
    column_labels = {
        "case": _l("Case"),
        "form_pdf": _l("Form"),
        "filed_on": _l("Filed on"),
        "status": _l("Status"),
        "decided_on": _l("Decided on"),
        "decided_by": _l("Decided by"),
        "reason": _l("Reason"),
        "decision_reason": _l("Reason of the decision"),
        # FR.AK.04's questions, as the appeal form asks them
        "process_explained": _l("Was the appeal process explained to the asesi?"),
        "discussed_with_assessor": _l(
            "Did the asesi discuss the assessment result with the asesor?"
        ),
        "involved_others": _l("Did the asesi involve another person in the appeal?"),
    }

    def related(self, model: Appeal) -> Case | None:
        """The appealed case with the decision it appeals."""
        return related.appeal_case(db.session, model, current_user)


class ComplaintView(SecureModelView):
    """Complaints, kept apart from appeals and handled by someone not involved (RULES.md #16)."""

    screen = "complaint"
    column_list = ("received_on", "complainant_name", "subject", "status", "handler")
    column_select_related_list = (Complaint.handler,)
    column_searchable_list = ("complainant_name", "subject")
    column_filters = ("status", "received_on")
    column_default_sort = ("received_on", True)
    form_columns = (
        "received_on",
        "complainant_name",
        "contact",
        "subject",
        "description",
        "case",
        "certificate",
        "handler",
        "status",
        "resolution",
        "resolved_on",
    )
    form_choices = {"status": choices(ComplaintStatus, COMPLAINT_STATUS_LABELS)}
    column_formatters = {"status": enum_formatter(COMPLAINT_STATUS_LABELS)}
    form_ajax_refs = {
        "case": {"fields": ("reg_number",), "page_size": 20},
        "certificate": {"fields": ("number", "holder_name"), "page_size": 20},
        "handler": {"fields": ("full_name", "username"), "page_size": 20},
    }
    column_labels = {
        "received_on": _l("Received on"),
        "complainant_name": _l("Complainant"),
        "contact": _l("Contact"),
        "subject": _l("Subject"),
        "description": _l("Description"),
        "case": _l("Case"),
        "certificate": _l("Certificate"),
        "handler": _l("Handled by"),
        "status": _l("Status"),
        "resolution": _l("Resolution"),
        "resolved_on": _l("Resolved on"),
    }

    def on_model_change(self, form: Any, model: Complaint, is_created: bool) -> None:
        """The handler is nobody whose work on the complaint's case it may be about."""
        case = model.case
        involved = {
            "assessor": case.assessor.user.id
            if case and case.assessor and case.assessor.user
            else None,
            "trainer": case.trainer_user_id if case else None,
            "decider": case.decided_by_id if case else None,
        }
        handler = model.handler.id if model.handler else None
        refusal = duties.complaint_handler_refusal(handler, involved)
        if refusal:
            raise ValidationError(translate(refusal))


class AuditView(FastListMixin, SecureModelView):
    """The audit trail: every applied change of state. Read-only for everyone."""

    screen = "audit"
    allow_create = False
    allow_edit = False
    allow_delete = False
    column_list = (
        "at",
        "user",
        "action",
        "case",
        "certificate",
        "from_status",
        "to_status",
        "record",
        "changes",
        "note",
    )
    column_details_list = (*column_list, "data")
    column_select_related_list = (AuditEvent.user, AuditEvent.case, AuditEvent.certificate)
    column_filters = (
        FilterEqual(
            AuditEvent.action,
            _l("Action"),
            options=lambda: [(code, label(code, "action")) for code in ACTION_LABELS],
        ),
        "at",
    )
    column_formatters = {
        "action": lambda v, c, m, n: label(m.action, "action"),
        "from_status": enum_formatter(CASE_STATUS_LABELS),
        "to_status": enum_formatter(CASE_STATUS_LABELS),
        "record": lambda v, c, m, n: f"{m.record_type} #{m.record_id}" if m.record_type else "",
        "changes": lambda v, c, m, n: changes_text(m.changes),
    }
    column_searchable_list = ("note",)
    column_default_sort = ("id", True)
    column_labels = {
        "at": _l("When"),
        "user": _l("Who"),
        "action": _l("Action"),
        "case": _l("Case"),
        "certificate": _l("Certificate"),
        "from_status": _l("From"),
        "to_status": _l("To"),
        "note": _l("Note"),
        "record": _l("Record"),
        "changes": _l("Changes"),
        "data": _l("Data"),
    }

    @property
    def writable(self) -> bool:
        return False

    def search_condition(self, word: str) -> Any:
        """The events whose note holds the word, through the notes' text index. The action is
        chosen with the action filter: a word matching an action's label would add every event
        of that action (100,000 verifications) to each search."""
        dialect = db.session.get_bind().dialect.name
        return text_match(AuditEvent.note, AUDIT_NOTE_FTS, word, dialect)


def changes_text(changes: dict | None) -> str:
    """An event's changed fields on one line: `field: old → new; …` (a secret: "changed")."""

    def shown(value: object) -> str:
        if isinstance(value, list):
            return ", ".join(map(str, value)) or "–"
        return "–" if value is None else str(value)

    return "; ".join(
        f"{field}: {gettext('changed')}"
        if isinstance(change, str)
        else f"{field}: {shown(change[0])} → {shown(change[1])}"
        for field, change in sorted((changes or {}).items())
    )
