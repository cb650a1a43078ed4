"""Reading the facts of cases in a constant number of queries, for the rules to judge."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from ..models import (
    Assessor,
    AssessorConflict,
    Attachment,
    DecisionMeeting,
    Element,
    Kuk,
    MeetingAttendee,
    SchemeRequirement,
    Tuk,
    Unit,
    UserRole,
    assessor_scheme,
    scheme_unit,
)
from ..rules.requirements import Alternative, Qualifications, evaluate
from ..rules.self_assessment import unit_evidence, unit_verdict
from ..rules.vocabulary import (
    CaseStatus,
    Role,
)
from ..rules.workflow import (
    Action,
    AssessorFacts,
    AttachmentFacts,
    CaseFacts,
    MeetingFacts,
    UnitFacts,
)
from .tables import APPLICANT, ASSESSOR, CASE, CERT, UNIT, USER, among

_STATUSES = {status.value: status for status in CaseStatus}  # a dict lookup: Enum() is slow
_SEP = "\x1f"  # joins strings aggregated in SQL; no file name or code contains it


def load_facts(
    session: Session,
    case_ids: Sequence[int],
    *,
    lock: bool = False,
    needs: frozenset[str] = frozenset(),
) -> dict[int, CaseFacts]:
    """The facts of the cases in a constant number of queries: the case rows, and `needs`.

    `needs` names the further facts to read (units, attachments, requirement_met), as the
    transition table declares them; `lock` takes the cases' row locks (PostgreSQL).
    """
    rows = _case_rows(session, case_ids, lock, profile="requirement_met" in needs)
    units = _unit_facts(session, case_ids) if "units" in needs else {}
    attachments = _attachment_facts(session, case_ids) if "attachments" in needs else {}
    met = _requirements_met(session, rows) if "requirement_met" in needs else {}
    n = len(_FACT_COLUMNS)
    # Built by position: reading thousands of rows by column name costs more than the query.
    return {
        row[0]: CaseFacts(
            row[0],
            _STATUSES[row[1]],
            *row[2:n],
            units=units.get(row[0], ()),
            attachments=attachments.get(row[0], _NO_ATTACHMENTS),
            requirement_met=met.get(row[0]),
        )
        for row in rows
    }


_NO_ATTACHMENTS = AttachmentFacts()


def free_to_decide(user_id: Any, assessor_id: Any) -> Any:
    """True when the user (their id and linked asesor, columns or values) is neither the case's
    assessor nor its trainer: the DECIDE row's `_not_the_assessor` and `_not_the_trainer`, as a
    condition on the case row (NULL-safe: a case without asesor or trainer is free)."""
    c = CASE.c
    return and_(
        or_(c.assessor_id.is_(None), c.assessor_id.is_distinct_from(assessor_id)),
        or_(c.trainer_user_id.is_(None), c.trainer_user_id.is_distinct_from(user_id)),
    )


def chair_conflicted() -> Any:
    """True when the LSP has a chair and every active one is the case's assessor (the user
    linked to its asesor) or trainer: the fact `CaseFacts.chair_conflicted`, as a condition
    correlated with the case row only, so the facts and the worklists read it alike."""
    role, chair = UserRole.__table__.c, USER.alias("chair_user")
    chairs = (
        select(role.user_id)
        .join(chair, chair.c.id == role.user_id)
        .where(role.role == Role.CHAIR.value, chair.c.active.is_(True))
    )
    free = chairs.where(free_to_decide(role.user_id, chair.c.assessor_id))
    return and_(chairs.exists(), ~free.exists())


_FACT_COLUMNS = (  # the case-row fields of CaseFacts, in its field order
    CASE.c.id.label("case_id"),
    CASE.c.status,
    CASE.c.applicant_id,
    CASE.c.scheme_id,
    CASE.c.reg_number,
    CASE.c.declaration_signed,
    CASE.c.assessor_id,
    USER.c.id.label("assessor_user_id"),
    ASSESSOR.c.licence_valid_until.label("assessor_licence_valid_until"),
    CASE.c.trainer_user_id,
    CASE.c.agreement_confirmed,
    CASE.c.decided_on,
    CASE.c.decided_by_id,
    CERT.c.id.is_not(None).label("has_certificate"),
    CASE.c.assessment_date,
    CASE.c.recommended_on,
    chair_conflicted().label("chair_conflicted"),
)


def _case_rows(
    session: Session, case_ids: Sequence[int], lock: bool, profile: bool = False
) -> list[Row]:
    """One row per case: the case-row facts, then (with `profile`) the applicant's qualifications."""
    c = CASE.c
    query = (
        select(*_FACT_COLUMNS)
        .outerjoin(ASSESSOR, ASSESSOR.c.id == c.assessor_id)
        .outerjoin(USER, USER.c.assessor_id == c.assessor_id)
        .outerjoin(CERT, CERT.c.case_id == c.id)
        .where(among(session, c.id, case_ids))
        .order_by(c.id)
    )
    if profile:
        query = query.join(APPLICANT, APPLICANT.c.id == c.applicant_id).add_columns(
            *(APPLICANT.c[name] for name in _PROFILE)
        )
    if lock:  # PostgreSQL: lock in id order, so concurrent batches never deadlock
        query = query.with_for_update(of=CASE)
    return session.execute(query).all()


def _unit_facts(session: Session, case_ids: Sequence[int]) -> dict[int, tuple[UnitFacts, ...]]:
    """The chosen units of each case, with whether each belongs to the case's scheme."""
    u, unit, chosen = UNIT.c, Unit.__table__.c, scheme_unit.c
    query = (
        select(
            u.case_id,
            u.unit_id,
            unit.code,
            chosen.unit_id.label("in_scheme"),
            u.self_assessment,
            u.methods,
            u.recommendation,
            u.recommendation_note,
            u.result,
            u.reassessment_count,
        )
        .join(Unit.__table__, unit.id == u.unit_id)
        .join(CASE, CASE.c.id == u.case_id)
        .outerjoin(
            scheme_unit,
            and_(chosen.scheme_id == CASE.c.scheme_id, chosen.unit_id == u.unit_id),
        )
        .where(among(session, u.case_id, case_ids))
        .order_by(u.id)
    )
    found: dict[int, list[UnitFacts]] = defaultdict(list)
    # Unpacked by position: building thousands of facts by name costs more than the query.
    for (
        case_id,
        unit_id,
        code,
        in_scheme,
        own,
        methods,
        advice,
        note,
        result,
        times,
    ) in session.execute(query).all():
        found[case_id].append(
            UnitFacts(
                unit_id,
                code,
                in_scheme is not None,
                own,
                tuple(methods.split(",")) if methods else (),
                advice,
                note,
                result,
                times,
            )
        )
    return {case_id: tuple(units) for case_id, units in found.items()}


def _attachment_facts(session: Session, case_ids: Sequence[int]) -> dict[int, AttachmentFacts]:
    """Per case, its current attachments summarised in SQL: kinds, unjudged, inadequate."""
    a = Attachment.__table__.c
    unjudged = when((or_(a.present.is_(None), a.adequate.is_(None)), a.original_name))
    inadequate = when((or_(a.present.is_(False), a.adequate.is_(False)), a.original_name))
    query = (
        select(
            a.case_id,
            func.aggregate_strings(a.kind, _SEP),
            func.aggregate_strings(unjudged, _SEP),
            func.aggregate_strings(inadequate, _SEP),
        )
        .where(among(session, a.case_id, case_ids), a.is_current.is_(True))
        .group_by(a.case_id)
    )
    return {
        case_id: AttachmentFacts(frozenset(_split(kinds)), _split(doubtful), _split(failed))
        for case_id, kinds, doubtful, failed in session.execute(query).all()
    }


def _split(joined: str | None) -> tuple[str, ...]:
    """The values an aggregate_strings() joined, in sorted order."""
    return tuple(sorted(joined.split(_SEP))) if joined else ()


_PROFILE = tuple(f.name for f in fields(Qualifications))


def _requirements_met(session: Session, cases: list[Row]) -> dict[int, str | None]:
    """Per case, the description of the basic-requirement alternative its applicant meets."""
    r = SchemeRequirement.__table__.c
    alternatives: dict[int, list[Alternative]] = defaultdict(list)
    for row in session.execute(
        select(r.scheme_id, *(r[f.name] for f in fields(Alternative)))
        .where(r.scheme_id.in_({row.scheme_id for row in cases}))
        .order_by(r.position, r.id)
    ).all():
        alternatives[row[0]].append(Alternative(*row[1:]))
    judged: dict[tuple, str | None] = {}  # few distinct (scheme, profile) pairs per batch
    met: dict[int, str | None] = {}
    n = len(_FACT_COLUMNS)
    for row in cases:
        key = (row.scheme_id, *row[n:])
        if key not in judged:
            alternative = evaluate(alternatives[row.scheme_id], Qualifications(*key[1:])).met
            judged[key] = alternative.description if alternative else None
        met[row.case_id] = judged[key]
    return met


def resolve_inputs(
    session: Session, action: Action, inputs: Mapping[str, Any], facts: Iterable[CaseFacts]
) -> dict[str, Any]:
    """The inputs as the rules read them: unit ids as ints, record ids replaced by their facts.

    An id that names no record is dropped, so the rules refuse it as a missing input; facts
    given directly by the caller are ignored, so only the database vouches for them.
    """
    resolved = {k: v for k, v in inputs.items() if k not in _RESOLVED}
    resolved["units"] = {int(k): dict(v) for k, v in (inputs.get("units") or {}).items()}
    if action == Action.ASSIGN_ASSESSOR and inputs.get("assessor_id"):
        applicants = {f.applicant_id for f in facts}
        assessor = _assessor_facts(session, int(inputs["assessor_id"]), applicants)
        resolved.update({"assessor": assessor} if assessor else {})
    if action == Action.DECIDE and inputs.get("meeting_id"):
        meeting = _meeting_facts(session, int(inputs["meeting_id"]))
        resolved.update({"meeting": meeting} if meeting else {})
    if inputs.get("tuk_id") and session.get(Tuk, int(inputs["tuk_id"])) is None:
        resolved.pop("tuk_id")
    if action == Action.RECORD_SELF_ASSESSMENT and inputs.get("kuks"):
        _resolve_kuk_answers(session, resolved, inputs["kuks"], facts)
    return resolved


def _resolve_kuk_answers(
    session: Session, resolved: dict[str, Any], given: Mapping[Any, Any], facts: Iterable[CaseFacts]
) -> None:
    """FR.APL.02 per KUK: keep the answers to KUKs of the cases' units (the database says which
    unit each KUK belongs to) and derive each such unit's verdict and evidence from all its KUKs."""
    answers = {int(k): dict(v) for k, v in given.items()}
    units = {u.unit_id for f in facts for u in f.units}
    kuks_of: dict[int, list[int]] = defaultdict(list)
    for kuk_id, unit_id in session.execute(
        select(Kuk.id, Element.unit_id)
        .join(Element, Kuk.element_id == Element.id)
        .where(Element.unit_id.in_(units))
        .order_by(Element.number, Kuk.id)
    ):
        kuks_of[unit_id].append(kuk_id)
    known = {k for ids in kuks_of.values() for k in ids}
    resolved["kuks"] = {k: v for k, v in answers.items() if k in known}
    for unit_id, ids in kuks_of.items():
        mine = [resolved["kuks"].get(k, {}) for k in ids]
        if any(mine):
            resolved["units"][unit_id] = {
                "verdict": unit_verdict([a.get("answer") for a in mine]),
                "evidence": unit_evidence(a.get("evidence") for a in mine),
            }


_RESOLVED = ("assessor", "meeting")


def _meeting_facts(session: Session, meeting_id: int) -> MeetingFacts | None:
    """A decision meeting's date, who attended, and whether the LSP's chair and deputy chair
    were among them."""
    meeting = session.get(DecisionMeeting, meeting_id)
    if meeting is None:
        return None
    attendees = select(MeetingAttendee.user_id).where(MeetingAttendee.meeting_id == meeting_id)
    present = frozenset(session.scalars(attendees))
    roles = set(
        session.scalars(
            select(UserRole.role)
            .distinct()
            .where(
                UserRole.user_id.in_(attendees),
                UserRole.role.in_((Role.CHAIR.value, Role.DEPUTY_CHAIR.value)),
            )
        )
    )
    return MeetingFacts(
        meeting.id,
        meeting.held_on,
        present,
        chair_present=Role.CHAIR in roles,
        deputy_present=Role.DEPUTY_CHAIR in roles,
    )


def _assessor_facts(
    session: Session, assessor_id: int, applicant_ids: set[int]
) -> AssessorFacts | None:
    """An assessor's registration, schemes and declared conflicts with these applicants."""
    assessor = session.get(Assessor, assessor_id)
    if assessor is None:
        return None
    schemes = session.scalars(
        select(assessor_scheme.c.scheme_id).where(assessor_scheme.c.assessor_id == assessor_id)
    )
    conflicts: dict[int, tuple[str, ...]] = defaultdict(tuple)
    for applicant_id, kind in session.execute(
        select(AssessorConflict.applicant_id, AssessorConflict.kind).where(
            AssessorConflict.assessor_id == assessor_id,
            AssessorConflict.applicant_id.in_(applicant_ids),
        )
    ):
        conflicts[applicant_id] += (kind,)
    return AssessorFacts(
        assessor_id=assessor.id,
        name=assessor.full_name,
        active=assessor.active,
        licence_valid_until=assessor.licence_valid_until,
        scheme_ids=frozenset(schemes),
        conflicts=dict(conflicts),
    )


def active_assessors(
    session: Session, applicant_ids: set[int]
) -> list[tuple[Assessor, AssessorFacts]]:
    """Every active assessor with their registration, schemes and declared conflicts with
    these applicants, in three queries, for the list of whom cases may be assigned to."""
    assessors = session.scalars(
        select(Assessor).where(Assessor.active.is_(True)).order_by(Assessor.full_name)
    ).all()
    schemes: dict[int, set[int]] = defaultdict(set)
    for assessor_id, scheme_id in session.execute(select(assessor_scheme)).all():
        schemes[assessor_id].add(scheme_id)
    conflicts: dict[int, dict[int, tuple[str, ...]]] = defaultdict(lambda: defaultdict(tuple))
    for assessor_id, applicant_id, kind in session.execute(
        select(
            AssessorConflict.assessor_id, AssessorConflict.applicant_id, AssessorConflict.kind
        ).where(AssessorConflict.applicant_id.in_(applicant_ids))
    ):
        conflicts[assessor_id][applicant_id] += (kind,)
    return [
        (
            a,
            AssessorFacts(
                assessor_id=a.id,
                name=a.full_name,
                active=a.active,
                licence_valid_until=a.licence_valid_until,
                scheme_ids=frozenset(schemes[a.id]),
                conflicts=dict(conflicts[a.id]),
            ),
        )
        for a in assessors
    ]
