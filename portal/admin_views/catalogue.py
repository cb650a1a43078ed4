"""Screens for the catalogue: schemes (with requirements), units (with elements and KUK), TUKs,
schedules, public documents and BNSP code tables."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from ..models import Element, Kuk, Schedule, Scheme, SchemeRequirement, Tuk
from ..rules.vocabulary import (
    CODE_KIND_LABELS,
    DOCUMENT_KIND_LABELS,
    TUK_TYPE_LABELS,
    CodeKind,
    DocumentKind,
    Education,
    SchemeType,
    TukType,
)
from ..validators import UnitCode
from .base import SecureModelView
from .fields import LookupFilter, choices, enum_formatter, links_formatter


class SchemeView(SecureModelView):
    """Certification schemes, their units and basic requirements."""

    screen = "scheme"
    column_list = (
        "number",
        "code",
        "scheme_type",
        "kkni_level",
        "title",
        "validity_months",
        "active",
    )
    column_searchable_list = ("number", "code", "title")
    column_filters = ("scheme_type", "active", "standard")
    column_default_sort = "title"
    form_columns = (
        "number",
        "code",
        "scheme_type",
        "kkni_level",
        "title",
        "standard",
        "validity_months",
        "surveillance_months",
        "active",
        "units",
        "requirements",
    )
    form_choices = {"scheme_type": [(t.value, t.value) for t in SchemeType]}
    form_ajax_refs = {"units": {"fields": ("code", "title"), "page_size": 20}}
    inline_models = (
        (
            SchemeRequirement,
            {
                "form_columns": (
                    "id",
                    "position",
                    "description",
                    "min_education",
                    "library_field_required",
                    "training_certificate_required",
                    "min_experience_months",
                ),
                "form_choices": {"min_education": [(e.value, e.value) for e in Education]},
                "column_labels": {
                    "position": _l("Order"),
                    "description": _l("Description"),
                    "min_education": _l("Minimum education"),
                    "library_field_required": _l("Library science required"),
                    "training_certificate_required": _l("Library training certificate required"),
                    "min_experience_months": _l("Minimum experience (months)"),
                },
            },
        ),
    )
    column_labels = {
        "number": _l("Scheme number"),
        "code": _l("Short code"),
        "scheme_type": _l("Type"),
        "kkni_level": _l("KKNI level"),
        "title": _l("Title"),
        "standard": _l("Standard"),
        "validity_months": _l("Validity (months)"),
        "surveillance_months": _l("Surveillance interval (months)"),
        "active": _l("Active"),
        "units": _l("Unit kompetensi"),
        "requirements": _l("Basic requirements (any one alternative)"),
    }


class UnitView(SecureModelView):
    """Competency units with their elements (KUK live under each element)."""

    screen = "unit"
    column_list = ("code", "title", "standard")
    column_searchable_list = ("code", "title")
    column_filters = ("standard",)
    column_default_sort = "code"
    form_columns = ("code", "title", "standard", "elements")
    form_args = {"code": {"validators": [DataRequired(), UnitCode()]}}
    inline_models = (
        (
            Element,
            {
                "form_columns": ("id", "number", "title"),
                "column_labels": {"number": _l("No."), "title": _l("Element")},
            },
        ),
    )
    column_labels = {
        "code": _l("Unit code"),
        "title": _l("Title"),
        "standard": _l("Standard"),
        "elements": _l("Elements"),
    }


class ElementView(SecureModelView):
    """Elements of a unit, with their KUK (performance criteria)."""

    screen = "unit"
    column_list = ("unit", "number", "title")
    column_select_related_list = (Element.unit,)
    column_searchable_list = ("title",)
    column_default_sort = [("unit_id", False), ("number", False)]
    form_columns = ("unit", "number", "title", "kuks")
    form_ajax_refs = {"unit": {"fields": ("code", "title"), "page_size": 20}}
    inline_models = (
        (
            Kuk,
            {
                "form_columns": ("id", "number", "text"),
                "column_labels": {"number": _l("No."), "text": _l("Performance criterion (KUK)")},
            },
        ),
    )
    column_labels = {
        "unit": _l("Unit kompetensi"),
        "number": _l("No."),
        "title": _l("Element"),
        "kuks": _l("KUK"),
    }


class TukView(SecureModelView):
    """Competency test sites."""

    screen = "tuk"
    column_list = ("code", "name", "tuk_type", "verified_until")
    column_searchable_list = ("code", "name")
    column_filters = ("tuk_type", "verified_until")
    form_columns = ("code", "name", "tuk_type", "address", "verified_until")
    form_choices = {"tuk_type": choices(TukType, TUK_TYPE_LABELS)}
    column_formatters = {"tuk_type": enum_formatter(TUK_TYPE_LABELS)}
    column_labels = {
        "code": _l("Code"),
        "name": _l("Name"),
        "tuk_type": _l("TUK type"),
        "address": _l("Address"),
        "verified_until": _l("Verified until"),
    }


class ScheduleView(SecureModelView):
    """Announced assessment schedules (seed 2.1)."""

    screen = "schedule"
    column_list = (
        "code",
        "scheme",
        "tuk",
        "starts_on",
        "ends_on",
        "registration_deadline",
        "quota",
        "published",
        "badges",
    )
    column_select_related_list = (Schedule.scheme, Schedule.tuk)
    column_formatters = {
        "badges": links_formatter(
            "schedule_id",
            ("documents.badges", _l("ID badges (PDF)")),
            ("documents.attendance_list", _l("Attendance list (PDF)")),
            ("documents.assignment_letter", _l("Assignment letter (PDF)")),
        )
    }
    column_searchable_list = ("code",)
    column_filters = (
        LookupFilter(Schedule.scheme_id, _l("Skema"), Scheme, Scheme.title),
        LookupFilter(Schedule.tuk_id, _l("TUK"), Tuk, Tuk.name),
        "published",
        "starts_on",
    )
    column_default_sort = ("starts_on", True)
    form_columns = (
        "code",
        "scheme",
        "tuk",
        "starts_on",
        "ends_on",
        "registration_deadline",
        "quota",
        "published",
        "notes",
    )
    column_labels = {
        "code": _l("Schedule code"),
        "scheme": _l("Skema"),
        "tuk": _l("TUK"),
        "starts_on": _l("Starts"),
        "ends_on": _l("Ends"),
        "registration_deadline": _l("Registration deadline"),
        "quota": _l("Quota"),
        "published": _l("Published"),
        "notes": _l("Notes"),
        "badges": _l("Documents"),
    }


class PublicDocumentView(SecureModelView):
    """Documents offered on the public schedule page (metadata; files are uploaded separately)."""

    screen = "public_document"
    list_template = "admin/public_document_list.html"
    column_list = ("title", "kind", "schedule", "original_name", "published", "uploaded_at")
    column_filters = ("kind", "published")
    form_columns = ("title", "kind", "schedule", "published")
    form_choices = {"kind": choices(DocumentKind, DOCUMENT_KIND_LABELS)}
    column_formatters = {"kind": enum_formatter(DOCUMENT_KIND_LABELS)}
    allow_create = False  # created through the upload form, which stores the file
    column_labels = {
        "title": _l("Title"),
        "kind": _l("Kind"),
        "schedule": _l("Schedule"),
        "original_name": _l("File"),
        "published": _l("Published"),
        "uploaded_at": _l("Uploaded"),
    }


class BnspCodeView(SecureModelView):
    """BNSP's reporting code tables."""

    screen = "bnsp_code"
    column_list = ("kind", "code", "name")
    column_searchable_list = ("code", "name")
    column_filters = ("kind",)
    column_default_sort = [("kind", False), ("code", False)]
    form_columns = ("kind", "code", "name")
    form_choices = {"kind": choices(CodeKind, CODE_KIND_LABELS)}
    column_formatters = {"kind": enum_formatter(CODE_KIND_LABELS)}
    column_labels = {"kind": _l("Table"), "code": _l("Code"), "name": _l("Name")}
