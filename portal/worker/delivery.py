"""Delivering the outbox through SMTP: claim, hand over, mark sent; retry with back-off.

Each message goes through three commits. Claimed: the row is leased to this worker (a worker
killed now loses nothing: the lease runs out and the message is sent later). Handed over: set
just before the SMTP server receives the final "." of the message; a worker killed after this
may have delivered, so the message is never sent again by itself but marked failed for a person
to "send again". Sent: the server accepted it. The only window where a message can be lost is
between the handed-over commit and one socket write, microseconds; none where it is sent twice.
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..mail import build, render
from ..models import OutboxMessage
from ..transactions import writing

log = logging.getLogger(__name__)
M = OutboxMessage
CLAIM_BATCH = 20
UNCERTAIN = (
    "The worker stopped after handing the message to the SMTP server: it may have been "
    "delivered. Send it again if the recipient did not receive it."
)


class LostClaim(Exception):
    """Another worker took the message over (this one outlived its lease): leave it to them."""


class Permanent(Exception):
    """The server refused the message for good (5xx): retrying would not help."""


def deliver_due(session: Session, config: Mapping[str, Any]) -> int:
    """Send every message that is due; the number sent. Nothing when MAIL_SERVER is empty."""
    if not config["MAIL_SERVER"]:
        return 0
    lease = timedelta(seconds=config["WORKER_LEASE_SECONDS"])
    give_up_uncertain(session)
    sent = 0
    with Connection(config) as smtp:
        while claimed := claim(session, lease):
            token, ids = claimed
            for message_id in ids:
                sent += send_one(session, smtp, message_id, token, config)
    return sent


def next_due(session: Session) -> datetime | None:
    """When a message not yet sent next becomes claimable (its retry time, or its lease's end)."""
    waiting = session.scalar(
        select(func.min(func.coalesce(M.claimed_until, M.next_attempt_at))).where(
            M.status.in_(("queued", "sending")), M.handed_over_at.is_(None)
        )
    )
    session.rollback()
    if waiting is not None and waiting.tzinfo is None:  # SQLite hands back naive UTC
        waiting = waiting.replace(tzinfo=UTC)
    return waiting


def give_up_uncertain(session: Session) -> None:
    """Messages handed over by a worker that died since: failed, for a person to decide."""
    with writing(session):
        session.execute(
            update(M)
            .where(
                M.status == "sending", M.handed_over_at.is_not(None), M.claimed_until < clock.now()
            )
            .values(status="failed", last_error=UNCERTAIN, claimed_until=None)
        )


def claim(session: Session, lease: timedelta) -> tuple[str, list[int]] | None:
    """Lease a batch of due messages to this worker (also those whose lease ran out).

    The claim's token guards the hand-over: a worker that outlived its lease finds its token
    replaced and does not send.
    """
    now = clock.now()
    free = or_(M.claimed_until.is_(None), M.claimed_until < now)
    due = and_(
        M.status.in_(("queued", "sending")),
        M.handed_over_at.is_(None),
        M.next_attempt_at <= now,
        free,
    )
    with writing(session):
        ids = session.scalars(select(M.id).where(due).order_by(M.id).limit(CLAIM_BATCH)).all()
        if not ids:
            return None
        token = secrets.token_hex(16)
        won = session.scalars(
            update(M)
            .where(M.id.in_(ids), free)
            .values(
                status="sending",
                claimed_until=now + lease,
                claimed_by=token,
                attempts=M.attempts + 1,
            )
            .returning(M.id)
        ).all()
    return token, sorted(won)


def send_one(
    session: Session, smtp: Connection, message_id: int, token: str, config: Mapping[str, Any]
) -> int:
    """Render and send one claimed message; 1 when the server accepted it."""
    message = session.get(M, message_id)
    assert message is not None
    try:
        rendered = render(message)
        mail = build(message, rendered, config["MAIL_FROM"])
        smtp.send(
            mail,
            before_final_dot=lambda: _handed_over(session, message_id, token, rendered.subject),
        )
    except LostClaim:
        return 0
    except Exception as error:  # every failure is recorded on the row, never raised to Huey
        session.rollback()
        _failed(session, message_id, error, config)
        return 0
    with writing(session):
        session.execute(
            update(M)
            .where(M.id == message_id)
            .values(status="sent", sent_at=clock.now(), claimed_until=None, last_error=None)
        )
    return 1


def _handed_over(session: Session, message_id: int, token: str, subject: str) -> None:
    """The point of no return: committed before the server sees the end of the message.

    Only while the claim is still this worker's; otherwise LostClaim, and the connection is
    dropped before the final dot, so the server discards the message.
    """
    with writing(session):
        mine = session.execute(
            update(M)
            .where(M.id == message_id, M.claimed_by == token, M.handed_over_at.is_(None))
            .values(handed_over_at=clock.now(), subject=subject[:300])
        ).rowcount
    if not mine:
        raise LostClaim(message_id)


def _failed(session: Session, message_id: int, error: Exception, config: Mapping[str, Any]) -> None:
    """Queue again with back-off, or give up after MAIL_MAX_ATTEMPTS or a permanent refusal."""
    message = session.get(M, message_id)
    assert message is not None
    text = f"{type(error).__name__}: {error}"[:2000]
    log.warning("outbox message %s failed: %s", message_id, text)
    if message.handed_over_at is not None:
        values = {"status": "failed", "last_error": f"{UNCERTAIN} ({text})"}
    elif isinstance(error, Permanent) or message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        values = {"status": "failed", "last_error": text}
    else:
        delay = config["MAIL_RETRY_SECONDS"] * 2 ** (message.attempts - 1)
        values = {
            "status": "queued",
            "last_error": text,
            "next_attempt_at": clock.now() + timedelta(seconds=delay),
        }
    with writing(session):
        session.execute(update(M).where(M.id == message_id).values(claimed_until=None, **values))


def send_again(session: Session, message_ids: list[int]) -> int:
    """Queue failed or sent messages once more (the outbox screen's action); how many."""
    with writing(session):
        done = session.execute(
            update(M)
            .where(M.id.in_(message_ids), M.status.in_(("failed", "sent")))
            .values(
                status="queued",
                next_attempt_at=clock.now(),
                handed_over_at=None,
                claimed_until=None,
                attempts=0,
            )
        ).rowcount
    return done


class Connection:
    """One SMTP session reused for a batch, with the DATA phase split around the final dot."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass

    def _open(self) -> smtplib.SMTP:
        if self.smtp is None:
            c = self.config
            smtp = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"])
            smtp.ehlo()
            if c["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])
            self.smtp = smtp
        return self.smtp

    def send(self, mail: EmailMessage, before_final_dot: Any) -> None:
        """MAIL, RCPT, DATA and the body; `before_final_dot()` runs just before the end marker."""
        try:
            smtp = self._open()
            self._expect(smtp.mail(_address(mail["From"])), 250)
            self._expect(smtp.rcpt(mail["To"]), 250, 251)
            self._expect(smtp.docmd("DATA"), 354)
            smtp.send(_dot_stuffed(mail.as_bytes(policy=SMTP_POLICY)))
        except Exception:
            self._drop()
            raise
        try:
            before_final_dot()
        except Exception:
            self._drop()
            raise
        try:
            smtp.send(b".\r\n")
            self._expect(smtp.getreply(), 250)
        except Exception:
            self._drop()
            raise

    @staticmethod
    def _expect(reply: tuple[int, bytes], *codes: int) -> None:
        code, text = reply
        if code in codes:
            return
        detail = f"SMTP {code}: {text.decode(errors='replace')}"
        raise Permanent(detail) if 500 <= code < 600 else smtplib.SMTPResponseException(code, text)

    def _drop(self) -> None:
        """After any error the session's state is unknown: start a fresh one next time."""
        if self.smtp is not None:
            try:
                self.smtp.close()
            finally:
                self.smtp = None


def _address(header: str) -> str:
    """The bare address of a From header ("Name <a@b>" → "a@b")."""
    match = re.search(r"<([^>]+)>", header)
    return match.group(1) if match else header.strip()


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA carries it: lines starting with "." doubled, ending with CRLF."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"
