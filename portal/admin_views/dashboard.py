"""The dashboard: what waits for the logged-in member of staff."""

from __future__ import annotations

from typing import Any

from flask_admin import expose
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..models import Case
from ..scoping import scope_cases
from .base import SecureIndexView


class DashboardView(SecureIndexView):
    """Counts of cases per status, scoped to what the user may see."""

    @expose("/")
    def index(self) -> Any:
        query = scope_cases(select(Case.status, func.count()).group_by(Case.status), current_user)
        counts = dict(db.session.execute(query).all())
        return self.render("admin/dashboard.html", counts=counts)
