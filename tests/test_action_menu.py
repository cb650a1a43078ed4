"""The case list's bulk action menu: what cannot succeed on the statuses the list shows is
disabled with the statuses it needs, read off the transition table (issue 15)."""

from __future__ import annotations

import re

from portal.rules.vocabulary import CaseStatus
from portal.rules.workflow import Action, listed_refusal
from tests.conftest import csrf_token, login


def menu(client, url: str) -> tuple[set[str], dict[str, str]]:
    """The actions offered in the list's "with selected" menu, and those disabled with why."""
    page = client.get(url).get_data(as_text=True)
    head = page.split('id="all-matching-menu"', 1)[0]
    offered = set(re.findall(r'data-portal-action="([a-z_]+)"', head))
    refused = dict(re.findall(r'data-action="([a-z_]+)">[^<]*<small[^>]*>([^<]*)</small>', head))
    return offered, refused


def test_the_table_says_which_listed_statuses_an_action_needs():
    assert listed_refusal(Action.VERIFY, {CaseStatus.SUBMITTED}) is None
    assert listed_refusal(Action.VERIFY, {CaseStatus.DRAFT, CaseStatus.SUBMITTED}) is None
    refusal = listed_refusal(Action.VERIFY, {CaseStatus.DRAFT})
    assert refusal.params == {"status": "submitted"}


def test_a_list_of_one_status_disables_what_cannot_start_from_it(client, catalogue, staff):
    login(client, "sekretariat")
    offered, refused = menu(client, "/admin/case/")
    assert {"submit", "verify"} <= offered and not refused

    offered, refused = menu(client, "/admin/case/?flt0_0=draft")
    assert "submit" in offered and "verify" not in offered
    assert refused["verify"] == "Hanya untuk permohonan berstatus Diajukan."

    offered, refused = menu(client, "/admin/case/?worklist=verify")  # the home page's link
    assert "verify" in offered and "submit" not in offered
    assert refused["submit"] == (
        "Hanya untuk permohonan berstatus Draf, Dikembalikan untuk perbaikan."
    )

    offered, refused = menu(client, "/admin/case/?flt0_1=draft,submitted")  # "in list"
    assert {"submit", "verify"} <= offered and "verify" not in refused

    page = client.get("/admin/case/?flt0_0=draft").get_data(as_text=True)
    matching = page.split('id="all-matching-menu"', 1)[1]
    assert "/admin/case/act/verify/" not in matching and "/admin/case/act/submit/" in matching


def test_the_kept_menu_follows_the_statuses_and_the_language(client, catalogue, staff):
    login(client, "sekretariat")
    for _ in range(2):  # the second round is served from what the first kept
        assert "verify" in menu(client, "/admin/case/?flt0_0=draft")[1]
        assert "verify" not in menu(client, "/admin/case/?flt0_0=submitted")[1]
    token = csrf_token(client, "/admin/")
    client.post("/lang/en", data={"csrf_token": token, "next": "/"})
    _offered, refused = menu(client, "/admin/case/?flt0_0=draft")
    assert refused["verify"] == "Only for applications with the status Submitted."
