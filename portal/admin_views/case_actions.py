"""The inputs each workflow action asks for, as forms, and how they become the service's inputs.

The transition table (`rules/workflow.py`) says which inputs an action requires; this module only
says how a person gives them. One form serves one case (with a row per unit) or many cases (with
one verdict for every unit, or "follow the recommendation").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..applicant.forms import MultiCheckboxField
from ..casework.action_pages import ActionPage
from ..casework.verdicts import AttachmentVerdict
from ..extensions import db
from ..models import CaseUnit, DecisionMeeting, Tuk, Unit
from ..rules.vocabulary import AppealStatus, AssessmentMethod, Verdict
from ..rules.workflow import Action

REASON_MAX = 2000
YES_NO = [("1", _l("Yes")), ("0", _l("No"))]
VERDICTS = [(Verdict.K.value, _l("K (Kompeten)")), (Verdict.BK.value, _l("BK (Belum Kompeten)"))]
METHOD_LABELS = {
    AssessmentMethod.OBSERVATION: _l("Observation"),
    AssessmentMethod.WRITTEN: _l("Written questions"),
    AssessmentMethod.ORAL: _l("Oral questions"),
    AssessmentMethod.PORTFOLIO: _l("Portfolio"),
    AssessmentMethod.INTERVIEW: _l("Interview"),
    AssessmentMethod.THIRD_PARTY: _l("Third-party evidence"),
}
METHODS = [(m.value, label) for m, label in METHOD_LABELS.items()]


REASON = _l("Reason")
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2099, 12, 31)


def plausible_date(_form: FlaskForm, field: Any) -> None:
    """Refuse a date outside 2000–2099: no step of the flow is dated there, and date arithmetic
    (a certificate's expiry) overflows near year 9999."""
    if field.data and not FIRST_DATE <= field.data <= LAST_DATE:
        raise ValidationError(_l("Give a date from 2000 to 2099."))


def _reason(label: Any = REASON) -> TextAreaField:
    """A required free-text reason."""
    return TextAreaField(label, validators=[DataRequired(), Length(max=REASON_MAX)])


def _tuks() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Tuk.id, Tuk.code, Tuk.name).order_by(Tuk.name))
    return [(str(i), f"{code} {name}") for i, code, name in rows]


def _meetings() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(DecisionMeeting.id, DecisionMeeting.held_on, DecisionMeeting.place)
        .order_by(DecisionMeeting.held_on.desc())
        .limit(50)
    )
    return [(str(i), f"{held:%d-%m-%Y} {place or ''}".strip()) for i, held, place in rows]


# The fields of each action's form, beyond the per-unit ones. Choices are read when the form is
# built, so a new assessor or meeting appears at once.
FIELDS: dict[Action, Callable[[], dict[str, Any]]] = {
    Action.SUBMIT: dict,
    Action.VERIFY: lambda: {
        "override_note": TextAreaField(
            _l("Override note (only when no basic-requirement alternative is met)"),
            validators=[Optional(), Length(max=REASON_MAX)],
        )
    },
    Action.RETURN: lambda: {"reason": _reason(_l("What must the applicant correct?"))},
    Action.RECORD_SELF_ASSESSMENT: dict,
    Action.ASSIGN_ASSESSOR: lambda: {
        # choices: the page's candidates (build_form), shown with workload and eligibility
        "assessor_id": RadioField(_l("Asesor"), choices=[], validators=[InputRequired()]),
        "assessment_date": DateField(
            _l("Assessment date"), validators=[DataRequired(), plausible_date]
        ),
    },
    Action.PRE_ASSESS: lambda: {
        "tuk_id": SelectField(_l("TUK"), choices=_tuks(), validators=[DataRequired()]),
        "assessment_date": DateField(
            _l("Assessment date"), validators=[DataRequired(), plausible_date]
        ),
        "assessment_time": TimeField(_l("Time"), validators=[Optional()]),
        "tools": TextAreaField(
            _l("Assessment tools (FR-DAT-01)"), validators=[Optional(), Length(max=REASON_MAX)]
        ),
        "agreement_confirmed": BooleanField(
            _l("The asesi agreed the assessment plan and confidentiality (FR.AK.01)")
        ),
    },
    Action.RECOMMEND: dict,
    Action.DECIDE: lambda: {
        "meeting_id": SelectField(
            _l("Decision meeting"), choices=_meetings(), validators=[DataRequired()]
        ),
        "note": TextAreaField(_l("Note"), validators=[Optional(), Length(max=REASON_MAX)]),
    },
    Action.ISSUE: lambda: {
        "issued_on": DateField(
            _l("Issue date (empty: today)"), validators=[Optional(), plausible_date]
        )
    },
    Action.APPEAL: lambda: {
        "reason": _reason(_l("Reason for the appeal")),
        "process_explained": RadioField(
            _l("Was the appeal process explained to the asesi?"),
            choices=YES_NO,
            validators=[InputRequired()],
        ),
        "discussed_with_assessor": RadioField(
            _l("Did the asesi discuss the assessment result with the asesor?"),
            choices=YES_NO,
            validators=[InputRequired()],
        ),
        "involved_others": RadioField(
            _l("Did the asesi involve another person in the appeal?"),
            choices=YES_NO,
            validators=[InputRequired()],
        ),
    },
    Action.DECIDE_APPEAL: lambda: {
        "outcome": RadioField(
            _l("Decision on the appeal"),
            choices=[
                (AppealStatus.UPHELD.value, _l("Upheld: re-assess the BK units")),
                (AppealStatus.REJECTED.value, _l("Rejected: close the case")),
            ],
            validators=[InputRequired()],
        ),
        "reason": _reason(_l("Reason of the decision")),
    },
    Action.CLOSE: lambda: {"reason": _reason()},
    Action.WITHDRAW: lambda: {"reason": _reason()},
}

# Actions that take a verdict per unit, and the input keys they read per unit.
UNIT_INPUTS: dict[Action, tuple[str, ...]] = {
    Action.RECORD_SELF_ASSESSMENT: ("verdict", "evidence"),
    Action.PRE_ASSESS: ("methods",),
    Action.RECOMMEND: ("verdict", "note"),
    Action.DECIDE: ("verdict", "reason"),
}
FOLLOW = ""  # "follow the recommendation": the decision takes each unit's recommended verdict


def unit_rows(case_ids: Sequence[int]) -> list[tuple[int, Unit, CaseUnit]]:
    """The units of the selected cases, for per-unit inputs."""
    rows = db.session.execute(
        select(CaseUnit, Unit)
        .join(Unit, Unit.id == CaseUnit.unit_id)
        .where(CaseUnit.case_id.in_(case_ids))
        .order_by(CaseUnit.case_id, Unit.code)
    )
    return [(cu.case_id, unit, cu) for cu, unit in rows]


def _unit_fields(action: Action, units: list[tuple[int, Unit, CaseUnit]], single: bool) -> dict:
    """Per-unit fields for one case, pre-filled with what the case holds; one shared field per
    key for many cases. The decision's K/BK of one case starts as the asesor's recommendation,
    shown beside it."""
    keys = UNIT_INPUTS.get(action, ())
    targets = [(u, cu) for _, u, cu in units if not _decided(action, cu)] if single else [None]
    fields: dict[str, Any] = {}
    for target in targets:
        unit, cu = target or (None, None)
        prefix = f"unit{unit.id if unit else 'all'}__"
        title = f"{unit.code} {unit.title}" if unit else None
        if "verdict" in keys and action == Action.DECIDE and cu is not None:
            fields[prefix + "verdict"] = RadioField(
                title,
                choices=VERDICTS,
                default=cu.recommendation,
                validators=[Optional()],
                description=_recommended(cu),
            )
        elif "verdict" in keys:
            choices = list(VERDICTS)
            if action == Action.DECIDE:
                choices = [(FOLLOW, _l("Follow the asesor's recommendation")), *choices]
            label = title or _l("Verdict for every unit")
            fields[prefix + "verdict"] = SelectField(label, choices=choices, default=FOLLOW)
        if "evidence" in keys:
            fields[prefix + "evidence"] = StringField(
                _l("Evidence"), validators=[Optional(), Length(max=REASON_MAX)]
            )
        if "note" in keys:
            fields[prefix + "note"] = StringField(
                _l("Follow-up note (required for BK)"), validators=[Optional(), Length(max=500)]
            )
        if "reason" in keys:
            fields[prefix + "reason"] = StringField(
                _l("Reason, when departing from the recommendation"),
                validators=[Optional(), Length(max=REASON_MAX)],
            )
        if "methods" in keys:
            fields[prefix + "methods"] = MultiCheckboxField(
                title or _l("Methods for every unit"),
                choices=METHODS,
                default=list(cu.methods.split(",")) if cu and cu.methods else [],
            )
    return fields


def _decided(action: Action, cu: CaseUnit) -> bool:
    """True for a unit that keeps its earlier result (after an upheld appeal): only the others
    are recommended and decided again."""
    return action in (Action.RECOMMEND, Action.DECIDE) and cu.result is not None


def _recommended(cu: CaseUnit) -> str:
    """The asesor's recommendation on a unit, as the decide form shows it beside the choice."""
    if cu.recommendation is None:
        return gettext("No recommendation recorded.")
    text = gettext("Asesor's recommendation: %(verdict)s", verdict=cu.recommendation)
    return f"{text} · {cu.recommendation_note}" if cu.recommendation_note else text


def _verdict_fields(page: ActionPage) -> dict[str, Any]:
    """The verify form's checklist: present and adequate per current attachment, pre-filled
    with its verdict so far, and one box for "all present and adequate"."""
    fields: dict[str, Any] = {
        "all_good": BooleanField(_l("Every attachment is present and adequate"))
    }
    for a in page.attachments:
        fields[f"att{a.id}__present"] = BooleanField(_l("Present"), default=bool(a.present))
        fields[f"att{a.id}__adequate"] = BooleanField(_l("Adequate"), default=bool(a.adequate))
        fields[f"att{a.id}__note"] = StringField(
            _l("Note"), default=a.verdict_note or "", validators=[Optional(), Length(max=500)]
        )
    return fields


def _prefill(action: Action, page: ActionPage) -> dict[str, Any]:
    """What one case already holds for the form's fields (the plan set at assignment)."""
    case = page.case
    if case is None or action not in (Action.ASSIGN_ASSESSOR, Action.PRE_ASSESS):
        return {}
    known = {
        "tuk_id": str(case.tuk_id) if case.tuk_id else None,
        "assessor_id": str(case.assessor_id) if case.assessor_id else None,
        "assessment_date": case.assessment_date,
        "assessment_time": case.assessment_time,
        "tools": case.assessment_tools,
    }
    return {key: value for key, value in known.items() if value is not None}


def build_form(
    action: Action, units: list[tuple[int, Unit, CaseUnit]], single: bool, page: ActionPage
) -> FlaskForm:
    """The form of an action for the selected cases, bound to the request's data (on GET,
    pre-filled with what one case holds)."""
    attrs = {**FIELDS[action](), **_unit_fields(action, units, single)}
    if action == Action.VERIFY and single:
        attrs.update(_verdict_fields(page))
    form_class = type(f"{action.value.title()}Form", (FlaskForm,), attrs)
    form = form_class(data=_prefill(action, page))
    if action == Action.ASSIGN_ASSESSOR:
        form.assessor_id.choices = [(str(c.assessor.id), str(c.assessor)) for c in page.candidates]
    return form


def verdicts_from(form: FlaskForm, page: ActionPage) -> dict[int, AttachmentVerdict]:
    """The attachments' verdicts the verify form's checklist gives ("all" ticks every box)."""
    every = bool(form.data.get("all_good"))
    return {
        a.id: AttachmentVerdict(
            every or form[f"att{a.id}__present"].data,
            every or form[f"att{a.id}__adequate"].data,
            form[f"att{a.id}__note"].data,
        )
        for a in page.attachments
    }


def _is_unit_field(name: str) -> bool:
    return name.startswith("unit") and "__" in name


def _is_own_field(name: str) -> bool:
    """True for a field the form's template shows apart (per unit, per attachment, CSRF)."""
    return _is_unit_field(name) or name.startswith("att") or name in ("csrf_token", "all_good")


def unit_fields(form: FlaskForm) -> list[list[Any]]:
    """The per-unit fields grouped by unit, in order, for the template."""
    groups: dict[str, list[Any]] = {}
    for field in form:
        if _is_unit_field(field.name):
            groups.setdefault(field.name.split("__", 1)[0], []).append(field)
    return list(groups.values())


def common_fields(form: FlaskForm) -> list[Any]:
    """The fields that apply to the whole action, for the template."""
    return [f for f in form if not _is_own_field(f.name)]


def inputs_from(form: FlaskForm, action: Action, units: list[tuple[int, Unit, CaseUnit]]) -> dict:
    """The service's inputs from a validated form."""
    data = {k: v for k, v in form.data.items() if not _is_own_field(k)}
    for key in ("process_explained", "discussed_with_assessor", "involved_others"):
        if key in data:
            data[key] = data[key] == "1"
    keys = UNIT_INPUTS.get(action, ())
    if keys:
        data["units"] = {}
        for _, unit, _ in units:
            given = {}
            for key in keys:
                field = form._fields.get(f"unit{unit.id}__{key}") or form._fields.get(
                    f"unitall__{key}"
                )
                if field is not None and field.data not in (None, "", []):
                    given[key] = field.data
            data["units"][unit.id] = given
    return data
