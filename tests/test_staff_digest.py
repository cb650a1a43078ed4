"""The staff daily digest: from the configured hour in the LSP's time zone, each member of staff
who wants it receives one e-mail a day, in their language, with the counts of their home page
and a link to each list; never twice a day. Delivered by the real worker to a real SMTP server.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from portal import clock
from portal.digest import send_digests
from portal.extensions import db
from portal.models import OutboxMessage, User
from portal.rules.vocabulary import Role
from portal.transactions import writing
from portal.worker.engine import kick
from tests.conftest import csrf_token, login, make_user
from tests.test_waiting import _cards, _submitted, staff  # noqa: F401 (staff is a fixture)

ACCOUNT = "/admin/akun/"


def _moved_to(days: int, hour: int, minute: int = 0) -> timedelta:
    """How far to move the clock to reach that local time `days` days from today."""
    zone = ZoneInfo("Asia/Jakarta")
    target = datetime.combine(clock.today() + timedelta(days=days), time(hour, minute), zone)
    return target - clock.now()


def _text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def _digests(staff, catalogue) -> dict[str, User]:  # noqa: F811 (the imported fixture)
    """Two applications to verify (one late), e-mail addresses and each person's choice."""
    _submitted(catalogue, staff, 1, days_ago=20)
    _submitted(catalogue, staff, 2, days_ago=0)
    staff["sekretariat"].email = "sekretariat@example.org"
    staff["ketua"].email = "ketua@example.org"  # the chair: nothing waits for him today
    staff["mutu"].email = "mutu@example.org"
    staff["mutu"].locale = "en"
    other = make_user("sekretariat2", Role.SECRETARIAT, email="lain@example.org", locale="en")
    silent = make_user("sekretariat3", Role.SECRETARIAT, email="diam@example.org")
    silent.daily_digest = False
    english = make_user("sekretariat4", Role.SECRETARIAT, locale="en")  # no address
    db.session.commit()
    return {"other": other, "silent": silent, "english": english}


def test_one_digest_a_day_from_the_configured_hour_in_each_language(
    app,
    mailbox,
    client,
    catalogue,
    staff,  # noqa: F811 (the imported fixture)
):
    _digests(staff, catalogue)
    app.config["DIGEST_HOUR"] = 7
    with clock.moved_by(_moved_to(1, 6, 59)):
        assert send_digests(db.session) == 0  # before the hour
    with clock.moved_by(_moved_to(1, 7)):
        assert send_digests(db.session) == 2
        assert send_digests(db.session) == 0  # a second run that day writes nothing
    with clock.moved_by(_moved_to(1, 22)):
        assert send_digests(db.session) == 0
    with clock.moved_by(_moved_to(2, 7, 30)):
        assert send_digests(db.session) == 2  # the next day, once more
    keys = set(db.session.scalars(select(OutboxMessage.key)))
    assert len(keys) == 4

    # The worker runs on the real clock: messages written on the moved days are due "later".
    with writing(db.session):
        db.session.execute(update(OutboxMessage).values(next_attempt_at=clock.now()))
    kick()
    mailbox.wait_for(4)
    # Only the moved days' digests (the worker's own hourly run may add today's).
    received = [m for m in mailbox.settle() if m["X-Outbox-Key"] in keys]
    assert (
        sorted(m["To"] for m in received)
        == ["lain@example.org"] * 2 + ["sekretariat@example.org"] * 2
    )

    day = clock.today() + timedelta(days=1)
    (first,) = [
        m
        for m in mailbox.to("sekretariat@example.org")
        if m["X-Outbox-Key"].endswith(day.isoformat())
    ]
    assert first["Subject"].startswith("2 pekerjaan menunggu Anda pada ")
    text = _text(first)
    assert "Permohonan untuk diverifikasi: 2 (1 terlambat)" in text
    login(client, "sekretariat")
    home = _cards(client.get("/admin/").get_data(as_text=True))
    base = app.config["PUBLIC_BASE_URL"]
    assert f"{base}{home['verify'][0]}" in text  # the same list as the home page's card
    assert (
        f'href="{html.escape(base + home["verify"][0])}"' in first.get_body(("html",)).get_content()
    )
    (english,) = [
        m for m in mailbox.to("lain@example.org") if m["X-Outbox-Key"].endswith(day.isoformat())
    ]
    assert english["Subject"].startswith("2 items are waiting for you on ")
    assert "Applications to verify: 2 (1 overdue)" in _text(english)


def test_the_digest_is_each_persons_own_choice_on_their_account_page(
    app,
    client,
    catalogue,
    staff,  # noqa: F811 (the imported fixture)
):
    login(client, "sekretariat")
    page = client.get(ACCOUNT).get_data(as_text=True)
    box = re.search(r'<input[^>]*id="daily_digest"[^>]*>', page).group(0)
    assert "checked" in box  # on by default for whom work waits
    assert "tidak punya alamat e-mail" in page

    token = csrf_token(client, ACCOUNT)
    response = client.post(f"{ACCOUNT}ringkasan/", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, staff["sekretariat"].id).daily_digest is False
    page = client.get(ACCOUNT).get_data(as_text=True)
    assert "Anda tidak akan lagi menerima e-mail harian." in page
    assert "checked" not in re.search(r'<input[^>]*id="daily_digest"[^>]*>', page).group(0)

    response = client.post(f"{ACCOUNT}ringkasan/", data={"daily_digest": "y"})  # no CSRF token
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, staff["sekretariat"].id).daily_digest is False


def test_staff_without_worklists_are_not_offered_the_digest(app, client):
    make_user("admin", Role.ADMIN)
    login(client, "admin")
    page = client.get(ACCOUNT).get_data(as_text=True)
    assert "Kata sandi saat ini" in page and 'id="daily_digest"' not in page
