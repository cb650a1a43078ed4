"""The home page ("Menunggu Anda": what waits for the logged-in member of staff) and the heads'
dashboard (funnel, pass rates, time per step, certificates to watch)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, current_app, request, url_for
from flask_admin import Admin, expose
from flask_admin.contrib.sqla.filters import FilterEmpty, FilterEqual, FilterInList
from flask_babel import format_date, gettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..casework import Settings
from ..casework import waiting as waiting_work
from ..casework.heads import HEAD_ROLES, Period, heads_dashboard
from ..extensions import db
from ..models import Case, Scheme, User
from ..rules.access import can_read
from ..rules.vocabulary import CaseStatus
from ..rules.waiting import WaitingStep
from ..scoping import scope_cases
from .base import SecureIndexView


class DashboardView(SecureIndexView):
    """Each role's home page, and the heads' dashboard beside it."""

    @expose("/")
    def index(self) -> Any:
        roles = frozenset(current_user.roles)
        work = home_work(self.admin, db.session, current_user, current_app.config)
        statuses: list[tuple[CaseStatus, int, str]] = []
        if can_read("case", roles):
            query = scope_cases(
                select(Case.status, func.count()).group_by(Case.status), current_user
            )
            counts = dict(db.session.execute(query).all())
            statuses = [
                (s, counts[s.value], case_list_url(self.admin, (s,), None))
                for s in CaseStatus
                if s in counts
            ]
        return self.render(
            "admin/dashboard.html",
            work=work,
            statuses=statuses,
            today=Settings.of(current_app.config).today,
            heads=bool(HEAD_ROLES.intersection(roles)),
        )

    @expose("/pimpinan/")
    def heads_view(self) -> Any:
        """The heads' dashboard for a period and (optionally) one scheme."""
        if not HEAD_ROLES.intersection(current_user.roles):
            abort(403)
        today = Settings.of(current_app.config).today
        period = Period.parse(request.args.get("from"), request.args.get("to"), today)
        scheme_id = request.args.get("scheme", type=int)
        data = heads_dashboard(db.session, period, scheme_id, current_app.config)
        schemes = db.session.execute(select(Scheme.id, Scheme.title).order_by(Scheme.title)).all()
        return self.render(
            "admin/heads_dashboard.html",
            data=data,
            period=period,
            scheme_id=scheme_id,
            schemes=schemes,
            funnel_rows=[(gettext(name), n) for name, n in data.funnel],
            step_rows=[(gettext(s.label), s.median_days or 0) for s in data.step_times],
            expiry_rows=[(format_date(month, "MMMM yyyy"), n) for month, n in data.expiring],
        )


def home_work(
    admin: Admin, session: Session, user: User, config: Mapping[str, Any]
) -> list[tuple[waiting_work.WaitingWork, str]]:
    """What waits for this user on screens they may open, each with the list that shows it.

    The home page and the daily digest e-mail both show this, so they never disagree. URLs are
    built with `url_for`: inside a request (the digest builds them in one of its own).
    """
    roles = frozenset(user.roles)
    return [
        (w, worklist_url(admin, w.step))
        for w in waiting_work.waiting_for(session, user, config)
        if can_read(w.step.screen, roles)
    ]


def worklist_url(admin: Admin, step: WaitingStep) -> str:
    """The list that shows exactly the items a step counts."""
    if step.action is not None:
        return case_list_url(admin, step.statuses, step.unassigned, worklist=step.step.value)
    if step.step in waiting_work.CERTIFICATE_WORKLISTS:
        return url_for("certificate.index_view", worklist=step.step.value)
    arg = _filter_arg(_view(admin, "complaint"), "status", FilterInList)
    return url_for(
        "complaint.index_view",
        **{arg: ",".join(s.value for s in waiting_work.OPEN_COMPLAINTS)},
    )


def case_list_url(
    admin: Admin,
    statuses: tuple[CaseStatus, ...],
    unassigned: bool | None,
    worklist: str | None = None,
) -> str:
    """The case list filtered to these statuses (and with or without an asesor); a step's
    `worklist` narrows it further as the step counts (a deputy chair's cases to decide)."""
    view = _view(admin, "case")
    args: dict[str, str] = {"worklist": worklist} if worklist else {}
    if len(statuses) == 1:
        args[_filter_arg(view, "status", FilterEqual, 0)] = statuses[0].value
    else:
        args[_filter_arg(view, "status", FilterInList, 0)] = ",".join(s.value for s in statuses)
    if unassigned is not None:
        args[_filter_arg(view, "assessor_id", FilterEmpty, 1)] = "1" if unassigned else "0"
    return url_for("case.index_view", **args)


def _view(admin: Admin, endpoint: str) -> Any:
    """The admin's view registered under an endpoint."""
    return next(v for v in admin._views if v.endpoint == endpoint)


def _filter_arg(view: Any, column: str, kind: type, position: int = 0) -> str:
    """The URL argument of a list filter (`flt<position>_<arg>`), found by column and type."""
    for index, flt in enumerate(view._filters or ()):
        key = getattr(flt.column, "key", None) or getattr(flt.column, "name", None)
        if type(flt) is kind and key == column:
            return f"flt{position}_{view.get_filter_arg(index, flt)}"
    raise LookupError(f"{view.endpoint} has no {kind.__name__} filter on {column}")
