"""Each workflow step tells the right person, in their language, with the facts they need; the
messages travel through the real worker to a real SMTP server on loopback."""

from __future__ import annotations

import io
from email.message import EmailMessage

from pypdf import PdfReader

from portal.extensions import db
from portal.models import Case, Schedule
from portal.rules.workflow import Action
from tests.test_casework import (  # noqa: F401 (world is a fixture)
    TODAY,
    decide,
    new_cases,
    run,
    to_assessed,
    world,
)

APPEAL = dict(
    reason="Penilaian tidak adil",
    process_explained=True,
    discussed_with_assessor=True,
    involved_others=False,
)


def _text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def _by_subject(messages: list[EmailMessage]) -> dict[str, EmailMessage]:
    return {m["Subject"]: m for m in messages}


def _addresses(people: dict) -> None:
    people["applicant"].email = "budi@example.org"
    people["asesor"].email = "siti@example.org"
    db.session.commit()


def test_the_path_to_a_certificate_tells_the_applicant_and_the_assessor(app, mailbox, world):  # noqa: F811 (the imported fixture)
    _addresses(world)
    ids = new_cases(world)
    reg = db.session.get(Case, ids[0]).reg_number
    to_assessed(world, ids)
    assert decide(world, ids).done == ids
    assert run(world, "chair", Action.ISSUE, ids).done == ids

    received = mailbox.wait_for(6)
    to_budi = _by_subject(mailbox.to("budi@example.org"))
    assert set(to_budi) == {
        f"Permohonan {reg} diterima",
        f"Permohonan {reg} telah diverifikasi: isilah asesmen mandiri",
        f"Asesmen untuk {reg} telah dijadwalkan",
        f"Keputusan sertifikasi untuk {reg}",
        "Sertifikat Anda 00001/LSP-PUST/KLP/2026 telah terbit",
    }
    planned = _text(to_budi[f"Asesmen untuk {reg} telah dijadwalkan"])
    assert "TUK Perpusnas" in planned and "2 Maret 2026" in planned and "Siti Asesor" in planned
    decided = _text(to_budi[f"Keputusan sertifikasi untuk {reg}"])
    assert "Kompeten" in decided and "DEMO.LP01.001.01" in decided and "banding" not in decided
    issued = _text(to_budi["Sertifikat Anda 00001/LSP-PUST/KLP/2026 telah terbit"])
    base = app.config["PUBLIC_BASE_URL"]
    assert f"{base}/asesi/" in decided.split(), "the applicant's own applications, not /jadwal"
    assert f"{base}/verifikasi?nomor=00001/LSP-PUST/KLP/2026" in issued
    assert "2 Maret 2029" in issued  # valid until

    (assigned,) = mailbox.to("siti@example.org")
    assert assigned["Subject"] == f"Permohonan {reg} ditugaskan kepada Anda"
    assert "Budi Santoso" in _text(assigned) and f"/admin/case/details/?id={ids[0]}" in _text(
        assigned
    )
    assert len(mailbox.settle()) == len(received) == 6


def test_returned_not_competent_and_appealed_each_say_why(app, mailbox, world):  # noqa: F811 (the imported fixture)
    _addresses(world)
    returned = new_cases(world)
    run(world, "secretariat", Action.SUBMIT, returned)
    out = run(world, "secretariat", Action.RETURN, returned, reason="Foto ijazah tidak terbaca")
    assert out.done == returned
    failed = new_cases(world)
    to_assessed(world, failed, verdict="BK")
    assert decide(world, failed).done == failed
    assert run(world, "secretariat", Action.APPEAL, failed, **APPEAL).done == failed
    outcome = dict(outcome="rejected", reason="Tidak ada dasar")
    assert run(world, "quality", Action.DECIDE_APPEAL, failed, **outcome).done == failed

    mailbox.wait_for(2 + 7)  # returned: 2; failed: 4 to the way, decision, 2 on the appeal
    texts = {m["Subject"].split(" ")[0] + ":" + m["Subject"]: _text(m) for m in mailbox.settle()}
    body = "\n".join(texts.values())
    assert "Foto ijazah tidak terbaca" in body
    assert "Belum Kompeten" in body and "16 Maret 2026" in body  # 14 days to appeal
    assert "Banding Anda ditolak." in body and "Tidak ada dasar" in body
    assert any("Banding untuk" in subject and "diterima" in subject for subject in texts)


def test_a_refused_action_sends_nothing(app, mailbox, world):  # noqa: F811 (the imported fixture)
    _addresses(world)
    ids = new_cases(world)
    to_assessed(world, ids)
    decide(world, ids)
    assert run(world, "chair", Action.ISSUE, ids).done == ids
    assert run(world, "chair", Action.ISSUE, ids).done == []  # already issued: refused
    mailbox.wait_for(6)
    subjects = [m["Subject"] for m in mailbox.settle()]
    assert sum("telah terbit" in s for s in subjects) == 1


def test_the_planned_assessment_carries_the_badge_of_a_case_on_a_schedule(app, mailbox, world):  # noqa: F811 (the imported fixture)
    world["applicant"].email = "budi@example.org"
    on_schedule, without = new_cases(world, 2)
    db.session.get(Case, on_schedule).schedule = Schedule(
        code="JDW-01",
        scheme=world["scheme"],
        tuk=world["tuk"],
        starts_on=TODAY,
        ends_on=TODAY,
        registration_deadline=TODAY,  # open: submitting takes a seat
        quota=10,
    )
    db.session.commit()
    regs = {cid: db.session.get(Case, cid).reg_number for cid in (on_schedule, without)}
    to_assessed(world, [on_schedule, without])

    mailbox.wait_for(6)  # received, verified and planned, for each case
    planned = _by_subject(mailbox.settle())
    with_badge = planned[f"Asesmen untuk {regs[on_schedule]} telah dijadwalkan"]
    (badge,) = with_badge.iter_attachments()
    assert badge.get_content_type() == "application/pdf"
    assert badge.get_filename() == f"kartu-peserta-{regs[on_schedule]}.pdf"
    reader = PdfReader(io.BytesIO(badge.get_content()))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Budi Santoso" in text and regs[on_schedule] in text and "TUK Perpusnas" in text
    assert "kartu peserta terlampir" in _text(with_badge)
    plain = planned[f"Asesmen untuk {regs[without]} telah dijadwalkan"]
    assert list(plain.iter_attachments()) == []  # no schedule, no badge: handed out at the TUK
    assert "tanda pengenal peserta diserahkan di TUK" in _text(plain)
