"""Download routes for the printed documents, for staff only.

Access is the screen table's (rules/access.py): a role that may not read the screen gets 403.
Objects are re-checked one by one: a case, or a certificate's case, that the user may not see
(scoping.scope_cases: an asesor sees only their own cases) answers 404, and ids posted for a ZIP
are filtered the same way, so a hand-made request never reaches more than the screens show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import or_, select

from ..auth import roles_required
from ..casework import Settings
from ..extensions import db
from ..i18n import translate
from ..models import Case, Certificate
from ..rules.access import SCREENS
from ..rules.workflow import Refusal
from ..scoping import scope_cases
from . import forms, paperwork
from .archive import keeper, loader
from .bulk import certificate_zip, render_chunk
from .certificate import CertificateSettings
from .pdf import DocumentError, safe_filename
from .signing import SigningError

bp = Blueprint("documents", __name__, url_prefix="/documents")

MAX_IDS = 5000


class BadRequest(Exception):
    """Input a person can correct; shown on the error page with its message."""


def screen_required(screen: str):
    """Only roles that may read the screen may download its documents."""
    return roles_required(*SCREENS[screen].read)


def _download(data: bytes | Iterable[bytes], filename: str, mimetype: str) -> Response:
    """A download response with a safe file name."""
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _pdf(document: paperwork.Document | None) -> Response:
    """A PDF download, or 404 when the document has nothing the user may see."""
    if document is None:
        abort(404)
    return _download(document.pdf, safe_filename(document.filename, ".pdf"), "application/pdf")


@bp.errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> Any:
    """Show what to correct on the portal's error page."""
    return render_template("error.html", status=400, message=str(error)), 400


@bp.errorhandler(SigningError)
def _not_signable(error: SigningError) -> Any:
    """The signing key is configured but unusable: nothing unsigned goes out in its place."""
    current_app.logger.error("certificate not signed: %s", error)
    message = gettext(
        "Certificates cannot be signed: the signing key cannot be opened. "
        "Please tell the administrator."
    )
    return render_template("error.html", status=500, message=message), 500


@bp.errorhandler(DocumentError)
def _not_renderable(error: DocumentError) -> Any:
    """A document that cannot be printed as designed (a missing glyph, font or image)."""
    current_app.logger.error("document not rendered: %s", error)
    message = gettext(
        "This document cannot be printed as designed: a character, font or image is missing. "
        "Please tell the administrator."
    )
    return render_template("error.html", status=500, message=message), 500


def _settings() -> CertificateSettings:
    """The certificate settings of this app."""
    return CertificateSettings.from_config(current_app.config)


def visible_certificate_ids(*conditions: Any) -> list[int]:
    """Ids of the certificates matching the conditions whose case the user may see."""
    visible_cases = scope_cases(select(Case.id), current_user)
    return list(
        db.session.scalars(
            select(Certificate.id)
            .where(*conditions, Certificate.case_id.in_(visible_cases))
            .order_by(Certificate.issued_on, Certificate.number)
        )
    )


def parse_period(args: Mapping[str, str]) -> tuple[date, date]:
    """The `from` and `to` dates (YYYY-MM-DD) of a query, or a BadRequest saying what is wrong."""
    days = []
    for key in ("from", "to"):
        raw = (args.get(key) or "").strip()
        if not raw:
            raise BadRequest(gettext("Give the first and last day of the period (YYYY-MM-DD)."))
        try:
            if len(raw) > 10:
                raise ValueError(raw)
            days.append(date.fromisoformat(raw))
        except ValueError:
            raise BadRequest(
                gettext("“%(value)s” is not a date: write it as YYYY-MM-DD.", value=raw[:20])
            ) from None
    start, end = days
    if start > end:
        raise BadRequest(gettext("The first day of the period is after its last day."))
    return start, end


def _ids(values: Sequence[str]) -> list[int]:
    """Posted ids as integers, or a BadRequest for anything else or too many."""
    if len(values) > MAX_IDS:
        raise BadRequest(gettext("Select at most %(count)s at once.", count=MAX_IDS))
    if not all(v.strip().isdigit() for v in values):
        raise BadRequest(gettext("The selection is not valid. Reload the page and try again."))
    return [int(v) for v in values]


@bp.get("/certificates/<int:certificate_id>.pdf")
@screen_required("certificate")
def certificate(certificate_id: int) -> Response:
    """One certificate as PDF: signed and stored on its first print, served as stored after."""
    if not visible_certificate_ids(Certificate.id == certificate_id):
        abort(404)
    settings = _settings()
    (printed,) = render_chunk(loader(db.session, settings)([certificate_id]), settings)
    if printed.newly_signed:
        keeper(db.session, settings)(certificate_id, printed.pdf)
    return _download(printed.pdf, printed.filename, "application/pdf")


def zip_response(chosen: Any, name: str) -> Response:
    """The streamed ZIP of the certificates matching `chosen` that the user may see.

    Also for admin bulk actions: `zip_response(Certificate.id.in_(ids), "sertifikat-terpilih")`.
    """
    ids = visible_certificate_ids(chosen)
    if not ids:
        raise BadRequest(gettext("No certificate matches this selection."))
    settings = _settings()
    body = certificate_zip(
        ids,
        loader(db.session, settings),
        settings,
        keep=keeper(db.session, settings),
    )
    response = _download(stream_with_context(body), safe_filename(name, ".zip"), "application/zip")
    response.headers["X-Accel-Buffering"] = "no"  # let a proxy pass each chunk on at once
    return response


@bp.route("/certificates.zip", methods=["GET", "POST"])
@screen_required("certificate")
def certificates_zip() -> Response:
    """Many certificates as one streamed ZIP: posted ids (certificates or cases), or a period."""
    if request.method == "POST":
        ids = _ids(request.form.getlist("ids"))
        case_ids = _ids(request.form.getlist("case_ids"))
        chosen = or_(Certificate.id.in_(ids), Certificate.case_id.in_(case_ids))
        return zip_response(chosen, "sertifikat-terpilih")
    start, end = parse_period(request.args)
    chosen = Certificate.issued_on.between(start, end)
    return zip_response(chosen, f"sertifikat-{start.isoformat()}-{end.isoformat()}")


@bp.get("/certificates/register.pdf")
@screen_required("certificate")
def register() -> Response:
    """The certificate register of a period (query: from, to)."""
    start, end = parse_period(request.args)
    try:
        today = Settings.of(current_app.config).today
        document = paperwork.certificate_register(start, end, today, current_user.full_name)
    except paperwork.RegisterTooLarge as error:
        raise BadRequest(
            gettext(
                "The period holds %(count)s certificates; a register lists at most %(max)s. "
                "Choose a shorter period.",
                count=error.count,
                max=paperwork.REGISTER_MAX_ROWS,
            )
        ) from None
    return _pdf(document)


@bp.get("/schedules/<int:schedule_id>/badges.pdf")
@screen_required("case")
def badges(schedule_id: int) -> Response:
    """The ID badges of a schedule's asesi."""
    return _pdf(paperwork.schedule_badges(schedule_id, current_user))


@bp.get("/cases/<int:case_id>/badge.pdf")
@screen_required("case")
def case_badge(case_id: int) -> Any:
    """The badge of one case, or the reason it gets none yet."""
    try:
        return _pdf(paperwork.visible_case_badge(case_id, current_user))
    except Refusal as refusal:
        return render_template("error.html", status=409, message=translate(refusal)), 409


@bp.get("/cases/<int:case_id>/fr-apl-01.pdf")
@screen_required("case")
def application_form(case_id: int) -> Response:
    """FR.APL.01 of a case."""
    return _pdf(paperwork.application_form(case_id, current_user))


@bp.get("/cases/<int:case_id>/fr-apl-02.pdf")
@screen_required("case")
def self_assessment_form(case_id: int) -> Response:
    """FR.APL.02 of a case."""
    return _pdf(paperwork.self_assessment_form(case_id, current_user))


@bp.get("/meetings/<int:meeting_id>/minutes.pdf")
@screen_required("decision_meeting")
def minutes(meeting_id: int) -> Response:
    """The minutes (berita acara) of a decision meeting."""
    return _pdf(paperwork.meeting_minutes(meeting_id))


@bp.get("/cases/<int:case_id>/<kind>.pdf")
@screen_required("case")
def case_form(case_id: int, kind: str) -> Response:
    """FR.MAPA.01 (FR-POA-01), FR-DAT-01, FR.AK.01 or FR.AK.02 of a case (forms.CASE_FORMS)."""
    if kind not in forms.CASE_FORMS:
        abort(404)
    return _pdf(forms.case_form(kind, case_id, current_user))


@bp.get("/appeals/<int:appeal_id>/fr-ak-04.pdf")
@screen_required("appeal")
def appeal_form(appeal_id: int) -> Response:
    """FR.AK.04 of an appeal."""
    return _pdf(forms.appeal_form(appeal_id, current_user))


@bp.get("/schedules/<int:schedule_id>/surat-tugas.pdf")
@screen_required("case")
def assignment_letter(schedule_id: int) -> Response:
    """The asesor's assignment letters of a schedule."""
    return _pdf(forms.assignment_letter(schedule_id, current_user))


@bp.get("/schedules/<int:schedule_id>/daftar-hadir.pdf")
@screen_required("case")
def attendance_list(schedule_id: int) -> Response:
    """The attendance list of a schedule."""
    return _pdf(forms.attendance_list(schedule_id, current_user))
