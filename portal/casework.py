"""The workflow service: applies the transition table to cases in the database, set-based.

Views, the CLI and the tests call `apply()` with a session; it never imports Flask. Per batch of
cases it takes the write lock, reads the facts of all cases in a constant number of queries,
asks `rules.workflow.plan()` per case, then writes with guarded UPDATEs (`... WHERE status =
:from`) and bulk-inserts one audit event per applied action, all in one transaction. A case is
never half-changed; a case whose status moved meanwhile is reported as already done.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Table, and_, bindparam, func, insert, or_, select, update
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from .models import (
    Appeal,
    Applicant,
    Assessor,
    AssessorConflict,
    Attachment,
    AuditEvent,
    Case,
    CaseUnit,
    Certificate,
    DecisionMeeting,
    Scheme,
    SchemeRequirement,
    SurveillanceReport,
    Tuk,
    Unit,
    User,
    assessor_scheme,
    scheme_unit,
)
from .numbering import reserve
from .rules import certificates as certs
from .rules.requirements import Alternative, Qualifications, evaluate
from .rules.vocabulary import (
    FINAL_CASE_STATUSES,
    N_,
    AppealStatus,
    CaseStatus,
    CertificateStatus,
    JobFit,
    Purpose,
)
from .rules.workflow import (
    ALREADY_DONE,
    APPEAL_QUESTIONS,
    DEFAULT_APPEAL_WINDOW_DAYS,
    ROLE_REFUSED,
    Action,
    Actor,
    AssessorFacts,
    AttachmentFacts,
    CaseFacts,
    MeetingFacts,
    Policy,
    Refusal,
    Step,
    UnitFacts,
    check_new_application,
    plan,
    reads,
)
from .rules.workflow import available_actions as _available_actions
from .transactions import writing

BATCH_SIZE = 2000  # cases per transaction: bounded bind parameters and lock time
_STATUSES = {status.value: status for status in CaseStatus}  # a dict lookup: Enum() is slow
_SEP = "\x1f"  # joins strings aggregated in SQL; no file name or code contains it

_CASE: Table = Case.__table__
_UNIT: Table = CaseUnit.__table__
_CERT: Table = Certificate.__table__
_USER: Table = User.__table__
_APPLICANT: Table = Applicant.__table__
_SCHEME: Table = Scheme.__table__
_ASSESSOR: Table = Assessor.__table__
_AUDIT: Table = AuditEvent.__table__
_APPEAL: Table = Appeal.__table__


@dataclass
class Outcome:
    """What a bulk action did: the cases changed, and every case skipped with its reason."""

    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str, Refusal]] = field(default_factory=list)


@dataclass(frozen=True)
class Settings:
    """The configurable values the service reads (Flask's config, or a plain dict in tests)."""

    today: date
    number_pattern: str = certs.DEFAULT_NUMBER_PATTERN
    appeal_window_days: int = DEFAULT_APPEAL_WINDOW_DAYS
    horizon_months: int = certs.DEFAULT_RECERTIFICATION_HORIZON_MONTHS

    @classmethod
    def of(cls, settings: Mapping[str, Any] | None) -> Settings:
        """Read the settings, with today's date in the LSP's time zone unless one is given."""
        conf = settings or {}
        today = (
            conf.get("today")
            or datetime.now(ZoneInfo(conf.get("LSP_TIMEZONE", "Asia/Jakarta"))).date()
        )
        return cls(
            today=today,
            number_pattern=conf.get("CERTIFICATE_NUMBER_PATTERN", cls.number_pattern),
            appeal_window_days=conf.get("APPEAL_WINDOW_DAYS", cls.appeal_window_days),
            horizon_months=conf.get("RECERTIFICATION_HORIZON_MONTHS", cls.horizon_months),
        )


def actor_of(user: User) -> Actor:
    """The workflow's view of a member of staff."""
    return Actor(user_id=user.id, roles=frozenset(user.roles), assessor_id=user.assessor_id)


# --- reading the facts -----------------------------------------------------------------------


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
_FACT_COLUMNS = (  # the case-row fields of CaseFacts, in its field order
    _CASE.c.id.label("case_id"),
    _CASE.c.status,
    _CASE.c.applicant_id,
    _CASE.c.scheme_id,
    _CASE.c.reg_number,
    _CASE.c.declaration_signed,
    _CASE.c.assessor_id,
    _USER.c.id.label("assessor_user_id"),
    _ASSESSOR.c.licence_valid_until.label("assessor_licence_valid_until"),
    _CASE.c.trainer_user_id,
    _CASE.c.agreement_confirmed,
    _CASE.c.decided_on,
    _CASE.c.decided_by_id,
    _CERT.c.id.is_not(None).label("has_certificate"),
)


def _case_rows(
    session: Session, case_ids: Sequence[int], lock: bool, profile: bool = False
) -> list[Row]:
    """One row per case: the case-row facts, then (with `profile`) the applicant's qualifications."""
    c = _CASE.c
    query = (
        select(*_FACT_COLUMNS)
        .outerjoin(_ASSESSOR, _ASSESSOR.c.id == c.assessor_id)
        .outerjoin(_USER, _USER.c.assessor_id == c.assessor_id)
        .outerjoin(_CERT, _CERT.c.case_id == c.id)
        .where(c.id.in_(case_ids))
        .order_by(c.id)
    )
    if profile:
        query = query.join(_APPLICANT, _APPLICANT.c.id == c.applicant_id).add_columns(
            *(_APPLICANT.c[name] for name in _PROFILE)
        )
    if lock:  # PostgreSQL: lock in id order, so concurrent batches never deadlock
        query = query.with_for_update(of=_CASE)
    return session.execute(query).all()


def _unit_facts(session: Session, case_ids: Sequence[int]) -> dict[int, tuple[UnitFacts, ...]]:
    """The chosen units of each case, with whether each belongs to the case's scheme."""
    u, unit, chosen = _UNIT.c, Unit.__table__.c, scheme_unit.c
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
        .join(_CASE, _CASE.c.id == u.case_id)
        .outerjoin(
            scheme_unit,
            and_(chosen.scheme_id == _CASE.c.scheme_id, chosen.unit_id == u.unit_id),
        )
        .where(u.case_id.in_(case_ids))
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
        .where(a.case_id.in_(case_ids), a.is_current.is_(True))
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


def _resolve(
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
        meeting = session.get(DecisionMeeting, int(inputs["meeting_id"]))
        resolved.update({"meeting": MeetingFacts(meeting.id, meeting.held_on)} if meeting else {})
    if inputs.get("tuk_id") and session.get(Tuk, int(inputs["tuk_id"])) is None:
        resolved.pop("tuk_id")
    return resolved


_RESOLVED = ("assessor", "meeting")


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


# --- applying an action ----------------------------------------------------------------------


@dataclass
class _Batch:
    """One transaction's worth of an action: its steps so far and the audit rows to write."""

    session: Session
    action: Action
    actor: Actor
    inputs: Mapping[str, Any]
    settings: Settings
    facts: dict[int, CaseFacts]
    steps: dict[int, Step]
    at: datetime
    audit: dict[int, dict[str, Any]] = field(default_factory=dict)
    more_audit: list[dict[str, Any]] = field(default_factory=list)


def apply(
    session: Session,
    action: str,
    case_ids: Sequence[int],
    actor: User,
    inputs: Mapping[str, Any],
    settings: Mapping[str, Any] | None = None,
) -> Outcome:
    """Apply one workflow action to many cases, all-or-nothing per case; commits the result."""
    act, conf, who = Action(action), Settings.of(settings), actor_of(actor)
    outcome = Outcome()
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    for start in range(0, len(ids), BATCH_SIZE):
        with writing(session):
            _apply_batch(session, act, ids[start : start + BATCH_SIZE], who, inputs, conf, outcome)
    return outcome


def _apply_batch(
    session: Session,
    action: Action,
    case_ids: list[int],
    actor: Actor,
    inputs: Mapping[str, Any],
    settings: Settings,
    outcome: Outcome,
) -> None:
    """Plan every case, write the winners, and report the rest."""
    facts = load_facts(session, case_ids, lock=True, needs=reads(action))
    resolved = _resolve(session, action, inputs, facts.values())
    policy = Policy(settings.today, settings.appeal_window_days)
    steps: dict[int, Step] = {}
    for case_id in case_ids:
        if case_id not in facts:
            outcome.skipped.append((case_id, "", Refusal(N_("Case not found."))))
            continue
        try:
            steps[case_id] = plan(action, facts[case_id], actor, resolved, policy)
        except Refusal as refusal:
            outcome.skipped.append((case_id, facts[case_id].reg_number, refusal))
    batch = _Batch(session, action, actor, resolved, settings, facts, steps, datetime.now(UTC))
    won = _write_statuses(batch)
    outcome.skipped.extend(
        (cid, facts[cid].reg_number, Refusal(ALREADY_DONE)) for cid in steps if cid not in won
    )
    batch.steps = {cid: step for cid, step in steps.items() if cid in won}
    if not batch.steps:
        return
    _write_units(batch)
    batch.audit = _audit_rows(batch)
    side_effect = _SIDE_EFFECTS.get(action)
    if side_effect:
        side_effect(batch)
    session.execute(insert(_AUDIT), [*batch.audit.values(), *batch.more_audit])
    outcome.done.extend(batch.steps)


def _write_statuses(batch: _Batch) -> set[int]:
    """Guarded UPDATEs, one per (from, to, columns) group; the ids whose status still matched."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for cid, step in batch.steps.items():
        key = (batch.facts[cid].status, step.to, tuple(sorted(step.change.case.items())))
        groups[key].append(cid)
    won: set[int] = set()
    for (source, target, columns), ids in groups.items():
        statement = (
            update(_CASE)
            .where(_CASE.c.id.in_(ids), _CASE.c.status == source)
            .values(status=target, **dict(columns))
            .returning(_CASE.c.id)
        )
        won.update(batch.session.execute(statement).scalars().all())
    return won


def _write_units(batch: _Batch) -> None:
    """The per-unit columns of the applied steps: one UPDATE per unit and set of values."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for cid, step in batch.steps.items():
        for unit_id, columns in step.change.units.items():
            groups[(unit_id, tuple(sorted(columns.items())))].append(cid)
    for (unit_id, columns), case_ids in groups.items():
        batch.session.execute(
            update(_UNIT)
            .where(_UNIT.c.unit_id == unit_id, _UNIT.c.case_id.in_(case_ids))
            .values(dict(columns))
        )


def _audit_rows(batch: _Batch) -> dict[int, dict[str, Any]]:
    """The audit event of each applied step: who, when, what, from, to, note and data."""
    common = {
        "at": batch.at,
        "user_id": batch.actor.user_id,
        "action": batch.action.value,
        "certificate_id": None,
        "note": next((batch.inputs[k] for k in _NOTES if batch.inputs.get(k)), None),
    }
    return {
        case_id: {
            **common,
            "case_id": case_id,
            "from_status": batch.facts[case_id].status.value,
            "to_status": step.to.value,
            "data": _audit_data(step, batch.facts[case_id]),
        }
        for case_id, step in batch.steps.items()
    }


_NOTES = ("reason", "note", "override_note")  # the free text an action carries into the trail


def _audit_data(step: Step, facts: CaseFacts) -> dict[str, Any] | None:
    """What the step wrote, units named by their code; None when it wrote no column."""
    data: dict[str, Any] = {}
    if step.change.case:
        data["case"] = _jsonable(step.change.case)
    if step.change.units:
        codes = {u.unit_id: u.code for u in facts.units}
        data["units"] = {codes[uid]: _jsonable(cols) for uid, cols in step.change.units.items()}
    return data or None


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    """Dates and times as ISO text, so the audit data is plain JSON."""
    return {
        k: v.isoformat() if isinstance(v, date | time | datetime) else v for k, v in values.items()
    }


# --- what some actions create besides the case's own columns ---------------------------------


def _record_appeals(batch: _Batch) -> None:
    """FR.AK.04: one pending appeal per case, with the reason and the three answers."""
    filed_on = batch.inputs.get("filed_on") or batch.settings.today
    answers = {q: bool(batch.inputs[q]) for q in APPEAL_QUESTIONS}
    rows = [
        {
            "case_id": cid,
            "filed_on": filed_on,
            "reason": batch.inputs["reason"],
            "status": AppealStatus.PENDING.value,
            **answers,
        }
        for cid in batch.steps
    ]
    batch.session.execute(insert(_APPEAL), rows)
    for row in batch.audit.values():
        row["data"] = {**(row["data"] or {}), "filed_on": filed_on.isoformat(), **answers}


def _decide_appeals(batch: _Batch) -> None:
    """The pending appeal of each case gets its outcome, decider, date and reason."""
    batch.session.execute(
        update(_APPEAL)
        .where(
            _APPEAL.c.case_id.in_(list(batch.steps)),
            _APPEAL.c.status == AppealStatus.PENDING.value,
        )
        .values(
            status=batch.inputs["outcome"],
            decided_by_id=batch.actor.user_id,
            decided_on=batch.settings.today,
            decision_reason=batch.inputs["reason"],
        )
    )
    for row in batch.audit.values():
        row["data"] = {**(row["data"] or {}), "outcome": batch.inputs["outcome"]}


def _issue_certificates(batch: _Batch) -> None:
    """One certificate per case: numbered from its series' counter, dated, valid, surveilled."""
    issued_on = batch.inputs.get("issued_on") or batch.settings.today
    cases = _certificate_sources(batch.session, list(batch.steps))
    numbered = _number(batch, cases, issued_on)
    rows = [_certificate_row(batch, case, issued_on, *numbered[case.id]) for case in cases]
    inserted = batch.session.execute(insert(_CERT).returning(_CERT.c.id, _CERT.c.case_id), rows)
    new_ids = {case_id: cert_id for cert_id, case_id in inserted}
    for row in rows:
        audit = batch.audit[row["case_id"]]
        audit["certificate_id"] = new_ids[row["case_id"]]
        audit["data"] = {"number": row["number"], "expires_on": row["expires_on"].isoformat()}
    _supersede(batch, cases, new_ids)


def _certificate_sources(session: Session, case_ids: list[int]) -> list[Row]:
    """What a certificate copies from its case: holder, scheme, validity, the one it replaces."""
    old = Certificate.__table__.alias("old")
    return list(
        session.execute(
            select(
                _CASE.c.id,
                _CASE.c.applicant_id,
                _CASE.c.scheme_id,
                _APPLICANT.c.full_name,
                _SCHEME.c.code.label("scheme_code"),
                _SCHEME.c.validity_months,
                _SCHEME.c.surveillance_months,
                old.c.id.label("previous_id"),
                old.c.status.label("previous_status"),
            )
            .join(_APPLICANT, _APPLICANT.c.id == _CASE.c.applicant_id)
            .join(_SCHEME, _SCHEME.c.id == _CASE.c.scheme_id)
            .outerjoin(old, old.c.id == _CASE.c.previous_certificate_id)
            .where(_CASE.c.id.in_(case_ids))
            .order_by(_CASE.c.id)
        )
    )


def _number(batch: _Batch, cases: list[Row], issued_on: date) -> dict[int, tuple[str, str, int]]:
    """Per case its (number, series, seq); each series' counter is bumped once, in a fixed order."""
    pattern = batch.settings.number_pattern
    by_scheme: dict[str, list[Row]] = defaultdict(list)
    for case in cases:
        by_scheme[case.scheme_code].append(case)
    named = {code: certs.number_fields(code, issued_on) for code in by_scheme}
    series = {code: certs.series_key(pattern, **named[code]) for code in by_scheme}
    numbered = {}
    for code in sorted(by_scheme, key=series.__getitem__):  # one lock order for every issuer
        members = by_scheme[code]
        seqs = reserve(batch.session, series[code], len(members))
        for case, seq in zip(members, seqs, strict=True):
            numbered[case.id] = (
                certs.format_number(pattern, seq, **named[code]),
                series[code],
                seq,
            )
    return numbered


def _certificate_row(
    batch: _Batch, case: Row, issued_on: date, number: str, series: str, seq: int
) -> dict[str, Any]:
    """The columns of one new certificate."""
    expires_on = certs.expiry(issued_on, case.validity_months)
    return {
        "number": number,
        "series": series,
        "seq": seq,
        "verify_code": secrets.token_urlsafe(12),
        "case_id": case.id,
        "applicant_id": case.applicant_id,
        "scheme_id": case.scheme_id,
        "holder_name": case.full_name,
        "issued_on": issued_on,
        "expires_on": expires_on,
        "status": CertificateStatus.ACTIVE.value,
        "signed_by_id": batch.actor.user_id,
        "next_surveillance_due": certs.next_surveillance_due(
            issued_on, case.surveillance_months, expires_on, 0
        ),
        "created_at": batch.at,
    }


def _supersede(batch: _Batch, cases: list[Row], new_ids: dict[int, int]) -> None:
    """A re-certification's new certificate supersedes the old one (RULES #13)."""
    reason = N_("Superseded by re-certification.")
    replaced = [
        (case.previous_id, case.previous_status, new_ids[case.id], case.id)
        for case in cases
        if case.previous_id is not None and _may_supersede(case.previous_status, reason)
    ]
    if not replaced:
        return
    batch.session.execute(
        update(_CERT)
        .where(_CERT.c.id == bindparam("b_id"))
        .values(
            status=CertificateStatus.SUPERSEDED.value,
            superseded_by_id=bindparam("b_new"),
            status_reason=reason,
        ),
        [{"b_id": old, "b_new": new} for old, _status, new, _case in replaced],
    )
    batch.more_audit.extend(
        _certificate_audit(batch.at, batch.actor.user_id, certs.CertificateAction.SUPERSEDE)
        | {
            "case_id": case_id,
            "certificate_id": old,
            "from_status": status,
            "to_status": CertificateStatus.SUPERSEDED.value,
            "note": reason,
            "data": {"superseded_by": new},
        }
        for old, status, new, case_id in replaced
    )


def _may_supersede(status: str, reason: str) -> bool:
    """True when the lifecycle lets a certificate in this status be superseded."""
    try:
        certs.certificate_change(certs.CertificateAction.SUPERSEDE, status, reason)
    except Refusal:
        return False  # withdrawn meanwhile: it stays withdrawn
    return True


_SIDE_EFFECTS = {
    Action.APPEAL: _record_appeals,
    Action.DECIDE_APPEAL: _decide_appeals,
    Action.ISSUE: _issue_certificates,
}


def available_actions(session: Session, case: Case, actor: User) -> list[Action]:
    """The actions this user may start on this case now, for its page and its action menu."""
    facts = load_facts(session, [case.id])
    return _available_actions(facts[case.id], actor_of(actor)) if case.id in facts else []


# --- certificates: lifecycle, expiry, surveillance, re-certification -------------------------


def _certificate_audit(at: datetime, user_id: int | None, action: str) -> dict[str, Any]:
    """The common columns of an audit event about a certificate."""
    return {"at": at, "user_id": user_id, "action": str(action), "note": None, "data": None}


def change_certificates(
    session: Session,
    action: str,
    certificate_ids: Sequence[int],
    actor: User,
    reason: str,
    settings: Mapping[str, Any] | None = None,
) -> Outcome:
    """Suspend, reinstate or withdraw certificates, with the reason; who and when are audited."""
    act, today = certs.CertificateAction(action), Settings.of(settings).today
    roles, outcome = frozenset(actor.roles), Outcome()
    with writing(session):
        rows = session.execute(
            select(_CERT.c.id, _CERT.c.number, _CERT.c.status, _CERT.c.expires_on, _CERT.c.case_id)
            .where(_CERT.c.id.in_(list(certificate_ids)))
            .order_by(_CERT.c.id)
            .with_for_update()
        ).all()
        changes = []
        for row in rows:
            current = certs.effective_status(row.status, row.expires_on, today)
            try:
                changes.append((row, certs.certificate_change(act, current, reason, roles)))
            except Refusal as refusal:
                outcome.skipped.append((row.id, row.number, refusal))
        _write_certificate_changes(session, act, changes, actor.id, reason, outcome)
    return outcome


def _write_certificate_changes(
    session: Session,
    action: certs.CertificateAction,
    changes: list[tuple[Row, CertificateStatus]],
    user_id: int | None,
    reason: str,
    outcome: Outcome,
) -> None:
    """Guarded status UPDATEs, one per (from, to) pair, and the audit events of those applied."""
    groups: dict[tuple[str, CertificateStatus], list[Row]] = defaultdict(list)
    for row, target in changes:
        groups[(row.status, target)].append(row)
    at, audit = datetime.now(UTC), []
    for (source, target), members in groups.items():
        won = set(
            session.execute(
                update(_CERT)
                .where(_CERT.c.id.in_([row.id for row in members]), _CERT.c.status == source)
                .values(status=target.value, status_reason=reason)
                .returning(_CERT.c.id)
            )
            .scalars()
            .all()
        )
        for row in members:
            if row.id not in won:
                outcome.skipped.append((row.id, row.number, Refusal(ALREADY_DONE)))
                continue
            outcome.done.append(row.id)
            audit.append(
                _certificate_audit(at, user_id, action)
                | {
                    "case_id": row.case_id,
                    "certificate_id": row.id,
                    "from_status": source,
                    "to_status": target.value,
                    "note": reason,
                }
            )
    if audit:
        session.execute(insert(_AUDIT), audit)


def expire_certificates(session: Session, settings: Mapping[str, Any] | None = None) -> int:
    """Mark active and suspended certificates past their expiry date as expired; how many."""
    today = Settings.of(settings).today
    outcome = Outcome()
    with writing(session):
        rows = session.execute(
            select(_CERT.c.id, _CERT.c.number, _CERT.c.status, _CERT.c.expires_on, _CERT.c.case_id)
            .where(
                _CERT.c.expires_on < today,
                _CERT.c.status.in_([CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED]),
            )
            .with_for_update()
        ).all()
        reason = N_("The expiry date has passed.")
        changes = [(row, CertificateStatus.EXPIRED) for row in rows]
        _write_certificate_changes(
            session, certs.CertificateAction.EXPIRE, changes, None, reason, outcome
        )
    return len(outcome.done)


def record_surveillance(
    session: Session,
    certificate: Certificate,
    actor: User,
    *,
    placement: str,
    duties: str,
    job_fit: str,
    evidence: str | None = None,
    submitted_on: date | None = None,
    settings: Mapping[str, Any] | None = None,
) -> SurveillanceReport:
    """Record the holder's yearly report (seed 2.11) and move the next due date on."""
    today = Settings.of(settings).today
    if not frozenset(actor.roles) & certs.SURVEILLANCE_ROLES:
        raise Refusal(ROLE_REFUSED, action="record_surveillance")
    if job_fit not in set(JobFit):
        raise Refusal(N_("Say how well the placement fits the job."))
    with writing(session):
        cert = session.get(Certificate, certificate.id, with_for_update=True)
        current = certs.effective_status(cert.status, cert.expires_on, today)
        if current not in (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED):
            raise Refusal(
                N_("No surveillance is recorded for a certificate that is %(status)s."),
                status=current.value,
            )
        done = session.scalar(
            select(func.count()).where(SurveillanceReport.certificate_id == cert.id)
        )
        interval = cert.scheme.surveillance_months
        report = SurveillanceReport(
            certificate_id=cert.id,
            due_on=cert.next_surveillance_due
            or certs.surveillance_due(cert.issued_on, interval, done + 1),
            submitted_on=submitted_on or today,
            placement=placement,
            duties=duties,
            job_fit=job_fit,
            evidence=evidence,
            recorded_by_id=actor.id,
        )
        cert.next_surveillance_due = certs.next_surveillance_due(
            cert.issued_on, interval, cert.expires_on, done + 1
        )
        session.add(report)
        session.add(
            AuditEvent(
                user_id=actor.id,
                action="record_surveillance",
                case_id=cert.case_id,
                certificate_id=cert.id,
                note=placement,
                data={"due_on": report.due_on.isoformat(), "job_fit": job_fit},
            )
        )
    return report


def start_recertification(
    session: Session,
    certificate: Certificate,
    actor: User,
    settings: Mapping[str, Any] | None = None,
) -> Case:
    """A new draft case (purpose re-certification) for the holder, linked to the old certificate."""
    conf = Settings.of(settings)
    if not frozenset(actor.roles) & certs.RECERTIFICATION_ROLES:
        raise Refusal(ROLE_REFUSED, action="start_recertification")
    with writing(session):
        cert = session.get(Certificate, certificate.id, with_for_update=True)
        under_way = session.scalar(
            select(Case.reg_number).where(
                Case.previous_certificate_id == cert.id, Case.status.not_in(FINAL_CASE_STATUSES)
            )
        )
        refusal = certs.check_recertification(
            cert.status, cert.expires_on, conf.today, conf.horizon_months, under_way
        )
        if refusal:
            raise refusal
        return _new_case(
            session,
            cert.case,
            actor,
            conf.today,
            purpose=Purpose.RECERTIFICATION,
            previous_certificate_id=cert.id,
            event=("start_recertification", {"previous_certificate": cert.number}),
        )


def start_new_application_from(
    session: Session,
    case: Case,
    actor: User,
    settings: Mapping[str, Any] | None = None,
) -> Case:
    """A new draft case pre-filled from one whose unit reached the re-assessment limit."""
    conf = Settings.of(settings)
    with writing(session):
        facts = load_facts(session, [case.id], lock=True, needs=frozenset({"units"}))[case.id]
        started = session.scalar(select(Case.reg_number).where(Case.previous_case_id == case.id))
        refusal = check_new_application(facts, actor_of(actor), started)
        if refusal:
            raise refusal
        old = session.get(Case, case.id)
        return _new_case(
            session,
            old,
            actor,
            conf.today,
            purpose=Purpose(old.purpose),
            previous_case_id=old.id,
            event=("start_new_application", {"previous_case": old.reg_number}),
        )


def _new_case(
    session: Session,
    source: Case,
    actor: User,
    today: date,
    *,
    purpose: Purpose,
    event: tuple[str, dict[str, Any]],
    **links: int,
) -> Case:
    """A draft case for the same applicant, scheme and units as `source`, with its audit event."""
    case = Case(
        reg_number=next_reg_number(session, today),
        applicant_id=source.applicant_id,
        scheme_id=source.scheme_id,
        purpose=purpose.value,
        status=CaseStatus.DRAFT.value,
        units=[CaseUnit(unit_id=unit.unit_id) for unit in source.units],
        **links,
    )
    session.add(case)
    session.flush()
    action, data = event
    session.add(
        AuditEvent(
            user_id=actor.id,
            action=action,
            case_id=case.id,
            to_status=CaseStatus.DRAFT.value,
            data=data,
        )
    )
    return case


def next_reg_number(session: Session, today: date) -> str:
    """The next application number, e.g. APL-2026-000123 (one series per year)."""
    (seq,) = reserve(session, f"APL-{today.year}")
    return f"APL-{today.year}-{seq:06d}"
