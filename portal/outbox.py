"""The transactional outbox: a message is a row written in the transaction of its cause.

`queue_email` only inserts; nothing leaves the machine until the caller commits. After the commit
the worker is nudged (`worker.engine.kick`); if the nudge is lost, the worker's sweep every
minute finds the row anyway. A second message with the same key is ignored, so a retried action
or a reminder run twice on one day writes one message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from . import clock
from .models import OutboxMessage
from .worker.engine import kick, on_commit

TABLE = OutboxMessage.__table__
LANGUAGES = ("id", "en")


def queue_email(
    session: Session,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str = "id",
    key: str,
) -> None:
    """Write one message in the caller's transaction; at most one row per `key`.

    The worker renders templates/email/<template>.subject.txt, .txt and .html in `language`
    (Indonesian when the language is not one the portal speaks) with `context`, which must be
    plain JSON (text, numbers, lists, dicts: format dates before passing them).
    """
    queue_emails(
        session,
        [{"to": to, "template": template, "context": context, "language": language, "key": key}],
    )


def queue_emails(session: Session, messages: Sequence[Mapping[str, Any]]) -> None:
    """Write many messages (each with `queue_email`'s arguments) in one executemany: a bulk
    action's messages cost one statement, not one per case."""
    if not messages:
        return
    now = clock.now()
    rows = [
        {
            "key": message["key"],
            "recipient": message["to"].strip(),
            "template": message["template"],
            "language": message["language"] if message.get("language") in LANGUAGES else "id",
            "context": message["context"],
            "status": "queued",
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for message in messages
    ]
    session.execute(_insert_ignoring_duplicates(session), rows)
    on_commit(session, "deliver", kick)  # deliver now rather than at the sweep


def _insert_ignoring_duplicates(session: Session) -> Any:
    """INSERT ... ON CONFLICT (key) DO NOTHING, in the dialect of the session's database."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(TABLE).on_conflict_do_nothing(index_elements=["key"])


__all__ = ["LANGUAGES", "queue_email", "queue_emails"]
