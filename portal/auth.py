"""Staff login and logout, the user loader, and the role checks every view uses."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_admin.helpers import is_safe_url
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .extensions import db, login_manager
from .models import User
from .passwords import hash_password, needs_rehash, verify_password

bp = Blueprint("auth", __name__)

# A hash to verify against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(lazy_gettext("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(lazy_gettext("Remember me on this computer"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Reload the logged-in user; a deactivated user loses access at their next request."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def safe_next(target: str | None) -> str:
    """The page to go to after login: the requested one when it is on this site, else the admin."""
    if target and target.startswith("/") and not target.startswith("//") and is_safe_url(target):
        return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the login form and log the user in."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        valid = verify_password(user.password_hash if user else _DUMMY_HASH, form.password.data)
        if user is not None and valid and user.active:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
                db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
        flash(gettext("Wrong username or password, or the account is inactive."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    """End the session."""
    logout_user()
    flash(gettext("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def roles_required(*roles: str):
    """Decorate a plain view so that only users holding one of the roles may open it."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def init_app(app: Flask) -> None:
    """Register the login manager and the auth routes."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)
