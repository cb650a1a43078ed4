"""Separation of duties: deciding roles are never self-granted nor held by the administrator,
and a complaint is handled by nobody its case involves."""

from __future__ import annotations

import pytest

from portal.rules.duties import DECIDING_ROLES, complaint_handler_refusal, role_grant_refusal
from portal.rules.vocabulary import Role

A, S, C, QH, SH, CH = (
    Role.ADMIN,
    Role.SECRETARIAT,
    Role.CHAIR,
    Role.QUALITY_HEAD,
    Role.STANDARDS_HEAD,
    Role.CERTIFICATION_HEAD,
)

GRANTS = [
    # granter, grantee, before, after, message (None: allowed)
    (1, 2, {S}, {S, C}, None),
    (1, 1, {S}, {S, C}, "You cannot grant yourself a deciding role: chair."),
    (1, 1, {S}, {S, QH}, "You cannot grant yourself a deciding role: quality_head."),
    (1, 1, {C, S}, {C}, None),  # giving up a role needs no one else
    (1, 1, {S}, {S, Role.ASSESSOR}, None),  # not a deciding role
    (
        1,
        2,
        {A},
        {A, C},
        "An administrator cannot also hold a deciding role (chair): use another account.",
    ),
    (
        1,
        2,
        {SH},
        {SH, A},
        "An administrator cannot also hold a deciding role (standards_head): use another account.",
    ),
    (1, 2, {A, C}, {A, C}, None),  # an old combination is not made worse by saving again
    (1, 2, {A, C}, {A}, None),  # and may be undone
    (None, None, set(), {A, CH}, "An administrator cannot also hold a deciding role "
     "(certification_head): use another account."),
]  # fmt: skip


@pytest.mark.parametrize(("granter", "grantee", "before", "after", "message"), GRANTS)
def test_role_grants(granter, grantee, before, after, message):
    refusal = role_grant_refusal(granter, grantee, before, after)
    assert (str(refusal) if refusal else None) == message


def test_the_deciding_roles_are_those_of_the_transition_table():
    assert DECIDING_ROLES == {C, CH, QH, SH, Role.DEPUTY_CHAIR}


HANDLERS = [
    (5, {"assessor": 5, "trainer": None, "decider": 7},
     "The asesor of the case cannot handle a complaint about it."),
    (6, {"assessor": 5, "trainer": 6, "decider": 7},
     "The trainer of the applicant cannot handle a complaint about the case."),
    (7, {"assessor": 5, "trainer": 6, "decider": 7},
     "Whoever decided the case cannot handle a complaint about it."),
    (8, {"assessor": 5, "trainer": 6, "decider": 7}, None),
    (None, {"assessor": None, "trainer": None, "decider": None}, None),
    (8, {}, None),  # a complaint about no case
]  # fmt: skip


@pytest.mark.parametrize(("handler", "involved", "message"), HANDLERS)
def test_complaint_handlers(handler, involved, message):
    refusal = complaint_handler_refusal(handler, involved)
    assert (str(refusal) if refusal else None) == message
