"""Applying one workflow action to many cases: plan per case, guarded writes, effects, audit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from .. import clock
from ..models import (
    ApplicantAccount,
    User,
)
from ..rules.vocabulary import N_, CaseStatus
from ..rules.workflow import (
    ALREADY_DONE,
    Action,
    Actor,
    CaseFacts,
    Policy,
    Refusal,
    Step,
    plan,
    reads,
)
from ..transactions import writing
from . import seats
from .audit import audit_rows, write_events
from .effects import SIDE_EFFECTS
from .facts import load_facts, resolve_inputs
from .notify import after_transition
from .settings import Outcome, Settings, actor_of
from .tables import CASE, UNIT, among

BATCH_SIZE = 2000  # cases per transaction: bounded bind parameters and lock time


@dataclass
class Batch:
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
    actor: User | ApplicantAccount,
    inputs: Mapping[str, Any],
    settings: Mapping[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Apply one workflow action to many cases, all-or-nothing per case; commits the result.
    `progress` hears the cases handled after each batch's commit (a job's progress page)."""
    act, conf, who = Action(action), Settings.of(settings), actor_of(actor)
    outcome = Outcome()
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    for start in range(0, len(ids), BATCH_SIZE):
        with writing(session):
            _apply_batch(session, act, ids[start : start + BATCH_SIZE], who, inputs, conf, outcome)
        if progress is not None:
            progress(min(start + BATCH_SIZE, len(ids)), len(ids))
    return outcome


def apply_within(
    session: Session,
    action: str,
    case_ids: Sequence[int],
    actor: User | ApplicantAccount,
    inputs: Mapping[str, Any],
    settings: Settings,
) -> Outcome:
    """Apply an action in the caller's write transaction (with its other writes, or none)."""
    outcome = Outcome()
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    _apply_batch(session, Action(action), ids, actor_of(actor), inputs, settings, outcome)
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
    resolved = resolve_inputs(session, action, inputs, facts.values())
    policy = Policy(settings.today, settings.appeal_window_days, settings.meeting_quorum)
    steps: dict[int, Step] = {}
    for case_id in case_ids:
        if case_id not in facts:
            outcome.skipped.append((case_id, "", Refusal(N_("Case not found."))))
            continue
        try:
            steps[case_id] = plan(action, facts[case_id], actor, resolved, policy)
        except Refusal as refusal:
            outcome.skipped.append((case_id, facts[case_id].reg_number, refusal))
    if action == Action.SUBMIT:  # a first submission takes its schedule's seat
        drafts = [cid for cid in steps if facts[cid].status == CaseStatus.DRAFT]
        for cid, refusal in seats.claim(session, drafts, settings.today).items():
            del steps[cid]
            outcome.skipped.append((cid, facts[cid].reg_number, refusal))
    batch = Batch(session, action, actor, resolved, settings, facts, steps, clock.now())
    won = _write_statuses(batch)
    outcome.skipped.extend(
        (cid, facts[cid].reg_number, Refusal(ALREADY_DONE)) for cid in steps if cid not in won
    )
    batch.steps = {cid: step for cid, step in steps.items() if cid in won}
    if not batch.steps:
        return
    _write_units(batch)
    batch.audit = audit_rows(batch)
    side_effect = SIDE_EFFECTS.get(action)
    if side_effect:
        side_effect(batch)
    write_events(session, [*batch.audit.values(), *batch.more_audit])
    after_transition(batch)  # the notifications, in this same transaction
    outcome.done.extend(batch.steps)


def _write_statuses(batch: Batch) -> set[int]:
    """Guarded UPDATEs, one per (from, to, columns) group; the ids whose status still matched.
    Each step restarts the case's waiting clock (`status_since`), as its audit event says."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for cid, step in batch.steps.items():
        key = (batch.facts[cid].status, step.to, tuple(sorted(step.change.case.items())))
        groups[key].append(cid)
    won: set[int] = set()
    for (source, target, columns), ids in groups.items():
        statement = (
            update(CASE)
            .where(among(batch.session, CASE.c.id, ids), CASE.c.status == source)
            .values(status=target, status_since=batch.at, **dict(columns))
            .returning(CASE.c.id)
        )
        won.update(batch.session.execute(statement).scalars().all())
    return won


def _write_units(batch: Batch) -> None:
    """The per-unit columns of the applied steps: one UPDATE per unit and set of values."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for cid, step in batch.steps.items():
        for unit_id, columns in step.change.units.items():
            groups[(unit_id, tuple(sorted(columns.items())))].append(cid)
    for (unit_id, columns), case_ids in groups.items():
        batch.session.execute(
            update(UNIT)
            .where(UNIT.c.unit_id == unit_id, among(batch.session, UNIT.c.case_id, case_ids))
            .values(dict(columns))
        )
