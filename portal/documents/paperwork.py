"""The printed paperwork around a case: badges, FR.APL.01/02, decision minutes, the register.

Each function loads what its document shows (cases scoped to the user where cases are listed),
renders a Jinja template of templates/pdf/ in the request's language, and returns the Document,
or None when there is nothing the user may see (the view answers 404).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from flask import current_app
from jinja2 import Environment
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Case,
    CaseUnit,
    Certificate,
    DecisionMeeting,
    Element,
    MeetingAddendum,
    MeetingAttendee,
    Schedule,
    Unit,
    User,
)
from ..rules.badges import BADGE_STATUSES, badge_refusal
from ..rules.certificates import effective_status
from ..rules.vocabulary import AttachmentKind, CaseStatus, Verdict
from ..scoping import scope_cases
from ..uploads import stored_path
from .certificate import CertificateSettings
from .pdf import (
    FONT_FACES,
    FONT_STACK,
    html_to_pdf,
    image_data_uri,
    printable_value,
    thumbnail_data_uri,
)

REGISTER_MAX_ROWS = 2000

S = CaseStatus
# Where a case stands after the secretariat's check of FR.APL.01, and the asesor's of FR.APL.02.
_APPLICATION_ACCEPTED = frozenset(
    {S.VERIFIED, S.SELF_ASSESSED, S.READY_FOR_ASSESSMENT, S.ASSESSED}
    | {S.COMPETENT, S.NOT_YET_COMPETENT, S.CERTIFIED, S.APPEALED}
)
_ASSESSMENT_PROCEEDS = _APPLICATION_ACCEPTED - {S.VERIFIED, S.SELF_ASSESSED}


class Document(NamedTuple):
    """A rendered document and the name to download it under."""

    filename: str
    pdf: bytes


class RegisterTooLarge(Exception):
    """The period holds more certificates than one register document may list."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def render_document(template: str, **context: Any) -> bytes:
    """Render a template of templates/pdf/ with the LSP's logo and the embedded fonts.

    The app's Jinja environment (translations, filters, the request's context) with one change:
    every printed value passes `printable`, so no character in the data can fail the document.
    """
    logo = image_data_uri(CertificateSettings.from_config(current_app.config).logo_path)
    context.update(fonts=FONT_FACES, font_stack=FONT_STACK, logo=logo)
    current_app.update_template_context(context)
    return html_to_pdf(_document_environment().get_template(template).render(context))


def _document_environment() -> Environment:
    """The app's Jinja environment overlaid with `printable_value`, made once per app."""
    env = current_app.extensions.get("pdf_jinja_env")
    if env is None:
        env = current_app.jinja_env.overlay(finalize=printable_value)
        current_app.extensions["pdf_jinja_env"] = env
    return env


def schedule_badges(schedule_id: int, user: User) -> Document | None:
    """The ID badges (tanda pengenal) of the asesi of one schedule that the user may see."""
    schedule = db.session.get(Schedule, schedule_id)
    if schedule is None:
        return None
    cases = db.session.scalars(
        scope_cases(
            select(Case)
            .where(Case.schedule_id == schedule_id, Case.status.in_(BADGE_STATUSES))
            .options(
                selectinload(Case.applicant),
                selectinload(Case.scheme),
                selectinload(Case.attachments),
            )
            .order_by(Case.reg_number),
            user,
        )
    ).all()
    if not cases:
        return None
    return _badges(schedule, list(cases), f"tanda-pengenal-{schedule.code}")


def case_badge(case: Case) -> Document:
    """The badge (kartu peserta) of one case; a `Refusal` says why a case gets none yet."""
    refusal = badge_refusal(case.status, case.schedule is not None)
    if refusal is not None:
        raise refusal
    return _badges(case.schedule, [case], f"kartu-peserta-{case.reg_number}")


_BADGE_LOADS = (
    selectinload(Case.applicant),
    selectinload(Case.scheme),
    selectinload(Case.schedule),
    selectinload(Case.attachments),
)


def visible_case_badge(case_id: int, user: User) -> Document | None:
    """The badge of one case the user may see (None when they may not); a `Refusal` when the
    case gets no badge yet."""
    case = _visible_case(case_id, user, *_BADGE_LOADS)
    return None if case is None else case_badge(case)


def mailed_badge(case_id: int) -> Document | None:
    """The badge attached to the asesi's "assessment planned" e-mail, printed when it is sent;
    None when the case gets none (no schedule, or it has moved on since: withdrawn)."""
    case = db.session.scalar(select(Case).where(Case.id == case_id).options(*_BADGE_LOADS))
    if case is None or badge_refusal(case.status, case.schedule is not None) is not None:
        return None
    return case_badge(case)


def _badges(schedule: Schedule, cases: list[Case], filename: str) -> Document:
    photos = {case.id: _photo(case) for case in cases}
    pdf = render_document("pdf/badges.html", schedule=schedule, cases=cases, photos=photos)
    return Document(filename, pdf)


def _photo(case: Case) -> str | None:
    """The case's current pas foto as a data URI, when one was uploaded as an image."""
    photo = next(
        (
            a
            for a in case.attachments
            if a.kind == AttachmentKind.PHOTO and a.is_current and a.mime_type.startswith("image/")
        ),
        None,
    )
    if photo is None:
        return None
    return thumbnail_data_uri(
        stored_path(Path(current_app.config["UPLOAD_DIR"]), photo.stored_name)
    )


def _visible_case(case_id: int, user: User, *options: Any) -> Case | None:
    """One case, if the user may see it."""
    query = select(Case).where(Case.id == case_id).options(*options)
    return db.session.scalar(scope_cases(query, user))


def application_form(case_id: int, user: User) -> Document | None:
    """FR.APL.01: the applicant's data, the scheme and units, the attachments and the verdict."""
    case = _visible_case(
        case_id,
        user,
        selectinload(Case.applicant),
        selectinload(Case.scheme),
        selectinload(Case.units).selectinload(CaseUnit.unit),
        selectinload(Case.attachments),
    )
    if case is None:
        return None
    verdict = None
    if case.status == CaseStatus.RETURNED:
        verdict = False
    elif case.status in _APPLICATION_ACCEPTED:
        verdict = True
    pdf = render_document(
        "pdf/apl01.html",
        case=case,
        attachments=[a for a in case.attachments if a.is_current],
        accepted=verdict,
        photo=_photo(case),
    )
    return Document(f"FR-APL-01-{case.reg_number}", pdf)


def self_assessment_form(case_id: int, user: User) -> Document | None:
    """FR.APL.02: per unit, element and KUK the asesi's answer and evidence, then the review."""
    case = _visible_case(
        case_id,
        user,
        selectinload(Case.applicant),
        selectinload(Case.scheme),
        selectinload(Case.assessor),
        selectinload(Case.units).selectinload(CaseUnit.kuk_answers),
        selectinload(Case.units)
        .selectinload(CaseUnit.unit)
        .selectinload(Unit.elements)
        .selectinload(Element.kuks),
    )
    if case is None:
        return None
    answers = {a.kuk_id: a for cu in case.units for a in cu.kuk_answers}
    pdf = render_document(
        "pdf/apl02.html",
        case=case,
        answers=answers,
        proceeds=case.status in _ASSESSMENT_PROCEEDS,
    )
    return Document(f"FR-APL-02-{case.reg_number}", pdf)


def case_decision(case: Case) -> str | None:
    """K when every chosen unit was decided K, BK when any was BK, None while undecided."""
    results = {cu.result for cu in case.units}
    if Verdict.BK in results:
        return Verdict.BK.value
    if results == {Verdict.K.value}:
        return Verdict.K.value
    return None


def meeting_minutes(meeting_id: int) -> Document | None:
    """The berita acara of a decision meeting: date, place, attendees, cases and decisions."""
    meeting = db.session.scalar(
        select(DecisionMeeting)
        .where(DecisionMeeting.id == meeting_id)
        .options(
            selectinload(DecisionMeeting.chair),
            selectinload(DecisionMeeting.attendees).selectinload(MeetingAttendee.user),
            selectinload(DecisionMeeting.addenda).selectinload(MeetingAddendum.author),
        )
    )
    if meeting is None:
        return None
    cases = db.session.scalars(
        select(Case)
        .where(Case.decision_meeting_id == meeting_id)
        .options(
            selectinload(Case.applicant),
            selectinload(Case.scheme),
            selectinload(Case.assessor),
            selectinload(Case.units).selectinload(CaseUnit.unit),
            selectinload(Case.certificate),
        )
        .order_by(Case.reg_number)
    ).all()
    decisions = [(case, case_decision(case)) for case in cases]
    pdf = render_document("pdf/minutes.html", meeting=meeting, decisions=decisions)
    return Document(f"berita-acara-{meeting.held_on.isoformat()}", pdf)


def certificate_register(
    start: date, end: date, today: date, prepared_by: str | None = None
) -> Document:
    """The register of certificates issued in a period, with each one's status as of today,
    and the approval block: prepared by (the user who prints it), approved by the chair."""
    period = Certificate.issued_on.between(start, end)
    count = db.session.scalar(select(func.count()).select_from(Certificate).where(period))
    if count > REGISTER_MAX_ROWS:
        raise RegisterTooLarge(count)
    certificates = db.session.scalars(
        select(Certificate)
        .where(period)
        .options(selectinload(Certificate.scheme))
        .order_by(Certificate.issued_on, Certificate.number)
    ).all()
    rows = [(c, effective_status(c.status, c.expires_on, today).value) for c in certificates]
    pdf = render_document(
        "pdf/register.html",
        rows=rows,
        start=start,
        end=end,
        today=today,
        prepared_by=prepared_by,
    )
    return Document(f"register-sertifikat-{start.isoformat()}-{end.isoformat()}", pdf)
