"""The daily reminders to certificate holders: surveillance due (30 days before) and overdue,
certificate expiring (6 and 3 months before). No Flask here: "today" is given.

Each reminder is a window, not a single day, keyed by the date it is about: a reminder missed on
its day (the worker was down) goes out the next day, and one already written is never written
again, however often the reminders run. Queued in the outbox in one transaction per run.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Applicant, Certificate, Scheme
from .outbox import queue_email
from .rules.certificates import DEFAULT_SURVEILLANCE_NOTICE_DAYS, add_months
from .rules.vocabulary import CertificateStatus
from .transactions import writing

EXPIRY_NOTICES_MONTHS = (6, 3)


def send_reminders(session: Session, today: date) -> None:
    """Queue every reminder due on `today` (the outbox ignores those already written)."""
    notice = today + timedelta(days=DEFAULT_SURVEILLANCE_NOTICE_DAYS)
    due, expires = Certificate.next_surveillance_due, Certificate.expires_on
    six, three = (add_months(today, m) for m in EXPIRY_NOTICES_MONTHS)
    batches = [
        ("surveillance_due", due.between(today, notice), "due_on", "due"),
        ("surveillance_overdue", due < today, "due_on", "overdue"),
        (
            "certificate_expiring",
            expires.between(three + timedelta(days=1), six),
            "expires_on",
            "6m",
        ),
        ("certificate_expiring", expires.between(today, three), "expires_on", "3m"),
    ]
    with writing(session):
        for template, condition, date_key, tag in batches:
            for row in _holders(session, condition):
                about: date = row.next_surveillance_due if date_key == "due_on" else row.expires_on
                queue_email(
                    session,
                    to=row.email,
                    template=template,
                    context=_context(row, date_key, about),
                    key=f"{template}:{tag}:{row.id}:{about.isoformat()}",
                )


def _holders(session: Session, condition: Any) -> list[Any]:
    """Active certificates matching the condition whose holder has an e-mail address."""
    return list(
        session.execute(
            select(
                Certificate.id,
                Certificate.number,
                Certificate.expires_on,
                Certificate.next_surveillance_due,
                Applicant.full_name,
                Applicant.email,
                Scheme.title,
            )
            .join(Applicant, Applicant.id == Certificate.applicant_id)
            .join(Scheme, Scheme.id == Certificate.scheme_id)
            .where(
                condition,
                Certificate.status == CertificateStatus.ACTIVE.value,
                Applicant.email.is_not(None),
            )
            .order_by(Certificate.id)
        ).all()
    )


def _context(row: Any, date_key: str, about: date) -> dict[str, Any]:
    return {
        "name": row.full_name,
        "number": row.number,
        "scheme": row.title,
        date_key: about.isoformat(),
        "path": f"/verifikasi?nomor={row.number}",
    }
