"""The data model of the whole certification flow (seed 2.1–2.12, RULES.md).

Every invariant the database can hold is declared here: NOT NULL, UNIQUE, CHECK on coded values,
foreign keys, and an index on every column that a list filters or sorts by. Statuses are never
assigned outside `portal/rules/` and the workflow service.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    event,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from . import clock
from .extensions import db
from .rules.vocabulary import (
    AppealStatus,
    AttachmentKind,
    CaseStatus,
    CertificateStatus,
    CodeKind,
    ComplaintStatus,
    ConflictKind,
    DocumentKind,
    Education,
    JobFit,
    Purpose,
    Role,
    SchemeType,
    Sex,
    TukType,
    Verdict,
)


def utcnow() -> datetime:
    """The current time in UTC (stored naive-free: every timestamp column is timezone-aware)."""
    return clock.now()


def list_index(name: str, column: str) -> Index:
    """An index for a list filtered by `column` and shown newest first: (column, id).

    SQLite appends the rowid to every index, PostgreSQL does not: with `id` named, both read a
    filtered page (`WHERE column = :v ORDER BY id DESC LIMIT 25`) straight from the index,
    without collecting and sorting every matching row, however rare or common the value.
    """
    return Index(name, column, "id")


def trigram_index(name: str, column: str) -> Index:
    """On PostgreSQL a pg_trgm GIN index, so that `ILIKE '%word%'` (name search) is indexed.

    A B-tree cannot serve a pattern with a leading wildcard. SQLite has no trigram index: there
    the search scans the column's narrow B-tree index, fast enough at 100,000 rows (see
    docs/serving.md), and this index is an empty placeholder (`WHERE 0`: no rows, no cost) so
    that both databases carry the same schema. The extension is created first (`_pg_trgm`).
    """
    return Index(
        name,
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
        sqlite_where=text("0"),
    )


def prefix_index(name: str, column: str) -> Index:
    """On PostgreSQL a B-tree in pattern order, so that `LIKE 'TERM%'` (the search of an
    identifier by its start) is indexed under any collation: the plain unique index serves
    LIKE only under the "C" collation, which not even C.UTF-8 is. SQLite searches a prefix as
    a range of its unique index, and gets an empty placeholder here (see `trigram_index`).
    """
    return Index(
        name, column, postgresql_ops={column: "varchar_pattern_ops"}, sqlite_where=text("0")
    )


def one_of(column: str, values: type[enum.Enum], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps a coded column inside its enum."""
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or f"{column}_valid")


Model = db.Model
TS = DateTime(timezone=True)

# The trigram indexes need the pg_trgm extension (shipped with PostgreSQL, trusted since 13):
# created before the tables by `create_all()`; the migration creates it too.
_pg_trgm = DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql")
event.listen(Model.metadata, "before_create", _pg_trgm)


# --- people and access -----------------------------------------------------------------------


class UserRole(Model):
    """One role held by one user; a user may hold several."""

    __tablename__ = "user_role"
    __table_args__ = (one_of("role", Role),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    def __str__(self) -> str:
        return self.role


class User(UserMixin, Model):
    """A member of staff who logs in."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # Carried by the session and the remember cookie (`get_id`); raised to end every session.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The daily e-mail of the work waiting for this person ("Menunggu Anda"); their own choice.
    daily_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    assessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessor.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    assessor: Mapped[Assessor | None] = relationship(back_populates="user")

    @property
    def roles(self) -> frozenset[str]:
        """The names of the roles this user holds."""
        return frozenset(r.role for r in self.role_rows)

    @roles.setter
    def roles(self, names: Any) -> None:
        wanted = {Role(n).value for n in names}
        if self.id is not None and wanted != self.roles:  # a new user has no session yet
            self.revoke_sessions()
        self.role_rows = [r for r in self.role_rows if r.role in wanted] + [
            UserRole(role=n) for n in sorted(wanted - {r.role for r in self.role_rows})
        ]

    def has_role(self, *names: str) -> bool:
        """True when the user holds any of the given roles."""
        return bool(self.roles.intersection(names))

    @property
    def is_active(self) -> bool:  # flask-login reads this on every request
        return self.active

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session and the remember cookie, with the session
        version: once the version rises, neither identifies the user any more."""
        return f"{self.id}:{self.session_version or 1}"

    def revoke_sessions(self) -> None:
        """End every session and remember cookie of this user (on their next request)."""
        self.session_version = (self.session_version or 1) + 1

    def __str__(self) -> str:
        return self.full_name


@event.listens_for(User.password_hash, "set", active_history=True)
@event.listens_for(User.active, "set", active_history=True)
def _revoke_on_change(user: User, value: Any, old: Any, _initiator: Any) -> None:
    """A new password or a deactivation ends the user's sessions (not on first assignment)."""
    if old not in (NO_VALUE, NEVER_SET) and value != old:
        user.revoke_sessions()


# --- reference data --------------------------------------------------------------------------


class BnspCode(Model):
    """A row of one of BNSP's reporting code tables (province, regency, education, ...)."""

    __tablename__ = "bnsp_code"
    __table_args__ = (UniqueConstraint("kind", "code"), one_of("kind", CodeKind))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


scheme_unit = Table(
    "scheme_unit",
    Model.metadata,
    Column("scheme_id", ForeignKey("scheme.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

assessor_scheme = Table(
    "assessor_scheme",
    Model.metadata,
    Column("assessor_id", ForeignKey("assessor.id", ondelete="CASCADE"), primary_key=True),
    Column("scheme_id", ForeignKey("scheme.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Scheme(Model):
    """A certification scheme (skema): a named package of competency units."""

    __tablename__ = "scheme"
    __table_args__ = (
        one_of("scheme_type", SchemeType),
        CheckConstraint("kkni_level IS NULL OR kkni_level BETWEEN 1 AND 9", name="kkni_level"),
        CheckConstraint("validity_months > 0", name="validity_positive"),
        CheckConstraint("surveillance_months > 0", name="surveillance_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(64), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # short key for certificate numbers
    scheme_type: Mapped[str] = mapped_column(String(16))
    kkni_level: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(300), index=True)
    standard: Mapped[str | None] = mapped_column(String(100))
    validity_months: Mapped[int] = mapped_column(default=36)
    surveillance_months: Mapped[int] = mapped_column(default=12)
    active: Mapped[bool] = mapped_column(default=True)

    units: Mapped[list[Unit]] = relationship(secondary=scheme_unit, order_by="Unit.code")
    requirements: Mapped[list[SchemeRequirement]] = relationship(
        back_populates="scheme", cascade="all, delete-orphan", order_by="SchemeRequirement.position"
    )

    def __str__(self) -> str:
        return f"{self.number or self.code} {self.title}"


class SchemeRequirement(Model):
    """One alternative of a scheme's basic requirements: all its set conditions must hold.

    A scheme's requirements are met when any one alternative is met (RULES.md #2).
    """

    __tablename__ = "scheme_requirement"
    __table_args__ = (
        one_of("min_education", Education),
        CheckConstraint("min_experience_months >= 0", name="experience_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scheme.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    description: Mapped[str] = mapped_column(String(300))
    min_education: Mapped[str] = mapped_column(String(16))
    library_field_required: Mapped[bool] = mapped_column(default=False)
    training_certificate_required: Mapped[bool] = mapped_column(default=False)
    min_experience_months: Mapped[int] = mapped_column(default=0)

    scheme: Mapped[Scheme] = relationship(back_populates="requirements")

    def __str__(self) -> str:
        return self.description


class Unit(Model):
    """A competency unit (unit kompetensi) of an SKKNI."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300), index=True)
    standard: Mapped[str | None] = mapped_column(String(100))

    elements: Mapped[list[Element]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="Element.number"
    )

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Element(Model):
    """An element of a competency unit."""

    __tablename__ = "element"
    __table_args__ = (UniqueConstraint("unit_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))

    unit: Mapped[Unit] = relationship(back_populates="elements")
    kuks: Mapped[list[Kuk]] = relationship(
        back_populates="element", cascade="all, delete-orphan", order_by="Kuk.number"
    )

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Kuk(Model):
    """A performance criterion (kriteria unjuk kerja) of an element."""

    __tablename__ = "kuk"
    __table_args__ = (UniqueConstraint("element_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    element_id: Mapped[int] = mapped_column(ForeignKey("element.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)

    element: Mapped[Element] = relationship(back_populates="kuks")

    def __str__(self) -> str:
        return f"{self.number} {self.text}"


class Assessor(Model):
    """A competency assessor (asesor) registered with BNSP."""

    __tablename__ = "assessor"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200), index=True)
    met_number: Mapped[str] = mapped_column(String(64), unique=True)
    licence_valid_until: Mapped[date] = mapped_column(Date, index=True)
    institution: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)

    schemes: Mapped[list[Scheme]] = relationship(secondary=assessor_scheme)
    conflicts: Mapped[list[AssessorConflict]] = relationship(
        back_populates="assessor", cascade="all, delete-orphan"
    )
    user: Mapped[User | None] = relationship(back_populates="assessor")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.met_number})"


class AssessorConflict(Model):
    """A declared conflict of interest between an assessor and an applicant (RULES.md #4)."""

    __tablename__ = "assessor_conflict"
    __table_args__ = (
        UniqueConstraint("assessor_id", "applicant_id", "kind"),
        one_of("kind", ConflictKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("assessor.id", ondelete="CASCADE"))
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicant.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(300))

    assessor: Mapped[Assessor] = relationship(back_populates="conflicts")
    applicant: Mapped[Applicant] = relationship()


class Tuk(Model):
    """A competency test site (Tempat Uji Kompetensi)."""

    __tablename__ = "tuk"
    __table_args__ = (one_of("tuk_type", TukType),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    tuk_type: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text)
    verified_until: Mapped[date | None] = mapped_column(Date)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Schedule(Model):
    """An announced assessment schedule (seed 2.1)."""

    __tablename__ = "schedule"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint("registration_deadline <= starts_on", name="deadline_before_start"),
        CheckConstraint("quota > 0", name="quota_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # kode_jadwal for BNSP
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scheme.id"), index=True)
    tuk_id: Mapped[int] = mapped_column(ForeignKey("tuk.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    registration_deadline: Mapped[date] = mapped_column(Date)
    quota: Mapped[int]
    published: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(Text)

    scheme: Mapped[Scheme] = relationship()
    tuk: Mapped[Tuk] = relationship()

    def __str__(self) -> str:
        return f"{self.code} ({self.starts_on:%d-%m-%Y})"


class StoredFileMixin:
    """The columns of a file kept outside the web root under a generated name."""

    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    mime_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))


class PublicDocument(StoredFileMixin, Model):
    """A document the public can download from the schedule page (seed 2.1)."""

    __tablename__ = "public_document"
    __table_args__ = (one_of("kind", DocumentKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule.id", ondelete="CASCADE"), index=True
    )
    published: Mapped[bool] = mapped_column(default=True)
    uploaded_at: Mapped[datetime] = mapped_column(TS, default=utcnow)

    schedule: Mapped[Schedule | None] = relationship()

    def __str__(self) -> str:
        return self.title


# --- applicants and cases --------------------------------------------------------------------


class Applicant(Model):
    """A person applying for certification (FR.APL.01 part 1, and BNSP's reporting fields)."""

    __tablename__ = "applicant"
    __table_args__ = (
        one_of("sex", Sex),
        one_of("education_level", Education),
        CheckConstraint("length(nik) = 16", name="nik_length"),
        CheckConstraint("experience_months >= 0", name="experience_non_negative"),
        # the applicant list's filters
        list_index("ix_applicant_sex", "sex"),
        list_index("ix_applicant_province_code", "province_code"),
        list_index("ix_applicant_education_level", "education_level"),
        list_index("ix_applicant_institution", "institution"),
        trigram_index("ix_applicant_full_name_trgm", "full_name"),
        prefix_index("ix_applicant_nik_prefix", "nik"),
        trigram_index("ix_applicant_email_trgm", "email"),  # searched by substring too
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), index=True)
    birth_place: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    nationality: Mapped[str] = mapped_column(String(64), default="Indonesia")
    address: Mapped[str] = mapped_column(Text)
    regency_code: Mapped[str | None] = mapped_column(String(8))
    province_code: Mapped[str | None] = mapped_column(String(4))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    education_level: Mapped[str] = mapped_column(String(16))
    education_major: Mapped[str | None] = mapped_column(String(200))
    library_field: Mapped[bool] = mapped_column(default=False)
    has_library_training: Mapped[bool] = mapped_column(default=False)
    experience_months: Mapped[int] = mapped_column(default=0)
    institution: Mapped[str | None] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    institution_address: Mapped[str | None] = mapped_column(Text)
    nip: Mapped[str | None] = mapped_column(String(18))
    education_code: Mapped[str | None] = mapped_column(String(8))
    occupation_code: Mapped[str | None] = mapped_column(String(8))
    budget_source_code: Mapped[str | None] = mapped_column(String(8))
    ministry_code: Mapped[str | None] = mapped_column(String(8))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow, index=True)

    def __str__(self) -> str:
        return f"{self.full_name} ({self.nik})"


class ApplicantAccount(Model):
    """An applicant's own sign-in to the applicant portal (never a staff user).

    Usable once `confirmed_at` is set by the signed link sent to `email`. `applicant_id` links the
    FR.APL.01 record: made from the account's profile, or an earlier record linked only through a
    proof the person controls (never by NIK alone). One account per NIK and per e-mail address.
    """

    __tablename__ = "applicant_account"
    __table_args__ = (CheckConstraint("length(nik) = 16", name="account_nik_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    confirmed_at: Mapped[datetime | None] = mapped_column(TS)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"), unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)

    applicant: Mapped[Applicant | None] = relationship()

    def __str__(self) -> str:
        return self.email


class ApplicantLink(Model):
    """A request to link an account to the applicant record staff made earlier for its NIK.

    Proven by a code sent to the e-mail on that record (`code_hash`, `sent_to`, `expires_at`,
    `attempts`), or, when the record has no e-mail, confirmed by the secretariat
    (`confirmed_by_id`). `linked_at` is set when the link is made; requests stay on record.
    """

    __tablename__ = "applicant_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("applicant_account.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    sent_to: Mapped[str | None] = mapped_column(String(254))
    expires_at: Mapped[datetime | None] = mapped_column(TS)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    linked_at: Mapped[datetime | None] = mapped_column(TS)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    account: Mapped[ApplicantAccount] = relationship()
    applicant: Mapped[Applicant] = relationship()
    confirmed_by: Mapped[User | None] = relationship()


class DecisionMeeting(Model):
    """A certification decision meeting (rapat keputusan, seed 2.8–2.9)."""

    __tablename__ = "decision_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    minutes: Mapped[str | None] = mapped_column(Text)
    chair_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)

    chair: Mapped[User] = relationship()
    attendees: Mapped[list[MeetingAttendee]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    # viewonly: the meeting's form never touches them, and its audit lists no collection of them
    addenda: Mapped[list[MeetingAddendum]] = relationship(
        viewonly=True, order_by="MeetingAddendum.id"
    )

    def __str__(self) -> str:
        return f"{self.held_on:%d-%m-%Y} {self.place or ''}".strip()


class MeetingAttendee(Model):
    """A user present at a decision meeting, in the position they held there."""

    __tablename__ = "meeting_attendee"
    # A surrogate key: Flask-Admin's inline forms edit rows by a single primary key.
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("decision_meeting.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    position: Mapped[str] = mapped_column(String(200))

    meeting: Mapped[DecisionMeeting] = relationship(back_populates="attendees")
    user: Mapped[User] = relationship()


class MeetingAddendum(Model):
    """A correction of a decision meeting's record, added once decisions cite it: the record
    itself stays as it was (ISO/IEC 17024 §9.6). Never edited or deleted (`casework.meetings`)."""

    __tablename__ = "meeting_addendum"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("decision_meeting.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)

    author: Mapped[User] = relationship()


class Case(Model):
    """One certification application of one asesi for one scheme, from draft to certificate."""

    __tablename__ = "case"
    __table_args__ = (
        one_of("status", CaseStatus),
        one_of("purpose", Purpose),
        # every filter and sort of the case list has an index that ends in id (see list_index)
        Index("ix_case_status_id", "status", "id"),
        Index("ix_case_status_since", "status", "status_since"),  # the oldest waiting, per step
        Index("ix_case_scheme_status", "scheme_id", "status", "id"),
        list_index("ix_case_schedule_id", "schedule_id"),
        list_index("ix_case_tuk_id", "tuk_id"),
        list_index("ix_case_assessor_id", "assessor_id"),  # also an asesor's own list
        list_index("ix_case_purpose", "purpose"),
        list_index("ix_case_applicant_id", "applicant_id"),  # a name search reads ids only
        prefix_index("ix_case_reg_number_prefix", "reg_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reg_number: Mapped[str] = mapped_column(String(32), unique=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"))
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scheme.id"))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedule.id"))
    tuk_id: Mapped[int | None] = mapped_column(ForeignKey("tuk.id"))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("assessor.id"))
    trainer_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    purpose: Mapped[str] = mapped_column(String(20), default=Purpose.CERTIFICATION.value)
    status: Mapped[str] = mapped_column(String(24), default=CaseStatus.DRAFT.value)
    # when the last workflow step led to the status (written with it by casework): how long
    # the case has waited, read by the home page without going through the audit trail
    status_since: Mapped[datetime] = mapped_column(TS, default=utcnow)

    online: Mapped[bool] = mapped_column(default=False)  # submitted by the applicant online
    # FR.APL.01 declaration
    declaration_signed: Mapped[bool] = mapped_column(default=False)
    declaration_name: Mapped[str | None] = mapped_column(String(200))
    declaration_date: Mapped[date | None] = mapped_column(Date)

    # verification (seed 2.3)
    requirement_met: Mapped[str | None] = mapped_column(String(300))
    requirement_override_note: Mapped[str | None] = mapped_column(Text)
    return_reason: Mapped[str | None] = mapped_column(Text)

    # pre-assessment and plan (seed 2.6, FR.MAPA.01 / FR.AK.01)
    assessment_date: Mapped[date | None] = mapped_column(Date, index=True)
    assessment_time: Mapped[time | None] = mapped_column(Time)
    assessment_tools: Mapped[str | None] = mapped_column(Text)
    agreement_confirmed: Mapped[bool] = mapped_column(default=False)
    # the day the asesor recorded FR.AK.02 (the latest, after an upheld appeal)
    recommended_on: Mapped[date | None] = mapped_column(Date)

    # decision (seed 2.8–2.9)
    decision_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("decision_meeting.id"), index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_on: Mapped[date | None] = mapped_column(Date, index=True)
    decision_note: Mapped[str | None] = mapped_column(Text)

    closing_reason: Mapped[str | None] = mapped_column(Text)
    previous_certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate.id", use_alter=True), index=True
    )
    previous_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(TS, default=utcnow, onupdate=utcnow)

    applicant: Mapped[Applicant] = relationship()
    scheme: Mapped[Scheme] = relationship()
    schedule: Mapped[Schedule | None] = relationship()
    tuk: Mapped[Tuk | None] = relationship()
    assessor: Mapped[Assessor | None] = relationship()
    trainer: Mapped[User | None] = relationship(foreign_keys=[trainer_user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    decision_meeting: Mapped[DecisionMeeting | None] = relationship(backref="cases")
    units: Mapped[list[CaseUnit]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseUnit.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.id"
    )
    certificate: Mapped[Certificate | None] = relationship(
        back_populates="case", foreign_keys="Certificate.case_id", uselist=False
    )
    previous_certificate: Mapped[Certificate | None] = relationship(
        foreign_keys=[previous_certificate_id]
    )

    def __str__(self) -> str:
        return self.reg_number


class CaseUnit(Model):
    """A competency unit chosen in a case, with its whole history of verdicts."""

    __tablename__ = "case_unit"
    __table_args__ = (
        UniqueConstraint("case_id", "unit_id"),
        one_of("self_assessment", Verdict, "self_assessment_valid"),
        one_of("recommendation", Verdict, "recommendation_valid"),
        one_of("result", Verdict, "result_valid"),
        CheckConstraint("reassessment_count BETWEEN 0 AND 3", name="reassessment_limit"),
        CheckConstraint(
            "recommendation IS NULL OR recommendation = 'K' OR recommendation_note IS NOT NULL",
            name="bk_needs_note",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    self_assessment: Mapped[str | None] = mapped_column(String(2))
    self_evidence: Mapped[str | None] = mapped_column(Text)
    methods: Mapped[str | None] = mapped_column(String(200))  # comma-separated AssessmentMethod
    recommendation: Mapped[str | None] = mapped_column(String(2))
    recommendation_note: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(2))
    decision_reason: Mapped[str | None] = mapped_column(Text)  # why the result departs from advice
    reassessment_count: Mapped[int] = mapped_column(default=0)

    case: Mapped[Case] = relationship(back_populates="units")
    unit: Mapped[Unit] = relationship()
    kuk_answers: Mapped[list[KukAnswer]] = relationship(
        back_populates="case_unit", cascade="all, delete-orphan"
    )


class KukAnswer(Model):
    """The asesi's self-assessment of one KUK (FR.APL.02)."""

    __tablename__ = "kuk_answer"
    __table_args__ = (UniqueConstraint("case_unit_id", "kuk_id"), one_of("answer", Verdict))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_unit_id: Mapped[int] = mapped_column(ForeignKey("case_unit.id", ondelete="CASCADE"))
    kuk_id: Mapped[int] = mapped_column(ForeignKey("kuk.id"), index=True)
    answer: Mapped[str] = mapped_column(String(2))
    evidence: Mapped[str | None] = mapped_column(Text)

    case_unit: Mapped[CaseUnit] = relationship(back_populates="kuk_answers")
    kuk: Mapped[Kuk] = relationship()


class Attachment(StoredFileMixin, Model):
    """A supporting document of a case, with the secretariat's verdict on it (seed 2.2–2.3).

    A corrected upload replaces an earlier one by marking it not current; both stay on record.
    """

    __tablename__ = "attachment"
    __table_args__ = (one_of("kind", AttachmentKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    is_current: Mapped[bool] = mapped_column(default=True)
    present: Mapped[bool | None]  # ada / tidak ada
    adequate: Mapped[bool | None]  # memenuhi / tidak memenuhi
    verdict_note: Mapped[str | None] = mapped_column(String(500))
    uploaded_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("applicant_account.id"))

    case: Mapped[Case] = relationship(back_populates="attachments")

    def __str__(self) -> str:
        return self.original_name


# --- certificates and after ------------------------------------------------------------------


class NumberCounter(Model):
    """The last sequence number handed out in one numbering series (bumped, never recomputed)."""

    __tablename__ = "number_counter"

    series: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class Certificate(Model):
    """A competency certificate (sertifikat kompetensi, RULES.md #8)."""

    __tablename__ = "certificate"
    __table_args__ = (
        one_of("status", CertificateStatus),
        UniqueConstraint("series", "seq"),
        CheckConstraint("expires_on > issued_on", name="expiry_after_issue"),
        Index("ix_certificate_status_expires", "status", "expires_on"),
        Index("ix_certificate_status_surveillance", "status", "next_surveillance_due"),
        trigram_index("ix_certificate_holder_name_trgm", "holder_name"),
        prefix_index("ix_certificate_number_prefix", "number"),
        prefix_index("ix_certificate_bnsp_registration_number_prefix", "bnsp_registration_number"),
        prefix_index("ix_certificate_blanko_number_prefix", "blanko_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(80), unique=True)
    series: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    verify_code: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), unique=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scheme.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(200), index=True)
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=CertificateStatus.ACTIVE.value)
    status_reason: Mapped[str | None] = mapped_column(Text)
    bnsp_registration_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    blanko_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    next_surveillance_due: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="certificate", foreign_keys=[case_id])
    applicant: Mapped[Applicant] = relationship()
    scheme: Mapped[Scheme] = relationship()
    signed_by: Mapped[User | None] = relationship()
    superseded_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    def __str__(self) -> str:
        return self.number


class SurveillanceReport(Model):
    """A holder's yearly report on placement and duties (seed 2.11)."""

    __tablename__ = "surveillance_report"
    __table_args__ = (one_of("job_fit", JobFit),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    submitted_on: Mapped[date] = mapped_column(Date, index=True)
    placement: Mapped[str] = mapped_column(String(300))
    duties: Mapped[str] = mapped_column(Text)
    job_fit: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)

    certificate: Mapped[Certificate] = relationship()


class Appeal(Model):
    """An appeal (banding, FR.AK.04) against a BK decision (seed 2.10, RULES.md #9)."""

    __tablename__ = "appeal"
    __table_args__ = (one_of("status", AppealStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    filed_on: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(Text)
    process_explained: Mapped[bool]  # FR.AK.04 question 1
    discussed_with_assessor: Mapped[bool]  # question 2
    involved_others: Mapped[bool]  # question 3
    status: Mapped[str] = mapped_column(String(16), default=AppealStatus.PENDING.value)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship()
    decided_by: Mapped[User | None] = relationship()


class Complaint(Model):
    """A complaint (pengaduan), kept apart from appeals (RULES.md #16)."""

    __tablename__ = "complaint"
    __table_args__ = (one_of("status", ComplaintStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    complainant_name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(16), default=ComplaintStatus.OPEN.value, index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_on: Mapped[date | None] = mapped_column(Date)

    case: Mapped[Case | None] = relationship()
    certificate: Mapped[Certificate | None] = relationship()
    handler: Mapped[User | None] = relationship()


class AuditEvent(Model):
    """One applied change of state or one edit of a record: who, when, what, from, to, and the
    changed fields (never edited or deleted; written only by `casework.audit`)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_case_at", "case_id", "at"),
        trigram_index("ix_audit_event_note_trgm", "note"),  # searched (SQLite: AUDIT_NOTE_FTS)
        Index("ix_audit_event_record", "record_type", "record_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(TS, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # the applicant who acted from the applicant portal (then user_id is empty)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("applicant_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)
    record_type: Mapped[str | None] = mapped_column(String(40))  # the edited record's table
    record_id: Mapped[int | None]
    changes: Mapped[dict | None] = mapped_column(JSON)  # field → [old, new], or "changed"

    user: Mapped[User | None] = relationship()
    account: Mapped[ApplicantAccount | None] = relationship()
    case: Mapped[Case | None] = relationship()
    certificate: Mapped[Certificate | None] = relationship()


# --- messages and jobs (worked by the background worker) ------------------------------------


class OutboxMessage(Model):
    """An e-mail written in the transaction of the change that causes it, sent by the worker.

    `key` makes a message happen at most once (a reminder of one certificate for one day, a
    notice of one audit event). `handed_over_at` is set just before the SMTP server is given the
    end of the message: a worker that dies after it may have delivered, so it is not resent.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name="status_valid"),
        Index("ix_outbox_message_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    template: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8), default="id")
    context: Mapped[dict] = mapped_column(JSON)
    subject: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow, index=True)
    next_attempt_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(TS)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    handed_over_at: Mapped[datetime | None] = mapped_column(TS)
    sent_at: Mapped[datetime | None] = mapped_column(TS)

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient}"


class Job(Model):
    """Long work done by the worker for one person: its progress, its result, why it failed."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_valid"),
        Index("ix_job_user_created", "user_id", "created_at"),
        Index("ix_job_status_heartbeat", "status", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_path: Mapped[str | None] = mapped_column(String(500))
    # an import commit's report (JSON), written in the import's own transaction: a run of the
    # job that finds it returns it instead of importing again (exchange/import_jobs.py)
    report: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(TS)
    heartbeat_at: Mapped[datetime | None] = mapped_column(TS)
    finished_at: Mapped[datetime | None] = mapped_column(TS)
    expires_at: Mapped[datetime | None] = mapped_column(TS, index=True)

    user: Mapped[User] = relationship()

    def __str__(self) -> str:
        return self.title


class SignedCertificate(Model):
    """A certificate's PDF as signed (PAdES), kept once and served as is so the signature holds.

    The signing key's fingerprint tells which key signed it: a key change re-signs
    (`flask sign-certificates`). Only certificates in force are signed; see documents/issued.py.
    """

    __tablename__ = "signed_certificate"

    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), primary_key=True)
    signer: Mapped[str] = mapped_column(String(200))
    key_fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    signed_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


# --- text indexes on SQLite ---------------------------------------------------------------------

# SQLite has no trigram index: free text is searched through FTS5 tables that index a column
# ("external content": the text stays in its table), kept current by triggers. The audit trail's
# notes by word (unicode61), applicants' names by substring (trigram, as pg_trgm serves
# `ILIKE '%word%'` on PostgreSQL). Alembic's revision 0017_audit_search creates the same objects;
# `is_schema_object` keeps them out of its compare.
AUDIT_NOTE_FTS = "audit_event_fts"
APPLICANT_NAME_FTS = "applicant_fts"


def fts_ddl(fts: str, table: str, column: str, tokenize: str) -> tuple[str, ...]:
    """The FTS5 table `fts` indexing `table.column` (rowid = the row's id), and its triggers."""
    keep = f"INSERT INTO {fts}(rowid, {column}) SELECT new.id, new.{column} WHERE new.{column} IS NOT NULL;"
    drop = (
        f"INSERT INTO {fts}({fts}, rowid, {column}) "
        f"SELECT 'delete', old.id, old.{column} WHERE old.{column} IS NOT NULL;"
    )
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, content='{table}', "
        f"content_rowid='id', tokenize='{tokenize}')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table} BEGIN {keep} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} BEGIN {drop} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {column} ON {table} "
        f"BEGIN {drop} {keep} END",
    )


SQLITE_TEXT_INDEXES = {
    AUDIT_NOTE_FTS: (AuditEvent.__table__, "note", "unicode61 remove_diacritics 2"),
    APPLICANT_NAME_FTS: (Applicant.__table__, "full_name", "trigram"),
}
for _fts, (_table, _column, _tokenize) in SQLITE_TEXT_INDEXES.items():
    for _statement in fts_ddl(_fts, _table.name, _column, _tokenize):
        event.listen(_table, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
    event.listen(
        _table, "before_drop", DDL(f"DROP TABLE IF EXISTS {_fts}").execute_if(dialect="sqlite")
    )


def is_schema_object(name: str | None, type_: str, parent_names: dict) -> bool:
    """False for the FTS5 table and its shadow tables, which no model declares (Alembic's
    `include_name` when it compares the database with the models)."""
    return not (
        type_ == "table" and name is not None and name.startswith(tuple(SQLITE_TEXT_INDEXES))
    )
