"""Command-line tasks for operators: `flask --app portal <command>`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from . import backup
from .casework import audit
from .extensions import db
from .models import Assessor, User
from .passwords import hash_password, password_problem
from .rules import duties, identity
from .rules.vocabulary import Role


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the newest migration."""
    upgrade()
    click.echo("Database is at the newest schema.")


@click.command("create-user")
@click.argument("username")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role])
)
@click.option("--name", "full_name", default=None, help="Full name (defaults to the username).")
@click.option("--position", default=None, help="Position, e.g. 'Ketua LSP'.")
@click.option("--assessor-met", default=None, help="MET number of the user's Assessor record.")
@click.password_option(prompt="Password", confirmation_prompt=True)
@with_appcontext
def create_user(
    username: str,
    roles: tuple[str, ...],
    full_name: str | None,
    position: str | None,
    assessor_met: str | None,
    password: str,
) -> None:
    """Create a member of staff with one or more roles (the password is asked, hidden)."""
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"User {username!r} exists already.")
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    try:  # the same name rule as the user form: the name prints on minutes and letters
        full_name = identity.parse_person_name(full_name or username)
    except identity.Invalid as refusal:
        raise click.ClickException(str(refusal)) from None
    assessor = None
    if assessor_met:
        assessor = db.session.scalar(select(Assessor).where(Assessor.met_number == assessor_met))
        if assessor is None:
            raise click.ClickException(f"No assessor has MET number {assessor_met!r}.")
    if Role.ASSESSOR in roles and assessor is None:
        raise click.ClickException("A user with the assessor role needs --assessor-met.")
    refusal = duties.role_grant_refusal(None, None, (), roles)
    if refusal:
        raise click.ClickException(str(refusal))
    user = User(
        username=username,
        full_name=full_name,
        position=position,
        password_hash=hash_password(password),
        assessor=assessor,
    )
    user.roles = roles
    db.session.add(user)
    audit.record_edit(db.session, None, user, "create")  # no one is logged in: the system
    db.session.commit()
    click.echo(f"Created user {username} with roles: {', '.join(sorted(roles))}.")


@click.command("setup-demo")
@click.option("--cases", default=300, show_default=True, help="Demo cases for a new database.")
@click.option(
    "--port", default=5000, show_default=True, help="The port `make run` serves on (PORT)."
)
@with_appcontext
def setup_demo(cases: int, port: int) -> None:
    """Upgrade the schema; on an empty database load reference and demo data; print the logins."""
    from .applicant.demo import demo_accounts, seed_demo_accounts
    from .cli_data import run_seed_demo
    from .demo import DEMO_PASSWORD, DEMO_USERS
    from .reference import load_reference

    upgrade()
    if db.session.scalar(select(User.id).limit(1)) is None:
        click.echo("New database: loading reference data and demo data …")
        load_reference(db.session)
        db.session.commit()
        run_seed_demo(cases)
    seed_demo_accounts(db.session, hash_password(DEMO_PASSWORD))
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for username, role in DEMO_USERS:
        click.echo(f"  {username:<14} {role}")
    base = f"http://127.0.0.1:{port}"
    click.echo(f"\nDemo applicants (sign in at {base}/asesi/masuk):")
    for email, stage in demo_accounts(db.session):
        click.echo(f"  {email:<40} {stage}")
    click.echo(f"\nOpen {base}/login\n")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(init_db)
    app.cli.add_command(create_user)
    app.cli.add_command(setup_demo)
    backup.init_app(app)
    from . import cli_data

    cli_data.register(app)
