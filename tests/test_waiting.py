""" "Menunggu Anda" (issue 15): each role's home page lists the work waiting for that person, each
count opens the list of exactly those items, and work older than its target is marked overdue."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from portal import casework, clock
from portal.extensions import db
from portal.models import Assessor, Complaint
from portal.rules import waiting
from portal.rules.vocabulary import CaseStatus, Role
from portal.rules.waiting import Step
from tests.conftest import login, make_user
from tests.test_case_actions import make_case
from tests.test_list_queries import page_queries

# --- the rules ---------------------------------------------------------------------------------


def test_each_case_step_reads_roles_and_statuses_from_the_transition_table():
    steps = {s.step: s for s in waiting.STEPS}
    assert steps[Step.VERIFY].statuses == (CaseStatus.SUBMITTED,)
    assert steps[Step.VERIFY].roles == {Role.SECRETARIAT}
    assert steps[Step.DECIDE].roles == {Role.CHAIR, Role.DEPUTY_CHAIR}  # the deputy: #11
    assert steps[Step.ASSIGN].statuses == (CaseStatus.VERIFIED, CaseStatus.SELF_ASSESSED)
    assert steps[Step.PLAN].roles == {Role.ASSESSOR}


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({Role.SECRETARIAT}, [Step.VERIFY, Step.SELF_ASSESS, Step.ASSIGN]),
        ({Role.CHAIR}, [Step.DECIDE, Step.ISSUE, Step.APPEAL]),
        ({Role.ASSESSOR}, [Step.PLAN, Step.RECOMMEND]),
        ({Role.QUALITY_HEAD}, [Step.APPEAL, Step.COMPLAINT]),
        ({Role.ADMIN}, []),
    ],
)
def test_steps_for_a_role_are_in_workflow_order(roles, expected):
    case_steps = [s.step for s in waiting.steps_for(roles) if s.action or s.screen == "complaint"]
    assert case_steps == expected


def test_targets_default_and_can_be_overridden():
    assert waiting.parse_targets("")[Step.VERIFY] == 5
    targets = waiting.parse_targets(" verify=3, decide = 7 ,")
    assert (targets[Step.VERIFY], targets[Step.DECIDE], targets[Step.ISSUE]) == (3, 7, 5)


@pytest.mark.parametrize("text", ["verfy=3", "verify=0", "verify=x", "verify", "expiring=3"])
def test_an_unreadable_target_is_refused_with_its_name(text):
    with pytest.raises(ValueError, match="STEP_TARGET_DAYS"):
        waiting.parse_targets(text)


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 12, 2), 5, date(2026, 11, 25)),  # Wednesday → the Wednesday before
        (date(2026, 12, 7), 1, date(2026, 12, 4)),  # Monday → Friday
        (date(2026, 12, 5), 1, date(2026, 12, 4)),  # Saturday → Friday
    ],
)
def test_working_days_before_skips_weekends(day, n, expected):
    assert waiting.working_days_before(day, n) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 11, 25), date(2026, 12, 2), 5),
        (date(2026, 12, 4), date(2026, 12, 7), 1),
        (date(2026, 12, 2), date(2026, 12, 2), 0),
        (date(2026, 11, 2), date(2026, 12, 2), 22),
    ],
)
def test_working_days_between(start, end, expected):
    assert waiting.working_days_between(start, end) == expected


def test_overdue_only_after_the_target():
    today = date(2026, 12, 2)
    assert not waiting.is_overdue(date(2026, 11, 25), today, 5)
    assert waiting.is_overdue(date(2026, 11, 24), today, 5)
    assert not waiting.is_overdue(date(2020, 1, 1), today, None)


# --- the page ----------------------------------------------------------------------------------


@pytest.fixture
def staff(app, catalogue):
    """One member of staff per role that has work, the asesor linked to the catalogue's."""
    return {
        "sekretariat": make_user("sekretariat", Role.SECRETARIAT),
        "ketua": make_user("ketua", Role.CHAIR),
        "mutu": make_user("mutu", Role.QUALITY_HEAD),
        "standar": make_user("standar", Role.STANDARDS_HEAD),
        "asesor": make_user("asesor", Role.ASSESSOR, assessor=catalogue["assessor"]),
    }


def _submitted(catalogue, staff, n: int, days_ago: int) -> int:
    """A case submitted `days_ago` days ago (the clock moved back while it was submitted)."""
    case = make_case(catalogue, n=n)
    with clock.moved_by(-timedelta(days=days_ago)):
        outcome = casework.apply(db.session, "submit", [case.id], staff["sekretariat"], {}, {})
    assert outcome.done == [case.id]
    return case.id


def _cards(page: str) -> dict[str, tuple[str, int, int]]:
    """Each step card of the home page: (list url, count, overdue count)."""
    cards = {}
    for chunk in page.split('data-step="')[1:]:
        step, body = chunk.split('"', 1)
        url = html.unescape(re.search(r'class="waiting-count[^"]*" href="([^"]+)"', body).group(1))
        count = re.search(r'class="waiting-count[^>]*>([\d.]+)<', body).group(1)
        late = re.search(r'waiting-overdue">([\d.]+)', body)
        cards[step] = (url, int(count.replace(".", "")), int(late.group(1)) if late else 0)
    return cards


def test_secretariat_sees_applications_to_verify_with_the_late_one_marked(client, catalogue, staff):
    late = _submitted(catalogue, staff, 1, days_ago=20)
    _submitted(catalogue, staff, 2, days_ago=0)
    login(client, "sekretariat")
    page = client.get("/admin/").get_data(as_text=True)
    url, count, overdue = _cards(page)["verify"]
    assert (count, overdue) == (2, 1)
    assert "APL-TEST-000001" in page and "terlambat" in page
    listing = client.get(url).get_data(as_text=True)
    assert listing.count('name="rowid"') == 2
    assert "APL-TEST-000001" in listing and "APL-TEST-000002" in listing
    assert late


def test_a_worklist_lists_the_longest_waiting_first(client, catalogue, staff):
    _submitted(catalogue, staff, 1, days_ago=20)
    _submitted(catalogue, staff, 2, days_ago=0)
    _submitted(catalogue, staff, 3, days_ago=9)
    login(client, "sekretariat")
    url, _count, _late = _cards(client.get("/admin/").get_data(as_text=True))["verify"]
    worklist = client.get(url).get_data(as_text=True)
    everything = client.get("/admin/case/").get_data(as_text=True)
    assert _listed(worklist) == ["APL-TEST-000001", "APL-TEST-000003", "APL-TEST-000002"]
    assert _listed(everything) == ["APL-TEST-000003", "APL-TEST-000002", "APL-TEST-000001"]


def _listed(page: str) -> list[str]:
    """The registration numbers of a case list, in the order shown."""
    return list(dict.fromkeys(re.findall(r"APL-TEST-\d{6}", page)))


def test_a_configured_target_changes_what_is_overdue(app, client, catalogue, staff):
    _submitted(catalogue, staff, 1, days_ago=20)
    app.config["STEP_TARGET_DAYS"] = "verify=30"
    login(client, "sekretariat")
    assert _cards(client.get("/admin/").get_data(as_text=True))["verify"][1:] == (1, 0)


def _assigned(catalogue, staff, n: int, assessor: Assessor) -> int:
    """A case taken through the workflow to self-assessed, with this asesor assigned."""
    case_id = _submitted(catalogue, staff, n, days_ago=0)
    units = {u.id: {"verdict": "K", "evidence": "Portofolio"} for u in catalogue["units"]}
    for action, inputs in [
        ("verify", {}),
        ("record_self_assessment", {"units": units}),
        (
            "assign_assessor",
            {"assessor_id": assessor.id, "assessment_date": clock.today() + timedelta(days=7)},
        ),
    ]:
        outcome = casework.apply(db.session, action, [case_id], staff["sekretariat"], inputs, {})
        assert outcome.done == [case_id], (action, outcome.skipped)
    return case_id


def test_the_asesor_sees_only_their_own_cases_to_plan(app, client, catalogue, staff):
    other = Assessor(
        full_name="Asesor Lain",
        met_number="MET-2",
        licence_valid_until=date(2030, 1, 1),
        schemes=[catalogue["scheme"]],
    )
    db.session.add(other)
    db.session.commit()
    _assigned(catalogue, staff, 1, catalogue["assessor"])
    _assigned(catalogue, staff, 2, other)
    login(client, "asesor")
    cards = _cards(client.get("/admin/").get_data(as_text=True))
    assert set(cards) == {"plan", "recommend"}
    url, count, _late = cards["plan"]
    assert count == 1
    listing = client.get(url).get_data(as_text=True)
    assert "APL-TEST-000001" in listing and "APL-TEST-000002" not in listing
    head = app.test_client()
    login(head, "sekretariat")
    assert _cards(head.get("/admin/").get_data(as_text=True))["assign"][1] == 0


def test_quality_head_sees_open_complaints_and_the_list_shows_them(client, staff):
    db.session.add_all(
        [
            Complaint(
                received_on=date(2026, 1, 5),
                complainant_name="Pelapor",
                subject="Jadwal berubah",
                description="…",
                status=status,
            )
            for status in ("open", "in_progress", "resolved")
        ]
    )
    db.session.commit()
    login(client, "mutu")
    url, count, overdue = _cards(client.get("/admin/").get_data(as_text=True))["complaint"]
    assert (count, overdue) == (2, 2)
    assert client.get(url).get_data(as_text=True).count("Jadwal berubah") == 2


def test_the_home_page_costs_a_fixed_number_of_queries(client, catalogue, staff, queries):
    login(client, "sekretariat")
    counts = []
    for n in range(1, 4):
        _submitted(catalogue, staff, n * 10, days_ago=n)
        counts.append(page_queries(client, queries, "/admin/"))
    assert counts[0] == counts[-1]


def test_standards_head_sees_the_appeals_to_decide_and_the_heads_dashboard(client, staff):
    login(client, "standar")
    page = client.get("/admin/").get_data(as_text=True)
    assert re.findall(r'data-step="([^"]+)"', page) == ["appeal"]  # an appeal decider (#11)
    assert "/admin/pimpinan/" in page


@pytest.mark.parametrize(
    ("setting", "error"),
    [
        ({"STEP_TARGET_DAYS": "verfy=3"}, ValueError),
        ({"EXPORT_CSV_DELIMITER": "|"}, RuntimeError),
    ],
)
def test_a_misconfigured_portal_refuses_to_start(setting, error):
    from portal import create_app

    with pytest.raises(error):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", **setting})
