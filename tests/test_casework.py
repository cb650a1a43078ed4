"""The workflow service against a real database: every step, refusals, races, concurrency."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from itertools import count

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from portal import casework
from portal.extensions import db
from portal.models import (
    Appeal,
    AuditEvent,
    Case,
    CaseUnit,
    Certificate,
    DecisionMeeting,
    MeetingAttendee,
    OutboxMessage,
    SchemeRequirement,
    SurveillanceReport,
    User,
)
from portal.rules.requirements import pustakawan_alternatives
from portal.rules.vocabulary import CaseStatus, CertificateStatus, Role
from portal.rules.workflow import ALREADY_DONE, Action, Refusal
from tests.conftest import judged_attachment, make_user

TODAY = date(2026, 3, 2)
SETTINGS = {"today": TODAY}
_files = count(1)


@pytest.fixture
def world(app: Flask, catalogue: dict) -> dict:
    """The catalogue, the scheme's basic requirements, a decision meeting and one user per role."""
    catalogue["assessor"].licence_valid_until = TODAY + timedelta(days=365)
    db.session.add_all(
        SchemeRequirement(scheme=catalogue["scheme"], position=i, **vars(alt))
        for i, alt in enumerate(pustakawan_alternatives(), 1)
    )
    db.session.commit()
    users = {
        "secretariat": make_user("sekretariat", Role.SECRETARIAT),
        "assessor": make_user("asesor", Role.ASSESSOR, assessor=catalogue["assessor"]),
        "chair": make_user("ketua", Role.CHAIR),
        "quality": make_user("mutu", Role.QUALITY_HEAD),
        "head": make_user("sertifikasi", Role.CERTIFICATION_HEAD),
    }
    meeting = DecisionMeeting(
        held_on=TODAY,
        place="Jakarta",
        chair_id=users["chair"].id,
        attendees=[
            MeetingAttendee(user_id=users[name].id, position=name)
            for name in ("chair", "quality", "head")
        ],
    )
    db.session.add(meeting)
    db.session.commit()
    return {**catalogue, "asesor": catalogue["assessor"], **users, "meeting": meeting}


def new_cases(world: dict, n: int = 1, status: CaseStatus = CaseStatus.DRAFT) -> list[int]:
    """Cases ready for their next step: units, signed declaration, judged attachments."""
    ids = []
    for _ in range(n):
        case = Case(
            reg_number=f"T-{next(_files):06d}",
            applicant=world["applicant"],
            scheme=world["scheme"],
            status=status.value,
            declaration_signed=True,
            units=[CaseUnit(unit=unit) for unit in world["units"]],
        )
        case.attachments = [judged_attachment(kind) for kind in ("photo", "ijazah")]
        db.session.add(case)
        db.session.flush()
        ids.append(case.id)
    db.session.commit()
    return ids


def run(world: dict, who: str, action: Action, ids: list[int], **inputs) -> casework.Outcome:
    """Apply an action as one of the world's users."""
    return casework.apply(db.session, action, ids, world[who], inputs, SETTINGS)


def all_units(world: dict, **values) -> dict:
    """The same per-unit input for every unit of the scheme."""
    return {unit.id: dict(values) for unit in world["units"]}


def statuses(ids: list[int]) -> list[str]:
    """The cases' statuses, read fresh from the database."""
    db.session.expire_all()
    return [db.session.get(Case, i).status for i in ids]


def steps_to_planned(world: dict, methods: list[str]) -> list[tuple[str, Action, dict]]:
    """Who does what from a draft to a case ready for assessment: (role, action, inputs)."""
    return [
        ("secretariat", Action.SUBMIT, {}),
        ("secretariat", Action.VERIFY, {}),
        (
            "secretariat",
            Action.ASSIGN_ASSESSOR,
            {"assessor_id": world["asesor"].id, "assessment_date": TODAY},
        ),
        ("secretariat", Action.RECORD_SELF_ASSESSMENT, {"units": all_units(world, verdict="K")}),
        (
            "assessor",
            Action.PRE_ASSESS,
            {
                "units": all_units(world, methods=methods),
                "tuk_id": world["tuk"].id,
                "assessment_date": TODAY,
                "agreement_confirmed": True,
            },
        ),
    ]


def to_assessed(world: dict, ids: list[int], verdict: str = "K") -> None:
    """Take draft cases through submission, verification, planning and assessment."""
    for who, action, inputs in steps_to_planned(world, ["observasi", "lisan"]):
        assert run(world, who, action, ids, **inputs).done == ids, action
    reassess(world, ids, verdict)


def reassess(world: dict, ids: list[int], verdict: str) -> None:
    """The assessor records the same verdict for every unit under assessment."""
    units = all_units(world, verdict=verdict, note="Perlu latihan" if verdict == "BK" else None)
    assert run(world, "assessor", Action.RECOMMEND, ids, units=units).done == ids


def decide(world: dict, ids: list[int]) -> casework.Outcome:
    """The chair decides in the meeting, following the recommendations."""
    return run(world, "chair", Action.DECIDE, ids, meeting_id=world["meeting"].id)


def test_happy_path_from_draft_to_certificate(world):
    ids = new_cases(world)
    to_assessed(world, ids)
    assert decide(world, ids).done == ids
    assert statuses(ids) == [CaseStatus.COMPETENT]
    assert run(world, "chair", Action.ISSUE, ids).done == ids

    case = db.session.get(Case, ids[0])
    cert = case.certificate
    assert case.status == CaseStatus.CERTIFIED
    assert cert.number == "00001/LSP-PUST/KLP/2026"
    assert (cert.issued_on, cert.expires_on) == (TODAY, date(2029, 3, 2))
    assert cert.next_surveillance_due == date(2027, 3, 2)
    assert cert.holder_name == "Budi Santoso" and len(cert.verify_code) >= 16
    assert case.requirement_met == "D2 or higher in library science"
    assert case.recommended_on == TODAY  # the service's day, from the one clock
    assert [u.result for u in case.units] == ["K", "K"]
    trail = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()
    assert trail == [
        "submit",
        "verify",
        "assign_assessor",
        "record_self_assessment",
        "pre_assess",
        "recommend",
        "decide",
        "issue",
    ]


def test_issuing_twice_makes_one_certificate(world):
    ids = new_cases(world)
    to_assessed(world, ids)
    decide(world, ids)
    assert run(world, "chair", Action.ISSUE, ids).done == ids
    again = run(world, "chair", Action.ISSUE, ids)
    assert again.done == [] and again.skipped[0][2].msgid == ALREADY_DONE
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_bk_appeal_upheld_reassesses_only_bk_units(world):
    ids = new_cases(world)
    to_assessed(world, ids)
    first, second = world["units"]
    mixed = {first.id: {"verdict": "K"}, second.id: {"verdict": "BK", "reason": "Bukti kurang"}}
    assert run(world, "chair", Action.DECIDE, ids, meeting_id=world["meeting"].id, units=mixed).done
    assert statuses(ids) == [CaseStatus.NOT_YET_COMPETENT]

    appeal = dict(
        reason="Penilaian tidak adil",
        process_explained=True,
        discussed_with_assessor=True,
        involved_others=False,
    )
    assert run(world, "secretariat", Action.APPEAL, ids, **appeal).done == ids
    upheld = run(world, "quality", Action.DECIDE_APPEAL, ids, outcome="upheld", reason="Diterima")
    assert upheld.done == ids
    case = db.session.get(Case, ids[0])
    units = {cu.unit_id: cu for cu in case.units}
    assert case.status == CaseStatus.READY_FOR_ASSESSMENT
    assert (units[first.id].result, units[first.id].reassessment_count) == ("K", 0)
    assert (units[second.id].result, units[second.id].reassessment_count) == (None, 1)
    assert db.session.scalar(select(Appeal.status)) == "upheld"

    reassess(world, ids, "K")
    assert decide(world, ids).done == ids
    assert statuses(ids) == [CaseStatus.COMPETENT]


def _fail_and_appeal(world: dict, ids: list[int]) -> casework.Outcome:
    """Decide BK, appeal, and have the appeal upheld."""
    assert decide(world, ids).done == ids
    appeal = dict(reason="Banding", process_explained=True)
    appeal |= dict(discussed_with_assessor=True, involved_others=True)
    assert run(world, "secretariat", Action.APPEAL, ids, **appeal).done == ids
    return run(world, "quality", Action.DECIDE_APPEAL, ids, outcome="upheld", reason="Ulang")


def test_no_fourth_reassessment_the_case_closes_and_a_new_application_is_offered(world):
    ids = new_cases(world)
    to_assessed(world, ids, verdict="BK")
    for _ in range(3):
        assert _fail_and_appeal(world, ids).done == ids
        reassess(world, ids, "BK")
    fourth = _fail_and_appeal(world, ids)
    assert fourth.done == ids
    assert statuses(ids) == [CaseStatus.CLOSED], "closed, not left in Banding"
    case = db.session.get(Case, ids[0])
    assert case.closing_reason == "Ulang"
    assert max(cu.reassessment_count for cu in case.units) == 3

    new = casework.start_new_application_from(
        db.session, db.session.get(Case, ids[0]), world["secretariat"], SETTINGS
    )
    assert (new.status, new.previous_case_id, len(new.units)) == ("draft", ids[0], 2)
    with pytest.raises(Refusal, match="already started"):
        casework.start_new_application_from(
            db.session, db.session.get(Case, ids[0]), world["secretariat"], SETTINGS
        )


def test_rejected_appeal_closes_with_the_reason(world):
    ids = new_cases(world)
    to_assessed(world, ids, verdict="BK")
    decide(world, ids)
    appeal = dict(reason="x", process_explained=False, discussed_with_assessor=False)
    run(world, "secretariat", Action.APPEAL, ids, involved_others=False, **appeal)
    out = run(
        world, "quality", Action.DECIDE_APPEAL, ids, outcome="rejected", reason="Tidak ada dasar"
    )
    assert out.done == ids
    case = db.session.get(Case, ids[0])
    assert (case.status, case.closing_reason) == ("closed", "Tidak ada dasar")


def _certify(world: dict, n: int = 1) -> list[Certificate]:
    """Cases taken all the way to an issued certificate."""
    ids = new_cases(world, n)
    to_assessed(world, ids)
    decide(world, ids)
    run(world, "chair", Action.ISSUE, ids)
    return [db.session.get(Case, i).certificate for i in ids]


def test_recertification_supersedes_the_old_certificate(world):
    (old,) = _certify(world)
    old.expires_on = TODAY + timedelta(days=90)
    db.session.commit()
    new = casework.start_recertification(db.session, old, world["head"], SETTINGS)
    assert (new.purpose, new.previous_certificate_id) == ("sertifikasi_ulang", old.id)
    assert [u.unit_id for u in new.units] == [u.id for u in world["units"]]
    with pytest.raises(Refusal, match="already under way"):
        casework.start_recertification(db.session, old, world["head"], SETTINGS)

    new.attachments = [judged_attachment("photo"), judged_attachment("ijazah")]
    new.declaration_signed = True
    db.session.commit()
    to_assessed(world, [new.id])
    decide(world, [new.id])
    assert run(world, "chair", Action.ISSUE, [new.id]).done == [new.id]
    db.session.expire_all()
    old = db.session.get(Certificate, old.id)
    assert old.status == CertificateStatus.SUPERSEDED
    assert old.superseded_by_id == db.session.get(Case, new.id).certificate.id


def test_recertification_waits_for_the_horizon(world):
    (cert,) = _certify(world)
    with pytest.raises(Refusal, match="beyond the next 6 months"):
        casework.start_recertification(db.session, cert, world["head"], SETTINGS)


def test_suspend_and_reinstate(world):
    (cert,) = _certify(world)
    head = world["head"]
    change = casework.change_certificates
    assert change(db.session, "suspend", [cert.id], head, "Surveilan terlambat", SETTINGS).done
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).status == "suspended"
    no_reason = change(db.session, "reinstate", [cert.id], head, "", SETTINGS)
    assert no_reason.skipped[0][2].msgid == "A reason is required."
    assert change(db.session, "reinstate", [cert.id], head, "Laporan diterima", SETTINGS).done
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).status == "active"
    trail = db.session.scalars(
        select(AuditEvent.to_status).where(AuditEvent.certificate_id == cert.id)
    ).all()
    assert trail == ["certified", "suspended", "active"]


def test_surveillance_moves_the_due_date_on(world):
    (cert,) = _certify(world)
    report = casework.record_surveillance(
        db.session,
        cert,
        world["secretariat"],
        placement="Perpustakaan Nasional",
        duties="Layanan referensi",
        job_fit="sesuai",
        settings={"today": date(2027, 3, 1)},
    )
    assert report.due_on == date(2027, 3, 2)
    assert db.session.get(Certificate, cert.id).next_surveillance_due == date(2028, 3, 2)


def test_expired_certificates_are_marked(world):
    (cert,) = _certify(world)
    assert casework.expire_certificates(db.session, {"today": date(2029, 3, 3)}) == 1
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).status == "expired"


def test_bulk_reports_every_skipped_case_with_its_reason(world):
    ids = new_cases(world, 3)
    unsigned = db.session.get(Case, ids[1])
    unsigned.declaration_signed = False
    db.session.get(Case, ids[2]).units = []
    db.session.commit()
    out = run(world, "secretariat", Action.SUBMIT, [*ids, 999_999])
    assert out.done == [ids[0]]
    reasons = {case_id: (reg, str(r)) for case_id, reg, r in out.skipped}
    assert reasons[ids[1]] == (unsigned.reg_number, "The applicant has not signed the declaration.")
    assert reasons[ids[2]][1] == "Choose at least one unit of the scheme."
    assert reasons[999_999] == ("", "Case not found.")
    assert statuses(ids) == ["submitted", "draft", "draft"]


def test_a_refused_input_changes_nothing(world):
    ids = new_cases(world, 2, CaseStatus.SUBMITTED)
    out = run(world, "secretariat", Action.RETURN, ids, reason="  ")
    assert out.done == [] and {str(r) for _i, _g, r in out.skipped} == {"A reason is required."}
    assert statuses(ids) == ["submitted", "submitted"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_assessor_assignment_refusals(world):
    ids = new_cases(world, 1, CaseStatus.VERIFIED)
    assessor = world["asesor"]
    inputs = {"assessor_id": assessor.id, "assessment_date": TODAY + timedelta(days=400)}
    out = run(world, "secretariat", Action.ASSIGN_ASSESSOR, ids, **inputs)
    assert "is not valid on" in str(out.skipped[0][2])
    out = run(world, "secretariat", Action.ASSIGN_ASSESSOR, ids, assessor_id=123456)
    assert str(out.skipped[0][2]) == "Choose an assessor."


def test_only_the_assigned_assessor_acts(world):
    ids = new_cases(world)
    to_assessed(world, ids)
    other = make_user("asesor2", Role.ASSESSOR)
    db.session.execute(Case.__table__.update().values(status="ready_for_assessment"))
    db.session.commit()
    assert casework.case_page(db.session, ids[0], world["assessor"]).actions == [Action.RECOMMEND]
    assert casework.case_page(db.session, ids[0], other) is None  # not their case: not shown
    out = casework.apply(db.session, "recommend", ids, other, {}, SETTINGS)
    assert str(out.skipped[0][2]) == "Only the assessor assigned to this case may do this."


def test_a_lost_race_is_reported_as_already_done(world):
    ids = new_cases(world, 2, CaseStatus.SUBMITTED)
    assert run(world, "secretariat", Action.RETURN, ids[:1], reason="Ijazah buram").done
    out = run(world, "secretariat", Action.RETURN, ids, reason="Ijazah buram")
    assert out.done == [ids[1]]
    assert [(i, r.msgid) for i, _reg, r in out.skipped] == [(ids[0], ALREADY_DONE)]


def test_guarded_update_loses_when_the_status_moved_after_reading(world, monkeypatch):
    """A status that changes between reading the facts and writing is reported, not overwritten."""
    ids = new_cases(world, 2, CaseStatus.SUBMITTED)
    real_load = casework.transitions.load_facts

    def load_then_someone_else_writes(session, case_ids, **kwargs):
        facts = real_load(session, case_ids, **kwargs)
        session.execute(Case.__table__.update().where(Case.id == ids[0]).values(status="returned"))
        return facts

    monkeypatch.setattr(casework.transitions, "load_facts", load_then_someone_else_writes)
    out = run(world, "secretariat", Action.VERIFY, ids)
    assert out.done == [ids[1]]
    assert [(i, r.msgid) for i, _reg, r in out.skipped] == [(ids[0], ALREADY_DONE)]
    assert statuses(ids) == ["returned", "verified"]


def concurrently(app: Flask, workers: int, action: str, ids: list[int], user_id: int) -> list[int]:
    """Run the same action on the same cases from several threads at once; the ids each did."""
    barrier, done, errors = threading.Barrier(workers), [], []

    def work() -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                done.extend(casework.apply(db.session, action, ids, user, {}, SETTINGS).done)
            except Exception as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.rollback()  # end this thread's read snapshot: the workers committed after it
    return done


def test_concurrent_issuers_make_exactly_one_numbered_certificate_per_case(app, world):
    n = 500
    ids = new_cases(world, n, CaseStatus.ASSESSED)
    db.session.execute(CaseUnit.__table__.update().values(recommendation="K"))
    db.session.commit()
    assert decide(world, ids).done == ids

    done = concurrently(app, 8, "issue", ids, world["chair"].id)

    assert sorted(done) == ids
    seqs = db.session.scalars(select(Certificate.seq).order_by(Certificate.seq)).all()
    assert seqs == list(range(1, n + 1))
    assert len(set(db.session.scalars(select(Certificate.number)))) == n
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "issue")) == n


def test_concurrent_verifiers_apply_each_case_once(app, world):
    ids = new_cases(world, 200, CaseStatus.SUBMITTED)

    done = concurrently(app, 8, "verify", ids, world["secretariat"].id)

    assert sorted(done) == ids
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "verify")) == 200


def test_surveillance_report_needs_a_live_certificate(world):
    (cert,) = _certify(world)
    casework.change_certificates(db.session, "withdraw_certificate", [cert.id], world["head"], "x")
    with pytest.raises(Refusal, match="withdrawn"):
        casework.record_surveillance(
            db.session,
            cert,
            world["secretariat"],
            placement="p",
            duties="d",
            job_fit="sesuai",
            settings=SETTINGS,
        )
    assert db.session.scalar(select(func.count()).select_from(SurveillanceReport)) == 0


def test_case_rows_line_up_with_the_facts_they_build():
    from dataclasses import fields

    from portal.casework.facts import _FACT_COLUMNS
    from portal.rules.workflow import CaseFacts

    names = [column.key for column in _FACT_COLUMNS]
    assert names == [f.name for f in fields(CaseFacts)][: len(names)]


@pytest.fixture
def statements(app):
    """The SQL statements run since the last `clear()` (BEGIN/COMMIT are not queries)."""
    found: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT")):
            found.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield found
    event.remove(db.engine, "before_cursor_execute", count)


def test_every_step_costs_no_more_queries_for_12_cases_than_for_2(world, statements):
    """Set-based: the facts, rules, writes, audit events and messages of a batch cost a constant
    number of statements, however many cases it holds (an executemany counts once)."""
    world["applicant"].email = "budi@example.com"
    world["asesor"].email = "siti@example.com"
    db.session.commit()
    small, large = new_cases(world, 2), new_cases(world, 12)
    steps = [
        *steps_to_planned(world, ["observasi"]),
        ("assessor", Action.RECOMMEND, {"units": all_units(world, verdict="K")}),
        ("chair", Action.DECIDE, {"meeting_id": world["meeting"].id}),
        ("chair", Action.ISSUE, {}),
    ]
    for who, action, inputs in steps:
        counts = []
        for ids in (small, large):
            db.session.expire_all()  # no step reads what an earlier one left in the session
            statements.clear()
            assert run(world, who, action, ids, **inputs).done == ids, action
            counts.append(len(statements))
        # no more for 12 than for 2 (the first issue also creates its number series' counter)
        assert counts[1] <= counts[0], (action, counts, statements)
    messages = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    # five to the applicant (submitted, verified, planned, decided, issued), one to the asesor
    assert messages == 14 * 6
