"""The case screen: applications from draft to certificate, scoped per asesor."""

from __future__ import annotations

from typing import Any

from flask_admin.contrib.sqla.fields import QuerySelectMultipleField
from flask_admin.contrib.sqla.filters import (
    DateBetweenFilter,
    DateTimeBetweenFilter,
    FilterEqual,
    FilterInList,
    FilterLike,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.validators import ValidationError

from ..extensions import db
from ..models import Applicant, Assessor, Case, CaseUnit, Schedule, Scheme, Tuk, Unit, scheme_unit
from ..numbering import reserve
from ..rules.vocabulary import (
    CASE_STATUS_LABELS,
    EDITABLE_CASE_STATUSES,
    PURPOSE_LABELS,
    CaseStatus,
    Purpose,
)
from ..scoping import scope_cases
from .base import SecureModelView
from .fields import LookupFilter, badge_formatter, choices, enum_formatter

STATUS_CSS = {
    CaseStatus.DRAFT: "light",
    CaseStatus.SUBMITTED: "info",
    CaseStatus.RETURNED: "warning",
    CaseStatus.VERIFIED: "primary",
    CaseStatus.SELF_ASSESSED: "primary",
    CaseStatus.READY_FOR_ASSESSMENT: "primary",
    CaseStatus.ASSESSED: "primary",
    CaseStatus.COMPETENT: "success",
    CaseStatus.NOT_YET_COMPETENT: "danger",
    CaseStatus.CERTIFIED: "success",
    CaseStatus.APPEALED: "warning",
    CaseStatus.CLOSED: "dark",
    CaseStatus.WITHDRAWN: "dark",
}


def _all_units():
    """Every unit, for the unit picker (the catalogue is small: tens of units per scheme)."""
    return db.session.scalars(select(Unit).order_by(Unit.code))


class CaseView(SecureModelView):
    """Certification cases. The status is never edited here: only workflow actions change it."""

    screen = "case"
    list_template = "admin/case_list.html"
    details_template = "admin/case_details.html"
    column_list = (
        "reg_number",
        "applicant.full_name",
        "applicant.nik",
        "scheme.title",
        "tuk.name",
        "assessor.full_name",
        "status",
        "created_at",
    )
    column_select_related_list = (Case.applicant, Case.scheme, Case.tuk, Case.assessor)
    column_sortable_list = (
        "reg_number",
        "status",
        "created_at",
        "applicant.full_name",
    )
    column_default_sort = ("id", True)
    column_searchable_list = ("reg_number", "applicant.nik", "applicant.full_name")
    column_filters = (
        FilterEqual(
            Case.status, _l("Status"), options=lambda: choices(CaseStatus, CASE_STATUS_LABELS)
        ),
        FilterInList(
            Case.status, _l("Status"), options=lambda: choices(CaseStatus, CASE_STATUS_LABELS)
        ),
        LookupFilter(Case.scheme_id, _l("Skema"), Scheme, Scheme.title),
        LookupFilter(Case.tuk_id, _l("TUK"), Tuk, Tuk.name),
        LookupFilter(Case.assessor_id, _l("Asesor"), Assessor, Assessor.full_name),
        LookupFilter(Case.schedule_id, _l("Schedule"), Schedule, Schedule.code),
        FilterEqual(
            Case.purpose,
            _l("Purpose of assessment"),
            options=lambda: choices(Purpose, PURPOSE_LABELS),
        ),
        DateBetweenFilter(Case.assessment_date, _l("Assessment date")),
        DateBetweenFilter(Case.decided_on, _l("Decided on")),
        DateTimeBetweenFilter(Case.created_at, _l("Created")),
        FilterEqual(Applicant.nik, _l("NIK")),
        FilterLike(Applicant.full_name, _l("Asesi")),
    )
    form_columns = (
        "applicant",
        "scheme",
        "chosen_units",
        "purpose",
        "schedule",
        "tuk",
        "trainer",
        "declaration_signed",
        "declaration_name",
        "declaration_date",
    )
    form_extra_fields = {
        "chosen_units": QuerySelectMultipleField(
            _l("Unit kompetensi chosen"), query_factory=_all_units, allow_blank=False
        )
    }
    form_choices = {"purpose": choices(Purpose, PURPOSE_LABELS)}
    form_ajax_refs = {
        "applicant": {"fields": ("nik", "full_name"), "page_size": 20},
        "trainer": {"fields": ("full_name", "username"), "page_size": 20},
        "schedule": {"fields": ("code",), "page_size": 20},
    }
    column_formatters = {
        "status": badge_formatter(CASE_STATUS_LABELS, STATUS_CSS),
        "purpose": enum_formatter(PURPOSE_LABELS),
    }
    column_labels = {
        "reg_number": _l("Registration no."),
        "applicant": _l("Asesi"),
        "applicant.full_name": _l("Asesi"),
        "applicant.nik": _l("NIK"),
        "scheme": _l("Skema"),
        "scheme.title": _l("Skema"),
        "tuk": _l("TUK"),
        "tuk.name": _l("TUK"),
        "assessor": _l("Asesor"),
        "assessor.full_name": _l("Asesor"),
        "schedule": _l("Schedule"),
        "status": _l("Status"),
        "purpose": _l("Purpose of assessment"),
        "trainer": _l("Trainer of the asesi (staff)"),
        "declaration_signed": _l("Declaration signed by the applicant"),
        "declaration_name": _l("Signed by (name)"),
        "declaration_date": _l("Signed on"),
        "created_at": _l("Created"),
        "assessment_date": _l("Assessment date"),
        "decided_on": _l("Decided on"),
    }

    def get_query(self) -> Any:
        return scope_cases(super().get_query(), current_user)

    def get_count_query(self) -> Any:
        return scope_cases(super().get_count_query(), current_user)

    def on_form_prefill(self, form: Any, id: Any) -> None:
        form.chosen_units.data = [cu.unit for cu in self.get_one(id).units]

    def on_model_change(self, form: Any, model: Case, is_created: bool) -> None:
        """Keep the chosen units inside the scheme, and give a new case its number."""
        if not is_created and model.status not in EDITABLE_CASE_STATUSES:
            raise ValidationError(
                gettext("The application can be changed only while it is a draft or returned.")
            )
        chosen = list(form.chosen_units.data or ())
        _check_units_in_scheme(model.scheme, chosen)
        keep = {u.id for u in chosen}
        model.units = [cu for cu in model.units if cu.unit_id in keep] + [
            CaseUnit(unit=u) for u in chosen if u.id not in {cu.unit_id for cu in model.units}
        ]
        if is_created:
            model.status = CaseStatus.DRAFT.value
            model.reg_number = next_reg_number()


def _check_units_in_scheme(scheme: Scheme | None, units: list[Unit]) -> None:
    """Refuse units that are not part of the chosen scheme (RULES.md #1)."""
    if scheme is None or not units:
        raise ValidationError(gettext("Choose a scheme and at least one of its units."))
    allowed = set(
        db.session.scalars(
            select(scheme_unit.c.unit_id).where(scheme_unit.c.scheme_id == scheme.id)
        )
    )
    outside = [u.code for u in units if u.id not in allowed]
    if outside:
        raise ValidationError(
            gettext("These units are not part of the scheme: %(codes)s", codes=", ".join(outside))
        )


def next_reg_number() -> str:
    """The next application number, e.g. APL-2026-000123 (one series per year)."""
    from datetime import date

    year = date.today().year
    (seq,) = reserve(db.session, f"APL-{year}")
    return f"APL-{year}-{seq:06d}"
