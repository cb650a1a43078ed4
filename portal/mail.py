"""Rendering an outbox message into an e-mail: subject, plain text and HTML, in its language.

Templates live in templates/email/<template>.subject.txt, .txt and .html; every template sees
the message's context plus the LSP's name and address, so each mail says who writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from .models import OutboxMessage


@dataclass(frozen=True)
class Attachment:
    """A document a message carries."""

    filename: str
    pdf: bytes


@dataclass(frozen=True)
class Rendered:
    """One message as the recipient will read it."""

    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


def render(message: OutboxMessage, print_attachments: bool = True) -> Rendered:
    """The message's subject and bodies in its language, and the documents it carries.

    The outbox screen's preview passes `print_attachments=False`: the text then says what the
    message names, without printing a PDF per row shown.
    """
    config = current_app.config
    base_url = config["PUBLIC_BASE_URL"].rstrip("/")
    facts = {key: _as_date(key, value) for key, value in message.context.items()}
    path = facts.get("path")
    context = {
        "action_url": f"{base_url}{path}" if path else None,
        **facts,
        "lsp_name": config["LSP_NAME"],
        "lsp_address": config["LSP_ADDRESS"],
        "base_url": base_url,
        "language": message.language,
    }
    with force_locale(message.language):
        wanted = facts.get("attachments") or []
        attachments = _attachments(wanted) if print_attachments else ()
        # the text says a document is attached only when it is
        context["attached"] = bool(attachments) if print_attachments else bool(wanted)
        subject = render_template(f"email/{message.template}.subject.txt", **context)
        text = render_template(f"email/{message.template}.txt", **context)
        html = render_template(f"email/{message.template}.html", **context)
    return Rendered(" ".join(subject.split()), text, html, attachments)


def _attachments(wanted: list[dict[str, Any]]) -> tuple[Attachment, ...]:
    """The documents the message names (`{"document": "badge", "case_id": 1}`), printed now in
    its language; one that can no longer be printed (the case moved on) is left out."""
    from .documents.paperwork import mailed_badge
    from .documents.pdf import safe_filename

    printers = {"badge": mailed_badge}
    found = []
    for item in wanted:
        document = printers[item["document"]](item["case_id"])
        if document is not None:
            found.append(Attachment(safe_filename(document.filename, ".pdf"), document.pdf))
    return tuple(found)


_DATE_KEYS = ("_date", "_on", "_until")


def _as_date(key: str, value: Any) -> Any:
    """Dates travel as ISO text in the JSON context; templates get dates to format them."""
    if isinstance(value, str) and key.endswith(_DATE_KEYS):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def build(message: OutboxMessage, rendered: Rendered, sender: str) -> EmailMessage:
    """A multipart/alternative e-mail (in a multipart/mixed one with its attachments); its
    Message-ID and X-Outbox-Key name the outbox row."""
    mail = EmailMessage()
    mail["Subject"] = rendered.subject
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    mail["X-Outbox-Key"] = message.key
    mail["Content-Language"] = message.language
    mail.set_content(rendered.text)
    mail.add_alternative(rendered.html, subtype="html")
    for attachment in rendered.attachments:
        mail.add_attachment(
            attachment.pdf, maintype="application", subtype="pdf", filename=attachment.filename
        )
    return mail
