"""What some actions create besides the case's own columns: appeals, certificates, numbers."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from ..models import (
    Certificate,
)
from ..numbering import reserve
from ..rules import certificates as certs
from ..rules.vocabulary import (
    N_,
    AppealStatus,
    CertificateStatus,
    Verdict,
)
from ..rules.workflow import (
    APPEAL_QUESTIONS,
    Action,
    Refusal,
)
from ..worker.engine import on_commit
from ..worker.tasks import sign_certificates
from .audit import certificate_audit
from .submissions import record_snapshot
from .tables import APPEAL, APPLICANT, CASE, CERT, ELEMENT, KUK, KUK_ANSWER, SCHEME, UNIT

if TYPE_CHECKING:
    from .transitions import Batch


def _record_appeals(batch: Batch) -> None:
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
    batch.session.execute(insert(APPEAL), rows)
    for row in batch.audit.values():
        row["data"] = {**(row["data"] or {}), "filed_on": filed_on.isoformat(), **answers}


def _decide_appeals(batch: Batch) -> None:
    """The pending appeal of each case gets its outcome, decider, date and reason."""
    batch.session.execute(
        update(APPEAL)
        .where(
            APPEAL.c.case_id.in_(list(batch.steps)),
            APPEAL.c.status == AppealStatus.PENDING.value,
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


def _close_pending_appeals(batch: Batch) -> None:
    """A withdrawn case takes its undecided appeal with it, closed with the same reason."""
    batch.session.execute(
        update(APPEAL)
        .where(
            APPEAL.c.case_id.in_(list(batch.steps)),
            APPEAL.c.status == AppealStatus.PENDING.value,
        )
        .values(
            status=AppealStatus.WITHDRAWN.value,
            decided_by_id=batch.actor.user_id,
            decided_on=batch.settings.today,
            decision_reason=batch.inputs["reason"],
        )
    )


def _issue_certificates(batch: Batch) -> None:
    """One certificate per case: numbered from its series' counter, dated, valid, surveilled."""
    issued_on = batch.inputs.get("issued_on") or batch.settings.today
    cases = _certificate_sources(batch.session, list(batch.steps))
    numbered = _number(batch, cases, issued_on)
    rows = [_certificate_row(batch, case, issued_on, *numbered[case.id]) for case in cases]
    inserted = batch.session.execute(insert(CERT).returning(CERT.c.id, CERT.c.case_id), rows)
    new_ids = {case_id: cert_id for cert_id, case_id in inserted}
    for row in rows:
        audit = batch.audit[row["case_id"]]
        audit["certificate_id"] = new_ids[row["case_id"]]
        audit["data"] = {"number": row["number"], "expires_on": row["expires_on"].isoformat()}
    _supersede(batch, cases, new_ids)
    _sign_when_committed(batch.session, sorted(new_ids.values()))


def _sign_when_committed(session: Session, certificate_ids: list[int]) -> None:
    """Once the issue is committed, the worker signs the new certificates (when the LSP has a
    signing key), so a download serves the stored signed file."""
    if certificate_ids:
        on_commit(
            session, f"sign:{certificate_ids[0]}", partial(sign_certificates, certificate_ids)
        )


def _certificate_sources(session: Session, case_ids: list[int]) -> list[Row]:
    """What a certificate copies from its case: holder, scheme, validity, the one it replaces."""
    old = Certificate.__table__.alias("old")
    return list(
        session.execute(
            select(
                CASE.c.id,
                CASE.c.applicant_id,
                CASE.c.scheme_id,
                APPLICANT.c.full_name,
                SCHEME.c.code.label("scheme_code"),
                SCHEME.c.validity_months,
                SCHEME.c.surveillance_months,
                old.c.id.label("previous_id"),
                old.c.status.label("previous_status"),
            )
            .join(APPLICANT, APPLICANT.c.id == CASE.c.applicant_id)
            .join(SCHEME, SCHEME.c.id == CASE.c.scheme_id)
            .outerjoin(old, old.c.id == CASE.c.previous_certificate_id)
            .where(CASE.c.id.in_(case_ids))
            .order_by(CASE.c.id)
        )
    )


def _number(batch: Batch, cases: list[Row], issued_on: date) -> dict[int, tuple[str, str, int]]:
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
    batch: Batch, case: Row, issued_on: date, number: str, series: str, seq: int
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


def _supersede(batch: Batch, cases: list[Row], new_ids: dict[int, int]) -> None:
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
        update(CERT)
        .where(CERT.c.id == bindparam("b_id"))
        .values(
            status=CertificateStatus.SUPERSEDED.value,
            superseded_by_id=bindparam("b_new"),
            status_reason=reason,
        ),
        [{"b_id": old, "b_new": new} for old, _status, new, _case in replaced],
    )
    batch.more_audit.extend(
        certificate_audit(batch.at, batch.actor.user_id, certs.CertificateAction.SUPERSEDE)
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


def _record_kuk_answers(batch: Batch) -> None:
    """FR.APL.02 per KUK: the answers replace the earlier ones of the units they belong to."""
    kuks: dict[int, dict[str, Any]] = batch.inputs.get("kuks") or {}
    if not kuks:
        return
    unit_of = dict(
        batch.session.execute(
            select(KUK.c.id, ELEMENT.c.unit_id)
            .join(ELEMENT, KUK.c.element_id == ELEMENT.c.id)
            .where(KUK.c.id.in_(list(kuks)))
        ).all()
    )
    case_units = batch.session.execute(
        select(UNIT.c.id, UNIT.c.unit_id).where(
            UNIT.c.case_id.in_(list(batch.steps)), UNIT.c.unit_id.in_(set(unit_of.values()))
        )
    ).all()
    batch.session.execute(
        delete(KUK_ANSWER).where(KUK_ANSWER.c.case_unit_id.in_([cu for cu, _ in case_units]))
    )
    rows = [
        {
            "case_unit_id": case_unit_id,
            "kuk_id": kuk_id,
            "answer": answer["answer"],
            "evidence": (answer.get("evidence") or "").strip() or None,
        }
        for case_unit_id, unit_id in case_units
        for kuk_id, answer in kuks.items()
        if unit_of[kuk_id] == unit_id and answer.get("answer") in (Verdict.K, Verdict.BK)
    ]
    if rows:
        batch.session.execute(insert(KUK_ANSWER), rows)
    for row in batch.audit.values():
        row["data"] = {**(row["data"] or {}), "kuk_answers": len(kuks)}


SIDE_EFFECTS = {
    Action.APPEAL: _record_appeals,
    Action.DECIDE_APPEAL: _decide_appeals,
    Action.ISSUE: _issue_certificates,
    Action.WITHDRAW: _close_pending_appeals,
    Action.RECORD_SELF_ASSESSMENT: _record_kuk_answers,
    Action.SUBMIT: record_snapshot,
}
