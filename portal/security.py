"""CSRF on every POST, the app's one rate limiter, security headers with a per-request CSP
nonce, refusal of control characters, spreadsheet-safe cells, and friendly error pages."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, flash, g, redirect, render_template, request
from flask_babel import gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import csrf, db
from .i18n import translate
from .rules.workflow import Refusal

# One limiter for the app (login throttling, certificate verification), keyed by the remote
# address: behind a reverse proxy, trust its X-Forwarded-For with werkzeug's ProxyFix, or every
# client shares the proxy's address. Counters live in memory unless RATELIMIT_STORAGE_URI names
# a shared store (needed with several workers). Flask-Limiter reads RATELIMIT_ENABLED itself.
limiter = Limiter(get_remote_address)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=31536000; includeSubDomains"

# C0 control characters other than tab, LF and CR: never typed in a form, refused by PostgreSQL
# (NUL) and by spreadsheet exports (openpyxl raises on them).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# What makes a spreadsheet read a text cell as a formula (OWASP "CSV injection"): these signs,
# their full-width forms, after any leading whitespace; and a spreadsheet that splits on `;`
# starts a new cell after each one.
FORMULA_SIGNS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
CELL_SEPARATORS = re.compile(r"(;)")


def csp_nonce() -> str:
    """This response's script nonce, made on first use (Flask-Admin prints it on its tags)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy() -> str:
    """Same-origin everything, scripts also by nonce; no inline script, style or framing."""
    scripts = "'self'" + (f" 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else "")
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def has_control_characters(pairs: Iterable[tuple[str, str]]) -> bool:
    """True when a field name or value holds a control character (see CONTROL_CHARACTERS)."""
    return any(CONTROL_CHARACTERS.search(key + value) for key, value in pairs)


def neutralise_cell(value: Any) -> Any:
    """The value for a CSV cell that a spreadsheet cannot run: each `;`-separated part whose
    first visible character is a formula sign gets a `'` before that character."""
    if not isinstance(value, str):
        return value
    return "".join(_neutralise_part(part) for part in CELL_SEPARATORS.split(value))


def _neutralise_part(part: str) -> str:
    """One part of a cell, quoted when a spreadsheet would read it as a formula."""
    visible = part.lstrip()
    if visible[:1] in FORMULA_SIGNS:
        return part[: len(part) - len(visible)] + "'" + visible
    return part


def _error_page(status: int, message: str) -> tuple[str, int]:
    """Render an error in the portal's own layout."""
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    """Install CSRFProtect (the one CSRF mechanism), the limiter, headers and error handlers."""
    csrf.init_app(app)
    limiter.init_app(app)

    @app.before_request
    def _refuse_control_characters() -> Any:
        fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
        if has_control_characters(fields):
            return _error_page(
                400,
                gettext(
                    "The form contains control characters (such as NUL) that cannot be "
                    "stored. Remove them and try again."
                ),
            )
        return None

    @app.after_request
    def _headers(response):  # noqa: ANN001
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        if not request.path.startswith("/static/"):
            # Pages, exports and downloads may carry personal data: no cache keeps a copy.
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Any:
        return _error_page(
            400, gettext("The form has expired or is not valid. Reload the page and try again.")
        )

    messages = {
        400: lambda: gettext("The request could not be understood."),
        403: lambda: gettext("You do not have access to this page."),
        404: lambda: gettext("The page you asked for does not exist."),
        405: lambda: gettext("This action is not allowed here."),
        413: lambda: gettext("The upload is too large."),
        429: lambda: gettext("Too many requests. Wait a moment and try again."),
        500: lambda: gettext(
            "Something went wrong on our side. What failed was not saved: check the records "
            "before you try again."
        ),
    }

    @app.errorhandler(Refusal)
    def _refused(refusal: Refusal) -> Any:
        """A service call said no: the one place a refusal becomes a message. A form posted from
        a page goes back to that page with the reason; anything else gets a 409 page."""
        release_session()  # a refusal changes nothing: drop whatever the request had begun
        message = translate(refusal)
        back = _same_site_referrer()
        wants_json = request.is_json or request.accept_mimetypes.best == "application/json"
        if request.method == "POST" and back and not wants_json:
            flash(message, "error")
            return redirect(back)
        return _error_page(409, message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if request.path.startswith("/static/"):
            return error
        text = messages.get(error.code or 500)
        return _error_page(error.code or 500, text() if text else error.description or "")

    @app.errorhandler(500)
    def _server_error(_error: Exception) -> Any:
        release_session()  # the page reads the user; a failed transaction must not fail it too
        return _error_page(500, messages[500]())


@contextmanager
def refusal_flashed() -> Iterator[None]:
    """For a view that shows its form again on a refusal: a `Refusal` raised in the block is
    flashed like the handler above does, and the view goes on to render the form with the
    user's input (a redirect back would lose it). Everything else still goes to the handler."""
    try:
        yield
    except Refusal as refusal:
        release_session()
        flash(translate(refusal), "error")


def _same_site_referrer() -> str | None:
    """The page the request came from, when it is one of ours (never another site)."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    return referrer if parts.scheme in ("http", "https") and parts.netloc == request.host else None


def release_session() -> None:
    """Roll back whatever the failed request left, or drop the session when even that fails."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a broken connection: start over with a new session
        db.session.remove()
