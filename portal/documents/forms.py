"""The rest of the form set an auditor checks per candidate and per schedule (issue 18).

Per case: the assessment plan (FR-POA-01 in the seed, FR.MAPA.01 in BNSP's current numbering),
the list of assessment tools (FR-DAT-01), the agreement to the assessment and confidentiality
(FR.AK.01), the assessment record per unit (FR.AK.02) and the appeal (FR.AK.04). Per schedule:
the asesor's assignment letter (surat tugas) and the attendance list (daftar hadir). Each is
printed from the records as they stand; a form whose facts are not recorded yet prints its
blanks, as the paper form would be filled in by hand.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..admin_views.case_actions import METHOD_LABELS
from ..extensions import db
from ..models import Appeal, Case, CaseUnit, Schedule, Unit, User
from ..rules.vocabulary import (
    APPEAL_STATUS_LABELS,
    AppealStatus,
    AssessmentMethod,
    CaseStatus,
)
from ..scoping import scope_cases
from .paperwork import Document, render_document

# The BNSP instrument that records the evidence of each assessment method (FR.IA series).
INSTRUMENTS = {
    AssessmentMethod.OBSERVATION: "FR.IA.01",
    AssessmentMethod.WRITTEN: "FR.IA.06",
    AssessmentMethod.ORAL: "FR.IA.07",
    AssessmentMethod.PORTFOLIO: "FR.IA.08",
    AssessmentMethod.INTERVIEW: "FR.IA.09",
    AssessmentMethod.THIRD_PARTY: "FR.IA.10",
}

# Per case form: (template, file name prefix, the form's codes as printed: seed and BNSP).
CASE_FORMS = {
    "assessment-plan": ("pdf/mapa01.html", "FR-MAPA-01"),
    "assessment-tools": ("pdf/dat01.html", "FR-DAT-01"),
    "agreement": ("pdf/ak01.html", "FR-AK-01"),
    "assessment-record": ("pdf/ak02.html", "FR-AK-02"),
}


def methods_of(case_unit: CaseUnit) -> list[AssessmentMethod]:
    """The assessment methods chosen for a unit (stored comma-separated), in the vocabulary's
    order; an unknown code is left out rather than printed raw."""
    chosen = {part.strip() for part in (case_unit.methods or "").split(",")}
    return [method for method in AssessmentMethod if method.value in chosen]


def _case(case_id: int, user: User, *options: Any) -> Case | None:
    """One case with what every case form prints, if the user may see it."""
    query = (
        select(Case)
        .where(Case.id == case_id)
        .options(
            selectinload(Case.applicant),
            selectinload(Case.scheme),
            selectinload(Case.assessor),
            selectinload(Case.tuk),
            selectinload(Case.schedule),
            selectinload(Case.units).selectinload(CaseUnit.unit).selectinload(Unit.elements),
            *options,
        )
    )
    return db.session.scalar(scope_cases(query, user))


def case_form(kind: str, case_id: int, user: User) -> Document | None:
    """One of the per-case forms of CASE_FORMS, or None for a case the user may not see."""
    template, prefix = CASE_FORMS[kind]
    case = _case(case_id, user)
    if case is None:
        return None
    units = sorted(case.units, key=lambda cu: cu.unit.code)
    methods = {cu.id: methods_of(cu) for cu in units}
    pdf = render_document(
        template,
        case=case,
        units=units,
        methods=methods,
        chosen={m for chosen in methods.values() for m in chosen},
        all_methods=list(AssessmentMethod),
        labels=METHOD_LABELS,
        instruments=INSTRUMENTS,
    )
    return Document(f"{prefix}-{case.reg_number}", pdf)


def appeal_form(appeal_id: int, user: User) -> Document | None:
    """FR.AK.04 of an appeal, or None when there is none the user may see."""
    appeal = db.session.scalar(
        select(Appeal).where(Appeal.id == appeal_id).options(selectinload(Appeal.decided_by))
    )
    case = _case(appeal.case_id, user) if appeal is not None else None
    if case is None:
        return None
    status = gettext(APPEAL_STATUS_LABELS[AppealStatus(appeal.status)])
    pdf = render_document("pdf/ak04.html", case=case, appeal=appeal, status=status)
    return Document(f"FR-AK-04-{case.reg_number}", pdf)


def _schedule_cases(schedule_id: int, user: User) -> tuple[Schedule, list[Case]] | None:
    """A schedule and its asesi (not withdrawn) that the user may see, or None."""
    schedule = db.session.scalar(
        select(Schedule)
        .where(Schedule.id == schedule_id)
        .options(selectinload(Schedule.scheme), selectinload(Schedule.tuk))
    )
    if schedule is None:
        return None
    cases = db.session.scalars(
        scope_cases(
            select(Case)
            .where(Case.schedule_id == schedule_id, Case.status != CaseStatus.WITHDRAWN)
            .options(selectinload(Case.applicant), selectinload(Case.assessor))
            .order_by(Case.reg_number),
            user,
        )
    ).all()
    if not cases:
        return None
    return schedule, list(cases)


def assignment_letter(schedule_id: int, user: User) -> Document | None:
    """The surat tugas of a schedule: each asesor assigned and the asesi they assess."""
    found = _schedule_cases(schedule_id, user)
    if found is None:
        return None
    schedule, cases = found
    assessors: dict[int, tuple[Any, list[Case]]] = {}
    for case in cases:
        if case.assessor is not None:
            assessors.setdefault(case.assessor.id, (case.assessor, []))[1].append(case)
    if not assessors:
        return None
    pdf = render_document(
        "pdf/surat_tugas.html",
        schedule=schedule,
        assignments=sorted(assessors.values(), key=lambda pair: pair[0].full_name),
    )
    return Document(f"surat-tugas-{schedule.code}", pdf)


def attendance_list(schedule_id: int, user: User) -> Document | None:
    """The daftar hadir of a schedule: one line per asesi, with a box to sign."""
    found = _schedule_cases(schedule_id, user)
    if found is None:
        return None
    schedule, cases = found
    assessors = sorted({c.assessor.full_name for c in cases if c.assessor is not None})
    pdf = render_document(
        "pdf/daftar_hadir.html", schedule=schedule, cases=cases, assessors=assessors
    )
    return Document(f"daftar-hadir-{schedule.code}", pdf)
