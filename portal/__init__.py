"""The LSP certification portal: application factory."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, database hooks, views and commands.

    Flask is imported here, not at the top, so that the pure `portal.rules` package can be
    imported (by tests, scripts, worker processes) without loading the web stack.
    """
    from flask import Flask

    from .config import PROJECT_DIR, Config, finalise

    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
        instance_path=str(PROJECT_DIR / "instance"),
    )
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    finalise(app.config)

    from . import (
        admin_views,
        applicant,
        attachments,
        auth,
        cli,
        database,
        documents,
        i18n,
        public,
        security,
    )
    from .worker import cli as worker_cli

    database.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    public.init_app(app)
    applicant.init_app(app)
    attachments.init_app(app)
    documents.init_app(app)
    admin_views.init_app(app)
    cli.init_app(app)
    worker_cli.init_app(app)
    if not app.testing:
        _keep_out_of_collections()
    return app


def _keep_out_of_collections() -> None:
    """Take what the process has built so far (modules, the app, its views, metadata and
    catalogues: it lives as long as the process) out of the garbage collector's passes. A
    request that allocates many objects, such as a bulk action's thousand facts, rows and
    messages, set off full passes that walked all of it each time (issue 17). Tests build an
    app per test and keep the collector as it is."""
    gc.collect()
    gc.freeze()
