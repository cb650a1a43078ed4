"""Printed documents: the certificate with its QR code, bulk ZIP export, badges, forms, minutes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the download routes.

    The views are imported here, not at the top: bulk-export worker processes import this
    package to render, and must not load the web stack (login, password hashing) with it.
    """
    from . import archive
    from .views import bp

    app.register_blueprint(bp)
    archive.init_app(app)
