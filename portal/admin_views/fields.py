"""Small helpers shared by the screens: translated choices, status badges, lookup filters."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask import has_request_context, url_for
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import get_locale, gettext, lazy_gettext
from markupsafe import Markup, escape
from sqlalchemy import select

from ..extensions import db
from . import kept
from .base import MAX_ID


def choices(values: type[StrEnum], labels: dict) -> list[tuple[str, object]]:
    """Form choices for a coded column, labelled in the user's language."""
    return [(v.value, lazy_gettext(labels[v])) for v in values]


def enum_formatter(labels: dict):
    """A list-column formatter that shows a coded value's translated label."""

    def format_value(view, context, model, name):  # noqa: ANN001
        value = getattr(model, name)
        text = labels.get(value)
        return lazy_gettext(text) if text else (value or "")

    return format_value


def badge_formatter(labels: dict, css: dict[str, str]):
    """A list-column formatter that shows a status as a coloured badge.

    Each badge is made once per status and language and kept: through `Markup.format` over a
    lazy label, the badges cost a third of a list page's cells (50 rows).
    """
    made: dict[tuple[str, Any], Markup] = {}

    def format_value(view, context, model, name):  # noqa: ANN001
        value = getattr(model, name)
        key = (str(get_locale()), value)
        badge = made.get(key)
        if badge is None:
            label = gettext(labels[value]) if value in labels else value
            badge = made[key] = Markup(
                f'<span class="badge badge-{css.get(value, "secondary")} status-badge">'
                f"{escape(label)}</span>"
            )
        return badge

    return format_value


class LookupFilter(FilterEqual):
    """An equal-filter whose dropdown lists rows of a small table, read when a list is shown.

    Flask-Admin reads filter options once, when the view is built (no database then). Here they
    are read at list time and kept for a minute, so a new scheme or TUK appears soon and a list
    page does not pay a query per dropdown.
    """

    ttl_seconds = 60.0

    def __init__(self, column: Any, name: Any, model: type, label_column: Any) -> None:
        super().__init__(column, name)
        self.model, self.label_column = model, label_column

    def validate(self, value: str) -> bool:
        """An id a row can have: a huge number is refused here, not by the database (a 500)."""
        return value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID

    def clean(self, value: str) -> int:
        """The chosen row's id as a number: PostgreSQL refuses `integer = varchar`."""
        return int(value)

    def get_options(self, view: Any) -> list[tuple[str, str]] | None:
        """The rows' ids and labels, read at most once a minute, kept by the view: the filter
        belongs to the view's class, which every application in the process (the tests) shares."""
        if not has_request_context():
            return None

        def read() -> list[tuple[str, str]]:
            rows = db.session.execute(
                select(self.model.id, self.label_column).order_by(self.label_column)
            )
            return [(str(i), label) for i, label in rows]

        return kept.kept(view._kept, ("lookup", id(self)), read, self.ttl_seconds)


def links_formatter(arg: str, *links: tuple[str, Any]):
    """A list-column formatter with several downloads for the row: (endpoint, text) pairs."""

    def format_value(view, context, model, name):  # noqa: ANN001
        anchors = [
            Markup('<a href="{}">{}</a>').format(url_for(endpoint, **{arg: model.id}), text)
            for endpoint, text in links
        ]
        return Markup(" &middot; ").join(anchors)

    return format_value


def link_formatter(endpoint: str, text: Any, arg: str):
    """A list-column formatter that links to a download for the row (e.g. a PDF)."""

    def format_value(view, context, model, name):  # noqa: ANN001
        url = url_for(endpoint, **{arg: model.id})
        return Markup('<a href="{}">{}</a>').format(url, text)

    return format_value
