"""Small helpers shared by the screens: translated choices and status badges."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext
from markupsafe import Markup


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
    """A list-column formatter that shows a status as a coloured badge."""

    def format_value(view, context, model, name):  # noqa: ANN001
        value = getattr(model, name)
        return Markup('<span class="badge badge-{} status-badge">{}</span>').format(
            css.get(value, "secondary"), lazy_gettext(labels.get(value, value))
        )

    return format_value
