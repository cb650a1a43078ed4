"""Language and formatting: Indonesian first, English available (Flask-Babel)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, redirect, request, session
from flask_babel import get_locale, gettext
from flask_login import current_user

from .extensions import babel, db
from .rules.vocabulary import (
    ATTACHMENT_KIND_LABELS,
    CASE_STATUS_LABELS,
    CERTIFICATE_STATUS_LABELS,
    PURPOSE_LABELS,
    ROLE_LABELS,
    TUK_TYPE_LABELS,
)

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The user's chosen language, else the session's, else the browser's with `id` first."""
    languages = babel_languages()
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages, default=languages[0])


def babel_languages() -> list[str]:
    """The configured languages, the default first."""
    from flask import current_app

    return list(current_app.config["LANGUAGES"])


@bp.route("/lang/<code>", methods=["POST"])
def switch_language(code: str) -> Any:
    """Remember the chosen language (per user when logged in) and go back."""
    if code not in babel_languages():
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    from .auth import safe_next

    return redirect(safe_next(request.form.get("next")))


LABELS = {
    "case": CASE_STATUS_LABELS,
    "certificate": CERTIFICATE_STATUS_LABELS,
    "purpose": PURPOSE_LABELS,
    "role": ROLE_LABELS,
    "tuk": TUK_TYPE_LABELS,
    "attachment": ATTACHMENT_KIND_LABELS,
}


def label(value: str | None, vocabulary: str) -> str:
    """The translated label of a coded value (a status, a purpose, a role …)."""
    if value is None:
        return ""
    text = LABELS[vocabulary].get(value)
    return gettext(text) if text else value


def init_app(app: Flask) -> None:
    """Bind Flask-Babel (Flask-Admin fails without it) and the language switch."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/../translations"),
    )
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["label"] = label
    app.register_blueprint(bp)
