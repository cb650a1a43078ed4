"""The heads' dashboard (issue 15): the funnel of a period's applications, pass rates, median
days per step, as charts with their numbers in tables, for the heads only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import casework, clock
from portal.casework.heads import _median
from portal.extensions import db
from portal.rules.vocabulary import Role
from tests.conftest import login, make_user, quorate_meeting
from tests.test_case_actions import make_case


@pytest.mark.parametrize(
    ("histogram", "expected"),
    [([], (None, 0)), ([(3, 1)], (3, 1)), ([(1, 1), (5, 1)], (3, 2)), ([(2, 3), (9, 1)], (2, 4))],
)
def test_the_median_of_a_histogram(histogram, expected):
    assert _median(histogram) == expected


@pytest.fixture
def decided(app, catalogue):
    """Three applications: one submitted only, one verified only, one decided K four days
    after its recommendation."""
    secretariat = make_user("sekretariat", Role.SECRETARIAT)
    chair = make_user("ketua", Role.CHAIR)
    assessor = make_user("asesor", Role.ASSESSOR, assessor=catalogue["assessor"])
    cases = [make_case(catalogue, n=n).id for n in (1, 2, 3)]
    units = {u.id: {"verdict": "K", "evidence": "Portofolio"} for u in catalogue["units"]}
    today = clock.today()
    meeting = quorate_meeting(chair, today, "Jakarta")
    plan = {
        "units": {u: {"methods": ["observasi"]} for u in units},
        "tuk_id": catalogue["tuk"].id,
        "assessment_date": today,
        "agreement_confirmed": True,
    }
    steps = [
        (cases, secretariat, "submit", {}, 10),
        (cases[1:], secretariat, "verify", {}, 9),
        (cases[2:], secretariat, "record_self_assessment", {"units": units}, 8),
        (
            cases[2:],
            secretariat,
            "assign_assessor",
            {"assessor_id": catalogue["assessor"].id, "assessment_date": today},
            8,
        ),
        (cases[2:], assessor, "pre_assess", plan, 7),
        (cases[2:], assessor, "recommend", {"units": units}, 6),
        (cases[2:], chair, "decide", {"meeting_id": meeting.id}, 2),
    ]
    for ids, user, action, inputs, days_ago in steps:
        with clock.moved_by(-timedelta(days=days_ago)):
            outcome = casework.apply(db.session, action, ids, user, inputs, {"today": today})
        assert outcome.done == ids, (action, outcome.skipped)
    return cases


def _table(page: str, section: str) -> list[list[str]]:
    block = page.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    body = block.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            re.sub(r"<[^>]+>|\s+", " ", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_funnel_pass_rates_and_step_times(client, decided):
    login(client, "ketua")
    page = client.get("/admin/pimpinan/").get_data(as_text=True)
    assert [row[1] for row in _table(page, "funnel")] == ["3", "2", "1", "1", "1", "0"]
    assert _table(page, "by-scheme") == [["Klaster Layanan Pemustaka", "1", "0", "100%"]]
    assert _table(page, "by-assessor")[0][0] == "Siti Asesor"
    times = {row[0]: row[1:] for row in _table(page, "step-times")}
    assert times["Pengajuan sampai verifikasi"] == ["1", "2"]
    assert times["Rekomendasi sampai keputusan"] == ["4", "1"]
    # funnel, step times, two pass rates, expiry per month; no surveillance is overdue: a table only
    assert page.count('<svg class="chart"') == 5


def test_another_scheme_or_period_shows_none_of_it(client, decided):
    login(client, "ketua")
    later = (clock.today() + timedelta(days=30)).isoformat()
    page = client.get(f"/admin/pimpinan/?from={later}&to={later}").get_data(as_text=True)
    assert [row[1] for row in _table(page, "funnel")] == ["0"] * 6
    assert "Tidak ada keputusan dalam periode ini." in page
    assert client.get("/admin/pimpinan/?from=kemarin&to=&scheme=x").status_code == 200


def test_only_the_heads_open_it(client, decided):
    login(client, "sekretariat")
    assert client.get("/admin/pimpinan/").status_code == 403
    assert "/admin/pimpinan/" not in client.get("/admin/").get_data(as_text=True)
