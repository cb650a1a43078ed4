"""The served portal and its data: a fresh database seeded once per session, and shortcuts that
put a case in a given state through the workflow service (for scenarios that start mid-flow).

Scenarios click through the step they are about; the steps before it are taken here, with the
same service the screens call, so the audit trail and every guard are real.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from flask import Flask, got_request_exception, request
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from portal import casework, clock, create_app
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.models import (
    Applicant,
    ApplicantAccount,
    Assessor,
    Attachment,
    Case,
    CaseUnit,
    DecisionMeeting,
    MeetingAttendee,
    Scheme,
    Tuk,
    User,
)
from portal.passwords import hash_password
from portal.reference import basic_requirements
from portal.rules.vocabulary import CASE_STATUS_LABELS, CaseStatus
from portal.rules.workflow import Action
from portal.rules.workflow import label as action_msgid

PASSWORD = DEMO_PASSWORD
# The demo's staff (portal/demo.py): one login per role, and six asesor.
SECRETARIAT, CHAIR, CERT_HEAD, QUALITY_HEAD = "sekretariat", "ketua", "kabid", "mutu"
BULK_SCHEME = "E2E-MASSAL"  # a scheme only the bulk scenario uses, so its filter is exact

_serial = count(1)


def unique(prefix: str) -> str:
    """A name no other scenario uses in this session."""
    return f"{prefix} {next(_serial):03d}"


def new_nik() -> str:
    """A valid NIK no other applicant has (Jakarta Selatan, born 01-01-2001, male)."""
    return f"317101010101{next(_serial):04d}"


@dataclass
class Live:
    """The portal served on a loopback port, with its database and what went wrong server-side."""

    app: Flask
    url: str
    upload_dir: Path
    server: BaseWSGIServer
    server_errors: list[str] = field(default_factory=list)
    meeting: tuple[int, str] = (0, "")  # the seeded decision meeting: id and its form label

    # --- the database, from the test's own thread --------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        """The app's session in a short app context (the server's threads have their own)."""
        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    @property
    def today(self) -> date:
        """Today as the workflow counts days (the LSP's time zone)."""
        return casework.Settings.of(self.app.config).today

    def user(self, session: Session, username: str) -> User:
        return session.scalar(select(User).where(User.username == username))

    def assessor_of(self, username: str) -> tuple[int, str]:
        """The Assessor record (id, name) linked to an asesor login."""
        with self.session() as s:
            assessor = self.user(s, username).assessor
            return assessor.id, assessor.full_name

    def status_of(self, case_id: int) -> str:
        with self.session() as s:
            return s.get(Case, case_id).status

    def case_id(self, reg_number: str) -> int:
        with self.session() as s:
            return s.scalar(select(Case.id).where(Case.reg_number == reg_number))

    def scheme_id(self, code: str) -> int:
        with self.session() as s:
            return s.scalar(select(Scheme.id).where(Scheme.code == code))

    def units_of(self, case_id: int) -> list[tuple[int, str]]:
        """The chosen units of a case: (unit id, code), by code."""
        with self.session() as s:
            case = s.get(Case, case_id)
            return sorted(((cu.unit.id, cu.unit.code) for cu in case.units), key=lambda u: u[1])

    def reassessments(self, case_id: int) -> dict[str, int]:
        with self.session() as s:
            return {cu.unit.code: cu.reassessment_count for cu in s.get(Case, case_id).units}

    # --- words as the Indonesian screens show them -------------------------------------------

    def text(self, msgid: str, **params: Any) -> str:
        """A message of the portal in Indonesian, as staff see it."""
        with self.app.test_request_context(), force_locale("id"):
            return gettext(msgid, **params)

    def status_label(self, status: CaseStatus) -> str:
        return self.text(CASE_STATUS_LABELS[status])

    def action_label(self, action: Action) -> str:
        return self.text(action_msgid(action))

    # --- data for scenarios that start mid-flow ----------------------------------------------

    def new_applicant(self, full_name: str) -> int:
        """An applicant who meets the first basic requirement (S1 in library science)."""
        with self.session() as s:
            applicant = Applicant(
                nik=new_nik(),
                full_name=full_name,
                birth_place="Jakarta",
                birth_date=date(2001, 1, 1),
                sex="L",
                address="Jl. Salemba Raya 28A, Jakarta",
                phone="+6281234567890",
                education_level="S1",
                education_major="Ilmu Perpustakaan",
                library_field=True,
            )
            s.add(applicant)
            s.commit()
            return applicant.id

    def new_cases(
        self,
        applicant_ids: Sequence[int],
        scheme_code: str = "DEMO-LP",
        *,
        signed: bool | Sequence[bool] = True,
    ) -> list[int]:
        """Draft applications with every unit of the scheme and both required attachments."""
        flags = [signed] * len(applicant_ids) if isinstance(signed, bool) else list(signed)
        with self.session() as s:
            scheme = s.scalar(select(Scheme).where(Scheme.code == scheme_code))
            cases = []
            for applicant_id, is_signed in zip(applicant_ids, flags, strict=True):
                case = Case(
                    reg_number=f"E2E-{next(_serial):06d}",
                    applicant_id=applicant_id,
                    scheme=scheme,
                    units=[CaseUnit(unit=unit) for unit in scheme.units],
                    declaration_signed=is_signed,
                    declaration_name="Pemohon" if is_signed else None,
                    declaration_date=self.today if is_signed else None,
                    attachments=[_attachment(kind) for kind in ("photo", "ijazah")],
                )
                s.add(case)
                cases.append(case)
            s.commit()
            return [case.id for case in cases]

    def advance(self, case_ids: list[int], *steps: tuple[str, Action, dict[str, Any]]) -> None:
        """Apply workflow steps (username, action, inputs) with the service, each on every case."""
        with self.session() as s:
            for username, action, inputs in steps:
                outcome = casework.apply(
                    s, action, case_ids, self.user(s, username), inputs, self.app.config
                )
                refused = [(reg, r.msgid, r.params) for _id, reg, r in outcome.skipped]
                assert not refused, f"{action} refused while preparing the scenario: {refused}"

    def to_self_assessed(self, case_ids: list[int], asesor: str) -> None:
        """Submitted, verified, self-assessed K, with the asesor assigned (plan in a week)."""
        assessor_id, _name = self.assessor_of(asesor)
        units = {unit_id: {"verdict": "K"} for unit_id, _code in self.units_of(case_ids[0])}
        self.advance(
            case_ids,
            (SECRETARIAT, Action.SUBMIT, {}),
            (SECRETARIAT, Action.VERIFY, {}),
            (SECRETARIAT, Action.RECORD_SELF_ASSESSMENT, {"units": units}),
            (
                CERT_HEAD,
                Action.ASSIGN_ASSESSOR,
                {"assessor_id": assessor_id, "assessment_date": self.today + timedelta(days=7)},
            ),
        )

    def to_ready_for_assessment(self, case_ids: list[int], asesor: str) -> None:
        """As `to_self_assessed`, then pre-assessed by the asesor: ready to be assessed."""
        self.to_self_assessed(case_ids, asesor)
        with self.session() as s:
            tuk_id = s.scalar(select(Tuk.id).order_by(Tuk.id))
        units = {u: {"methods": ["observasi", "lisan"]} for u, _c in self.units_of(case_ids[0])}
        self.advance(
            case_ids,
            (
                asesor,
                Action.PRE_ASSESS,
                {
                    "tuk_id": tuk_id,
                    "assessment_date": self.today,
                    "agreement_confirmed": True,
                    "units": units,
                },
            ),
        )

    def to_decided(self, case_ids: list[int], asesor: str, bk_units: Sequence[int] = ()) -> None:
        """As `to_ready_for_assessment`, then recommended (K, or BK for `bk_units`) and decided
        by the chair in the seeded meeting, following the asesor."""
        self.to_ready_for_assessment(case_ids, asesor)
        units = {
            unit_id: {"verdict": "BK", "note": "Perlu latihan menyusun laporan kerja"}
            if unit_id in bk_units
            else {"verdict": "K"}
            for unit_id, _code in self.units_of(case_ids[0])
        }
        self.advance(
            case_ids,
            (asesor, Action.RECOMMEND, {"units": units}),
            (CHAIR, Action.DECIDE, {"meeting_id": self.meeting[0]}),
        )

    def to_certified(self, case_ids: list[int], asesor: str) -> None:
        """As `to_decided` with every unit K, then the certificate issued by the chair."""
        self.to_decided(case_ids, asesor)
        self.advance(case_ids, (CHAIR, Action.ISSUE, {}))

    def new_account(self, applicant_id: int, email: str) -> None:
        """A confirmed applicant account (password PASSWORD) holding the record staff made, as
        after the link code sent to the record's e-mail; the LSP's messages go to `email`."""
        with self.session() as s:
            applicant = s.get(Applicant, applicant_id)
            applicant.email = email
            s.add(
                ApplicantAccount(
                    email=email,
                    nik=applicant.nik,
                    full_name=applicant.full_name,
                    password_hash=hash_password(PASSWORD),
                    confirmed_at=clock.now(),
                    applicant_id=applicant.id,
                )
            )
            s.commit()


def _attachment(kind: str) -> Attachment:
    """A current attachment row, judged present and adequate (its file is never opened)."""
    return Attachment(
        kind=kind,
        original_name=f"{kind}.pdf",
        stored_name=f"{secrets.token_hex(16)}.pdf",
        mime_type="application/pdf",
        size_bytes=1024,
        sha256="0" * 64,
        present=True,
        adequate=True,
    )


# --- the session's server --------------------------------------------------------------------


def start(tmp: Path) -> Live:
    """Build the app on a fresh SQLite file, seed it, and serve it from a background thread."""
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'e2e.db'}",
            "UPLOAD_DIR": tmp / "uploads",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,  # real forms carry real tokens
            "TESTING": False,  # errors reach the error pages and the signal below, as in production
            "DEMO": False,
            "PUBLIC_BASE_URL": "http://127.0.0.1",  # the real port is set below, once known
            "SEND_FILE_MAX_AGE_DEFAULT": 600,  # scripts and styles cached, as behind a proxy
            "BROKER_URL": f"sqlite:///{tmp / 'broker.db'}",  # the worker's queue (test_jobs)
            "JOB_RESULT_DIR": tmp / "jobs",
        }
    )
    with app.app_context():
        db.create_all()
        seed(db.session, tmp / "uploads", casework.Settings.of(app.config).today)
        meeting = db.session.scalar(select(DecisionMeeting).order_by(DecisionMeeting.id.desc()))
        meeting_ref = (meeting.id, f"{meeting.held_on:%d-%m-%Y} {meeting.place}")
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url
    live = Live(app, url, tmp / "uploads", server, meeting=meeting_ref)

    def record(sender: Flask, exception: BaseException, **_extra: Any) -> None:
        live.server_errors.append(f"{request.method} {request.full_path}: {exception!r}")

    got_request_exception.connect(record, app, weak=False)
    threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True).start()
    return live


def seed(session: Session, upload_dir: Path, today: date) -> None:
    """The demo LSP (staff for every role, schemes, TUKs, asesor with logins; one draft case),
    a decision meeting held today, and a scheme of its own for the bulk scenario."""
    seed_demo(session, 1, upload_dir, today=today)
    users = {u.username: u for u in session.scalars(select(User))}
    meeting = DecisionMeeting(
        held_on=today,
        place="Ruang rapat E2E",
        chair=users[CHAIR],
        minutes="Rapat keputusan sertifikasi (uji E2E).",
        attendees=[
            MeetingAttendee(user=users[CHAIR], position="Ketua LSP"),
            MeetingAttendee(user=users[SECRETARIAT], position="Sekretariat"),
            MeetingAttendee(user=users[CERT_HEAD], position="Kepala Bidang Sertifikasi"),
        ],
    )
    demo_lp = session.scalar(select(Scheme).where(Scheme.code == "DEMO-LP"))
    bulk = Scheme(
        code=BULK_SCHEME,
        title="Klaster Uji Massal (E2E)",
        scheme_type=demo_lp.scheme_type,
        standard="Demo",
        units=list(demo_lp.units),
        requirements=basic_requirements(),
    )
    for assessor in session.scalars(select(Assessor)):
        assessor.schemes.append(bulk)
    session.add_all([meeting, bulk])
    session.commit()
