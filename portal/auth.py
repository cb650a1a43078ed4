"""Staff login (throttled per client address and per address and account) and logout, the
user loader, and the role checks every view uses."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_admin.helpers import is_safe_url
from flask_babel import gettext, lazy_gettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .extensions import db, login_manager
from .models import User
from .passwords import hash_password, needs_rehash, verify_password
from .security import limiter

bp = Blueprint("auth", __name__)

# Login attempts: every POST per client address, and failures per (address, username). No limit
# counts an account's failures from every address: a stranger could renew it forever and lock
# the real user out. Both settable in the config.
DEFAULT_LOGIN_LIMIT = "10/minute"
DEFAULT_ACCOUNT_LIMIT = "5/15 minutes"

# A hash to verify against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(lazy_gettext("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(lazy_gettext("Remember me on this computer"))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Reload the logged-in user from the session's (or remember cookie's) `id:version`; a
    deactivated user, or one whose session version has risen since, loses access."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    # One query per request, roles joined in: every page starts with this load, so the
    # relationship's own select-in load would be a second query on every page.
    user = db.session.scalar(
        select(User).options(joinedload(User.role_rows)).where(User.id == int(user_id))
    )
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def safe_next(target: str | None) -> str:
    """The page to go to after login: the requested one when it is on this site, else the admin."""
    if target and target.startswith("/") and not target.startswith("//") and is_safe_url(target):
        return target
    return url_for("admin.index")


def login_limit() -> str:
    """Login attempts per client address (LOGIN_RATE_LIMIT, e.g. `10/minute`)."""
    return current_app.config.get("LOGIN_RATE_LIMIT") or DEFAULT_LOGIN_LIMIT


def account_limit() -> str:
    """Failed logins per username from one client address (LOGIN_ACCOUNT_LIMIT)."""
    return current_app.config.get("LOGIN_ACCOUNT_LIMIT") or DEFAULT_ACCOUNT_LIMIT


def _account_key() -> str:
    """The client address and the username being tried, as the key of their failure counter."""
    username = (request.form.get("username") or "").strip().lower()[:64]
    return f"account:{get_remote_address()}:{username}"


def _login_failed(response: Response) -> bool:
    """A login that shows the form again has failed (a success redirects)."""
    return response.status_code == 200


def _fresh_session() -> None:
    """Start the session afresh, keeping only the visitor's choice of language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(account_limit, methods=["POST"], key_func=_account_key, deduct_when=_login_failed)
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
            _fresh_session()  # no token or value planted before the login carries over
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
        flash(gettext("Wrong username or password, or the account is inactive."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    """End the session: nothing of it (CSRF token included) outlives the logout but the language,
    and the user's other sessions and remember cookies end too (a shared or lost computer)."""
    current_user.revoke_sessions()
    db.session.commit()
    _fresh_session()
    logout_user()  # after the clear: it marks the remember cookie for deletion in the session
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
