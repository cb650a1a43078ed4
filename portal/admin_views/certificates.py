"""The certificate screen (seed 2.9–2.12): issued certificates, their lifecycle, surveillance
and re-certification lists, PDF downloads and the start of a re-certification."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from .. import casework
from ..casework import related
from ..casework.waiting import certificate_worklist
from ..documents.views import zip_response
from ..extensions import db
from ..i18n import translate
from ..models import Certificate, Scheme
from ..rules import certificates as certs
from ..rules.vocabulary import CERTIFICATE_STATUS_LABELS, CertificateStatus
from ..rules.waiting import Step
from .base import SecureModelView
from .fields import LookupFilter, badge_formatter, choices

CERTIFICATE_CSS = {
    CertificateStatus.ACTIVE: "success",
    CertificateStatus.SUSPENDED: "warning",
    CertificateStatus.WITHDRAWN: "danger",
    CertificateStatus.EXPIRED: "secondary",
    CertificateStatus.SUPERSEDED: "secondary",
}
# Lifecycle changes staff make by hand (expiry and supersession are the portal's own).
MANUAL_CHANGES = tuple(row for row in certs.LIFECYCLE if row.roles)
DOWNLOAD = "download_zip"


class ReasonForm(FlaskForm):
    """The reason a certificate's status changes (RULES.md #12)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class CertificateView(SecureModelView):
    """Issued certificates. Only BNSP's numbers are edited here; the rest comes from issuing."""

    screen = "certificate"
    allow_create = False
    list_template = "admin/certificate_list.html"
    details_template = "admin/certificate_details.html"
    column_list = (
        "number",
        "holder_name",
        "applicant.phone",
        "scheme.title",
        "expires_on",
        "next_surveillance_due",
        "status",
    )
    column_select_related_list = (Certificate.scheme, Certificate.applicant)
    # each sort has an index (sorting by scheme would sort the whole table: filter by it instead)
    column_sortable_list = (
        "number",
        "holder_name",
        "issued_on",
        "expires_on",
        "next_surveillance_due",
        "status",
    )
    column_searchable_list = ("number", "holder_name", "bnsp_registration_number", "blanko_number")
    search_prefix_columns = ("number", "bnsp_registration_number", "blanko_number")
    allow_export = True
    export_labels = {"status": CERTIFICATE_STATUS_LABELS}
    column_filters = (
        FilterEqual(
            Certificate.status,
            _l("Status"),
            options=choices(CertificateStatus, CERTIFICATE_STATUS_LABELS),
        ),
        LookupFilter(Certificate.scheme_id, _l("Skema"), Scheme, Scheme.title),
        "issued_on",
        "expires_on",
        "next_surveillance_due",
    )
    form_columns = ("bnsp_registration_number", "blanko_number")
    column_formatters = {
        "status": badge_formatter(CERTIFICATE_STATUS_LABELS, CERTIFICATE_CSS),
        "applicant.phone": lambda v, c, m, n: _contact(m),
        "expires_on": lambda v, c, m, n: _due(m.expires_on, m.status, None),
        "next_surveillance_due": lambda v, c, m, n: _due(m.next_surveillance_due, m.status, m.id),
    }
    # The record's page has room for the dates written out, as its other dates are.
    column_formatters_detail = {
        **column_formatters,
        "expires_on": lambda v, c, m, n: _due(m.expires_on, m.status, None, "long"),
        "next_surveillance_due": lambda v, c, m, n: _due(
            m.next_surveillance_due, m.status, m.id, "long"
        ),
    }
    column_details_exclude_list = ("verify_code", "series", "seq")
    column_labels = {
        "number": _l("Certificate number"),
        "holder_name": _l("Holder"),
        "applicant.phone": _l("Holder's contact"),
        "scheme": _l("Skema"),
        "scheme.title": _l("Skema"),
        "issued_on": _l("Issued on"),
        "expires_on": _l("Expires on"),
        "status": _l("Status"),
        "status_reason": _l("Reason of the status"),
        "bnsp_registration_number": _l("BNSP registration number"),
        "blanko_number": _l("Blanko number"),
        "next_surveillance_due": _l("Next surveillance due"),
        "case": _l("Case"),
        "applicant": _l("Asesi"),
        "signed_by": _l("Signed by"),
        "superseded_by": _l("Superseded by"),
        "created_at": _l("Created"),
    }

    # --- the worklists of seed 2.11 and 2.12 ----------------------------------------------------

    WORKLISTS = {
        Step.SURVEILLANCE_OVERDUE.value: _l("Surveillance overdue"),
        Step.SURVEILLANCE_DUE.value: _l("Surveillance due"),
        Step.EXPIRING.value: _l("Expiring soon (re-certification)"),
    }
    # a worklist opens with what is most urgent first: the earliest due date
    WORKLIST_SORT = {
        Step.SURVEILLANCE_OVERDUE.value: "next_surveillance_due",
        Step.SURVEILLANCE_DUE.value: "next_surveillance_due",
        Step.EXPIRING.value: "expires_on",
    }

    @property
    def column_default_sort(self) -> Any:  # type: ignore[override]
        """The newest first; on a worklist, the earliest due date first."""
        column = self.WORKLIST_SORT.get(request.args.get("worklist", ""))
        return [(column, False), ("id", False)] if column else ("id", True)

    def worklist_condition(self, name: str | None) -> Any:
        """The condition of a worklist, from today's date and the configured horizons."""
        return certificate_worklist(name, casework.Settings.of(current_app.config))

    def _worklist(self, query: Any) -> Any:
        condition = self.worklist_condition(request.args.get("worklist"))
        return query if condition is None else query.filter(condition)

    def get_query(self) -> Any:
        return self._worklist(super().get_query())

    # --- actions -----------------------------------------------------------------------------

    def init_actions(self) -> None:
        """The ZIP download and the lifecycle changes staff may make, in the list's menu."""
        self._actions = [(DOWNLOAD, _l("Download PDFs (ZIP)"))]
        self._actions_data = {DOWNLOAD: (self._download, self._actions[0][1], None)}
        for row in MANUAL_CHANGES:
            text = _l(row.label)
            self._actions.append((row.action.value, text))
            self._actions_data[row.action.value] = (self._change_handler(row.action), text, None)

    def is_action_allowed(self, name: str) -> bool:
        if name == DOWNLOAD:
            return True
        row = next((r for r in MANUAL_CHANGES if r.action.value == name), None)
        return row is not None and bool(row.roles.intersection(current_user.roles))

    def _download(self, ids: list[str]) -> Any:
        return zip_response(Certificate.id.in_(self.scoped_ids(ids)), "sertifikat-terpilih")

    def _change_handler(self, action: certs.CertificateAction):
        return lambda ids: self._change_page(action, self.scoped_ids(ids))

    @expose("/change/<action>/", methods=("GET", "POST"))
    def change_view(self, action: str) -> Any:
        """Ask the reason for a lifecycle change, apply it, and report what was skipped."""
        if not self.is_action_allowed(action) or action == DOWNLOAD:
            abort(403)
        ids = self.scoped_ids(request.values.getlist("id"))
        if not ids:
            flash(gettext("Choose at least one certificate."), "warning")
            return redirect(url_for(".index_view"))
        return self._change_page(certs.CertificateAction(action), ids)

    def _change_page(self, action: certs.CertificateAction, ids: list[int]) -> Any:
        row = next(r for r in MANUAL_CHANGES if r.action == action)
        form = ReasonForm()
        if request.form.get("apply") == "1" and form.validate():
            outcome = casework.change_certificates(
                db.session, action, ids, current_user, form.reason.data, current_app.config
            )
            return self._report(gettext(row.label), outcome)
        return self.render(
            "admin/certificate_change.html",
            action=action.value,
            action_label=gettext(row.label),
            form=form,
            ids=ids,
            count=len(ids),
        )

    def _report(self, label: str, outcome: casework.Outcome) -> Any:
        flash(
            gettext(
                "%(action)s: %(done)d done; %(skipped)d skipped.",
                action=label,
                done=len(outcome.done),
                skipped=len(outcome.skipped),
            ),
            "success" if not outcome.skipped else "warning",
        )
        skipped = [(i, number, translate(r)) for i, number, r in outcome.skipped]
        return self.render(
            "admin/case_action_report.html",
            action_label=label,
            done=len(outcome.done),
            skipped=skipped,
            return_url=url_for(".index_view"),
        )

    @expose("/recertify/", methods=("POST",))
    def recertify_view(self) -> Any:
        """Start a re-certification case for a certificate (seed 2.12) and open it. A refusal
        goes back to the certificate's page with its reason (security.py's handler)."""
        if not certs.RECERTIFICATION_ROLES.intersection(current_user.roles):
            abort(403)
        certificate = self.get_one(request.form.get("id", ""))
        if certificate is None:
            abort(404)
        case = casework.start_recertification(
            db.session, certificate, current_user, current_app.config
        )
        flash(gettext("Re-certification started: %(number)s.", number=case.reg_number), "success")
        return redirect(url_for("case.details_view", id=case.id))

    def lifecycle_actions(self, certificate: Certificate) -> list[tuple[str, str]]:
        """The lifecycle changes the user may make to this certificate now: (action, label)."""
        return [
            (row.action.value, gettext(row.label))
            for row in MANUAL_CHANGES
            if certificate.status in row.sources and row.roles.intersection(current_user.roles)
        ]

    def related(self, model: Certificate) -> related.Related:
        """The certificate's surveillance reports."""
        return related.certificate_related(db.session, model)

    def may_record_surveillance(self, certificate: Certificate) -> bool:
        """True when the user records surveillance reports and the certificate is in force."""
        return certificate.status == CertificateStatus.ACTIVE and bool(
            certs.SURVEILLANCE_ROLES.intersection(current_user.roles)
        )

    def may_recertify(self, certificate: Certificate) -> bool:
        """True when the user may start a re-certification and the certificate allows it now."""
        settings = casework.Settings.of(current_app.config)
        allowed = bool(certs.RECERTIFICATION_ROLES.intersection(current_user.roles))
        refusal = certs.check_recertification(
            certificate.status, certificate.expires_on, settings.today, settings.horizon_months
        )
        return allowed and refusal is None


def _contact(certificate: Certificate) -> Markup:
    """The holder's phone and e-mail, each a link that calls or writes."""
    applicant = certificate.applicant
    parts = []
    if applicant.phone:
        parts.append(Markup('<a href="tel:{}">{}</a>').format(applicant.phone, applicant.phone))
    if applicant.email:
        parts.append(Markup('<a href="mailto:{}">{}</a>').format(applicant.email, applicant.email))
    return Markup("<br>").join(parts)


def _due(
    day: date | None, status: str, surveillance_of: int | None, style: str = "medium"
) -> Markup:
    """A due date with how late it is; for surveillance also the button that records it."""
    if day is None:
        return Markup("")
    shown = Markup('<span class="text-nowrap">{}</span>').format(format_date(day, style))
    today = casework.Settings.of(current_app.config).today
    live = status == CertificateStatus.ACTIVE
    late = (today - day).days
    if live and late > 0:
        shown += Markup(' <span class="badge badge-danger">{}</span>').format(
            gettext("%(n)s days overdue", n=late)
        )
    if (
        surveillance_of is not None
        and live
        and certs.SURVEILLANCE_ROLES.intersection(current_user.roles)
    ):
        url = url_for("surveillance.create_view", certificate=surveillance_of)
        shown += Markup(
            '<br><a class="btn btn-outline-primary btn-sm mt-1 record-surveillance" href="{}">{}</a>'
        ).format(url, gettext("Record surveillance"))
    return shown
