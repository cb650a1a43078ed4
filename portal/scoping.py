"""Object-level visibility: which cases a member of staff may see.

One function, used by the case list, the case pages, attachment downloads and actions posted
by id, so that an asesor sees only the cases assigned to them everywhere.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false

from .models import Case, User
from .rules.access import SCREENS
from .rules.vocabulary import Role


def sees_all_cases(user: User) -> bool:
    """True when one of the user's roles reads every case (not only assigned ones)."""
    return bool(user.roles.intersection(SCREENS["case"].read - {Role.ASSESSOR}))


def scope_cases(query: Any, user: User) -> Any:
    """Restrict a query over Case to the cases the user may see."""
    if sees_all_cases(user):
        return query
    if user.has_role(Role.ASSESSOR) and user.assessor_id is not None:
        return query.filter(Case.assessor_id == user.assessor_id)
    return query.filter(false())
