"""Screens for people: applicants (asesi), assessors (asesor) and staff users."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import DateTimeBetweenFilter, FilterEqual
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload
from wtforms import PasswordField, SelectMultipleField
from wtforms.validators import DataRequired, Optional, ValidationError

from ..casework import account_links, related
from ..extensions import db
from ..i18n import translate
from ..models import Applicant, ApplicantLink, AssessorConflict, User
from ..passwords import hash_password, password_problem
from ..rules import duties
from ..rules.account_link import LINK_CONFIRMERS
from ..rules.vocabulary import (
    CONFLICT_KIND_LABELS,
    ROLE_LABELS,
    ConflictKind,
    Education,
    Role,
    Sex,
)
from ..rules.workflow import Refusal
from ..validators import EmailAddress, MetNumber, Nik, Nip, PersonName, Phone
from .base import SecureModelView
from .fields import choices
from .listing import contains_match, ids_matching, is_number, prefix_match

APPLICANT_LABELS = {
    "nik": _l("NIK"),
    "full_name": _l("Full name"),
    "birth_place": _l("Place of birth"),
    "birth_date": _l("Date of birth"),
    "sex": _l("Sex"),
    "nationality": _l("Nationality"),
    "address": _l("Home address"),
    "regency_code": _l("Regency code"),
    "province_code": _l("Province code"),
    "postal_code": _l("Postal code"),
    "phone": _l("Mobile phone"),
    "email": _l("E-mail"),
    "education_level": _l("Highest education"),
    "education_major": _l("Field of study"),
    "library_field": _l("Education in library science"),
    "has_library_training": _l("Has a competency-based library training certificate"),
    "experience_months": _l("Relevant work experience (months)"),
    "institution": _l("Institution / employer"),
    "job_title": _l("Position"),
    "institution_address": _l("Institution address"),
    "nip": _l("NIP (civil servants)"),
    "education_code": _l("BNSP education code"),
    "occupation_code": _l("BNSP occupation code"),
    "budget_source_code": _l("BNSP budget source code"),
    "ministry_code": _l("BNSP ministry code"),
    "created_at": _l("Registered"),
}


SEX_CHOICES = [(Sex.MALE.value, _l("Laki-laki")), (Sex.FEMALE.value, _l("Perempuan"))]


class ApplicantView(SecureModelView):
    """Applicants (asesi): FR.APL.01 part 1 and BNSP's reporting fields."""

    screen = "applicant"
    details_template = "admin/applicant_details.html"
    column_list = (
        "nik",
        "full_name",
        "birth_date",
        "sex",
        "education_level",
        "institution",
        "created_at",
    )
    column_searchable_list = ("nik", "full_name", "email")
    # Each filter and sort is served by an index (models.Applicant); equality filters only,
    # since "contains" or "not equal" on a column can use no index.
    column_sortable_list = ("nik", "full_name", "created_at")
    column_filters = (
        FilterEqual(Applicant.sex, _l("Sex"), options=lambda: SEX_CHOICES),
        FilterEqual(
            Applicant.education_level,
            _l("Highest education"),
            options=lambda: [(e.value, e.value) for e in Education],
        ),
        FilterEqual(Applicant.province_code, _l("Province code")),
        FilterEqual(Applicant.institution, _l("Institution / employer")),
        DateTimeBetweenFilter(Applicant.created_at, _l("Registered")),
    )
    column_default_sort = ("id", True)
    allow_export = True
    # the export is the office's address list too: contact details beside the list's columns
    column_export_list = (
        "nik",
        "full_name",
        "birth_place",
        "birth_date",
        "sex",
        "education_level",
        "phone",
        "email",
        "institution",
        "created_at",
    )
    column_labels = APPLICANT_LABELS
    form_excluded_columns = ("created_at", "is_demo")
    form_columns = tuple(k for k in APPLICANT_LABELS if k != "created_at")
    form_choices = {
        "sex": SEX_CHOICES,
        "education_level": [(e.value, e.value) for e in Education],
    }
    column_details_exclude_list = ("is_demo",)
    form_args = {
        "full_name": {"validators": [DataRequired(), PersonName()]},
        "nik": {"validators": [DataRequired(), Nik()]},
        "phone": {"validators": [DataRequired(), Phone()]},
        "email": {"validators": [Optional(), EmailAddress()]},
        "nip": {"validators": [Optional(), Nip()]},
    }

    def related(self, model: Applicant) -> related.Related:
        """The applicant's cases, certificates and appeals."""
        return related.applicant_related(db.session, model, current_user)

    def search_condition(self, word: str) -> Any:
        """A word with `@` is part of an e-mail address; any other part of a name, or with a
        digit also the start of a NIK. Each is a subquery read through its own index (the
        name's narrow one on SQLite, which a plain WHERE on this wide table would not scan;
        trigram and pattern ones on PostgreSQL)."""
        dialect = db.session.get_bind().dialect.name
        if "@" in word:
            conditions = [contains_match(Applicant.email, word, dialect)]
        else:
            conditions = [contains_match(Applicant.full_name, word, dialect)]
            if is_number(word):
                conditions.append(prefix_match(Applicant.nik, word, dialect))
        return Applicant.id.in_(ids_matching(Applicant.id, *conditions))


class AssessorView(SecureModelView):
    """Assessors with their MET registration, schemes and declared conflicts."""

    screen = "assessor"
    column_list = ("full_name", "met_number", "licence_valid_until", "institution", "active")
    column_searchable_list = ("full_name", "met_number")
    column_filters = ("active", "licence_valid_until", "institution")
    column_default_sort = "full_name"
    form_columns = (
        "full_name",
        "met_number",
        "licence_valid_until",
        "institution",
        "email",
        "phone",
        "active",
        "schemes",
        "conflicts",
    )
    inline_models = (
        (
            AssessorConflict,
            {
                "form_columns": ("id", "applicant", "kind", "note"),
                "form_choices": {"kind": choices(ConflictKind, CONFLICT_KIND_LABELS)},
                "column_labels": {
                    "applicant": _l("Asesi"),
                    "kind": _l("Kind of conflict"),
                    "note": _l("Note"),
                },
                "form_ajax_refs": {"applicant": {"fields": ("nik", "full_name"), "page_size": 20}},
            },
        ),
    )
    form_args = {
        "full_name": {"validators": [DataRequired(), PersonName()]},
        "met_number": {"validators": [DataRequired(), MetNumber()]},
        "phone": {"validators": [Optional(), Phone()]},
        "email": {"validators": [Optional(), EmailAddress()]},
    }
    column_labels = {
        "full_name": _l("Full name"),
        "met_number": _l("MET number"),
        "licence_valid_until": _l("Registration valid until"),
        "institution": _l("Institution"),
        "email": _l("E-mail"),
        "phone": _l("Phone"),
        "active": _l("Active"),
        "schemes": _l("Registered for schemes"),
        "conflicts": _l("Declared conflicts of interest"),
    }


class UserView(SecureModelView):
    """Staff accounts, their roles and (for asesor) their Assessor record."""

    screen = "user"
    column_list = ("username", "full_name", "position", "roles", "active", "created_at")
    column_searchable_list = ("username", "full_name")
    column_filters = ("active",)
    column_sortable_list = ("username", "full_name", "active", "created_at")
    form_columns = (
        "username",
        "full_name",
        "position",
        "email",
        "role_names",
        "assessor",
        "active",
        "new_password",
    )
    form_ajax_refs = {"assessor": {"fields": ("full_name", "met_number"), "page_size": 20}}
    form_args = {"full_name": {"validators": [DataRequired(), PersonName()]}}
    form_extra_fields = {
        "role_names": SelectMultipleField(_l("Roles"), choices=choices(Role, ROLE_LABELS)),
        "new_password": PasswordField(
            _l("New password"),
            validators=[Optional()],
            description=_l("Leave empty to keep the current password. At least 10 characters."),
        ),
    }
    column_formatters = {
        "roles": lambda v, c, m, n: ", ".join(
            str(_l(ROLE_LABELS[Role(r)])) for r in sorted(m.roles)
        )
    }
    column_labels = {
        "username": _l("Username"),
        "full_name": _l("Full name"),
        "position": _l("Position"),
        "email": _l("E-mail"),
        "roles": _l("Roles"),
        "active": _l("Active"),
        "assessor": _l("Asesor record"),
        "created_at": _l("Created"),
        "locale": _l("Language"),
        "daily_digest": _l("Daily e-mail"),
    }
    column_details_exclude_list = ("password_hash", "session_version")

    def on_form_prefill(self, form: Any, id: Any) -> None:
        form.role_names.data = sorted(self.get_one(id).roles)

    def on_model_change(self, form: Any, model: User, is_created: bool) -> None:
        roles = set(form.role_names.data or ())
        if not roles:
            raise ValidationError(gettext("Choose at least one role."))
        if Role.ASSESSOR in roles and model.assessor is None:
            raise ValidationError(
                gettext("A user with the asesor role must be linked to an asesor record.")
            )
        password = form.new_password.data
        if is_created and not password:
            raise ValidationError(gettext("Set a password for the new user."))
        if password:
            problem = password_problem(password, model.username or "")
            if problem:
                raise ValidationError(gettext(problem))
            model.password_hash = hash_password(password)
        refusal = duties.role_grant_refusal(current_user.id, model.id, model.roles, roles)
        if refusal:
            raise ValidationError(translate(refusal))
        model.roles = roles


class ApplicantLinkView(SecureModelView):
    """Applicants who registered with the NIK of a record without e-mail, waiting for the
    secretariat to confirm who they are before the record is linked to their account."""

    screen = "applicant"
    allow_create = allow_edit = False
    can_view_details = False
    column_list = (
        "account.full_name",
        "account.email",
        "applicant.nik",
        "applicant.full_name",
        "created_at",
    )
    column_labels = {
        "account.full_name": _l("Name on the account"),
        "account.email": _l("Account e-mail"),
        "applicant.nik": _l("NIK"),
        "applicant.full_name": _l("Name on the record"),
        "created_at": _l("Asked"),
    }
    column_default_sort = ("id", True)

    def get_query(self) -> Any:
        """Only the requests still waiting for the secretariat."""
        return (
            super()
            .get_query()
            .filter(ApplicantLink.code_hash.is_(None), ApplicantLink.linked_at.is_(None))
            .options(joinedload(ApplicantLink.account), joinedload(ApplicantLink.applicant))
        )

    def get_count_query(self) -> Any:
        return self.get_query().with_entities(func.count(ApplicantLink.id)).order_by(None)

    def is_action_allowed(self, name: str) -> bool:
        return name == "confirm_link" and bool(LINK_CONFIRMERS & set(current_user.roles))

    @action(
        "confirm_link",
        _l("Confirm: I checked who they are"),
        _l("Link the selected records to these accounts?"),
    )
    def action_confirm_link(self, ids: list[str]) -> None:
        """Link the records of the checked requests (the service re-checks each one)."""
        try:
            done = account_links.confirm_by_staff(db.session, [int(i) for i in ids], current_user)
        except Refusal as refusal:
            flash(translate(refusal), "error")
            return
        flash(gettext("%(num)s records linked.", num=done), "success")
