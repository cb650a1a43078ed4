"""`flask --app portal worker`: the Huey consumer with the application bound to its tasks."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Worker threads (default WORKER_THREADS).")
@with_appcontext
def worker_command(threads: int | None) -> None:
    """Run the background worker: outbox, jobs, periodic sweep and reminders."""
    from . import tasks
    from .engine import huey

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    tasks.bind(app)
    workers = threads or app.config["WORKER_THREADS"]
    click.echo(f"worker: {workers} threads on {app.config['BROKER_URL'].split('@')[-1]}")
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


def init_app(app: Flask) -> None:
    """Point the engine at the configured broker and register the command."""
    from .engine import configure

    configure(app.config)
    app.cli.add_command(worker_command)
