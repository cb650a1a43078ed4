"""Who is told what when a workflow action is applied: one message kind per action.

Called by `transitions` after the audit rows are written, in the same transaction: a refused or
rolled-back action sends nothing. Each message's key is (kind, case, moment of the action), so a
message is written once per applied step. The context holds plain JSON (dates as ISO text, which
the mail renderer turns back into dates to print them in the reader's language) and a `path`
on the portal where the reader acts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import (
    Appeal,
    Applicant,
    Assessor,
    Case,
    CaseUnit,
    Certificate,
    Scheme,
    Tuk,
    Unit,
    User,
)
from ..outbox import queue_emails
from ..rules.workflow import Action
from .tables import among

if TYPE_CHECKING:
    from .transitions import Batch

TO_APPLICANT = {
    Action.SUBMIT: "application_received",
    Action.RETURN: "application_returned",
    Action.VERIFY: "application_verified",
    Action.PRE_ASSESS: "assessment_planned",
    Action.DECIDE: "decision",
    Action.ISSUE: "certificate_issued",
    Action.APPEAL: "appeal_received",
    Action.DECIDE_APPEAL: "appeal_decided",
}
TO_ASSESSOR = {Action.ASSIGN_ASSESSOR: "case_assigned"}


def after_transition(batch: Batch) -> None:
    """Queue the messages of the applied steps of one batch (set-based: a few queries)."""
    to_applicant, to_assessor = TO_APPLICANT.get(batch.action), TO_ASSESSOR.get(batch.action)
    if not (to_applicant or to_assessor):
        return
    ids = list(batch.steps)
    extra = _EXTRAS.get(batch.action, _nothing)(batch.session, ids, batch)
    moment = batch.at.isoformat()
    messages = []
    for row in _cases(batch.session, ids):
        context = {
            "name": row.applicant_name,
            "reg_number": row.reg_number,
            "scheme": row.scheme_title,
            "assessor": row.assessor_name,
            "path": "/asesi/",  # "See your application": the applicant portal (sign in, or link)
            **extra.get(row.id, {}),
        }
        if to_applicant and row.applicant_email:
            messages.append(
                {
                    "to": row.applicant_email,
                    "template": to_applicant,
                    "context": context,
                    "key": f"{to_applicant}:{row.id}:{moment}",
                }
            )
        if to_assessor and row.assessor_email:
            messages.append(
                {
                    "to": row.assessor_email,
                    "template": to_assessor,
                    "context": {
                        **context,
                        "name": row.assessor_name,
                        "applicant": row.applicant_name,
                        "path": f"/admin/case/details/?id={row.id}",
                    },
                    "language": row.assessor_locale or "id",
                    "key": f"{to_assessor}:{row.id}:{moment}",
                }
            )
    queue_emails(batch.session, messages)  # one executemany for the batch


def _cases(session: Session, ids: list[int]) -> list[Any]:
    """The applicant, scheme and assessor of each case (one query)."""
    assessor_user = select(User.email, User.locale, User.assessor_id).subquery()
    return list(
        session.execute(
            select(
                Case.id,
                Case.reg_number,
                Applicant.full_name.label("applicant_name"),
                Applicant.email.label("applicant_email"),
                Scheme.title.label("scheme_title"),
                Assessor.full_name.label("assessor_name"),
                func.coalesce(Assessor.email, assessor_user.c.email).label("assessor_email"),
                assessor_user.c.locale.label("assessor_locale"),
            )
            .join(Applicant, Applicant.id == Case.applicant_id)
            .join(Scheme, Scheme.id == Case.scheme_id)
            .outerjoin(Assessor, Assessor.id == Case.assessor_id)
            .outerjoin(assessor_user, assessor_user.c.assessor_id == Case.assessor_id)
            .where(among(session, Case.id, ids))
            .order_by(Case.id)
        ).all()
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _nothing(_session: Session, _ids: list[int], _batch: Batch) -> dict[int, dict[str, Any]]:
    return {}


def _returned(_session: Session, ids: list[int], batch: Batch) -> dict[int, dict[str, Any]]:
    return {cid: {"reason": batch.inputs.get("reason")} for cid in ids}


def _planned(session: Session, ids: list[int], _batch: Batch) -> dict[int, dict[str, Any]]:
    """Date, time and place of the assessment, and the badge when the case is on a schedule
    (printed by the worker when it sends the message)."""
    rows = session.execute(
        select(
            Case.id,
            Case.assessment_date,
            Case.assessment_time,
            Case.schedule_id,
            Tuk.name,
            Tuk.address,
        )
        .outerjoin(Tuk, Tuk.id == Case.tuk_id)
        .where(among(session, Case.id, ids))
    )
    return {
        r.id: {
            "assessment_date": _iso(r.assessment_date),
            "assessment_time": r.assessment_time.strftime("%H:%M") if r.assessment_time else None,
            "tuk": r.name,
            "tuk_address": r.address,
            "attachments": [{"document": "badge", "case_id": r.id}] if r.schedule_id else [],
        }
        for r in rows
    }


def _decided(session: Session, ids: list[int], batch: Batch) -> dict[int, dict[str, Any]]:
    """The result per unit, and for BK the last day to appeal."""
    units: dict[int, list[dict[str, str]]] = {cid: [] for cid in ids}
    rows = session.execute(
        select(CaseUnit.case_id, Unit.code, Unit.title, CaseUnit.result)
        .join(Unit, Unit.id == CaseUnit.unit_id)
        .where(among(session, CaseUnit.case_id, ids))
        .order_by(CaseUnit.case_id, Unit.code)
    )
    for r in rows:
        units[r.case_id].append({"code": r.code, "title": r.title, "result": r.result or ""})
    window = batch.settings.appeal_window_days
    appeal_until = (batch.settings.today + timedelta(days=window)).isoformat()
    return {
        cid: {
            "units": found,
            "competent": all(u["result"] == "K" for u in found),
            "appeal_until": appeal_until,
            "appeal_window_days": window,
        }
        for cid, found in units.items()
    }


def _issued(session: Session, ids: list[int], _batch: Batch) -> dict[int, dict[str, Any]]:
    """The certificate's number, validity and where anyone can verify it."""
    rows = session.execute(
        select(
            Certificate.case_id, Certificate.number, Certificate.issued_on, Certificate.expires_on
        ).where(among(session, Certificate.case_id, ids))
    )
    return {
        r.case_id: {
            "number": r.number,
            "issued_on": _iso(r.issued_on),
            "expires_on": _iso(r.expires_on),
            "path": f"/verifikasi?nomor={r.number}",
        }
        for r in rows
    }


def _appeals(session: Session, ids: list[int], _batch: Batch) -> dict[int, dict[str, Any]]:
    """The case's latest appeal: when it was filed, and its outcome once decided."""
    rows = session.execute(
        select(Appeal.case_id, Appeal.filed_on, Appeal.status, Appeal.decision_reason)
        .where(among(session, Appeal.case_id, ids))
        .order_by(Appeal.case_id, Appeal.id)
    )
    return {
        r.case_id: {
            "filed_on": _iso(r.filed_on),
            "outcome": r.status,
            "decision_reason": r.decision_reason,
        }
        for r in rows  # ordered by id: the latest appeal of a case wins
    }


_EXTRAS: dict[Action, Callable[[Session, list[int], Batch], dict[int, dict[str, Any]]]] = {
    Action.RETURN: _returned,
    Action.PRE_ASSESS: _planned,
    Action.DECIDE: _decided,
    Action.ISSUE: _issued,
    Action.APPEAL: _appeals,
    Action.DECIDE_APPEAL: _appeals,
}
