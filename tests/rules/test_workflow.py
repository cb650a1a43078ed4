"""The transition table, tested over itself: declared rows fire, the rest refuse, guards explain."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from portal.rules.vocabulary import CaseStatus, Role
from portal.rules.workflow import (
    ALREADY_DONE,
    APPLICANT,
    REASSESSMENT_LIMIT,
    REQUIRED,
    ROLE_REFUSED,
    TRANSITIONS,
    Action,
    Actor,
    AssessorFacts,
    AttachmentFacts,
    CaseFacts,
    MeetingFacts,
    Policy,
    Refusal,
    Step,
    Transition,
    UnitFacts,
    actions_for_roles,
    assessor_refusal,
    available_actions,
    check,
    check_new_application,
    label,
    offers,
    plan,
    rows,
    target_status,
)

TODAY = date(2026, 3, 2)
POLICY = Policy(today=TODAY)
S = CaseStatus

SECRETARIAT = Actor(1, frozenset({Role.SECRETARIAT}))
ASSESSOR = Actor(2, frozenset({Role.ASSESSOR}), assessor_id=10)
CHAIR = Actor(3, frozenset({Role.CHAIR}))
QUALITY = Actor(4, frozenset({Role.QUALITY_HEAD}))
TRAINER = Actor(5, frozenset({Role.CHAIR}))  # chairs, but trained this applicant
OTHER_ASSESSOR = Actor(6, frozenset({Role.ASSESSOR}), assessor_id=11)
ADMIN = Actor(7, frozenset({Role.ADMIN}))
DEPUTY = Actor(12, frozenset({Role.DEPUTY_CHAIR}))
ACTORS = (SECRETARIAT, ASSESSOR, CHAIR, QUALITY, TRAINER, OTHER_ASSESSOR, ADMIN)
# applicants acting from their accounts: the case's own (applicant 100) and someone else
OWN_APPLICANT = Actor(None, frozenset({APPLICANT}), account_id=1, applicant_id=100)
OTHER_APPLICANT = Actor(None, frozenset({APPLICANT}), account_id=2, applicant_id=101)

UNITS = (
    UnitFacts(
        1, "PRP.LP01.001.01", self_assessment="K", methods=("observasi",), recommendation="K"
    ),
    UnitFacts(2, "R.91PRP02.021.1", self_assessment="K", methods=("lisan",), recommendation="K"),
)
ASSESSOR_OK = AssessorFacts(10, "Siti", True, TODAY + timedelta(days=365), frozenset({50}))
MEETING = MeetingFacts(9, TODAY, frozenset({3, 4, 8}), chair_present=True)  # CHAIR attends


def facts(status: CaseStatus, **changes: Any) -> CaseFacts:
    """A case in the given status for which every guard holds, with some facts changed."""
    good = CaseFacts(
        case_id=1,
        status=status,
        applicant_id=100,
        scheme_id=50,
        reg_number="APL-2026-000001",
        units=UNITS,
        attachments=AttachmentFacts(kinds=frozenset({"photo", "ijazah"})),
        declaration_signed=True,
        requirement_met="D2 or higher in library science",
        assessor_id=10,
        assessor_user_id=2,
        assessor_licence_valid_until=TODAY + timedelta(days=365),
        trainer_user_id=5,
        agreement_confirmed=True,
        decided_on=TODAY - timedelta(days=1),
        decided_by_id=3,
        assessment_date=TODAY - timedelta(days=2),
        recommended_on=TODAY - timedelta(days=1),
    )
    return replace(good, **changes)


def unit_input(**values: Any) -> dict[int, dict[str, Any]]:
    """The same input for both units."""
    return {u.unit_id: dict(values) for u in UNITS}


def inputs(**changes: Any) -> dict[str, Any]:
    """Inputs that satisfy every action, with some changed (None removes a key)."""
    good = {
        "reason": "Ijazah tidak terbaca",
        "units": unit_input(verdict="K", note="Baik", methods=["observasi"], evidence="Portofolio"),
        "assessor": ASSESSOR_OK,
        "assessment_date": TODAY,
        "tuk_id": 7,
        "agreement_confirmed": True,
        "meeting": MEETING,
        "outcome": "upheld",
        "process_explained": True,
        "discussed_with_assessor": True,
        "involved_others": False,
    }
    good.update(changes)
    return {k: v for k, v in good.items() if v is not None}


def actor_for(row: Transition) -> Actor:
    """Someone the row admits: its assessor, the secretariat, an independent head, the chair."""
    for role, actor in (
        (Role.ASSESSOR, ASSESSOR),
        (Role.SECRETARIAT, SECRETARIAT),
        (Role.QUALITY_HEAD, QUALITY),
        (Role.CHAIR, CHAIR),
        (Role.CERTIFICATION_HEAD, Actor(8, frozenset({Role.CERTIFICATION_HEAD}))),
    ):
        if role in row.roles:
            return actor
    raise AssertionError(f"no actor for {row.action}")


DECLARED = [(row, source) for row in TRANSITIONS for source in sorted(row.sources)]
UNDECLARED = [
    (action, status)
    for action in Action
    for status in CaseStatus
    if not any(status in row.sources for row in rows(action))
]


@pytest.mark.parametrize(("row", "source"), DECLARED, ids=lambda v: str(getattr(v, "action", v)))
def test_every_declared_transition_fires(row, source):
    step = plan(row.action, facts(source), actor_for(row), inputs(), POLICY)
    assert step.transition is row
    assert step.to in row.targets or (row.to is None and step.to == source)


@pytest.mark.parametrize(("action", "status"), UNDECLARED)
def test_every_undeclared_pair_is_refused(action, status):
    everyone = Actor(9, frozenset(Role), assessor_id=10)
    refusal = check(action, facts(status), everyone, inputs(), POLICY)
    assert refusal is not None
    assert refusal.msgid in (
        ALREADY_DONE,
        "%(action)s is not possible for a case that is %(status)s.",
    )


@pytest.mark.parametrize("row", TRANSITIONS, ids=lambda r: r.action.value)
def test_other_roles_are_refused(row):
    outsider = Actor(9, frozenset(Role) - row.roles, assessor_id=10)
    refusal = check(row.action, facts(min(row.sources)), outsider, inputs(), POLICY)
    assert refusal.msgid == ROLE_REFUSED


@pytest.mark.parametrize(
    ("row", "key"),
    [(row, key) for row in TRANSITIONS for key in row.requires],
    ids=lambda v: getattr(getattr(v, "action", None), "value", v),
)
def test_every_required_input_is_asked_for(row, key):
    source = min(row.sources)
    assert (
        str(check(row.action, facts(source), actor_for(row), inputs(**{key: None}), POLICY))
        == (REQUIRED[key])
    )
    if key == "reason":
        blank = check(row.action, facts(source), actor_for(row), inputs(reason="  "), POLICY)
        assert str(blank) == REQUIRED[key]


def _bk(unit: UnitFacts, times: int = 0) -> UnitFacts:
    """A unit decided BK, re-assessed `times` times."""
    return replace(unit, result="BK", recommendation="BK", reassessment_count=times)


# (guard, action, status, fact changes, input changes, actor, message)
GUARD_CASES = [
    ("_has_units", Action.SUBMIT, S.DRAFT, {"units": ()}, {}, SECRETARIAT,
     "Choose at least one unit of the scheme."),
    ("_units_in_scheme", Action.SUBMIT, S.RETURNED,
     {"units": (replace(UNITS[0], in_scheme=False),)}, {}, SECRETARIAT,
     "Unit PRP.LP01.001.01 is not part of the case's scheme."),
    ("_declaration_signed", Action.SUBMIT, S.DRAFT, {"declaration_signed": False}, {},
     SECRETARIAT, "The applicant has not signed the declaration."),
    ("_required_attachments", Action.SUBMIT, S.DRAFT,
     {"attachments": AttachmentFacts(kinds=frozenset({"photo"}))}, {}, SECRETARIAT,
     "Required attachment missing: ijazah."),
    ("_attachments_judged", Action.VERIFY, S.SUBMITTED,
     {"attachments": AttachmentFacts(frozenset({"photo", "ijazah"}), unjudged=("ijazah.pdf",))},
     {}, SECRETARIAT, "Attachment ijazah.pdf has no verdict yet."),
    ("_attachments_adequate", Action.VERIFY, S.SUBMITTED,
     {"attachments": AttachmentFacts(frozenset({"photo", "ijazah"}), inadequate=("foto.jpg",))},
     {}, SECRETARIAT, "Attachment foto.jpg is missing or inadequate: return the application."),
    ("_requirements_met", Action.VERIFY, S.SUBMITTED, {"requirement_met": None}, {},
     SECRETARIAT,
     "No basic requirement of the scheme is met: give an override note or return it."),
    ("_self_assessment_per_unit", Action.RECORD_SELF_ASSESSMENT, S.VERIFIED,
     {"units": (replace(UNITS[0], self_assessment=None),)}, {"units": {}}, SECRETARIAT,
     "Record K or BK for unit PRP.LP01.001.01."),
    ("_assessor_active", Action.ASSIGN_ASSESSOR, S.VERIFIED, {},
     {"assessor": replace(ASSESSOR_OK, active=False)}, SECRETARIAT,
     "Assessor Siti is not active."),
    ("_assessor_licence_valid", Action.ASSIGN_ASSESSOR, S.SELF_ASSESSED, {},
     {"assessment_date": TODAY + timedelta(days=366)}, SECRETARIAT,
     "The licence of assessor Siti is not valid on 2027-03-03."),
    ("_assessor_registered", Action.ASSIGN_ASSESSOR, S.VERIFIED, {},
     {"assessor": replace(ASSESSOR_OK, scheme_ids=frozenset({51}))}, SECRETARIAT,
     "Assessor Siti is not registered for this scheme."),
    ("_assessor_no_conflict", Action.ASSIGN_ASSESSOR, S.VERIFIED, {},
     {"assessor": replace(ASSESSOR_OK, conflicts={100: ("trainer", "family")})}, SECRETARIAT,
     "Assessor Siti has a declared conflict with this applicant: family, trainer."),
    ("_assigned_assessor", Action.PRE_ASSESS, S.SELF_ASSESSED, {}, {}, OTHER_ASSESSOR,
     "Only the assessor assigned to this case may do this."),
    ("_methods_per_unit", Action.PRE_ASSESS, S.SELF_ASSESSED,
     {"units": (replace(UNITS[0], methods=()),)}, {"units": {}}, ASSESSOR,
     "Choose the assessment methods for unit PRP.LP01.001.01."),
    ("_methods_per_unit", Action.PRE_ASSESS, S.SELF_ASSESSED, {},
     {"units": unit_input(methods=["telepati"])}, ASSESSOR,
     "Unknown assessment method: telepati."),
    ("_agreement_given", Action.PRE_ASSESS, S.SELF_ASSESSED, {},
     {"agreement_confirmed": False}, ASSESSOR,
     "The assessment agreement (FR.AK.01) must be confirmed."),
    ("_licence_valid_on_assessment_date", Action.PRE_ASSESS, S.SELF_ASSESSED,
     {"assessor_licence_valid_until": TODAY - timedelta(days=1)}, {}, ASSESSOR,
     "The assigned assessor's licence is not valid on 2026-03-02."),
    ("_agreement_on_record", Action.RECOMMEND, S.READY_FOR_ASSESSMENT,
     {"agreement_confirmed": False}, {}, ASSESSOR,
     "The assessment agreement (FR.AK.01) has not been confirmed."),
    ("_assessment_took_place", Action.RECOMMEND, S.READY_FOR_ASSESSMENT,
     {"assessment_date": TODAY + timedelta(days=1)}, {}, ASSESSOR,
     "The assessment is planned for 2026-03-03: record the recommendation after it."),
    ("_recommendation_per_unit", Action.RECOMMEND, S.READY_FOR_ASSESSMENT,
     {"units": (replace(UNITS[0], recommendation=None),)}, {"units": {}}, ASSESSOR,
     "Recommend K or BK for unit PRP.LP01.001.01."),
    ("_bk_recommendation_has_note", Action.RECOMMEND, S.READY_FOR_ASSESSMENT, {},
     {"units": unit_input(verdict="BK")}, ASSESSOR,
     "The BK recommendation for unit PRP.LP01.001.01 needs a follow-up note."),
    ("_not_the_assessor", Action.DECIDE, S.ASSESSED, {"assessor_user_id": 3}, {}, CHAIR,
     "The assessor of this case cannot take this decision."),
    ("_not_the_trainer", Action.DECIDE, S.ASSESSED, {}, {}, TRAINER,
     "The trainer of this applicant cannot decide this case."),
    ("_deputy_only_for_a_conflicted_chair", Action.DECIDE, S.ASSESSED, {}, {}, DEPUTY,
     "The deputy chair decides only when the chair is this case's assessor or trainer."),
    ("_meeting_held", Action.DECIDE, S.ASSESSED, {},
     {"meeting": replace(MEETING, held_on=TODAY + timedelta(days=1))}, CHAIR,
     "The decision meeting of 2026-03-03 has not been held yet."),
    ("_meeting_after_assessment", Action.DECIDE, S.ASSESSED, {"assessment_date": TODAY},
     {"meeting": replace(MEETING, held_on=TODAY - timedelta(days=1))}, CHAIR,
     "The decision meeting of 2026-03-01 was held before the assessment of 2026-03-02."),
    ("_meeting_after_recommendation", Action.DECIDE, S.ASSESSED,
     {"recommended_on": TODAY}, {"meeting": replace(MEETING, held_on=TODAY - timedelta(days=1))},
     CHAIR, "The decision meeting of 2026-03-01 was held before the recommendation of 2026-03-02."),
    ("_chair_present", Action.DECIDE, S.ASSESSED, {},
     {"meeting": replace(MEETING, chair_present=False)}, CHAIR,
     "The chair of the LSP is not recorded as present at the meeting."),
    ("_quorum", Action.DECIDE, S.ASSESSED, {},
     {"meeting": replace(MEETING, attendee_ids=frozenset({3, 4}))}, CHAIR,
     "The decision meeting has 2 attendees; the quorum is 3."),
    ("_decider_attends", Action.DECIDE, S.ASSESSED, {},
     {"meeting": replace(MEETING, attendee_ids=frozenset({4, 8, 9}))}, CHAIR,
     "You are not recorded as present at the decision meeting."),
    ("_result_per_unit", Action.DECIDE, S.ASSESSED,
     {"units": (replace(UNITS[0], recommendation=None),)}, {"units": {}}, CHAIR,
     "Decide K or BK for unit PRP.LP01.001.01."),
    ("_departure_has_reason", Action.DECIDE, S.ASSESSED, {},
     {"units": {1: {"verdict": "BK"}}}, CHAIR,
     "Give the reason for deciding unit PRP.LP01.001.01 against the asesor's recommendation."),
    ("_no_certificate_yet", Action.ISSUE, S.COMPETENT, {"has_certificate": True}, {}, CHAIR,
     "This case already has a certificate."),
    ("_issued_not_before_decision", Action.ISSUE, S.COMPETENT, {},
     {"issued_on": TODAY - timedelta(days=2)}, CHAIR,
     "The issue date 2026-02-28 is before the decision date 2026-03-01."),
    ("_issued_not_in_future", Action.ISSUE, S.COMPETENT, {},
     {"issued_on": TODAY + timedelta(days=1)}, CHAIR,
     "The issue date 2026-03-03 is in the future."),
    ("_own_case", Action.SUBMIT, S.DRAFT, {}, {}, OTHER_APPLICANT,
     "This application is not yours."),
    ("_within_appeal_window", Action.APPEAL, S.NOT_YET_COMPETENT,
     {"decided_on": TODAY - timedelta(days=15)}, {}, SECRETARIAT,
     "The appeal window closed on 2026-03-01."),
    ("_not_the_decider", Action.DECIDE_APPEAL, S.APPEALED, {}, {}, CHAIR,
     "The person who decided this case cannot decide its appeal."),
    ("_outcome_known", Action.DECIDE_APPEAL, S.APPEALED, {}, {"outcome": "maybe"}, QUALITY,
     "Choose whether the appeal is upheld or rejected."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("guard", "action", "status", "changed", "given", "actor", "message"),
    GUARD_CASES,
    ids=[case[0] for case in GUARD_CASES],
)
def test_every_guard_refuses_with_its_message(
    guard, action, status, changed, given, actor, message
):
    refusal = check(action, facts(status, **changed), actor, inputs(**given), POLICY)
    assert str(refusal) == message
    assert check(action, facts(status), actor_for(rows(action)[0]), inputs(), POLICY) is None


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (Action.SUBMIT, S.DRAFT),
        (Action.SUBMIT, S.RETURNED),
        (Action.RECORD_SELF_ASSESSMENT, S.VERIFIED),
        (Action.APPEAL, S.NOT_YET_COMPETENT),
    ],
)
def test_the_applicant_acts_where_the_seed_says_the_candidate_does(action, status):
    assert check(action, facts(status), OWN_APPLICANT, inputs(), POLICY) is None
    refusal = check(action, facts(status), OTHER_APPLICANT, inputs(), POLICY)
    assert str(refusal) == "This application is not yours."


def test_the_applicant_does_nothing_that_is_staff_work():
    mine = [a for a in Action if any(APPLICANT in row.roles for row in rows(a))]
    assert mine == [Action.SUBMIT, Action.RECORD_SELF_ASSESSMENT, Action.APPEAL]
    assert available_actions(facts(S.SUBMITTED), OWN_APPLICANT) == []


def test_the_guard_table_covers_every_guard():
    declared = {g.__name__ for row in TRANSITIONS for g in (*row.who, *row.guards)}
    assert declared == {case[0] for case in GUARD_CASES}


def test_an_override_note_stands_in_for_unmet_requirements():
    unmet = facts(S.SUBMITTED, requirement_met=None)
    step = plan(Action.VERIFY, unmet, SECRETARIAT, {"override_note": "Pengalaman setara"}, POLICY)
    assert step.change.case == {
        "requirement_met": None,
        "requirement_override_note": "Pengalaman setara",
    }


def test_competent_only_when_every_unit_is_k():
    assessed = facts(S.ASSESSED)
    assert target_status(Action.DECIDE, assessed, CHAIR, inputs(), POLICY) == S.COMPETENT
    one_bk = inputs(units={2: {"verdict": "BK", "reason": "Bukti kurang"}})
    assert target_status(Action.DECIDE, assessed, CHAIR, one_bk, POLICY) == S.NOT_YET_COMPETENT


def test_decision_follows_the_recommendation_unless_told_otherwise():
    bk_advised = facts(S.ASSESSED, units=(UNITS[0], replace(UNITS[1], recommendation="BK")))
    step = plan(Action.DECIDE, bk_advised, CHAIR, inputs(units={}), POLICY)
    assert (step.to, step.change.units) == (
        S.NOT_YET_COMPETENT,
        {1: {"result": "K"}, 2: {"result": "BK"}},
    )
    assert step.change.case["decided_on"] == MEETING.held_on


def test_upheld_appeal_reopens_only_the_bk_units_and_counts_them():
    appealed = facts(S.APPEALED, units=(replace(UNITS[0], result="K"), _bk(UNITS[1], 1)))
    step = plan(Action.DECIDE_APPEAL, appealed, QUALITY, inputs(), POLICY)
    reopened = {"result": None, "recommendation": None, "recommendation_note": None}
    assert step.to == S.READY_FOR_ASSESSMENT
    assert step.change.units == {2: {**reopened, "reassessment_count": 2}}


def test_rejected_appeal_closes_with_the_reason():
    step = plan(
        Action.DECIDE_APPEAL, facts(S.APPEALED), QUALITY, inputs(outcome="rejected"), POLICY
    )
    assert (step.to, step.change.case) == (S.CLOSED, {"closing_reason": "Ijazah tidak terbaca"})


def test_an_upheld_appeal_at_the_reassessment_limit_closes_the_case_with_the_reason():
    spent = facts(S.APPEALED, units=(UNITS[0], _bk(UNITS[1], REASSESSMENT_LIMIT)))
    step = plan(Action.DECIDE_APPEAL, spent, QUALITY, inputs(outcome="upheld"), POLICY)
    assert (step.to, step.change.case) == (S.CLOSED, {"closing_reason": "Ijazah tidak terbaca"})
    assert step.change.units == {}, "no unit is re-assessed a fourth time"
    assert check_new_application(evolve(spent, step), SECRETARIAT, None) is None


def test_a_rejected_appeal_ignores_the_reassessment_limit():
    spent = facts(S.APPEALED, units=(_bk(UNITS[0], REASSESSMENT_LIMIT),))
    assert check(Action.DECIDE_APPEAL, spent, QUALITY, inputs(outcome="rejected"), POLICY) is None


def test_a_new_application_is_offered_only_at_the_limit():
    spent = facts(S.APPEALED, units=(_bk(UNITS[0], REASSESSMENT_LIMIT),))
    assert check_new_application(spent, SECRETARIAT, None) is None
    assert "already started" in str(check_new_application(spent, SECRETARIAT, "APL-2"))
    assert check_new_application(spent, CHAIR, None).msgid == ROLE_REFUSED
    assert check_new_application(facts(S.APPEALED), SECRETARIAT, None) is not None


def test_the_assigned_assessor_may_stop_at_pre_assessment():
    step = plan(
        Action.RETURN, facts(S.SELF_ASSESSED), ASSESSOR, inputs(reason="Bukti kurang"), POLICY
    )
    assert (step.to, step.change.case) == (S.RETURNED, {"return_reason": "Bukti kurang"})


@pytest.mark.parametrize(
    ("status", "actor", "expected"),
    [
        (S.DRAFT, SECRETARIAT, [Action.SUBMIT, Action.WITHDRAW]),
        (S.SELF_ASSESSED, ASSESSOR, [Action.RETURN, Action.PRE_ASSESS]),
        (S.SELF_ASSESSED, OTHER_ASSESSOR, []),
        (S.ASSESSED, CHAIR, [Action.DECIDE]),
        (S.ASSESSED, TRAINER, []),
        (S.ASSESSED, DEPUTY, []),
        (S.APPEALED, CHAIR, []),
        (S.APPEALED, QUALITY, [Action.DECIDE_APPEAL]),
        (S.CERTIFIED, SECRETARIAT, []),
        (S.VERIFIED, ADMIN, []),
    ],
)
def test_available_actions(status, actor, expected):
    assert available_actions(facts(status), actor) == expected


def test_actions_for_roles_builds_the_menu():
    assert actions_for_roles({Role.ASSESSOR}) == [
        Action.RETURN,
        Action.PRE_ASSESS,
        Action.RECOMMEND,
    ]
    assert actions_for_roles({Role.ADMIN}) == []
    assert all(label(a) for a in Action)


def test_rows_of_one_action_share_a_label():
    for action in Action:
        assert len({row.label for row in rows(action)}) == 1


class _Spy:
    """Case facts that remember which fields were read."""

    def __init__(self, wrapped: CaseFacts) -> None:
        self._wrapped, self.read = wrapped, set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self._wrapped, name)


@pytest.mark.parametrize(("row", "source"), DECLARED, ids=lambda v: str(getattr(v, "action", v)))
def test_rows_declare_the_facts_they_read(row, source):
    spy = _Spy(facts(source))
    plan(row.action, spy, actor_for(row), inputs(), POLICY)
    assert spy.read & {"units", "attachments", "requirement_met"} <= row.reads


def test_refusal_reads_as_english_and_keeps_its_parts():
    refusal = Refusal("Unit %(unit)s is late.", unit="U1")
    assert (str(refusal), refusal.msgid, refusal.params) == (
        "Unit U1 is late.",
        "Unit %(unit)s is late.",
        {"unit": "U1"},
    )


# --- random walks through the table ---------------------------------------------------------

_UNIT_INPUT = st.fixed_dictionaries(
    {
        "verdict": st.sampled_from(["K", "BK"]),
        "note": st.sampled_from(["Perlu latihan", None]),
        "methods": st.sampled_from([["observasi"], []]),
    }
)
INPUTS = st.fixed_dictionaries(
    {
        "reason": st.sampled_from(["Alasan", ""]),
        "units": st.fixed_dictionaries({1: _UNIT_INPUT, 2: _UNIT_INPUT}),
        "assessor": st.sampled_from([ASSESSOR_OK, replace(ASSESSOR_OK, active=False)]),
        "assessment_date": st.just(TODAY),
        "tuk_id": st.just(7),
        "agreement_confirmed": st.booleans(),
        "meeting": st.just(MEETING),
        "outcome": st.sampled_from(["upheld", "upheld", "rejected"]),
        "process_explained": st.booleans(),
        "discussed_with_assessor": st.booleans(),
        "involved_others": st.booleans(),
        "filed_on": st.sampled_from([TODAY, TODAY + timedelta(days=30)]),
    }
)
_UNIT_COLUMNS = {
    "self_assessment",
    "recommendation",
    "recommendation_note",
    "result",
    "reassessment_count",
}
_CASE_COLUMNS = {"assessor_id", "agreement_confirmed", "decided_on", "decided_by_id"}


def evolve(before: CaseFacts, step: Step) -> CaseFacts:
    """The facts after a step, as the service writes them to the database."""
    case = {k: v for k, v in step.change.case.items() if k in _CASE_COLUMNS}
    units = tuple(_evolve_unit(u, step.change.units.get(u.unit_id, {})) for u in before.units)
    certified = before.has_certificate or step.transition.action == Action.ISSUE
    return replace(before, status=step.to, units=units, has_certificate=certified, **case)


def _evolve_unit(unit: UnitFacts, columns: dict[str, Any]) -> UnitFacts:
    """A unit after its columns changed."""
    changed = {k: v for k, v in columns.items() if k in _UNIT_COLUMNS}
    if "methods" in columns:
        changed["methods"] = tuple(columns["methods"].split(","))
    return replace(unit, **changed)


_BACKWARDS = (Action.RETURN, Action.WITHDRAW, Action.CLOSE)  # left to the random rule


class CaseLife(RuleBasedStateMachine):
    """One case driven by random actions of random staff; the table's promises hold throughout."""

    @initialize()
    def new_case(self) -> None:
        blank = tuple(
            replace(u, self_assessment=None, methods=(), recommendation=None) for u in UNITS
        )
        unassigned = {"assessor_id": None, "assessor_user_id": None, "agreement_confirmed": False}
        undecided = {"decided_on": None, "decided_by_id": None}
        self.facts = facts(S.DRAFT, units=blank, **unassigned, **undecided)
        self.audit: list[tuple[Action, CaseStatus, CaseStatus]] = []
        self.certificates = 0

    def _try(self, action: Action, actor: Actor, given: dict[str, Any]) -> None:
        """Fire an action; a refusal must leave the case exactly as it was."""
        before = self.facts
        try:
            step = plan(action, before, actor, given, POLICY)
        except Refusal as refusal:
            assert self.facts is before
            event(f"refused: {refusal.msgid}")
            return
        assert before.status in step.transition.sources and step.transition.action == action
        assert step.to in step.transition.targets or step.to == before.status
        self.certificates += action == Action.ISSUE
        self.facts = evolve(before, step)
        self.audit.append((action, before.status, step.to))
        event(
            f"reached {step.to}, re-assessed {max(u.reassessment_count for u in self.facts.units)}"
        )

    @rule(action=st.sampled_from(Action), actor=st.sampled_from(ACTORS), given=INPUTS)
    def anyone_tries_anything(self, action: Action, actor: Actor, given: dict) -> None:
        self._try(action, actor, given)

    @rule(data=st.data(), given=INPUTS)
    def staff_take_the_next_step(self, data: st.DataObject, given: dict) -> None:
        offers = [
            (actor, action)
            for actor in ACTORS
            for action in available_actions(self.facts, actor)
            if action not in _BACKWARDS
        ]
        if offers:
            actor, action = data.draw(st.sampled_from(offers))
            self._try(action, actor, given)

    @invariant()
    def status_changes_only_through_the_table(self) -> None:
        status = S.DRAFT
        for action, source, target in self.audit:
            assert source == status
            assert any(source in row.sources for row in rows(action))
            status = target
        assert status == self.facts.status

    @invariant()
    def at_most_three_reassessments_per_unit(self) -> None:
        assert all(u.reassessment_count <= REASSESSMENT_LIMIT for u in self.facts.units)

    @invariant()
    def at_most_one_certificate(self) -> None:
        assert self.certificates <= 1
        assert self.facts.has_certificate == (self.certificates == 1)
        assert (self.facts.status == S.CERTIFIED) == (self.certificates == 1)


# A step carries a full set of inputs, so even the smallest walk is large: that is expected.
CaseLife.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=150,
    deadline=None,
    suppress_health_check=[HealthCheck.large_base_example],
)
TestCaseLife = CaseLife.TestCase


def test_the_quorum_is_configurable():
    small = Policy(today=TODAY, meeting_quorum=2)
    two = inputs(meeting=replace(MEETING, attendee_ids=frozenset({3, 4})))
    assert check(Action.DECIDE, facts(S.ASSESSED), CHAIR, two, small) is None
    assert check(Action.DECIDE, facts(S.ASSESSED), CHAIR, two, POLICY) is not None


def test_every_role_of_the_transition_table_reaches_the_case_screen():
    """The transition table and the access table agree: a role named in a row can open the
    case screen, where the action's form lives (standards_head decides appeals). The applicant
    acts from the applicant portal, never from a staff screen."""
    from portal.rules.access import can_read
    from portal.rules.workflow import APPLICANT

    unreachable = [
        (row.action.value, role)
        for row in TRANSITIONS
        for role in row.roles - {APPLICANT}
        if not can_read("case", {role})
    ]
    assert unreachable == []


def test_a_departure_from_the_recommendation_keeps_its_reason():
    given = inputs(units={1: {"verdict": "BK", "reason": "Bukti portofolio palsu"}})
    step = plan(Action.DECIDE, facts(S.ASSESSED), CHAIR, given, POLICY)
    assert step.to == S.NOT_YET_COMPETENT
    assert step.change.units == {
        1: {"result": "BK", "decision_reason": "Bukti portofolio palsu"},
        2: {"result": "K"},
    }


# --- what a page offers before any input (issue 15) -------------------------------------------


@pytest.mark.parametrize("status", list(CaseStatus))
def test_offers_are_the_roles_actions_and_a_refused_one_cannot_succeed_with_any_input(status):
    case = facts(status, assessment_date=TODAY + timedelta(days=3))  # the recommendation waits
    for actor in ACTORS:
        offered = dict(offers(case, actor, POLICY))
        assert set(offered) == {
            row.action for row in TRANSITIONS if status in row.sources and row.roles & actor.roles
        }
        assert [a for a, r in offered.items() if r is None] == [
            a for a in available_actions(case, actor) if offered.get(a) is None
        ]
        for action, refusal in offered.items():
            if refusal is not None:  # the inputs that satisfy every action do not help
                assert check(action, case, actor, inputs(), POLICY) is not None


def test_an_offer_says_why_it_cannot_succeed_now():
    unsigned = facts(S.DRAFT, declaration_signed=False)
    assert str(dict(offers(unsigned, SECRETARIAT, POLICY))[Action.SUBMIT]) == (
        "The applicant has not signed the declaration."
    )
    early = facts(S.READY_FOR_ASSESSMENT, assessment_date=TODAY + timedelta(days=3))
    refusal = dict(offers(early, ASSESSOR, POLICY))[Action.RECOMMEND]
    assert refusal.msgid.startswith("The assessment is planned for")
    assert str(dict(offers(facts(S.ASSESSED), TRAINER, POLICY))[Action.DECIDE]) == (
        "The trainer of this applicant cannot decide this case."
    )
    assert dict(offers(facts(S.ASSESSED), CHAIR, POLICY)) == {Action.DECIDE: None}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, None),
        ({"active": False}, "Assessor Siti is not active."),
        ({"licence_valid_until": TODAY}, "The licence of assessor Siti is not valid on"),
        ({"scheme_ids": frozenset()}, "Assessor Siti is not registered for this scheme."),
        ({"conflicts": {100: ("family",)}}, "Assessor Siti has a declared conflict"),
    ],
)
def test_assessor_refusal_asks_the_assign_rows_guards(changes, message):
    refusal = assessor_refusal(
        facts(S.VERIFIED), replace(ASSESSOR_OK, **changes), TODAY + timedelta(days=1)
    )
    assert (refusal is None) if message is None else str(refusal).startswith(message)


# The deputy chair and the chair-present check: (chair conflicted, who decides, chair present,
# deputy present, refusal). The deputy attends the meeting as the chair does (id 12).
DEPUTY_CASES = [
    (False, CHAIR, True, False, None),
    (False, DEPUTY, True, True,
     "The deputy chair decides only when the chair is this case's assessor or trainer."),
    (True, DEPUTY, False, True, None),
    (True, DEPUTY, True, True, None),
    (True, DEPUTY, False, False,
     "The chair of the LSP is not recorded as present at the meeting."),
    (False, CHAIR, False, True,
     "The chair of the LSP is not recorded as present at the meeting."),
    (True, Actor(3, frozenset({Role.CHAIR, Role.DEPUTY_CHAIR})), True, False, None),
]  # fmt: skip


@pytest.mark.parametrize(("conflicted", "actor", "chair", "deputy", "message"), DEPUTY_CASES)
def test_the_deputy_decides_when_the_chair_is_conflicted(conflicted, actor, chair, deputy, message):
    meeting = replace(
        MEETING, attendee_ids=frozenset({3, 4, 8, 12}), chair_present=chair, deputy_present=deputy
    )
    case = facts(S.ASSESSED, chair_conflicted=conflicted)
    refusal = check(Action.DECIDE, case, actor, inputs(meeting=meeting), POLICY)
    assert (str(refusal) if refusal else None) == message


def test_the_deputy_is_offered_the_decision_only_on_a_conflicted_chair_s_case():
    assert available_actions(facts(S.ASSESSED), DEPUTY) == []
    assert available_actions(facts(S.ASSESSED, chair_conflicted=True), DEPUTY) == [Action.DECIDE]


def test_the_recommendation_keeps_its_day_and_a_meeting_that_day_may_decide():
    recommended = plan(Action.RECOMMEND, facts(S.READY_FOR_ASSESSMENT), ASSESSOR, inputs(), POLICY)
    assert recommended.change.case == {"recommended_on": TODAY}
    same_day = facts(S.ASSESSED, recommended_on=TODAY)
    assert check(Action.DECIDE, same_day, CHAIR, inputs(), POLICY) is None
