"""Rendering an outbox message into an e-mail: subject, plain text and HTML, in its language.

Templates live in templates/email/<template>.subject.txt, .txt and .html; every template sees
the message's context plus the LSP's name and address, so each mail says who writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale

from .models import OutboxMessage


@dataclass(frozen=True)
class Rendered:
    """One message as the recipient will read it."""

    subject: str
    text: str
    html: str


def render(message: OutboxMessage) -> Rendered:
    """The message's subject and bodies in its language."""
    config = current_app.config
    context = {
        **message.context,
        "lsp_name": config["LSP_NAME"],
        "lsp_address": config["LSP_ADDRESS"],
        "base_url": config["PUBLIC_BASE_URL"].rstrip("/"),
        "language": message.language,
    }
    with force_locale(message.language):
        subject = render_template(f"email/{message.template}.subject.txt", **context)
        text = render_template(f"email/{message.template}.txt", **context)
        html = render_template(f"email/{message.template}.html", **context)
    return Rendered(" ".join(subject.split()), text, html)


def build(message: OutboxMessage, rendered: Rendered, sender: str) -> EmailMessage:
    """A multipart/alternative e-mail; its Message-ID and X-Outbox-Key name the outbox row."""
    mail = EmailMessage()
    mail["Subject"] = rendered.subject
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    mail["X-Outbox-Key"] = message.key
    mail["Content-Language"] = message.language
    mail.set_content(rendered.text)
    mail.add_alternative(rendered.html, subtype="html")
    return mail
