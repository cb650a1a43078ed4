"""CSRF on every POST, security headers, and friendly error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import csrf

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _error_page(status: int, message: str) -> tuple[str, int]:
    """Render an error in the portal's own layout."""
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    """Install CSRFProtect (the one CSRF mechanism), headers and error handlers."""
    csrf.init_app(app)

    @app.after_request
    def _headers(response):  # noqa: ANN001
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
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
        500: lambda: gettext("Something went wrong on our side. Nothing was changed."),
    }

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if request.path.startswith("/static/"):
            return error
        text = messages.get(error.code or 500)
        return _error_page(error.code or 500, text() if text else error.description or "")

    @app.errorhandler(500)
    def _server_error(_error: Exception) -> Any:
        return _error_page(500, messages[500]())
