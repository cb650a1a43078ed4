"""The case page: one page model read by the service in a constant number of queries.

Statements are counted with a `before_cursor_execute` hook, as in test_list_queries; the count
must not grow with the case's units, attachments and events.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from portal.casework.audit import write_events
from portal.extensions import db
from portal.models import Case, CaseUnit, Unit
from tests.conftest import judged_attachment, login, make_user

MAX_QUERIES = 8  # the offers read the attachments too: their early guards tell why not


def make_case(catalogue, reg_number: str, units: int, events: int, actor) -> Case:
    """A case of the catalogue's scheme with `units` units, two attachments and `events` events."""
    scheme = catalogue["scheme"]
    chosen = list(catalogue["units"])
    for n in range(len(chosen), units):
        unit = Unit(code=f"{reg_number}.{n:03d}", title=f"Unit {n}")
        scheme.units.append(unit)
        chosen.append(unit)
    case = Case(
        reg_number=reg_number,
        applicant=catalogue["applicant"],
        scheme=scheme,
        tuk=catalogue["tuk"],
        assessor=catalogue["assessor"],
        units=[CaseUnit(unit=u) for u in chosen[:units]],
        declaration_signed=True,
        declaration_name="Budi Santoso",
        declaration_date=date(2026, 1, 5),
    )
    db.session.add(case)
    db.session.flush()
    db.session.add_all([judged_attachment(kind, case=case) for kind in ("photo", "ijazah")])
    at = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    write_events(
        db.session,
        [
            {
                "at": at,
                "user_id": actor.id,
                "action": "submit",
                "case_id": case.id,
                "from_status": "draft",
                "to_status": "submitted",
                "note": f"event {n}",
            }
            for n in range(events)
        ],
    )
    db.session.commit()
    return case


def test_the_case_page_runs_the_same_few_queries_whatever_the_size_of_the_case(
    client, catalogue, queries
):
    secretariat = make_user("sekretariat", "secretariat", full_name="Sari Sekretariat")
    small = make_case(catalogue, "APL-TEST-000001", units=1, events=1, actor=secretariat)
    large = make_case(catalogue, "APL-TEST-000002", units=12, events=30, actor=secretariat)
    # decided by a chair (a user with roles) and re-certified by a later application
    decided = make_case(catalogue, "APL-TEST-000003", units=2, events=3, actor=secretariat)
    decided.status, decided.decided_on = "certified", date(2026, 2, 1)
    decided.decided_by = make_user("ketua", "chair", full_name="Kusuma Ketua")
    successor = make_case(catalogue, "APL-TEST-000004", units=1, events=0, actor=secretariat)
    successor.previous_case_id = decided.id
    db.session.commit()
    login(client, "sekretariat")

    counts = {}
    for case in (small, large, decided):
        url = f"/admin/case/details/?id={case.id}"
        assert client.get(url).status_code == 200  # warm-up (filter and template caches)
        queries.clear()
        page = client.get(url)
        assert page.status_code == 200
        counts[case.reg_number] = len(queries)
        html = page.get_data(as_text=True)
        assert case.reg_number in html
    assert len(set(counts.values())) == 1 and counts["APL-TEST-000001"] <= MAX_QUERIES, queries
    assert "Kusuma Ketua" in client.get(f"/admin/case/details/?id={decided.id}").get_data(
        as_text=True
    )
    # what the page model carries shows: every unit, the actor of each event, the next steps
    html = client.get(f"/admin/case/details/?id={large.id}").get_data(as_text=True)
    assert html.count('<span class="text-nowrap">') == 12
    assert html.count("· Sari Sekretariat</div>") == 30
    assert 'href="/admin/case/act/submit/?id=' in html


def test_a_case_outside_the_users_scope_is_not_shown(client, catalogue):
    secretariat = make_user("sekretariat", "secretariat")
    case = make_case(catalogue, "APL-TEST-000003", units=1, events=0, actor=secretariat)
    make_user("asesor2", "assessor")  # an asesor without assigned cases sees none
    login(client, "asesor2")
    page = client.get(f"/admin/case/details/?id={case.id}", follow_redirects=True)
    assert "APL-TEST-000003" not in page.get_data(as_text=True)
