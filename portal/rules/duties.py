"""Separation of duties (ISO/IEC 17024 §4.3, §5.2): who may grant deciding roles, and who may
handle a complaint. Pure Python; the views and the CLI ask these before they save."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .vocabulary import N_, Role
from .workflow import TRANSITIONS, Action, Refusal

# The roles that take certification decisions: whoever the transition table lets decide.
DECIDING_ROLES = frozenset(
    role
    for row in TRANSITIONS
    if row.action in (Action.DECIDE, Action.DECIDE_APPEAL)
    for role in row.roles
)


def role_grant_refusal(
    granter_id: int | None, grantee_id: int | None, before: Iterable[str], after: Iterable[str]
) -> Refusal | None:
    """Why this change of a user's roles may not be saved, or None.

    Nobody grants a deciding role to themselves; and the technical administrator never holds
    a deciding role too, so one account cannot both configure the system and decide on it
    (a combination that exists already is not made worse, and may be undone).
    """
    held, wanted = frozenset(before), frozenset(after)
    added = (wanted - held) & DECIDING_ROLES
    if added and granter_id is not None and granter_id == grantee_id:
        return Refusal(
            N_("You cannot grant yourself a deciding role: %(roles)s."), roles=_names(added)
        )
    if Role.ADMIN in wanted and wanted & DECIDING_ROLES and (added or Role.ADMIN not in held):
        return Refusal(
            N_(
                "An administrator cannot also hold a deciding role (%(roles)s): use another account."
            ),
            roles=_names(wanted & DECIDING_ROLES),
        )
    return None


# Who a complaint's case involves, and why each may not handle it (RULES #16).
INVOLVED_IN_CASE = {
    "assessor": N_("The asesor of the case cannot handle a complaint about it."),
    "trainer": N_("The trainer of the applicant cannot handle a complaint about the case."),
    "decider": N_("Whoever decided the case cannot handle a complaint about it."),
}


def complaint_handler_refusal(
    handler_id: int | None, involved: Mapping[str, int | None]
) -> Refusal | None:
    """Why this person may not handle a complaint about a case, or None.

    `involved` gives the user id of each part in `INVOLVED_IN_CASE` (None when nobody): the
    people whose work the complaint may be about never judge it.
    """
    if handler_id is None:
        return None
    for part, message in INVOLVED_IN_CASE.items():
        if involved.get(part) == handler_id:
            return Refusal(message)
    return None


def _names(roles: Iterable[str]) -> str:
    return ", ".join(sorted(roles))
