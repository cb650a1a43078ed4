"""The case workflow: a case's status moves only through the transition table below.

Pure Python (no Flask, no database): the service in `portal.casework` builds the facts of each
case from the database, asks `plan()` whether an action may fire and what it changes, and writes
the result with its audit event. Reading `TRANSITIONS` is enough to know the whole flow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from .vocabulary import (
    N_,
    OPEN_CASE_STATUSES,
    REQUIRED_ATTACHMENTS,
    AppealStatus,
    AssessmentMethod,
    CaseStatus,
    Role,
    Verdict,
)

REASSESSMENT_LIMIT = 3  # seed 2.10: a fourth re-assessment of a unit needs a new application
DEFAULT_APPEAL_WINDOW_DAYS = 14
DEFAULT_MEETING_QUORUM = 3  # of the seed's five officials (LSP_MEETING_QUORUM)
APPEAL_QUESTIONS = ("process_explained", "discussed_with_assessor", "involved_others")
ALREADY_DONE = N_("Already done by someone else.")
ROLE_REFUSED = N_("Your role may not do this: %(action)s.")
# The applicant acting on their own case from the applicant portal: an actor kind, not a staff
# role (staff never hold it), named in the rows where the seed says the candidate acts.
APPLICANT = "applicant"


class Action(StrEnum):
    SUBMIT = "submit"
    VERIFY = "verify"
    RETURN = "return"
    RECORD_SELF_ASSESSMENT = "record_self_assessment"
    ASSIGN_ASSESSOR = "assign_assessor"
    PRE_ASSESS = "pre_assess"
    RECOMMEND = "recommend"
    DECIDE = "decide"
    ISSUE = "issue"
    APPEAL = "appeal"
    DECIDE_APPEAL = "decide_appeal"
    CLOSE = "close"
    WITHDRAW = "withdraw"


class Refusal(Exception):
    """Why an action may not be applied: the one domain error, with a message a person can read."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params

    def __str__(self) -> str:
        return self.msgid % self.params if self.params else self.msgid

    def __repr__(self) -> str:
        return f"Refusal({str(self)!r})"


# --- facts: what the service reads from the database -----------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who acts: a member of staff (user id, roles, assessor record if they are one) or an
    applicant from their account (roles `{APPLICANT}`, account id, their applicant record)."""

    user_id: int | None
    roles: frozenset[str]
    assessor_id: int | None = None
    account_id: int | None = None
    applicant_id: int | None = None


@dataclass(frozen=True)
class UnitFacts:
    """One chosen unit of a case, with its verdicts so far."""

    unit_id: int
    code: str
    in_scheme: bool = True
    self_assessment: str | None = None
    methods: tuple[str, ...] = ()
    recommendation: str | None = None
    recommendation_note: str | None = None
    result: str | None = None
    reassessment_count: int = 0


@dataclass(frozen=True)
class AttachmentFacts:
    """A case's current attachments as the guards need them: kinds, and those still in doubt."""

    kinds: frozenset[str] = frozenset()
    unjudged: tuple[str, ...] = ()  # names without a present/adequate verdict yet
    inadequate: tuple[str, ...] = ()  # names judged missing (tidak ada) or inadequate


@dataclass(frozen=True)
class AssessorFacts:
    """An assessor proposed for assignment (the service resolves `assessor_id` into this)."""

    assessor_id: int
    name: str
    active: bool
    licence_valid_until: date
    scheme_ids: frozenset[int]
    conflicts: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # applicant → kinds


@dataclass(frozen=True)
class MeetingFacts:
    """A decision meeting (the service resolves `meeting_id` into this)."""

    meeting_id: int
    held_on: date
    attendee_ids: frozenset[int] = frozenset()  # the users recorded as present
    chair_present: bool = False  # an attendee holds the LSP's chair role
    deputy_present: bool = False  # an attendee holds the deputy chair role


@dataclass(frozen=True)
class CaseFacts:
    """Everything the guards need to know about one case.

    The fields up to `chair_conflicted` come from the case row, in this order (the service
    builds them positionally); the last three are read only for the actions that need them.
    """

    case_id: int
    status: CaseStatus
    applicant_id: int
    scheme_id: int
    reg_number: str = ""
    declaration_signed: bool = False
    assessor_id: int | None = None
    assessor_user_id: int | None = None
    assessor_licence_valid_until: date | None = None
    trainer_user_id: int | None = None
    agreement_confirmed: bool = False
    decided_on: date | None = None
    decided_by_id: int | None = None
    has_certificate: bool = False
    assessment_date: date | None = None
    recommended_on: date | None = None
    # every active holder of the chair role is this case's assessor or trainer: the deputy decides
    chair_conflicted: bool = False
    units: tuple[UnitFacts, ...] = ()
    attachments: AttachmentFacts = AttachmentFacts()
    requirement_met: str | None = None  # the basic-requirement alternative met, or None


@dataclass(frozen=True)
class Policy:
    """The settings the guards depend on: today's date and the configurable windows."""

    today: date
    appeal_window_days: int = DEFAULT_APPEAL_WINDOW_DAYS
    meeting_quorum: int = DEFAULT_MEETING_QUORUM


@dataclass(frozen=True)
class Context:
    """What a guard, a choice or an effect looks at."""

    facts: CaseFacts
    actor: Actor
    inputs: Mapping[str, Any]
    policy: Policy


@dataclass(frozen=True)
class Change:
    """The columns an action writes: on the case, and per unit (keyed by unit id)."""

    case: Mapping[str, Any] = field(default_factory=dict)
    units: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)


Guard = Callable[[Context], "Refusal | None"]


def _no_change(_ctx: Context) -> Change:
    """The effect of an action that writes no case or unit column (only its status)."""
    return Change()


@dataclass(frozen=True)
class Choice:
    """An end state the input decides: `by` picks one of `options`."""

    options: tuple[CaseStatus, ...]
    by: Callable[[Context], CaseStatus]


@dataclass(frozen=True)
class Transition:
    """One row of the table: who may do what, from where, to where, and on which conditions.

    `to` is None when the status stays (the action only records data). `requires` names the
    inputs that must be given; `who` are the guards about the actor (they decide whether the
    action is offered at all); `guards` check the facts and the inputs. `reads` names the facts
    beyond the case row that the guards and the effect look at, so the service loads only those.
    """

    action: Action
    sources: frozenset[CaseStatus]
    to: CaseStatus | Choice | None
    roles: frozenset[str]  # Role values, or APPLICANT
    label: str
    requires: tuple[str, ...] = ()
    who: tuple[Guard, ...] = ()
    guards: tuple[Guard, ...] = ()
    reads: frozenset[str] = frozenset()
    effect: Callable[[Context], Change] = _no_change

    @property
    def targets(self) -> tuple[CaseStatus, ...]:
        """Every status this transition can lead to."""
        if isinstance(self.to, Choice):
            return self.to.options
        return () if self.to is None else (self.to,)


@dataclass(frozen=True)
class Step:
    """An action that may fire: the status it leads to and what it writes."""

    transition: Transition
    to: CaseStatus
    change: Change


# --- input helpers ---------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    """True for a missing input: None, an empty or blank string, an empty collection."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        return not value
    return False


def _unit_input(ctx: Context, unit: UnitFacts, key: str) -> Any:
    """The value given for one unit in this action's `units` input, or None."""
    return (ctx.inputs.get("units") or {}).get(unit.unit_id, {}).get(key)


def _given(ctx: Context, columns: Mapping[str, str]) -> dict[str, Any]:
    """The case columns to write from the inputs that were given (input key → column)."""
    return {col: ctx.inputs[key] for key, col in columns.items() if not _blank(ctx.inputs.get(key))}


def _pending(facts: CaseFacts) -> tuple[UnitFacts, ...]:
    """The units still to be assessed and decided (all of them, or the BK ones after an appeal)."""
    return tuple(u for u in facts.units if u.result is None)


def _verdict(value: Any) -> str | None:
    """A K/BK verdict, or None when the value is not one."""
    return value if value in (Verdict.K, Verdict.BK) else None


def _self_assessment(ctx: Context, unit: UnitFacts) -> str | None:
    """The unit's self-assessment after this action: the one given, else the one recorded."""
    return _verdict(_unit_input(ctx, unit, "verdict") or unit.self_assessment)


def _recommendation(ctx: Context, unit: UnitFacts) -> str | None:
    """The unit's recommendation after this action: the one given, else the one recorded."""
    return _verdict(_unit_input(ctx, unit, "verdict") or unit.recommendation)


def _recommendation_note(ctx: Context, unit: UnitFacts) -> str | None:
    """The follow-up note of the unit's recommendation: the one given, else the one recorded."""
    return _unit_input(ctx, unit, "note") or unit.recommendation_note


def _result(ctx: Context, unit: UnitFacts) -> str | None:
    """The unit's decided result: kept from an earlier decision, else given, else recommended."""
    return unit.result if unit.result is not None else _recommendation(ctx, unit)


def _methods(ctx: Context, unit: UnitFacts) -> tuple[str, ...]:
    """The assessment methods of the unit after this action: those given, else those recorded."""
    return tuple(_unit_input(ctx, unit, "methods") or unit.methods)


def _day(ctx: Context, key: str) -> date:
    """A date input, defaulting to today."""
    return ctx.inputs.get(key) or ctx.policy.today


def _first(refusals: Iterable[Refusal | None]) -> Refusal | None:
    """The first refusal of a sequence, or None."""
    return next((r for r in refusals if r is not None), None)


# --- guards about the actor ------------------------------------------------------------------


def _assigned_assessor(ctx: Context) -> Refusal | None:
    """Only the assessor assigned to the case acts on its assessment."""
    if ctx.actor.assessor_id is None or ctx.actor.assessor_id != ctx.facts.assessor_id:
        return Refusal(N_("Only the assessor assigned to this case may do this."))
    return None


def _not_the_assessor(ctx: Context) -> Refusal | None:
    """The assessor of a case takes no decision on it (ISO 17024 4.3)."""
    facts, actor = ctx.facts, ctx.actor
    own_user = facts.assessor_user_id is not None and facts.assessor_user_id == actor.user_id
    own_record = facts.assessor_id is not None and facts.assessor_id == actor.assessor_id
    if own_user or own_record:
        return Refusal(N_("The assessor of this case cannot take this decision."))
    return None


def _own_case(ctx: Context) -> Refusal | None:
    """An applicant acts only on their own application (staff are not limited by this guard)."""
    if APPLICANT in ctx.actor.roles and ctx.actor.applicant_id != ctx.facts.applicant_id:
        return Refusal(N_("This application is not yours."))
    return None


def _not_the_trainer(ctx: Context) -> Refusal | None:
    """Whoever trained the applicant does not decide on their competence."""
    if ctx.facts.trainer_user_id is not None and ctx.facts.trainer_user_id == ctx.actor.user_id:
        return Refusal(N_("The trainer of this applicant cannot decide this case."))
    return None


def decides_only_for_a_conflicted_chair(roles: Iterable[str]) -> bool:
    """True for a deputy chair who is not a chair too: they decide only the cases whose chair
    is conflicted (its assessor or trainer). The worklists narrow "to decide" by this as well."""
    held = frozenset(roles)
    return Role.CHAIR not in held and Role.DEPUTY_CHAIR in held


def _deputy_only_for_a_conflicted_chair(ctx: Context) -> Refusal | None:
    """The deputy chair decides in the chair's stead only when the chair is conflicted on the
    case (its assessor or trainer), so no case is stuck and no decision is taken twice over."""
    if decides_only_for_a_conflicted_chair(ctx.actor.roles) and not ctx.facts.chair_conflicted:
        return Refusal(
            N_("The deputy chair decides only when the chair is this case's assessor or trainer.")
        )
    return None


def _not_the_decider(ctx: Context) -> Refusal | None:
    """An appeal is decided by someone other than the one who decided the case."""
    if ctx.facts.decided_by_id is not None and ctx.facts.decided_by_id == ctx.actor.user_id:
        return Refusal(N_("The person who decided this case cannot decide its appeal."))
    return None


# --- guards about the facts and inputs -------------------------------------------------------


def _has_units(ctx: Context) -> Refusal | None:
    """An application names at least one unit."""
    if not ctx.facts.units:
        return Refusal(N_("Choose at least one unit of the scheme."))
    return None


def _units_in_scheme(ctx: Context) -> Refusal | None:
    """Every chosen unit belongs to the case's scheme."""
    return _first(
        Refusal(N_("Unit %(unit)s is not part of the case's scheme."), unit=u.code)
        for u in ctx.facts.units
        if not u.in_scheme
    )


def _declaration_signed(ctx: Context) -> Refusal | None:
    """FR.APL.01 is declared and signed before it is submitted."""
    if not ctx.facts.declaration_signed:
        return Refusal(N_("The applicant has not signed the declaration."))
    return None


def _required_attachments(ctx: Context) -> Refusal | None:
    """The attachments no application goes without are there."""
    return _first(
        Refusal(N_("Required attachment missing: %(kind)s."), kind=kind)
        for kind in sorted(REQUIRED_ATTACHMENTS - ctx.facts.attachments.kinds)
    )


def _attachments_judged(ctx: Context) -> Refusal | None:
    """The secretariat recorded present/adequate for every current attachment."""
    return _first(
        Refusal(N_("Attachment %(name)s has no verdict yet."), name=name)
        for name in ctx.facts.attachments.unjudged
    )


def _attachments_adequate(ctx: Context) -> Refusal | None:
    """A missing or inadequate attachment means the application goes back, not forward."""
    return _first(
        Refusal(
            N_("Attachment %(name)s is missing or inadequate: return the application."), name=name
        )
        for name in ctx.facts.attachments.inadequate
    )


def _requirements_met(ctx: Context) -> Refusal | None:
    """A basic-requirement alternative is met, or staff override it with a note (RULES #2)."""
    if ctx.facts.requirement_met is None and _blank(ctx.inputs.get("override_note")):
        return Refusal(
            N_("No basic requirement of the scheme is met: give an override note or return it.")
        )
    return None


def _self_assessment_per_unit(ctx: Context) -> Refusal | None:
    """FR.APL.02 has K or BK for every chosen unit."""
    return _first(
        Refusal(N_("Record K or BK for unit %(unit)s."), unit=u.code)
        for u in ctx.facts.units
        if _self_assessment(ctx, u) is None
    )


def _assessor_active(ctx: Context) -> Refusal | None:
    """An inactive assessor is not assigned."""
    assessor: AssessorFacts = ctx.inputs["assessor"]
    if not assessor.active:
        return Refusal(N_("Assessor %(assessor)s is not active."), assessor=assessor.name)
    return None


def _assessor_licence_valid(ctx: Context) -> Refusal | None:
    """The assessor's registration is valid on the assessment date (RULES #4)."""
    assessor: AssessorFacts = ctx.inputs["assessor"]
    on = ctx.inputs["assessment_date"]
    if assessor.licence_valid_until < on:
        return Refusal(
            N_("The licence of assessor %(assessor)s is not valid on %(date)s."),
            assessor=assessor.name,
            date=on,
        )
    return None


def _assessor_registered(ctx: Context) -> Refusal | None:
    """The assessor is registered for the case's scheme."""
    assessor: AssessorFacts = ctx.inputs["assessor"]
    if ctx.facts.scheme_id not in assessor.scheme_ids:
        return Refusal(
            N_("Assessor %(assessor)s is not registered for this scheme."), assessor=assessor.name
        )
    return None


def _assessor_no_conflict(ctx: Context) -> Refusal | None:
    """An assessor with a declared conflict with the applicant is refused (ISO 17024 4.3)."""
    assessor: AssessorFacts = ctx.inputs["assessor"]
    kinds = assessor.conflicts.get(ctx.facts.applicant_id, ())
    if kinds:
        return Refusal(
            N_("Assessor %(assessor)s has a declared conflict with this applicant: %(kind)s."),
            assessor=assessor.name,
            kind=", ".join(sorted(kinds)),
        )
    return None


def _methods_per_unit(ctx: Context) -> Refusal | None:
    """The assessment plan names known methods for every unit (FR.MAPA.01)."""
    for unit in ctx.facts.units:
        methods = _methods(ctx, unit)
        if not methods:
            return Refusal(N_("Choose the assessment methods for unit %(unit)s."), unit=unit.code)
        unknown = sorted(set(methods) - set(AssessmentMethod))
        if unknown:
            return Refusal(N_("Unknown assessment method: %(method)s."), method=unknown[0])
    return None


def _agreement_given(ctx: Context) -> Refusal | None:
    """FR.AK.01 is agreed at pre-assessment, before any assessment record."""
    if ctx.inputs.get("agreement_confirmed") is not True:
        return Refusal(N_("The assessment agreement (FR.AK.01) must be confirmed."))
    return None


def _licence_valid_on_assessment_date(ctx: Context) -> Refusal | None:
    """The assigned assessor's licence still holds on the planned assessment date."""
    until, on = ctx.facts.assessor_licence_valid_until, ctx.inputs["assessment_date"]
    if until is None or until < on:
        return Refusal(N_("The assigned assessor's licence is not valid on %(date)s."), date=on)
    return None


def _agreement_on_record(ctx: Context) -> Refusal | None:
    """No assessment record is made before FR.AK.01 is agreed (RULES #5)."""
    if not ctx.facts.agreement_confirmed:
        return Refusal(N_("The assessment agreement (FR.AK.01) has not been confirmed."))
    return None


def _recommendation_per_unit(ctx: Context) -> Refusal | None:
    """FR.AK.02 has K or BK for every unit under assessment."""
    return _first(
        Refusal(N_("Recommend K or BK for unit %(unit)s."), unit=u.code)
        for u in _pending(ctx.facts)
        if _recommendation(ctx, u) is None
    )


def _bk_recommendation_has_note(ctx: Context) -> Refusal | None:
    """A BK recommendation says what follow-up is needed (RULES #6)."""
    return _first(
        Refusal(N_("The BK recommendation for unit %(unit)s needs a follow-up note."), unit=u.code)
        for u in _pending(ctx.facts)
        if _recommendation(ctx, u) == Verdict.BK and _blank(_recommendation_note(ctx, u))
    )


def _meeting_held(ctx: Context) -> Refusal | None:
    """A decision is taken in a meeting that has taken place."""
    meeting: MeetingFacts = ctx.inputs["meeting"]
    if meeting.held_on > ctx.policy.today:
        return Refusal(
            N_("The decision meeting of %(date)s has not been held yet."), date=meeting.held_on
        )
    return None


def _meeting_after_assessment(ctx: Context) -> Refusal | None:
    """A decision meeting cannot judge an assessment that had not taken place (ISO 17024 9.4)."""
    meeting: MeetingFacts = ctx.inputs["meeting"]
    assessed = ctx.facts.assessment_date
    if assessed is not None and meeting.held_on < assessed:
        return Refusal(
            N_("The decision meeting of %(date)s was held before the assessment of %(assessed)s."),
            date=meeting.held_on,
            assessed=assessed,
        )
    return None


def _meeting_after_recommendation(ctx: Context) -> Refusal | None:
    """A decision meeting judges the asesor's recommendation (FR.AK.02), so it is not held
    before the day the recommendation was recorded (ISO 17024 9.4)."""
    meeting: MeetingFacts = ctx.inputs["meeting"]
    recommended = ctx.facts.recommended_on
    if recommended is not None and meeting.held_on < recommended:
        return Refusal(
            N_(
                "The decision meeting of %(date)s was held before the recommendation "
                "of %(recommended)s."
            ),
            date=meeting.held_on,
            recommended=recommended,
        )
    return None


def _decider_attends(ctx: Context) -> Refusal | None:
    """Whoever records the decision was present at the meeting that took it."""
    meeting: MeetingFacts = ctx.inputs["meeting"]
    if ctx.actor.user_id not in meeting.attendee_ids:
        return Refusal(N_("You are not recorded as present at the decision meeting."))
    return None


def _chair_present(ctx: Context) -> Refusal | None:
    """A decision meeting has the LSP's chair among those present, or the deputy chair when the
    chair is conflicted on the case."""
    meeting: MeetingFacts = ctx.inputs["meeting"]
    deputy_stands_in = ctx.facts.chair_conflicted and meeting.deputy_present
    if not (meeting.chair_present or deputy_stands_in):
        return Refusal(N_("The chair of the LSP is not recorded as present at the meeting."))
    return None


def _quorum(ctx: Context) -> Refusal | None:
    """A decision meeting has at least the quorum the LSP configures."""
    present, needed = len(ctx.inputs["meeting"].attendee_ids), ctx.policy.meeting_quorum
    if present < needed:
        return Refusal(
            N_("The decision meeting has %(present)s attendees; the quorum is %(quorum)s."),
            present=present,
            quorum=needed,
        )
    return None


def _result_per_unit(ctx: Context) -> Refusal | None:
    """The decision gives K or BK for every unit under assessment."""
    return _first(
        Refusal(N_("Decide K or BK for unit %(unit)s."), unit=u.code)
        for u in _pending(ctx.facts)
        if _result(ctx, u) is None
    )


def _departure_has_reason(ctx: Context) -> Refusal | None:
    """A decider who departs from the asesor's recommendation on a unit says why."""
    return _first(
        Refusal(
            N_("Give the reason for deciding unit %(unit)s against the asesor's recommendation."),
            unit=u.code,
        )
        for u in _pending(ctx.facts)
        if _departs(ctx, u) and _blank(_unit_input(ctx, u, "reason"))
    )


def _departs(ctx: Context, unit: UnitFacts) -> bool:
    """True when the result decided for the unit is not the one the asesor recommended."""
    given = _verdict(_unit_input(ctx, unit, "verdict"))
    return given is not None and unit.recommendation is not None and given != unit.recommendation


def _no_certificate_yet(ctx: Context) -> Refusal | None:
    """A case has at most one certificate: issuing twice makes no second one."""
    if ctx.facts.has_certificate:
        return Refusal(N_("This case already has a certificate."))
    return None


def _issued_not_before_decision(ctx: Context) -> Refusal | None:
    """A certificate is never dated before the decision that grants it (RULES #8)."""
    issued, decided = _day(ctx, "issued_on"), ctx.facts.decided_on
    if decided is not None and issued < decided:
        return Refusal(
            N_("The issue date %(issued)s is before the decision date %(decided)s."),
            issued=issued,
            decided=decided,
        )
    return None


def _issued_not_in_future(ctx: Context) -> Refusal | None:
    """A certificate is not dated after today: the public page would call it valid too early."""
    issued = _day(ctx, "issued_on")
    if issued > ctx.policy.today:
        return Refusal(N_("The issue date %(issued)s is in the future."), issued=issued)
    return None


def _assessment_took_place(ctx: Context) -> Refusal | None:
    """A recommendation (FR.AK.02) is recorded on or after the assessment date."""
    assessed = ctx.facts.assessment_date
    if assessed is not None and ctx.policy.today < assessed:
        return Refusal(
            N_("The assessment is planned for %(date)s: record the recommendation after it."),
            date=assessed,
        )
    return None


def _within_appeal_window(ctx: Context) -> Refusal | None:
    """An appeal is filed within the window after the decision (RULES #9)."""
    decided = ctx.facts.decided_on or ctx.policy.today
    closes = decided + timedelta(days=ctx.policy.appeal_window_days)
    if _day(ctx, "filed_on") > closes:
        return Refusal(N_("The appeal window closed on %(date)s."), date=closes)
    return None


def _outcome_known(ctx: Context) -> Refusal | None:
    """An appeal is either upheld or rejected."""
    if ctx.inputs["outcome"] not in (AppealStatus.UPHELD, AppealStatus.REJECTED):
        return Refusal(REQUIRED["outcome"])
    return None


def _units_at_limit(facts: CaseFacts) -> list[UnitFacts]:
    """The BK units re-assessed three times: none of them may be re-assessed again (2.10)."""
    return [
        u
        for u in facts.units
        if u.result == Verdict.BK and u.reassessment_count >= REASSESSMENT_LIMIT
    ]


# --- choices and effects ---------------------------------------------------------------------


def _competent_if_all_k(ctx: Context) -> CaseStatus:
    """Competent only when every chosen unit is K (RULES #7)."""
    if ctx.facts.units and all(_result(ctx, u) == Verdict.K for u in ctx.facts.units):
        return CaseStatus.COMPETENT
    return CaseStatus.NOT_YET_COMPETENT


def _reassess_if_upheld(ctx: Context) -> CaseStatus:
    """An upheld appeal sends the case back to assessment; a rejected one closes it, and so does
    an upheld one when a unit reached the re-assessment limit (the asesi applies again)."""
    if ctx.inputs["outcome"] == AppealStatus.UPHELD and not _units_at_limit(ctx.facts):
        return CaseStatus.READY_FOR_ASSESSMENT
    return CaseStatus.CLOSED


def _write_requirement(ctx: Context) -> Change:
    """Verification keeps which requirement was met, or the override note."""
    note = None if ctx.facts.requirement_met else ctx.inputs["override_note"]
    return Change(
        case={"requirement_met": ctx.facts.requirement_met, "requirement_override_note": note}
    )


def _write_return_reason(ctx: Context) -> Change:
    """A returned application carries the reason to the applicant."""
    return Change(case={"return_reason": ctx.inputs["reason"]})


def _write_closing_reason(ctx: Context) -> Change:
    """A closed or withdrawn case keeps its reason."""
    return Change(case={"closing_reason": ctx.inputs["reason"]})


def _unit_writes(
    ctx: Context, units: Iterable[UnitFacts], columns: Mapping[str, str]
) -> dict[int, dict[str, Any]]:
    """Per unit, the columns to write from the unit inputs that were given (input key → column)."""
    writes = {}
    for unit in units:
        given = {col: _unit_input(ctx, unit, key) for key, col in columns.items()}
        given = {col: value for col, value in given.items() if not _blank(value)}
        if given:
            writes[unit.unit_id] = given
    return writes


def _write_self_assessment(ctx: Context) -> Change:
    """FR.APL.02: the K/BK and evidence given per unit."""
    columns = {"verdict": "self_assessment", "evidence": "self_evidence"}
    return Change(units=_unit_writes(ctx, ctx.facts.units, columns))


def _write_assignment(ctx: Context) -> Change:
    """The assessor and the date their licence was checked against."""
    assessor: AssessorFacts = ctx.inputs["assessor"]
    return Change(
        case={"assessor_id": assessor.assessor_id, "assessment_date": ctx.inputs["assessment_date"]}
    )


def _write_plan(ctx: Context) -> Change:
    """FR.MAPA.01 and FR.AK.01: place, date, time, tools, agreement, methods per unit."""
    case = _given(
        ctx,
        {
            "tuk_id": "tuk_id",
            "assessment_date": "assessment_date",
            "assessment_time": "assessment_time",
            "tools": "assessment_tools",
        },
    )
    units = {
        u.unit_id: {"methods": ",".join(_methods(ctx, u))}
        for u in ctx.facts.units
        if _unit_input(ctx, u, "methods")
    }
    return Change(case={**case, "agreement_confirmed": True}, units=units)


def _write_recommendations(ctx: Context) -> Change:
    """FR.AK.02: the recommendation and follow-up note given per unit under assessment, and
    the day it was recorded (a decision meeting is held on or after it)."""
    columns = {"verdict": "recommendation", "note": "recommendation_note"}
    return Change(
        case={"recommended_on": ctx.policy.today},
        units=_unit_writes(ctx, _pending(ctx.facts), columns),
    )


def _write_decision(ctx: Context) -> Change:
    """The decision: meeting, decider, date, and the result of every unit under assessment."""
    meeting: MeetingFacts = ctx.inputs["meeting"]
    case = {
        "decision_meeting_id": meeting.meeting_id,
        "decided_by_id": ctx.actor.user_id,
        "decided_on": meeting.held_on,
        "decision_note": ctx.inputs.get("note"),
    }
    units = {
        u.unit_id: {"result": _result(ctx, u)}
        | ({"decision_reason": _unit_input(ctx, u, "reason")} if _departs(ctx, u) else {})
        for u in _pending(ctx.facts)
    }
    return Change(case=case, units=units)


def _write_appeal_decision(ctx: Context) -> Change:
    """Upheld: the BK units go back to assessment, counted; rejected, or upheld with a unit at
    the re-assessment limit: the case closes with the decider's reason."""
    if ctx.inputs["outcome"] != AppealStatus.UPHELD or _units_at_limit(ctx.facts):
        return Change(case={"closing_reason": ctx.inputs["reason"]})
    reopened = {"result": None, "recommendation": None, "recommendation_note": None}
    return Change(
        units={
            u.unit_id: {**reopened, "reassessment_count": u.reassessment_count + 1}
            for u in ctx.facts.units
            if u.result == Verdict.BK
        }
    )


# --- the table -------------------------------------------------------------------------------

S = CaseStatus
_SECRETARIAT = frozenset({Role.SECRETARIAT})
_SECRETARIAT_OR_APPLICANT = frozenset({Role.SECRETARIAT, APPLICANT})
_ASSESSOR = frozenset({Role.ASSESSOR})
_CHAIR = frozenset({Role.CHAIR})
_DECIDERS = frozenset({Role.CHAIR, Role.DEPUTY_CHAIR})
_ASSIGNERS = frozenset({Role.SECRETARIAT, Role.CERTIFICATION_HEAD})
_CLOSERS = frozenset({Role.SECRETARIAT, Role.CERTIFICATION_HEAD, Role.CHAIR})
_APPEAL_DECIDERS = frozenset(
    {Role.CHAIR, Role.CERTIFICATION_HEAD, Role.QUALITY_HEAD, Role.STANDARDS_HEAD}
)
_RETURN_LABEL = N_("Return to the applicant")
# The facts beyond the case row that a row reads (CaseFacts field names).
_UNITS = frozenset({"units"})
_ATTACHMENTS = frozenset({"attachments"})
_REQUIREMENT = frozenset({"requirement_met"})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        Action.SUBMIT,
        frozenset({S.DRAFT, S.RETURNED}),
        S.SUBMITTED,
        _SECRETARIAT_OR_APPLICANT,
        N_("Submit application (FR.APL.01)"),
        who=(_own_case,),
        guards=(_has_units, _units_in_scheme, _declaration_signed, _required_attachments),
        reads=_UNITS | _ATTACHMENTS,
    ),
    Transition(
        Action.VERIFY,
        frozenset({S.SUBMITTED}),
        S.VERIFIED,
        _SECRETARIAT,
        N_("Verify application"),
        guards=(
            _required_attachments,
            _attachments_judged,
            _attachments_adequate,
            _requirements_met,
        ),
        reads=_ATTACHMENTS | _REQUIREMENT,
        effect=_write_requirement,
    ),
    Transition(
        Action.RETURN,
        frozenset({S.SUBMITTED}),
        S.RETURNED,
        _SECRETARIAT,
        _RETURN_LABEL,
        requires=("reason",),
        effect=_write_return_reason,
    ),
    Transition(  # pre-assessment: "asesmen tidak dapat dilanjutkan" (seed 2.6)
        Action.RETURN,
        frozenset({S.SELF_ASSESSED}),
        S.RETURNED,
        _ASSESSOR,
        _RETURN_LABEL,
        requires=("reason",),
        who=(_assigned_assessor,),
        effect=_write_return_reason,
    ),
    Transition(
        Action.RECORD_SELF_ASSESSMENT,
        frozenset({S.VERIFIED}),
        S.SELF_ASSESSED,
        _SECRETARIAT_OR_APPLICANT,
        N_("Record self-assessment (FR.APL.02)"),
        who=(_own_case,),
        guards=(_self_assessment_per_unit,),
        reads=_UNITS,
        effect=_write_self_assessment,
    ),
    Transition(
        Action.ASSIGN_ASSESSOR,
        frozenset({S.VERIFIED, S.SELF_ASSESSED}),
        None,
        _ASSIGNERS,
        N_("Assign assessor"),
        requires=("assessor", "assessment_date"),
        guards=(
            _assessor_active,
            _assessor_licence_valid,
            _assessor_registered,
            _assessor_no_conflict,
        ),
        effect=_write_assignment,
    ),
    Transition(  # pre-assessment: "asesmen dapat dilanjutkan" (seed 2.6)
        Action.PRE_ASSESS,
        frozenset({S.SELF_ASSESSED}),
        S.READY_FOR_ASSESSMENT,
        _ASSESSOR,
        N_("Pre-assessment: continue to assessment"),
        requires=("tuk_id", "assessment_date"),
        who=(_assigned_assessor,),
        guards=(_methods_per_unit, _agreement_given, _licence_valid_on_assessment_date),
        reads=_UNITS,
        effect=_write_plan,
    ),
    Transition(
        Action.RECOMMEND,
        frozenset({S.READY_FOR_ASSESSMENT}),
        S.ASSESSED,
        _ASSESSOR,
        N_("Record assessment recommendation (FR.AK.02)"),
        who=(_assigned_assessor,),
        guards=(
            _agreement_on_record,
            _assessment_took_place,
            _recommendation_per_unit,
            _bk_recommendation_has_note,
        ),
        reads=_UNITS,
        effect=_write_recommendations,
    ),
    Transition(
        Action.DECIDE,
        frozenset({S.ASSESSED}),
        Choice((S.COMPETENT, S.NOT_YET_COMPETENT), by=_competent_if_all_k),
        _DECIDERS,
        N_("Decide K / BK"),
        requires=("meeting",),
        who=(_not_the_assessor, _not_the_trainer, _deputy_only_for_a_conflicted_chair),
        guards=(
            _meeting_held,
            _meeting_after_assessment,
            _meeting_after_recommendation,
            _chair_present,
            _quorum,
            _decider_attends,
            _result_per_unit,
            _departure_has_reason,
        ),
        reads=_UNITS,
        effect=_write_decision,
    ),
    Transition(
        Action.ISSUE,
        frozenset({S.COMPETENT}),
        S.CERTIFIED,
        _CHAIR,
        N_("Issue certificate"),
        guards=(_no_certificate_yet, _issued_not_before_decision, _issued_not_in_future),
    ),
    Transition(
        Action.APPEAL,
        frozenset({S.NOT_YET_COMPETENT}),
        S.APPEALED,
        _SECRETARIAT_OR_APPLICANT,
        N_("Record appeal (FR.AK.04)"),
        who=(_own_case,),
        requires=("reason", *APPEAL_QUESTIONS),
        guards=(_within_appeal_window,),
    ),
    Transition(
        Action.DECIDE_APPEAL,
        frozenset({S.APPEALED}),
        Choice((S.READY_FOR_ASSESSMENT, S.CLOSED), by=_reassess_if_upheld),
        _APPEAL_DECIDERS,
        N_("Decide appeal"),
        requires=("outcome", "reason"),
        who=(_not_the_assessor, _not_the_decider),
        guards=(_outcome_known,),
        reads=_UNITS,
        effect=_write_appeal_decision,
    ),
    Transition(
        Action.CLOSE,
        frozenset({S.NOT_YET_COMPETENT}),
        S.CLOSED,
        _CLOSERS,
        N_("Close case"),
        requires=("reason",),
        effect=_write_closing_reason,
    ),
    Transition(
        Action.WITHDRAW,
        OPEN_CASE_STATUSES,
        S.WITHDRAWN,
        _SECRETARIAT,
        N_("Withdraw"),
        requires=("reason",),
        effect=_write_closing_reason,
    ),
)

# The message for each input an action requires, when it is missing.
REQUIRED: dict[str, str] = {
    "reason": N_("A reason is required."),
    "assessor": N_("Choose an assessor."),
    "assessment_date": N_("The assessment date is required."),
    "tuk_id": N_("Choose the TUK (test site)."),
    "meeting": N_("Choose the decision meeting."),
    "outcome": N_("Choose whether the appeal is upheld or rejected."),
    **dict.fromkeys(APPEAL_QUESTIONS, N_("Answer the three questions of FR.AK.04.")),
}


# --- asking the table ------------------------------------------------------------------------


_ROWS = {a: tuple(t for t in TRANSITIONS if t.action == a) for a in Action}


def rows(action: Action | str) -> tuple[Transition, ...]:
    """The rows of one action."""
    return _ROWS[action]  # an Action, or its value: StrEnum members hash as their strings


def reads(action: Action | str) -> frozenset[str]:
    """The facts beyond the case row that any row of the action reads."""
    return frozenset().union(*(row.reads for row in rows(action)))


def starts_from(action: Action | str) -> tuple[CaseStatus, ...]:
    """The statuses the action starts from, in workflow order."""
    sources = frozenset().union(*(row.sources for row in rows(action)))
    return tuple(status for status in CaseStatus if status in sources)


def listed_refusal(action: Action | str, listed: Iterable[CaseStatus]) -> Refusal | None:
    """Why the action cannot succeed on any case of a list that shows only the `listed`
    statuses (a list filtered by status), or None when it may start from one of them."""
    starts = starts_from(action)
    if frozenset(starts).intersection(listed):
        return None
    return Refusal(
        N_("Only for applications with the status %(status)s."), status=", ".join(starts)
    )


def label(action: Action | str) -> str:
    """The msgid naming an action in menus."""
    return rows(action)[0].label


def _row_for(action: Action, status: CaseStatus) -> Transition:
    """The row of an action that starts from the status, or the refusal saying it cannot."""
    for row in rows(action):
        if status in row.sources:
            return row
    if any(status in row.targets for row in rows(action)):
        raise Refusal(ALREADY_DONE)
    raise Refusal(
        N_("%(action)s is not possible for a case that is %(status)s."),
        action=action.value,
        status=status.value,
    )


def _admit(row: Transition, ctx: Context) -> None:
    """Raise the first reason why the actor may not fire this row."""
    if not row.roles.intersection(ctx.actor.roles):
        raise Refusal(ROLE_REFUSED, action=row.action.value)
    refusal = _first(guard(ctx) for guard in row.who)
    if refusal:
        raise refusal


def plan(
    action: Action | str,
    facts: CaseFacts,
    actor: Actor,
    inputs: Mapping[str, Any] | None,
    policy: Policy,
) -> Step:
    """What the action does to this case, or raise the first Refusal (status, role, input, guard)."""
    action = action if isinstance(action, Action) else Action(action)
    ctx = Context(facts, actor, inputs or {}, policy)
    row = _row_for(action, facts.status)
    _admit(row, ctx)
    missing = next((key for key in row.requires if _blank(ctx.inputs.get(key))), None)
    if missing:
        raise Refusal(REQUIRED[missing])
    refusal = _first(guard(ctx) for guard in row.guards)
    if refusal:
        raise refusal
    return Step(row, _target(row, ctx), row.effect(ctx))


def _target(row: Transition, ctx: Context) -> CaseStatus:
    """The status the row leads to for this context."""
    if isinstance(row.to, Choice):
        return row.to.by(ctx)
    return ctx.facts.status if row.to is None else row.to


def check(
    action: Action | str,
    facts: CaseFacts,
    actor: Actor,
    inputs: Mapping[str, Any] | None,
    policy: Policy,
) -> Refusal | None:
    """The first reason the action is refused for this case, or None when it may fire."""
    try:
        plan(action, facts, actor, inputs, policy)
    except Refusal as refusal:
        return refusal
    return None


def target_status(
    action: Action | str,
    facts: CaseFacts,
    actor: Actor,
    inputs: Mapping[str, Any] | None,
    policy: Policy,
) -> CaseStatus:
    """The status the action leads to for this case (raises Refusal when it may not fire)."""
    return plan(action, facts, actor, inputs, policy).to


_ACTOR_ONLY = Policy(today=date.min)  # the guards about the actor read no date


def available_actions(facts: CaseFacts, actor: Actor) -> list[Action]:
    """The actions this actor may start on this case now (inputs are asked for afterwards)."""
    found: list[Action] = []
    for row in TRANSITIONS:
        if facts.status not in row.sources or row.action in found:
            continue
        try:
            _admit(row, Context(facts, actor, {}, _ACTOR_ONLY))
        except Refusal:
            continue
        found.append(row.action)
    return found


# The guards that read no input: no form can change their answer, so an action one of them
# refuses is shown disabled with its reason instead of offering a form that cannot succeed.
_BEFORE_FORM: frozenset[Guard] = frozenset(
    {
        _has_units,
        _units_in_scheme,
        _declaration_signed,
        _required_attachments,
        _agreement_on_record,
        _assessment_took_place,
        _no_certificate_yet,
        _within_appeal_window,
    }
)


def offers(facts: CaseFacts, actor: Actor, policy: Policy) -> list[tuple[Action, Refusal | None]]:
    """The actions the actor's roles take from the case's status, each with the first reason it
    cannot succeed now whatever its form says (a guard about the actor, or one reading no
    input), or None when its form may be filled in."""
    found: dict[Action, Refusal | None] = {}
    for row in TRANSITIONS:
        if facts.status not in row.sources or row.action in found:
            continue
        if not row.roles.intersection(actor.roles):
            continue
        ctx = Context(facts, actor, {}, policy)
        found[row.action] = _first(
            (*(guard(ctx) for guard in row.who), *(g(ctx) for g in row.guards if g in _BEFORE_FORM))
        )
    return list(found.items())


def assessor_refusal(facts: CaseFacts, assessor: AssessorFacts, on: date) -> Refusal | None:
    """Why this assessor may not be assigned to the case for an assessment on this day, or None:
    the assign row's own guards, asked before the form is sent so that it lists who is eligible."""
    ctx = Context(
        facts,
        Actor(None, frozenset()),
        {"assessor": assessor, "assessment_date": on},
        Policy(today=on),
    )
    return _first(guard(ctx) for row in rows(Action.ASSIGN_ASSESSOR) for guard in row.guards)


# The statuses in which an assigned assessor still has the case's assessment ahead: their
# workload, shown when an assessor is chosen.
ASSESSOR_WORKLOAD_STATUSES = frozenset(
    status
    for row in TRANSITIONS
    if row.action == Action.ASSIGN_ASSESSOR or Role.ASSESSOR in row.roles
    for status in row.sources
)


def actions_for_roles(roles: Iterable[str]) -> list[Action]:
    """The actions any of these roles may use somewhere in the flow (the list's action menu)."""
    held = frozenset(roles)
    return [a for a in Action if any(row.roles & held for row in rows(a))]


# --- after the re-assessment limit (RULES #10) -----------------------------------------------

NEW_APPLICATION_ROLES = frozenset({Role.SECRETARIAT})


def check_new_application(facts: CaseFacts, actor: Actor, started: str | None) -> Refusal | None:
    """Why a pre-filled new application may not start from this case, or None."""
    if not NEW_APPLICATION_ROLES.intersection(actor.roles):
        return Refusal(ROLE_REFUSED, action="start_new_application")
    if not _units_at_limit(facts):
        return Refusal(
            N_("A new application starts from a case only when a unit reached the limit.")
        )
    if started:
        return Refusal(N_("A new application was already started: %(case)s."), case=started)
    return None
