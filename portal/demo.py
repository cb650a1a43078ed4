"""Demo data: a believable LSP with cases in every status, clearly marked as demonstration.

What marks it: applicants and cases carry `is_demo`; units are coded `DEMO.…`; schemes, TUKs,
schedules and assessor registration numbers carry DEMO in their codes; names of BNSP code rows
end in `[demo]` (the province and regency codes follow Kemendagri, BNSP's own tables are not
verified); staff and assessors are fictional. Every demo login shares `DEMO_PASSWORD`.

Each case is consistent with its status: it went through the workflow's steps up to it (dates in
order, decisions in weekly meetings, assessments on scheduled Tuesdays), with the verdicts,
results, certificate, appeal and one audit event per step that this path implies. Numbers come
from the same counter series as real ones, so the portal carries on without gaps after the demo.

Seeding is refused when demo data exists already (or a demo username is taken): run it on a
fresh database. Speed: the catalogue is a few ORM rows; the cases are planned in memory, then
written per batch with one executemany per table and preassigned ids (straight to the driver on
SQLite). Every attachment row has its own file under the upload folder: a hard link to one demo
file where the file system allows, so 200,000 attachments cost no disk space for their content.
"""

from __future__ import annotations

import io
import os
import random
import secrets
import struct
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from hashlib import sha256
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from . import clock, demo_names
from .models import (
    Appeal,
    Applicant,
    Assessor,
    AssessorConflict,
    Attachment,
    AuditEvent,
    BnspCode,
    Case,
    CaseUnit,
    Certificate,
    DecisionMeeting,
    Element,
    Kuk,
    KukAnswer,
    Schedule,
    Scheme,
    SurveillanceReport,
    Tuk,
    Unit,
    User,
)
from .numbering import reserve
from .passwords import hash_password, password_problem
from .reference import basic_requirements
from .rules import certificates as certs
from .rules.requirements import pustakawan_alternatives
from .rules.vocabulary import (
    FINAL_CASE_STATUSES,
    AppealStatus,
    AttachmentKind,
    CaseStatus,
    CodeKind,
    ConflictKind,
    Education,
    JobFit,
    Purpose,
    Role,
    SchemeType,
    Sex,
    TukType,
    Verdict,
)
from .uploads import FileType, detect_type, new_stored_name, relative_path

DEMO_PASSWORD = "demo-pustakawan-2026"
BATCH_CASES = 5_000
S = CaseStatus


class DemoRefused(Exception):
    """Why demo data is not seeded (it exists already, or a demo username is taken)."""


# --- the fictional LSP -----------------------------------------------------------------------


@dataclass(frozen=True)
class StaffLogin:
    """A demo member of staff: login, roles, name and position."""

    username: str
    roles: tuple[Role, ...]
    full_name: str
    position: str | None = None


STAFF = (
    StaffLogin("admin", (Role.ADMIN,), "Administrator Portal (demo)"),
    StaffLogin("sekretariat", (Role.SECRETARIAT,), "Rina Marlina (demo)", "Kepala Bagian Umum"),
    StaffLogin("ketua", (Role.CHAIR,), "Hendra Gunawan (demo)", "Ketua LSP"),
    StaffLogin("wakil", (Role.DEPUTY_CHAIR,), "Agus Setiawan (demo)", "Wakil Ketua LSP"),
    StaffLogin(
        "kabid", (Role.CERTIFICATION_HEAD,), "Dewi Anggraini (demo)", "Kepala Bidang Sertifikasi"
    ),
    StaffLogin(
        "mutu", (Role.QUALITY_HEAD,), "Yusuf Hidayat (demo)", "Kepala Bidang Pengendali Mutu"
    ),
    StaffLogin(
        "standar", (Role.STANDARDS_HEAD,), "Yuliani Putri (demo)", "Kepala Bidang Standardisasi"
    ),
)
ASSESSOR_NAMES = (
    "Bambang Sutrisno",
    "Sri Wahyuni",
    "Ahmad Fauzi",
    "Lilis Suryani",
    "Heru Prasetyo",
    "Nurhayati Lubis",
)
ASSESSOR_USERNAMES = tuple(f"asesor{n}" for n in range(1, len(ASSESSOR_NAMES) + 1))
# (username, roles) of every demo login, for the printed list.
DEMO_USERS = [(login.username, ", ".join(login.roles)) for login in STAFF] + [
    (username, Role.ASSESSOR.value) for username in ASSESSOR_USERNAMES
]
MEETING_ATTENDEES = ("ketua", "sekretariat", "kabid", "mutu", "standar")

# Units exist only for the demo (the titles are public ones; elements and KUK are made up).
DEMO_UNITS = (
    ("DEMO.LP01.001.01", "Mengoperasikan Komputer Tingkat Dasar"),
    ("DEMO.LP01.002.01", "Menyusun Rencana Kerja Perpustakaan"),
    ("DEMO.LP01.003.01", "Membuat Laporan Kerja Perpustakaan"),
    ("DEMO.LP02.001.01", "Melakukan Seleksi Bahan Perpustakaan"),
    ("DEMO.LP02.002.01", "Melakukan Pengadaan Bahan Perpustakaan"),
    ("DEMO.PRP02.021.1", "Membuat Tajuk Kendali Subjek"),
)
DEMO_ELEMENTS = (
    ("Menyiapkan pekerjaan", ("Kebutuhan pekerjaan diidentifikasi.", "Peralatan kerja disiapkan.")),
    (
        "Melaksanakan pekerjaan",
        ("Pekerjaan dilaksanakan sesuai prosedur.", "Hasil pekerjaan diperiksa dan dicatat."),
    ),
)
DEMO_SCHEMES = (  # code, title, indexes into DEMO_UNITS
    ("DEMO-LP", "Klaster Layanan Pemustaka (demo)", (0, 2)),
    ("DEMO-PK", "Klaster Pengembangan Koleksi (demo)", (1, 3, 4)),
    ("DEMO-TS", "Klaster Pengolahan Subjek (demo)", (0, 5)),
)
DEMO_TUKS = (
    (
        "DEMO-TUK-01",
        "TUK Sewaktu Jakarta (demo)",
        TukType.SEWAKTU,
        "Jl. Salemba Raya No. 28A, Jakarta Pusat",
    ),
    (
        "DEMO-TUK-02",
        "TUK Tempat Kerja Bandung (demo)",
        TukType.TEMPAT_KERJA,
        "Jl. Kawaluyaan Indah II No. 4, Bandung",
    ),
    (
        "DEMO-TUK-03",
        "TUK Mandiri Surabaya (demo)",
        TukType.MANDIRI,
        "Jl. Menur Pumpungan No. 32, Surabaya",
    ),
)
# Regency (Kemendagri code: province + regency, as in the NIK), its town and postal code.
REGENCIES = (
    ("3171", "Jakarta Selatan", "12110"),
    ("3173", "Jakarta Pusat", "10110"),
    ("3273", "Bandung", "40111"),
    ("3374", "Semarang", "50131"),
    ("3471", "Yogyakarta", "55111"),
    ("3578", "Surabaya", "60111"),
    ("5171", "Denpasar", "80111"),
    ("6571", "Tarakan", "77111"),
)
PROVINCES = (
    ("31", "DKI Jakarta"),
    ("32", "Jawa Barat"),
    ("33", "Jawa Tengah"),
    ("34", "DI Yogyakarta"),
    ("35", "Jawa Timur"),
    ("51", "Bali"),
    ("65", "Kalimantan Utara"),
)
BNSP_CODES = (
    *((CodeKind.PROVINCE, code, name) for code, name in PROVINCES),
    *((CodeKind.REGENCY, code, f"Kota {town}") for code, town, _postal in REGENCIES),
    (CodeKind.EDUCATION, "DM1", "SLTA (SMA/SMK/MA)"),
    (CodeKind.EDUCATION, "DM2", "Diploma (D3)"),
    (CodeKind.EDUCATION, "DM3", "Sarjana (S1/D4)"),
    (CodeKind.EDUCATION, "DM4", "Magister (S2)"),
    (CodeKind.OCCUPATION, "DM1", "Pustakawan"),
    (CodeKind.OCCUPATION, "DM2", "Tenaga perpustakaan"),
    (CodeKind.BUDGET_SOURCE, "DM1", "APBN"),
    (CodeKind.BUDGET_SOURCE, "DM2", "APBD"),
    (CodeKind.BUDGET_SOURCE, "DM3", "Mandiri"),
    (CodeKind.MINISTRY, "DM1", "Perpustakaan Nasional RI"),
)
STREETS = (
    "Merdeka", "Sudirman", "Diponegoro", "Gajah Mada", "Pahlawan", "Kenanga", "Melati",
    "Cempaka", "Veteran", "Ahmad Yani",
)  # fmt: skip
WORKPLACES = (
    "Dinas Perpustakaan dan Kearsipan Kota",
    "Perpustakaan SMA Negeri 2",
    "Perpustakaan Politeknik Negeri",
    "Perpustakaan Umum Kota",
    "UPT Perpustakaan Universitas Negeri",
)
JOBS = (
    "Pustakawan Ahli Pertama",
    "Pustakawan Ahli Muda",
    "Pustakawan Terampil",
    "Pengelola Perpustakaan",
    "Tenaga Perpustakaan Sekolah",
)
OTHER_MAJORS = (
    "Ilmu Komunikasi",
    "Pendidikan Bahasa Indonesia",
    "Administrasi Negara",
    "Sistem Informasi",
)

# The status mix of a mature LSP: most cases end certified; every status is present.
STATUS_WEIGHTS = {
    S.DRAFT: 4, S.SUBMITTED: 5, S.RETURNED: 2, S.VERIFIED: 3, S.SELF_ASSESSED: 3,
    S.READY_FOR_ASSESSMENT: 4, S.ASSESSED: 3, S.COMPETENT: 2, S.NOT_YET_COMPETENT: 2,
    S.CERTIFIED: 62, S.APPEALED: 1, S.CLOSED: 4, S.WITHDRAWN: 5,
}  # fmt: skip

# --- a case's path through the workflow ------------------------------------------------------

MAIN_STEPS = (
    "submit",
    "verify",
    "record_self_assessment",
    "assign_assessor",
    "pre_assess",
    "recommend",
    "decide",
)
DEPTH = {  # how many MAIN_STEPS a case in this status went through
    S.DRAFT: 0, S.SUBMITTED: 1, S.RETURNED: 1, S.VERIFIED: 2, S.SELF_ASSESSED: 4,
    S.READY_FOR_ASSESSMENT: 5, S.ASSESSED: 6, S.COMPETENT: 7, S.NOT_YET_COMPETENT: 7,
    S.CERTIFIED: 7, S.APPEALED: 7, S.CLOSED: 7, S.WITHDRAWN: 1,
}  # fmt: skip
TAIL = {
    S.RETURNED: ("return",),
    S.CERTIFIED: ("issue",),
    S.APPEALED: ("appeal",),
    S.WITHDRAWN: ("withdraw",),
}
# The status each step leads to; assign_assessor keeps the status, decide depends on the results.
STEP_STATUS = {
    "submit": S.SUBMITTED, "return": S.RETURNED, "verify": S.VERIFIED,
    "record_self_assessment": S.SELF_ASSESSED, "pre_assess": S.READY_FOR_ASSESSMENT,
    "recommend": S.ASSESSED, "issue": S.CERTIFIED, "appeal": S.APPEALED, "close": S.CLOSED,
    "decide_appeal": S.CLOSED, "withdraw": S.WITHDRAWN,
}  # fmt: skip
GAP_DAYS = {  # days between the step before and this one
    "submit": (0, 3), "return": (1, 5), "verify": (1, 7), "record_self_assessment": (1, 5),
    "assign_assessor": (0, 2), "pre_assess": (1, 5), "recommend": (7, 14), "decide": (2, 9),
    "issue": (1, 10), "appeal": (1, 13), "decide_appeal": (3, 20), "close": (15, 30),
    "withdraw": (1, 20),
}  # fmt: skip
ANCHOR_AGE_DAYS = {  # how long ago the last step happened, at most (ready: see plan_case)
    S.DRAFT: 30, S.SUBMITTED: 10, S.RETURNED: 20, S.VERIFIED: 10, S.SELF_ASSESSED: 14,
    S.ASSESSED: 7, S.COMPETENT: 10, S.NOT_YET_COMPETENT: 12,
    S.CERTIFIED: 1460, S.APPEALED: 30, S.CLOSED: 1000, S.WITHDRAWN: 700,
}  # fmt: skip
# Who takes each step (pre_assess and recommend: the case's assessor).
STEP_ACTOR = {
    "submit": "sekretariat", "return": "sekretariat", "verify": "sekretariat",
    "record_self_assessment": "sekretariat", "assign_assessor": "kabid", "decide": "ketua",
    "issue": "ketua", "appeal": "sekretariat", "decide_appeal": "mutu", "close": "kabid",
    "withdraw": "sekretariat",
}  # fmt: skip
NOTES = {
    "return": "Ijazah yang diunggah tidak terbaca; unggah ulang hasil pindaian yang jelas.",
    "appeal": "Asesi merasa bukti portofolio belum dipertimbangkan sepenuhnya.",
    "decide_appeal": "Banding ditolak: bukti tambahan tidak mengubah hasil asesmen.",
    "close": "Asesi tidak mengajukan banding dalam batas waktu.",
    "withdraw": "Asesi mengundurkan diri.",
}
TUESDAY, THURSDAY = 1, 3  # assessments on Tuesdays, decision meetings on Thursdays


def _weekday_on_or_before(day: date, weekday: int) -> date:
    """The last given weekday on or before a date."""
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _weekday_on_or_after(day: date, weekday: int) -> date:
    """The first given weekday on or after a date."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


SNAP = {"recommend": TUESDAY, "decide": THURSDAY}


@dataclass(slots=True)
class CasePlan:
    """A demo case before it becomes rows: its status, its steps with dates, and its numbers."""

    index: int
    status: CaseStatus
    scheme: int
    created: date
    steps: list[tuple[str, date]]
    schedule_on: date  # the Tuesday of its schedule: held, planned, or registered for
    competent: bool | None  # the outcome of the assessment, when there is one
    reg_number: str = ""
    certificate: tuple[str, str, int] | None = None  # number, series, seq
    last: dict[str, date] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.last = dict(self.steps)  # a step taken twice (submit) keeps its later date

    def done(self, step: str) -> date | None:
        """The date of the last time the case went through a step, or None."""
        return self.last.get(step)


def _step_names(status: CaseStatus, index: int) -> list[str]:
    """The steps a case took to reach its status; some went through a return first."""
    depth = DEPTH[status]
    if status == S.WITHDRAWN and index % 2:
        depth = 2
    names = list(MAIN_STEPS[:depth]) + list(TAIL.get(status, ()))
    if status == S.CLOSED:
        names += ["appeal", "decide_appeal"] if index % 3 == 0 else ["close"]
    if depth >= 2 and index % 8 == 5:
        names[1:1] = ["return", "submit"]
    return names


def plan_case(index: int, status: CaseStatus, rng: random.Random, today: date) -> CasePlan:
    """Date a case's steps backwards from its last one, so that every date is in order."""
    names = _step_names(status, index)
    assessment = None
    if status == S.READY_FOR_ASSESSMENT:  # planned, and in the coming weeks
        assessment = _weekday_on_or_after(today + timedelta(days=rng.randint(1, 28)), TUESDAY)
        day = min(today, assessment - timedelta(days=rng.randint(*GAP_DAYS["recommend"])))
    else:
        day = today - timedelta(days=rng.randint(0, ANCHOR_AGE_DAYS[status]))
    dates = []
    for name in reversed(names):
        if name in SNAP:
            day = _weekday_on_or_before(day, SNAP[name])
        dates.append(day)
        day -= timedelta(days=rng.randint(*GAP_DAYS[name]))
    steps = list(zip(names, reversed(dates), strict=True))
    plan = CasePlan(
        index, status, index % len(DEMO_SCHEMES), day, steps, day, _outcome(status, rng)
    )
    held = plan.done("recommend")
    plan.schedule_on = assessment or held or _registered_schedule(plan, today, rng)
    return plan


def _outcome(status: CaseStatus, rng: random.Random) -> bool | None:
    """Whether the assessment found the asesi competent in every unit (None: not assessed)."""
    if DEPTH[status] < 6:
        return None
    if status in (S.COMPETENT, S.CERTIFIED):
        return True
    if status in (S.NOT_YET_COMPETENT, S.APPEALED, S.CLOSED):
        return False
    return rng.random() < 0.85


def _registered_schedule(plan: CasePlan, today: date, rng: random.Random) -> date:
    """The schedule a case never assessed registered for: a Tuesday weeks after it was created,
    still to come while the case is open."""
    earliest = plan.created + timedelta(days=14)
    if plan.status not in FINAL_CASE_STATUSES:
        earliest = max(earliest, today + timedelta(days=1))
    return _weekday_on_or_after(earliest + timedelta(weeks=rng.randint(0, 4)), TUESDAY)


def plan_cases(count: int, rng: random.Random, today: date) -> list[CasePlan]:
    """Plans for `count` cases: the first ones take each status once, the rest the weighted mix."""
    statuses = list(CaseStatus)[: min(count, len(CaseStatus))]
    statuses += rng.choices(
        list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()), k=count - len(statuses)
    )
    return [plan_case(i, status, rng, today) for i, status in enumerate(statuses)]


# --- the report --------------------------------------------------------------------------------


@dataclass
class DemoReport:
    """What was seeded, and the logins to print."""

    cases: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    logins: list[tuple[str, str]] = field(default_factory=list)
    password: str = DEMO_PASSWORD

    def lines(self) -> list[str]:
        """The report as lines of text for the person running the seed."""
        lines = [f"Demo cases: {sum(self.cases.values())}"]
        lines += [
            f"  {status}: {self.cases[status]}" for status in CaseStatus if self.cases[status]
        ]
        lines.append("Rows: " + ", ".join(f"{table} {n}" for table, n in sorted(self.rows.items())))
        lines.append(f"Demo logins (password for all: {self.password}):")
        lines += [f"  {username:<12} {roles}" for username, roles in self.logins]
        return lines


# --- the catalogue: a few ORM rows -----------------------------------------------------------


@dataclass
class Catalogue:
    """The demo's fixed records, as the ids and values the case rows refer to."""

    users: dict[str, int]
    assessors: list[tuple[int, int]]  # (assessor id, user id)
    schemes: list[tuple[int, str, int, int]]  # (id, code, validity months, surveillance months)
    scheme_units: list[list[tuple[int, list[int]]]]  # per scheme: (unit id, its KUK ids)
    tuks: list[int]
    requirement: list[str]  # the description of each basic-requirement alternative


def demo_obstacle(session: Session) -> str | None:
    """Why demo data may not be seeded into this database, or None."""
    cases = session.scalar(select(func.count()).select_from(Case).where(Case.is_demo))
    units = session.scalar(select(func.count()).select_from(Unit).where(Unit.code.like("DEMO.%")))
    if cases or units:
        return f"Demo data is present already ({cases} demo cases, {units} demo units): use a fresh database."
    names = [username for username, _roles in DEMO_USERS]
    taken = list(session.scalars(select(User.username).where(User.username.in_(names))))
    if taken:
        return f"Demo usernames are taken already: {', '.join(sorted(taken))}."
    return None


def _seed_catalogue(session: Session, today: date) -> Catalogue:
    """Users, assessors, units, schemes, TUKs and BNSP codes, through the ORM (a few dozen rows)."""
    problem = password_problem(DEMO_PASSWORD)
    if problem:
        raise DemoRefused(problem)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: argon2 is slow on purpose
    _seed_bnsp_codes(session)
    units = [Unit(code=code, title=title, standard="Demo") for code, title in DEMO_UNITS]
    for unit in units:
        unit.elements = [
            Element(
                number=n,
                title=title,
                kuks=[Kuk(number=f"{n}.{k}", text=t) for k, t in enumerate(kuks, 1)],
            )
            for n, (title, kuks) in enumerate(DEMO_ELEMENTS, 1)
        ]
    schemes = [
        Scheme(
            code=code,
            title=title,
            scheme_type=SchemeType.KLASTER.value,
            standard="Demo",
            units=[units[i] for i in members],
            requirements=basic_requirements(),
        )
        for code, title, members in DEMO_SCHEMES
    ]
    tuks = [
        Tuk(
            code=code,
            name=name,
            tuk_type=kind.value,
            address=address,
            verified_until=today + timedelta(days=540),
        )
        for code, name, kind, address in DEMO_TUKS
    ]
    staff = [_user(login, password_hash) for login in STAFF]
    assessors = [
        Assessor(
            full_name=f"{name} (demo)",
            met_number=f"MET.DEMO.{n:06d} 2024",
            licence_valid_until=today + timedelta(days=730 + 30 * n),
            institution="LSP Pustakawan (demo)",
            schemes=schemes,
        )
        for n, name in enumerate(ASSESSOR_NAMES, 1)
    ]
    assessor_users = [
        _user(
            StaffLogin(username, (Role.ASSESSOR,), a.full_name, "Asesor Kompetensi"),
            password_hash,
            a,
        )
        for username, a in zip(ASSESSOR_USERNAMES, assessors, strict=True)
    ]
    session.add_all([*schemes, *tuks, *staff, *assessors, *assessor_users])
    session.flush()
    return Catalogue(
        users={user.username: user.id for user in [*staff, *assessor_users]},
        assessors=[(a.id, u.id) for a, u in zip(assessors, assessor_users, strict=True)],
        schemes=[(s.id, s.code, s.validity_months, s.surveillance_months) for s in schemes],
        scheme_units=[
            [(u.id, [k.id for e in u.elements for k in e.kuks]) for u in s.units] for s in schemes
        ],
        tuks=[t.id for t in tuks],
        requirement=[a.description for a in pustakawan_alternatives()],
    )


def _user(login: StaffLogin, password_hash: str, assessor: Assessor | None = None) -> User:
    """A demo member of staff."""
    user = User(
        username=login.username,
        full_name=login.full_name,
        position=login.position,
        email=f"{login.username}@example.com",
        password_hash=password_hash,
        assessor=assessor,
    )
    user.roles = login.roles
    return user


def _seed_bnsp_codes(session: Session) -> None:
    """The demo's BNSP code rows, where the table does not have that code yet."""
    existing = set(session.execute(select(BnspCode.kind, BnspCode.code)).tuples())
    session.add_all(
        BnspCode(kind=kind.value, code=code, name=f"{name} [demo]")
        for kind, code, name in BNSP_CODES
        if (kind.value, code) not in existing
    )


# --- files -------------------------------------------------------------------------------------


def _demo_pdf(title: str) -> bytes:
    """A one-page PDF that says it is a demo document."""
    # Imported here, so that starting the application does not load reportlab.
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setFont("Helvetica-Bold", 28)
    pdf.drawString(72, 740, title)
    pdf.setFont("Helvetica", 14)
    pdf.drawString(72, 710, "DEMO - bukan dokumen asli (not a real document)")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _demo_png() -> bytes:
    """A small grey PNG standing in for a passport photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    width, height = 30, 40
    pixels = b"".join(b"\x00" + b"\xa0\xa0\xa0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class DemoFile:
    """The content of one kind of demo attachment, with what its rows record about it."""

    content: bytes
    file_type: FileType
    original_name: str
    sha256: str

    @classmethod
    def of(cls, content: bytes, original_name: str) -> DemoFile:
        """Describe a content by its own signature, as a real upload would be."""
        return cls(content, detect_type(content), original_name, sha256(content).hexdigest())


# --- the cases: planned in memory, written in bulk --------------------------------------------


class _Writer:
    """Turns case plans into rows of every table, with preassigned ids, and inserts them in bulk."""

    TABLES = (
        Applicant, Case, CaseUnit, KukAnswer, Attachment, Certificate, Appeal,
        SurveillanceReport, AuditEvent, AssessorConflict, Schedule, DecisionMeeting,
    )  # fmt: skip

    def __init__(
        self,
        session: Session,
        catalogue: Catalogue,
        upload_dir: Path,
        today: date,
        rng: random.Random,
    ):
        self.session = session
        self.cat = catalogue
        self.upload_dir = upload_dir
        self.today = today
        self.rng = rng
        self.next_id = {model.__tablename__: self._max_id(model) + 1 for model in self.TABLES}
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.files: list[tuple[str, DemoFile]] = []
        self.written: list[str] = []
        self.link_sources: dict[str, str] = {}
        self.report = DemoReport()
        self.schedules: dict[tuple[int, date], tuple[int, int]] = {}  # → (schedule id, TUK id)
        self.meetings: dict[date, int] = {}
        self.photo = DemoFile.of(_demo_png(), "pas-foto.png")
        self.ijazah = DemoFile.of(_demo_pdf("IJAZAH"), "ijazah.pdf")

    def _max_id(self, model: type) -> int:
        """The highest id in a table (ids are handed out above it)."""
        return self.session.scalar(select(func.max(model.__table__.c.id))) or 0

    def take_id(self, table: str) -> int:
        """The next free id of a table."""
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def add(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """Queue a row for insertion, giving it an id unless its table has none."""
        if table in self.next_id:
            row["id"] = self.take_id(table)
        self.rows.setdefault(table, []).append(row)
        return row

    def flush(self) -> None:
        """Insert the queued rows in foreign-key order, then write the queued files."""
        for table in Case.metadata.sorted_tables:
            rows = self.rows.pop(table.name, None)
            if rows:
                _insert(self.session, table, rows)
                self.report.rows[table.name] += len(rows)
        for stored_name, file in self.files:
            self.written.append(self._write_file(stored_name, file))
        self.files.clear()

    def _write_file(self, stored_name: str, file: DemoFile) -> str:
        """Store one demo file: a hard link to an earlier one of the same content where the file
        system allows (no data written), else a copy, which then serves as the next link source."""
        path = os.path.join(self.upload_dir, relative_path(stored_name))
        source = self.link_sources.get(file.sha256)
        if source:
            try:
                os.link(source, path)
                return path
            except OSError:  # the link limit of the source reached, or no hard links here
                pass
        with open(path, "wb") as out:
            out.write(file.content)
        self.link_sources[file.sha256] = path
        return path

    def prepare_folders(self) -> None:
        """Create the fan-out folders once, rather than checking one per file."""
        for prefix in range(256):
            (self.upload_dir / f"{prefix:02x}").mkdir(parents=True, exist_ok=True)

    def discard_files(self) -> None:
        """Remove the files written so far (the seed failed and its rows are rolled back)."""
        for path in self.written:
            Path(path).unlink(missing_ok=True)

    # shared rows: schedules and meetings, made before the cases that refer to them

    def add_schedules(self, plans: list[CasePlan]) -> None:
        """One schedule per scheme and Tuesday that a case uses, plus a few announced ahead."""
        wanted = Counter((plan.scheme, plan.schedule_on) for plan in plans)
        for scheme in range(len(DEMO_SCHEMES)):
            for weeks in (2, 4, 6, 8):
                ahead = self.today + timedelta(weeks=weeks + scheme)
                wanted.setdefault((scheme, _weekday_on_or_after(ahead, TUESDAY)), 0)
        for (scheme, day), count in sorted(wanted.items()):
            scheme_id, code = self.cat.schemes[scheme][:2]
            tuk_id = self.cat.tuks[(day.toordinal() // 7 + scheme) % len(self.cat.tuks)]
            row = self.add(
                "schedule",
                {
                    "code": f"{code}-{day:%Y%m%d}",
                    "scheme_id": scheme_id,
                    "tuk_id": tuk_id,
                    "starts_on": day,
                    "ends_on": day,
                    "registration_deadline": day - timedelta(days=7),
                    "quota": max(30, -(-count // 10) * 10),
                    "published": True,
                    "notes": "Jadwal demo",
                },
            )
            self.schedules[(scheme, day)] = (row["id"], tuk_id)

    def add_meetings(self, plans: list[CasePlan]) -> None:
        """One decision meeting per Thursday on which a case was decided, with its attendees."""
        positions = {login.username: login.position for login in STAFF}
        for day in sorted({plan.done("decide") for plan in plans} - {None}):
            meeting = self.add(
                "decision_meeting",
                {
                    "held_on": day,
                    "place": "Ruang rapat LSP (demo)",
                    "minutes": "Notulen rapat keputusan sertifikasi (demo).",
                    "chair_id": self.cat.users["ketua"],
                    "created_at": _at(day, 14),
                },
            )
            self.meetings[day] = meeting["id"]
            for username in MEETING_ATTENDEES:
                self.add(
                    "meeting_attendee",
                    {
                        "meeting_id": meeting["id"],
                        "user_id": self.cat.users[username],
                        "position": positions[username],
                    },
                )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a day, in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


# --- one case's rows -------------------------------------------------------------------------


class _CaseRows:
    """The rows of one planned case: applicant, case, units, KUK answers, attachments, the
    certificate with its surveillance reports, the appeal, and one audit event per step."""

    def __init__(self, writer: _Writer, plan: CasePlan) -> None:
        self.w, self.plan, self.rng = writer, plan, writer.rng
        self.cat = writer.cat
        assigned = plan.done("assign_assessor") is not None
        self.assessor = (
            self.cat.assessors[plan.index % len(self.cat.assessors)] if assigned else None
        )

    def write(self) -> None:
        """Queue every row of the case."""
        applicant, requirement = self.applicant()
        case = self.case(applicant, requirement)
        self.units(case["id"])
        self.attachments(case["id"])
        certificate = self.certificate(case["id"], applicant)
        self.appeal(case["id"])
        case["status_since"] = self.audit(case["id"], certificate) or case["created_at"]
        if self.plan.status in (S.SUBMITTED, S.VERIFIED) and self.plan.index % 50 == 1:
            self.w.add(
                "assessor_conflict",
                {
                    "assessor_id": self.cat.assessors[0][0],
                    "applicant_id": applicant["id"],
                    "kind": ConflictKind.SAME_INSTITUTION.value,
                    "note": "Bekerja di instansi yang sama (demo).",
                },
            )

    def applicant(self) -> tuple[dict[str, Any], str]:
        """A fictional asesi with a valid NIK, and the basic-requirement alternative they meet."""
        rng, i, created = self.rng, self.plan.index, self.plan.created
        female = rng.random() < 0.6
        name = demo_names.full_name(rng, female)
        regency, town, postal = rng.choice(REGENCIES)
        born = date(1965, 1, 1) + timedelta(days=rng.randint(0, 13_500))
        # NIK: regency, district, DDMMYY (women DD + 40), serial ≠ 0000; unique per index.
        day = born.day + 40 if female else born.day
        nik = f"{regency}{(i // 9999) % 99 + 1:02d}{day:02d}{born:%m%y}{i % 9999 + 1:04d}"
        education, major, library, training, experience, alternative = self._qualifications()
        appointed = born.year + rng.randint(22, 30)
        nip = None
        if rng.random() < 0.4 and appointed <= created.year:
            nip = f"{born:%Y%m%d}{appointed}{rng.randint(1, 12):02d}{2 if female else 1}{i % 999 + 1:03d}"
        job = rng.choice(JOBS)
        row = self.w.add(
            "applicant",
            {
                "nik": nik,
                "full_name": name,
                "birth_place": town,
                "birth_date": born,
                "sex": (Sex.FEMALE if female else Sex.MALE).value,
                "nationality": "Indonesia",
                "address": f"Jl. {rng.choice(STREETS)} No. {rng.randint(1, 200)}, {town}",
                "regency_code": regency,
                "province_code": regency[:2],
                "postal_code": postal,
                "phone": f"+62812{(i * 7919) % 100_000_000:08d}",
                "email": f"{demo_names.email_local_part(name)}.{i}@example.com",
                "education_level": education.value,
                "education_major": major,
                "library_field": library,
                "has_library_training": training,
                "experience_months": experience,
                "institution": f"{rng.choice(WORKPLACES)} {town}",
                "job_title": job,
                "institution_address": f"Jl. {rng.choice(STREETS)} No. {rng.randint(1, 200)}, {town}",
                "nip": nip,
                "education_code": EDUCATION_CODES[education],
                "occupation_code": "DM1" if job.startswith("Pustakawan") else "DM2",
                "budget_source_code": rng.choice(("DM1", "DM2", "DM3")),
                "ministry_code": "DM1",
                "is_demo": True,
                "created_at": _at(created, 8),
            },
        )
        return row, self.cat.requirement[alternative]

    def _qualifications(self) -> tuple[Education, str | None, bool, bool, int, int]:
        """Education, major, library field, training, months of experience, and the alternative met."""
        rng, kind = self.rng, self.plan.index % 4
        if kind < 2:
            level = rng.choice(
                (Education.D3, Education.D4, Education.S1, Education.S1, Education.S2)
            )
            return level, "Ilmu Perpustakaan", True, rng.random() < 0.3, rng.randint(0, 180), 0
        if kind == 2:
            return Education.S1, rng.choice(OTHER_MAJORS), False, True, rng.randint(0, 120), 1
        level = rng.choice((Education.SMA, Education.SMK, Education.MA))
        return level, None, False, False, rng.randint(24, 240), 2

    def case(self, applicant: dict[str, Any], requirement: str) -> dict[str, Any]:
        """The case row, filled as far as its steps went."""
        plan, done = self.plan, self.plan.done
        schedule_id, tuk_id = self.w.schedules[(plan.scheme, plan.schedule_on)]
        submitted, decided = done("submit"), done("decide")
        signed = submitted is not None or plan.index % 2 == 0
        closing = next((NOTES[s] for s in ("decide_appeal", "close", "withdraw") if done(s)), None)
        return self.w.add(
            "case",
            {
                "reg_number": plan.reg_number,
                "applicant_id": applicant["id"],
                "scheme_id": self.cat.schemes[plan.scheme][0],
                "schedule_id": schedule_id,
                "tuk_id": tuk_id if done("pre_assess") else None,
                "assessor_id": self.assessor[0] if self.assessor else None,
                "trainer_user_id": None,
                "purpose": Purpose.CERTIFICATION.value,
                "status": plan.status.value,
                "online": False,
                "declaration_signed": signed,
                "declaration_name": applicant["full_name"] if signed else None,
                "declaration_date": (submitted or plan.created) if signed else None,
                "requirement_met": requirement if done("verify") else None,
                "requirement_override_note": None,
                "return_reason": NOTES["return"] if done("return") else None,
                "assessment_date": plan.schedule_on if self.assessor else None,
                "assessment_time": time(9, 0) if done("pre_assess") else None,
                "assessment_tools": ASSESSMENT_TOOLS if done("pre_assess") else None,
                "agreement_confirmed": done("pre_assess") is not None,
                "recommended_on": done("recommend"),
                "decision_meeting_id": self.w.meetings[decided] if decided else None,
                "decided_by_id": self.cat.users["ketua"] if decided else None,
                "decided_on": decided,
                "decision_note": "Diputuskan dalam rapat keputusan (demo)." if decided else None,
                "closing_reason": closing,
                "previous_certificate_id": None,
                "previous_case_id": None,
                "is_demo": True,
                "created_at": _at(plan.created, 8),
                "updated_at": _at(plan.steps[-1][1] if plan.steps else plan.created, 15),
            },
        )

    def units(self, case_id: int) -> None:
        """The chosen units (all of the scheme's), with self-assessment, plan, recommendation, result."""
        done, competent = self.plan.done, self.plan.competent
        units = self.cat.scheme_units[self.plan.scheme]
        for position, (unit_id, kuk_ids) in enumerate(units, 1):
            verdict = None
            if competent is not None:
                verdict = Verdict.BK if not competent and position == len(units) else Verdict.K
            row = self.w.add(
                "case_unit",
                {
                    "case_id": case_id,
                    "unit_id": unit_id,
                    "self_assessment": Verdict.K.value if done("record_self_assessment") else None,
                    "self_evidence": SELF_EVIDENCE if done("record_self_assessment") else None,
                    "methods": METHODS if done("pre_assess") else None,
                    "recommendation": verdict.value if verdict else None,
                    "recommendation_note": BK_NOTE if verdict == Verdict.BK else None,
                    "result": verdict.value if verdict and done("decide") else None,
                    "reassessment_count": 0,
                },
            )
            if done("record_self_assessment"):
                for kuk_id in kuk_ids:
                    self.w.add(
                        "kuk_answer",
                        {
                            "case_unit_id": row["id"],
                            "kuk_id": kuk_id,
                            "answer": Verdict.K.value,
                            "evidence": SELF_EVIDENCE,
                        },
                    )

    def attachments(self, case_id: int) -> None:
        """Photo and ijazah, with verdicts once judged; a returned ijazah stays on record, replaced."""
        plan, done = self.plan, self.plan.done
        returned, verified = done("return"), done("verify")
        judged = (True, True, None) if verified or returned else (None, None, None)
        self._attachment(case_id, AttachmentKind.PHOTO, self.w.photo, plan.created, True, judged)
        if plan.status == S.DRAFT and plan.index % 2:
            return
        ijazah = partial(self._attachment, case_id, AttachmentKind.IJAZAH, self.w.ijazah)
        rejected = (True, False, NOTES["return"])
        if returned and verified:  # corrected: the first ijazah was returned, the second accepted
            ijazah(plan.created, False, rejected)
            ijazah(done("submit"), True, (True, True, None))
        else:
            ijazah(plan.created, True, rejected if returned else judged)

    def _attachment(
        self,
        case_id: int,
        kind: AttachmentKind,
        file: DemoFile,
        day: date,
        current: bool,
        verdict: tuple[bool | None, bool | None, str | None],
    ) -> None:
        """One attachment row and its file; `verdict` is (present, adequate, note)."""
        present, adequate, note = verdict
        stored_name = new_stored_name(file.file_type)
        self.w.files.append((stored_name, file))
        self.w.add(
            "attachment",
            {
                "case_id": case_id,
                "kind": kind.value,
                "is_current": current,
                "present": present,
                "adequate": adequate,
                "verdict_note": note,
                "uploaded_at": _at(day, 8, 30),
                "uploaded_by_id": self.cat.users["sekretariat"],
                "original_name": file.original_name,
                "stored_name": stored_name,
                "mime_type": file.file_type.mime_type,
                "size_bytes": len(file.content),
                "sha256": file.sha256,
            },
        )

    def certificate(self, case_id: int, applicant: dict[str, Any]) -> dict[str, Any] | None:
        """The certificate of a certified case, with the surveillance reports due so far."""
        issued = self.plan.done("issue")
        if issued is None:
            return None
        number, series, seq = self.plan.certificate
        scheme_id, _code, validity, interval = self.cat.schemes[self.plan.scheme]
        expires = certs.expiry(issued, validity)
        status = certs.effective_status("active", expires, self.w.today)
        reports = self._reports_done(issued, interval, expires)
        certificate = self.w.add(
            "certificate",
            {
                "number": number,
                "series": series,
                "seq": seq,
                "verify_code": secrets.token_urlsafe(12),
                "case_id": case_id,
                "applicant_id": applicant["id"],
                "scheme_id": scheme_id,
                "holder_name": applicant["full_name"],
                "issued_on": issued,
                "expires_on": expires,
                "status": status.value,
                "status_reason": None,
                "bnsp_registration_number": None,
                "blanko_number": None,
                "signed_by_id": self.cat.users["ketua"],
                "superseded_by_id": None,
                "next_surveillance_due": certs.next_surveillance_due(
                    issued, interval, expires, len(reports)
                )
                if status == "active"
                else None,
                "created_at": _at(issued, 10),
            },
        )
        for due in reports:
            self.w.add(
                "surveillance_report",
                {
                    "certificate_id": certificate["id"],
                    "due_on": due,
                    "submitted_on": max(issued, due - timedelta(days=self.rng.randint(0, 20))),
                    "placement": applicant["institution"],
                    "duties": "Pengolahan bahan perpustakaan dan layanan pemustaka (demo).",
                    "job_fit": JobFit.FIT.value if self.rng.random() < 0.9 else JobFit.PARTLY.value,
                    "evidence": "Surat keterangan atasan (demo).",
                    "recorded_by_id": self.cat.users["sekretariat"],
                    "created_at": _at(due, 11),
                },
            )
        return certificate

    def _reports_done(self, issued: date, interval: int, expires: date) -> list[date]:
        """The due dates reported on: every one passed, except the latest for one holder in ten."""
        dues = []
        while (
            due := certs.surveillance_due(issued, interval, len(dues) + 1)
        ) <= self.w.today and due < expires:
            dues.append(due)
        return dues[:-1] if dues and self.plan.index % 10 == 0 else dues

    def appeal(self, case_id: int) -> None:
        """The appeal (FR.AK.04) of a case that appealed; decided when the case closed on it."""
        filed, decided = self.plan.done("appeal"), self.plan.done("decide_appeal")
        if filed is None:
            return
        self.w.add(
            "appeal",
            {
                "case_id": case_id,
                "filed_on": filed,
                "reason": NOTES["appeal"],
                "process_explained": True,
                "discussed_with_assessor": True,
                "involved_others": False,
                "status": (AppealStatus.REJECTED if decided else AppealStatus.PENDING).value,
                "decided_by_id": self.cat.users["mutu"] if decided else None,
                "decided_on": decided,
                "decision_reason": NOTES["decide_appeal"] if decided else None,
            },
        )

    def audit(self, case_id: int, certificate: dict[str, Any] | None) -> datetime | None:
        """One audit event per step, from the status before it to the status after it; the
        time of the last one, which led to the case's status (None for an untouched draft)."""
        status, at = S.DRAFT, None
        for n, (name, day) in enumerate(self.plan.steps):
            after = STEP_STATUS.get(name, status)
            if name == "decide":
                after = S.COMPETENT if self.plan.competent else S.NOT_YET_COMPETENT
            issued = name == "issue" and certificate is not None
            actor = self.cat.users[STEP_ACTOR[name]] if name in STEP_ACTOR else self.assessor[1]
            at = _at(day, 8 + n, case_id % 60)  # later steps later in the day
            self.w.add(
                "audit_event",
                {
                    "at": at,
                    "user_id": actor,
                    "action": name,
                    "case_id": case_id,
                    "certificate_id": certificate["id"] if issued else None,
                    "from_status": status.value,
                    "to_status": after.value,
                    "note": NOTES.get(name),
                    "data": {"number": certificate["number"]} if issued else None,
                },
            )
            status = after
        return at


EDUCATION_CODES = {
    Education.SMA: "DM1", Education.SMK: "DM1", Education.MA: "DM1", Education.D3: "DM2",
    Education.D4: "DM3", Education.S1: "DM3", Education.S2: "DM4",
}  # fmt: skip
ASSESSMENT_TOOLS = "FR.IA.01 ceklis observasi; FR.IA.05 pertanyaan tertulis pilihan ganda (demo)."
METHODS = "observasi,tertulis,portofolio"
SELF_EVIDENCE = "Portofolio kegiatan dan surat tugas (demo)."
BK_NOTE = "Belum menunjukkan bukti yang cukup; disarankan pelatihan dan asesmen ulang (demo)."


# --- numbers -----------------------------------------------------------------------------------


def _number_cases(session: Session, plans: list[CasePlan]) -> None:
    """Registration numbers from the APL-year series, in the order the cases were created."""
    for year, members in _grouped(
        sorted(plans, key=lambda p: (p.created, p.index)), lambda p: str(p.created.year)
    ):
        for plan, seq in zip(members, reserve(session, f"APL-{year}", len(members)), strict=True):
            plan.reg_number = f"APL-{year}-{seq:06d}"


def _number_certificates(
    session: Session, plans: list[CasePlan], catalogue: Catalogue, pattern: str
) -> None:
    """Certificate numbers from each series' counter, in the order the certificates were issued."""
    issued = sorted((p for p in plans if p.done("issue")), key=lambda p: (p.done("issue"), p.index))

    def fields(plan: CasePlan) -> dict[str, Any]:
        return certs.number_fields(catalogue.schemes[plan.scheme][1], plan.done("issue"))

    def series(plan: CasePlan) -> str:
        return certs.series_key(pattern, **fields(plan))

    for key, members in sorted(_grouped(issued, series)):
        for plan, seq in zip(members, reserve(session, key, len(members)), strict=True):
            plan.certificate = (certs.format_number(pattern, seq, **fields(plan)), key, seq)


def _grouped(plans: Iterable[CasePlan], key: Any) -> list[tuple[str, list[CasePlan]]]:
    """Plans grouped by a key, each group in the order given."""
    groups: dict[str, list[CasePlan]] = {}
    for plan in plans:
        groups.setdefault(key(plan), []).append(plan)
    return list(groups.items())


def _insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows with one executemany. On SQLite the rows go straight to the driver, with each
    column's own bind processor applied: several times faster than SQLAlchemy's per-row handling."""
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    processors = [
        (position, processor)
        for position, name in enumerate(names)
        if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    values = itemgetter(*names)
    params = []
    for row in rows:
        row_values = list(values(row))
        for position, processor in processors:
            row_values[position] = processor(row_values[position])
        params.append(tuple(row_values))
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    marks = ", ".join("?" * len(names))
    statement = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608 (names from the metadata)
    connection.exec_driver_sql(statement, params)


def _batches(plans: list[CasePlan], size: int) -> Iterator[list[CasePlan]]:
    """The plans in slices of `size`."""
    for start in range(0, len(plans), size):
        yield plans[start : start + size]


def _advance_sequences(session: Session, tables: Iterable[Table]) -> None:
    """On PostgreSQL, move the id sequences past the preassigned ids (SQLite needs nothing)."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    quote = bind.dialect.identifier_preparer.quote
    for table in tables:
        if "id" in table.c:
            name = quote(table.name)
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}")  # noqa: S608
            )


# --- the entry point -------------------------------------------------------------------------


def seed_demo(
    session: Session,
    cases: int,
    upload_dir: Path,
    *,
    today: date | None = None,
    number_pattern: str = certs.DEFAULT_NUMBER_PATTERN,
    seed: int = 2026,
) -> DemoReport:
    """Seed the demo LSP with `cases` cases in one transaction, committed here with the files.

    Raises DemoRefused when demo data exists already; on any failure the rows are rolled back and
    the files written so far removed.
    """
    if cases < 1:
        raise DemoRefused("Give at least one case.")
    problem = demo_obstacle(session)
    if problem:
        raise DemoRefused(problem)
    today = today or clock.today()
    rng = random.Random(seed)
    writer: _Writer | None = None
    try:
        catalogue = _seed_catalogue(session, today)
        plans = sorted(plan_cases(cases, rng, today), key=lambda p: (p.created, p.index))
        _number_cases(session, plans)
        _number_certificates(session, plans, catalogue, number_pattern)
        writer = _Writer(session, catalogue, Path(upload_dir), today, rng)
        writer.prepare_folders()
        writer.add_schedules(plans)
        writer.add_meetings(plans)
        for batch in _batches(plans, BATCH_CASES):
            for plan in batch:
                _CaseRows(writer, plan).write()
            writer.flush()
        _advance_sequences(session, [m.__table__ for m in _Writer.TABLES])
        session.commit()
    except BaseException:
        session.rollback()
        if writer is not None:
            writer.discard_files()
        raise
    report = writer.report
    report.cases = Counter(plan.status.value for plan in plans)
    report.logins = DEMO_USERS
    return report
