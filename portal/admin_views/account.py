"""Self-service for staff: changing one's own password (issue 15), and choosing whether to
receive the daily e-mail of the work waiting for them (issue 13).

The new password follows the same policy as an administrator's reset (`passwords`); storing it
is an assignment of `User.password_hash`, the one way a password changes, so whatever the
portal ties to that change (ending the user's other sessions) happens here too. The session in
use is renewed after the change, so the person stays logged in on this browser.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..extensions import db
from ..passwords import MAX_LENGTH, MIN_LENGTH, hash_password, password_problem, verify_password
from ..rules.access import can_read
from ..rules.waiting import steps_for
from .base import deny_access


class PasswordChangeForm(FlaskForm):
    """The current password (so a borrowed, unlocked screen is not enough) and the new one twice."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=_l(
            "At least %(n)s characters; not a common password and not your username.",
            n=MIN_LENGTH,
        ),
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two new passwords differ.")),
        ],
    )


class DigestForm(FlaskForm):
    """The person's own choice of the daily digest (on by default for whom work waits)."""

    daily_digest = BooleanField(
        _l("Send me a daily e-mail of the work waiting for me"),
        description=_l("One e-mail a day with the counts of your worklists and a link to each."),
    )


class AccountView(BaseView):
    """The logged-in member of staff's own account: reached from their name in the navbar."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and can_read("dashboard", current_user.roles)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return deny_access()

    def is_visible(self) -> bool:
        return False  # not a menu entry: the navbar links it

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        form = PasswordChangeForm()
        if form.validate_on_submit():
            if not verify_password(current_user.password_hash, form.current_password.data):
                form.current_password.errors.append(gettext("The current password is wrong."))
            elif problem := password_problem(form.new_password.data, current_user.username):
                form.new_password.errors.append(gettext(problem))
            else:
                user = current_user._get_current_object()
                user.password_hash = hash_password(form.new_password.data)
                db.session.commit()
                login_user(user)  # renew this session; other sessions end with the old password
                flash(gettext("Your password has been changed."), "success")
                return redirect(url_for("admin.index"))
        digest = DigestForm(formdata=None, daily_digest=current_user.daily_digest)
        return self.render(
            "admin/password_change.html",
            form=form,
            digest=digest if steps_for(current_user.roles) else None,  # only whom work waits for
            has_email=bool(current_user.email),
        )

    @expose("/ringkasan/", methods=("POST",))
    def digest(self) -> Any:
        """Turn the daily digest on or off for oneself."""
        digest = DigestForm()
        if digest.validate_on_submit():  # CSRF is the only check a checkbox has
            current_user.daily_digest = digest.daily_digest.data
            db.session.commit()
            message = (
                gettext("You will receive the daily e-mail of your waiting work.")
                if digest.daily_digest.data
                else gettext("You will no longer receive the daily e-mail.")
            )
            flash(message, "success")
        return redirect(url_for(".index"))
