"""Data commands: the shipped reference data, the unit importer, and demo data.

Bad input (a missing or unreadable file, demo data refused) ends with a one-line message and a
non-zero exit, never a traceback. Reports are plain English for now.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .demo import DemoRefused, DemoReport, seed_demo
from .extensions import db
from .reference import CatalogueFileError, import_units, load_reference


def _echo_lines(lines: list[str]) -> None:
    """Print a report."""
    for line in lines:
        click.echo(line)


@click.command("load-reference")
@with_appcontext
def load_reference_command() -> None:
    """Load the verified units and schemes the portal ships (safe to run again)."""
    try:
        report = load_reference(db.session)
    except CatalogueFileError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    _echo_lines(report.lines())


@click.command("import-units")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_units_command(file: Path) -> None:
    """Import competency units, elements and KUK from a CSV or XLSX file.

    Columns: code, title, element no., element title, KUK no., KUK text (English or Indonesian
    headers). Accepted rows are saved; each refused row is listed with its reason.
    """
    try:
        report = import_units(db.session, file)
    except CatalogueFileError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    _echo_lines(report.lines())


def run_seed_demo(cases: int) -> DemoReport:
    """Seed demo data with the application's upload folder and certificate number pattern."""
    return seed_demo(
        db.session,
        cases,
        current_app.config["UPLOAD_DIR"],
        number_pattern=current_app.config["CERTIFICATE_NUMBER_PATTERN"],
    )


@click.command("seed-demo")
@click.option(
    "--cases",
    type=click.IntRange(min=1, max=1_000_000),
    default=300,
    show_default=True,
    help="How many demo cases to create.",
)
@with_appcontext
def seed_demo_command(cases: int) -> None:
    """Fill a fresh database with marked demo data in every status, and print the demo logins."""
    if not (current_app.config.get("DEMO") or current_app.config.get("TESTING")):
        raise click.ClickException("Demo data goes only into a demo database: set PORTAL_DEMO=1.")
    started = time.perf_counter()
    try:
        report = run_seed_demo(cases)
    except DemoRefused as refused:
        raise click.ClickException(str(refused)) from None
    _echo_lines(report.lines())
    click.echo(f"Seeded in {time.perf_counter() - started:.1f} s.")


def register(app: Flask) -> None:
    """Register the data commands."""
    app.cli.add_command(load_reference_command)
    app.cli.add_command(import_units_command)
    app.cli.add_command(seed_demo_command)
