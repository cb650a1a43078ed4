"""Screens for what the flow produces: certificates, decision meetings, surveillance reports,
appeals, complaints, and the read-only audit log."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, request
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import casework
from ..extensions import db
from ..i18n import ACTION_LABELS, label, translate
from ..models import (
    Appeal,
    AuditEvent,
    Certificate,
    Complaint,
    DecisionMeeting,
    MeetingAttendee,
    SurveillanceReport,
)
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


class DecisionMeetingView(SecureModelView):
    """Decision meetings (rapat keputusan) with their attendees and minutes."""

    screen = "decision_meeting"
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
    allow_create = False
    allow_edit = False
    column_list = ("case", "filed_on", "status", "decided_on")
    column_select_related_list = (Appeal.case,)
    column_filters = ("status", "filed_on", "decided_on")
    column_default_sort = ("filed_on", True)
    column_formatters = {
        "status": badge_formatter(
            APPEAL_STATUS_LABELS,
            {AppealStatus.PENDING: "warning", AppealStatus.UPHELD: "success"},
        )
    }
    column_labels = {
        "case": _l("Case"),
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


class AuditView(SecureModelView):
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
        "note",
    )
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
    }
    column_searchable_list = ("action",)
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
    }

    @property
    def writable(self) -> bool:
        return False
