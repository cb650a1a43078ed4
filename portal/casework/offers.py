"""What a user may do on a page now: the answers pages and menus ask for."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import (
    Case,
    User,
)
from ..rules.workflow import (
    Action,
)
from ..rules.workflow import available_actions as _available_actions
from .facts import load_facts
from .settings import actor_of


def available_actions(session: Session, case: Case, actor: User) -> list[Action]:
    """The actions this user may start on this case now, for its page and its action menu."""
    facts = load_facts(session, [case.id])
    return _available_actions(facts[case.id], actor_of(actor)) if case.id in facts else []
