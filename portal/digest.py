"""The staff daily digest: one e-mail a day listing the work waiting for a member of staff, as
their home page ("Menunggu Anda") counts it, with a link to each list.

The worker runs `send_digests` every hour. From DIGEST_HOUR in the LSP's time zone to the end of
the day, each person who wants the digest (their own setting) gets the day's one: its outbox key
names the person and the day, so a later run, or a second worker, writes nothing more. Nobody
is sent an empty digest: a person with nothing waiting is looked at again at the next run.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import clock
from .models import OutboxMessage, User
from .outbox import queue_email
from .rules.waiting import steps_for
from .transactions import writing

TEMPLATE = "staff_digest"


def send_digests(session: Session) -> int:
    """Queue today's digest for everyone due one now; how many were written."""
    from .admin_views.dashboard import home_work

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    local = clock.now().astimezone(ZoneInfo(config["LSP_TIMEZONE"]))
    if local.hour < config["DIGEST_HOUR"]:
        return 0
    day = local.date()
    admin = app.extensions["portal_admin"]
    digests = []
    # The lists' links are built by `url_for`, as on the home page: in a request of our own.
    with app.test_request_context("/"):
        home = url_for("admin.index")
        for user in _due(session, day):
            work = [(w, url) for w, url in home_work(admin, session, user, config) if w.count]
            if work:
                with force_locale(_language(user)):
                    digests.append((user, _context(user, day, work, home)))
    with writing(session):
        for user, context in digests:
            queue_email(
                session,
                to=user.email or "",
                template=TEMPLATE,
                context=context,
                language=_language(user),
                key=_key(user.id, day),
            )
    return len(digests)


def _due(session: Session, day: date) -> list[User]:
    """Active staff with an e-mail address, the digest on, work to wait for, none sent today."""
    users = [
        user
        for user in session.scalars(
            select(User)
            .where(User.active, User.daily_digest, User.email.is_not(None), User.email != "")
            .order_by(User.id)
        )
        if steps_for(user.roles)
    ]
    keys = [_key(user.id, day) for user in users]
    sent = set(session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys))))
    return [user for user in users if _key(user.id, day) not in sent]


def _language(user: User) -> str:
    return user.locale or "id"


def _key(user_id: int, day: date) -> str:
    return f"{TEMPLATE}:{user_id}:{day.isoformat()}"


def _context(user: User, day: date, work: list[tuple[Any, str]], home: str) -> dict[str, Any]:
    """Plain JSON for the outbox: per list its label (translated here, so the template prints
    it as text), its counts and its path."""
    return {
        "name": user.full_name,
        "digest_on": day.isoformat(),
        "total": sum(w.count for w, _url in work),
        "lists": [
            {"label": gettext(w.step.label), "count": w.count, "overdue": w.overdue, "path": url}
            for w, url in work
        ],
        "path": home,
    }
