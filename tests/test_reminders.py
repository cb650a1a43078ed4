"""Reminders to certificate holders: with the one clock moved forward day by day, each goes out
on its day (surveillance 30 days before and once overdue, expiry 6 and 3 months before), never
twice, and reaches the holder through the real worker and SMTP server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bench.bench_pdf import make_certificates
from portal import clock
from portal.extensions import db
from portal.models import Applicant, Certificate, OutboxMessage
from portal.reminders import send_reminders
from portal.rules.certificates import add_months
from portal.transactions import writing
from portal.worker.engine import kick


def test_each_reminder_goes_out_on_its_day_and_never_twice(app, mailbox):
    make_certificates(2)
    start = clock.today()
    surveilled, expiring = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    surveilled.next_surveillance_due = start + timedelta(days=40)
    expiring.expires_on = start + timedelta(days=200)
    for n, applicant in enumerate(db.session.scalars(select(Applicant).order_by(Applicant.id))):
        applicant.email = f"holder{n}@example.org"
    db.session.commit()

    first_day: dict[str, int] = {}
    for day in range(0, 211):
        with clock.moved_by(timedelta(days=day)):
            send_reminders(db.session, clock.today())
            send_reminders(db.session, clock.today())  # run twice the same day: nothing more
        for key in db.session.scalars(select(OutboxMessage.key)):
            first_day.setdefault(key.split(":")[0] + ":" + key.split(":")[1], day)

    def first_within(months: int) -> int:
        """The first day on which the expiry is at most `months` away."""
        return next(
            d
            for d in range(400)
            if add_months(start + timedelta(days=d), months) >= expiring.expires_on
        )

    six, three = first_within(6), first_within(3)
    assert 0 < six < three
    assert first_day == {
        "surveillance_due:due": 10,
        "surveillance_overdue:overdue": 41,
        "certificate_expiring:6m": six,
        "certificate_expiring:3m": three,
    }
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 4

    # The worker runs on the real clock: messages written on the moved days are due "later".
    with writing(db.session):
        db.session.execute(update(OutboxMessage).values(next_attempt_at=clock.now()))
    kick()
    messages = mailbox.wait_for(4)
    received = {m["Subject"]: m for m in messages}
    due = surveilled.next_surveillance_due
    expected = f"Laporan surveilan sertifikat {surveilled.number} jatuh tempo pada "
    (subject,) = [s for s in received if s.startswith(expected)]
    text = received[subject].get_body(("plain",)).get_content()
    assert received[subject]["To"] == "holder0@example.org"
    assert str(due.year) in subject and "surveilan" in text
    expiry = [m for m in messages if m["To"] == "holder1@example.org"]
    assert len(expiry) == 2
    assert all("sertifikasi ulang" in m.get_body(("plain",)).get_content() for m in expiry)
    assert len(mailbox.settle()) == 4
