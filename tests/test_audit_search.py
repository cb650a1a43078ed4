"""The audit trail's search: the notes through a text index (FTS5 on SQLite, pg_trgm on
PostgreSQL), in a constant number of queries."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text

from portal.extensions import db
from portal.models import AuditEvent
from tests.conftest import login, make_user

NOTES = [
    "Ijazah yang diunggah tidak terbaca; unggah ulang hasil pindaian yang jelas.",
    "Asesi mengundurkan diri.",
    "Banding ditolak: bukti tambahan tidak mengubah hasil asesmen.",
    None,
]


@pytest.fixture
def trail(app):
    """40 audit events, ten of each note (and ten without one)."""
    rows = [{"action": "return", "note": NOTES[n % 4]} for n in range(40)]
    db.session.execute(insert(AuditEvent), rows)
    db.session.commit()


@pytest.fixture
def admin(client, trail):
    make_user("admin", "admin")
    login(client, "admin")
    return client


def _rows(client, search: str) -> int:
    html = client.get(f"/admin/audit/?page_size=100&search={search}").get_data(as_text=True)
    return html.count('<td class="list-buttons-column">')


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("pindaian", 10),
        ("PINDAIAN", 10),  # any case
        ("pindai", 10),  # the start of a word
        ("mengundurkan diri", 10),  # every word must match
        ("banding ijazah", 0),
        ("tidak", 20),
        ('"%', 0),  # quotes and wildcards are searched for, not obeyed
    ],
)
def test_the_audit_trail_is_searched_by_its_notes(admin, search, expected):
    assert _rows(admin, search) == expected


def test_a_new_or_changed_note_is_found_at_once(admin):
    event_id = db.session.execute(
        insert(AuditEvent).returning(AuditEvent.id), [{"action": "close", "note": "Kedaluwarsa"}]
    ).scalar_one()
    db.session.commit()
    assert _rows(admin, "kedaluwarsa") == 1
    db.session.execute(
        text("UPDATE audit_event SET note = 'Terlambat' WHERE id = :id"), {"id": event_id}
    )
    db.session.commit()
    assert (_rows(admin, "kedaluwarsa"), _rows(admin, "terlambat")) == (0, 1)


def test_an_audit_search_runs_a_constant_number_of_queries(admin, queries):
    counts = []
    for size in (10, 100):
        admin.get(f"/admin/audit/?page_size={size}&search=tidak")
        queries.clear()
        admin.get(f"/admin/audit/?page_size={size}&search=tidak")
        counts.append(len(queries))
    # the user, the count, the page's ids, its rows with their joins, the users' roles
    assert counts[0] == counts[1] <= 5, queries
