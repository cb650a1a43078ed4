"""Linking an applicant account to the record staff made earlier for its NIK (issue 14).

Never by the NIK alone: the person proves control of the e-mail on that record by typing the
code sent there, or, when the record has none, the secretariat confirms after checking who they
are. Each step is one write transaction with its audit event; the code's e-mail goes through the
outbox in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from .. import clock
from ..models import Applicant, ApplicantAccount, ApplicantLink, User
from ..outbox import queue_email
from ..rules.account_link import (
    CODE_MINUTES,
    LINK_CONFIRMERS,
    WRONG_CODE,
    code_expiry,
    code_refusal,
)
from ..rules.vocabulary import N_
from ..rules.workflow import Refusal
from ..transactions import writing
from .audit import write_event

NOTHING_TO_LINK = N_("There is no earlier record to link to your account.")
REQUESTED, LINKED = "applicant_link_requested", "applicant_linked"


def record_to_link(session: Session, account: ApplicantAccount) -> Applicant | None:
    """The record with the account's NIK that no account holds, while the account has none."""
    if account.applicant_id is not None:
        return None
    held = exists().where(ApplicantAccount.applicant_id == Applicant.id)
    return session.scalar(select(Applicant).where(Applicant.nik == account.nik, ~held))


def pending(session: Session, account: ApplicantAccount) -> ApplicantLink | None:
    """The account's latest request not linked yet, if any."""
    return session.scalar(
        select(ApplicantLink)
        .where(ApplicantLink.account_id == account.id, ApplicantLink.linked_at.is_(None))
        .order_by(ApplicantLink.id.desc())
        .limit(1)
    )


def _digest(account_id: int, code: str) -> str:
    return hashlib.sha256(f"{account_id}:{code}".encode()).hexdigest()


def request_link(session: Session, account: ApplicantAccount, language: str) -> ApplicantLink:
    """Start linking: a new code to the record's e-mail (an earlier code stops counting), or,
    for a record without e-mail, one request for the secretariat to confirm."""
    with writing(session):
        acc = session.get(ApplicantAccount, account.id)
        record = record_to_link(session, acc)
        if record is None:
            raise Refusal(NOTHING_TO_LINK)
        waiting = pending(session, acc)
        if not record.email and waiting is not None and waiting.code_hash is None:
            return waiting
        link = ApplicantLink(account_id=acc.id, applicant_id=record.id)
        code = None
        if record.email:
            code = f"{secrets.randbelow(10**6):06d}"
            link.code_hash, link.sent_to = _digest(acc.id, code), record.email
            link.expires_at = code_expiry(clock.now())
        session.add(link)
        session.flush()
        if code:
            queue_email(
                session,
                to=record.email,
                template="applicant_link_code",
                context={"name": record.full_name, "code": code, "minutes": CODE_MINUTES},
                language=language,
                key=f"applicant_link_code:{link.id}",
            )
        way = "code" if code else "secretariat"
        write_event(session, account_id=acc.id, action=REQUESTED, data={"link": link.id, "by": way})
    return link


def confirm_code(session: Session, account: ApplicantAccount, code: str) -> None:
    """Link the record when the code sent to its e-mail is typed in time; a wrong code counts
    as an attempt (kept even though the answer is a refusal)."""
    refusal = None
    with writing(session):
        link = session.scalar(
            select(ApplicantLink)
            .where(
                ApplicantLink.account_id == account.id,
                ApplicantLink.linked_at.is_(None),
                ApplicantLink.code_hash.is_not(None),
            )
            .order_by(ApplicantLink.id.desc())
            .limit(1)
            .with_for_update()
        )
        if link is None:
            raise Refusal(N_("Ask for a code first."))
        expires = link.expires_at
        if expires is not None and expires.tzinfo is None:  # SQLite hands back naive UTC
            expires = expires.replace(tzinfo=UTC)
        refused = code_refusal(expires_at=expires, attempts=link.attempts, now=clock.now())
        if refused is not None:
            raise refused
        if hmac.compare_digest(link.code_hash, _digest(account.id, (code or "").strip())):
            _link(session, link, account_id=account.id)
        else:
            link.attempts += 1
            refusal = Refusal(WRONG_CODE)
    if refusal is not None:
        raise refusal
    session.refresh(account)


def confirm_by_staff(session: Session, link_ids: Sequence[int], user: User) -> int:
    """The secretariat confirms requests for records without e-mail; how many were linked."""
    if not LINK_CONFIRMERS & set(user.roles):
        raise Refusal(N_("Only the secretariat confirms who an applicant is."))
    done = 0
    with writing(session):
        for link in session.scalars(
            select(ApplicantLink)
            .where(
                ApplicantLink.id.in_(list(link_ids)),
                ApplicantLink.linked_at.is_(None),
                ApplicantLink.code_hash.is_(None),
            )
            .order_by(ApplicantLink.id)
            .with_for_update()
        ):
            done += _link(session, link, user_id=user.id, confirmed_by_id=user.id)
    return done


def _link(session: Session, link: ApplicantLink, **who: int) -> int:
    """Give the account its record, if both are still free; 1 when linked, else 0."""
    account = session.get(ApplicantAccount, link.account_id)
    taken = session.scalar(
        select(ApplicantAccount.id).where(ApplicantAccount.applicant_id == link.applicant_id)
    )
    if account.applicant_id is not None or taken is not None:
        return 0
    account.applicant_id = link.applicant_id
    link.linked_at = clock.now()
    link.confirmed_by_id = who.pop("confirmed_by_id", None)
    write_event(
        session,
        action=LINKED,
        data={"link": link.id, "account": account.id, "applicant": link.applicant_id},
        **who,
    )
    session.flush()
    return 1
