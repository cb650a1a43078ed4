"""The outbox screen: every message with its recipient, subject, status, attempts and error,
its text as the recipient reads it, "send again", and the health of the worker's queue."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from ..extensions import db
from ..mail import render
from ..models import OutboxMessage
from ..rules.access import can_write
from ..worker.delivery import send_again
from ..worker.engine import kick, queue_size, scheduled_size
from .base import SecureModelView
from .fields import badge_formatter

STATUS_LABELS = {
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}
STATUS_CSS = {"queued": "info", "sending": "primary", "sent": "success", "failed": "danger"}


def _subject(view: Any, context: Any, message: OutboxMessage, name: str) -> str:
    """The subject as sent, or as it will be sent (rendered now) for a message still waiting."""
    return message.subject or render(message, print_attachments=False).subject


def _text(view: Any, context: Any, message: OutboxMessage, name: str) -> Markup:
    """The plain-text body as the recipient reads it."""
    return Markup('<pre class="outbox-text">{}</pre>').format(
        render(message, print_attachments=False).text
    )


class OutboxView(SecureModelView):
    """Messages written by the portal and delivered by the worker (read-only but for resending)."""

    screen = "outbox"
    STATUS_LABELS = STATUS_LABELS
    list_template = "admin/outbox_list.html"
    allow_create = False
    allow_edit = False
    column_list = ("created_at", "recipient", "subject", "status", "attempts", "last_error")
    column_details_list = (
        "created_at",
        "recipient",
        "language",
        "subject",
        "status",
        "attempts",
        "last_error",
        "sent_at",
        "key",
        "text",
    )
    column_sortable_list = ("created_at", "status")
    column_default_sort = ("id", True)
    column_searchable_list = ("recipient",)
    search_prefix_columns = ()
    column_filters = (
        FilterEqual(OutboxMessage.status, _l("Status"), options=list(STATUS_LABELS.items())),
        "template",
    )
    column_formatters = {
        "status": badge_formatter(STATUS_LABELS, STATUS_CSS),
        "subject": _subject,
    }
    column_formatters_detail = {
        "status": badge_formatter(STATUS_LABELS, STATUS_CSS),
        "subject": _subject,
        "text": _text,
    }
    column_labels = {
        "created_at": _l("Written"),
        "recipient": _l("Recipient"),
        "subject": _l("Subject"),
        "status": _l("Status"),
        "attempts": _l("Attempts"),
        "last_error": _l("Error"),
        "sent_at": _l("Sent"),
        "language": _l("Language"),
        "key": _l("Key"),
        "template": _l("Kind"),
        "text": _l("Text"),
    }

    def is_action_allowed(self, name: str) -> bool:
        return name == "send_again" and can_write(self.screen, current_user.roles)

    @action("send_again", _l("Send again"), _l("Send the selected messages again?"))
    def action_send_again(self, ids: list[str]) -> None:
        """Queue failed (or sent) messages once more and nudge the worker."""
        count = send_again(db.session, [int(i) for i in ids])
        if count:
            kick()
        flash(ngettext("%(num)s message queued again.", "%(num)s messages queued again.", count))

    def health(self) -> dict[str, Any]:
        """Counts by status, and the broker's waiting and scheduled tasks (for the admin)."""
        counts = dict(
            db.session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        )
        try:
            broker: dict[str, Any] = {"waiting": queue_size(), "scheduled": scheduled_size()}
        except Exception as error:  # the broker does not answer: say so on the screen
            broker = {"error": gettext("The job queue does not answer: %(error)s", error=error)}
        return {"counts": counts, "broker": broker}
