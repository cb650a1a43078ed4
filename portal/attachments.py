"""Case attachments and public documents: upload, the secretariat's verdict, download.

Every staff route checks, in this order: logged in; the screen's role in `rules/access.py`
(403); the case visible through `scope_cases` (404, so a hidden case is not revealed); then the
case's status. Files go through `portal.uploads`, which types them by content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    send_file,
    url_for,
)
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select, update
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from . import clock
from .casework import audit
from .casework.verdicts import VERDICT_STATUSES, AttachmentVerdict, judge_attachments
from .extensions import db
from .i18n import translate
from .models import Attachment, Case, PublicDocument, Schedule
from .rules.access import can_read, can_write
from .rules.vocabulary import (
    ATTACHMENT_KIND_LABELS,
    EDITABLE_CASE_STATUSES,
    N_,
    AttachmentKind,
    DocumentKind,
)
from .rules.workflow import Refusal
from .scoping import scope_cases
from .transactions import begin_write
from .uploads import StoredFile, UploadRefused, discard, store_upload, stored_path

bp = Blueprint("attachments", __name__)

DOCUMENT_KIND_LABELS = {
    DocumentKind.APPLICATION_LETTER: N_("Application letter"),
    DocumentKind.APPLICATION_FORM: N_("Application form"),
    DocumentKind.SKKNI: N_("SKKNI"),
    DocumentKind.CODE_OF_ETHICS: N_("Code of ethics"),
    DocumentKind.RIGHTS: N_("Rights and obligations of the asesi"),
    DocumentKind.RULES: N_("House rules"),
    DocumentKind.OTHER: N_("Other"),
}


def _choices(labels: dict[Any, str]) -> list[tuple[str, Any]]:
    """Select choices from a vocabulary's labels, translated when the form is shown."""
    return [(value.value, _l(text)) for value, text in labels.items()]


class AttachmentForm(FlaskForm):
    """One attachment of a case."""

    kind = SelectField(_l("Kind"), choices=_choices(ATTACHMENT_KIND_LABELS))
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])


class VerdictForm(FlaskForm):
    """The secretariat's verdict on one attachment (ada/tidak ada, memenuhi/tidak memenuhi)."""

    present = RadioField(
        _l("Present"),
        choices=[("1", _l("Present")), ("0", _l("Not present"))],
        validators=[InputRequired(_l("Say whether the attachment is present."))],
    )
    adequate = RadioField(
        _l("Adequate"),
        choices=[("1", _l("Adequate")), ("0", _l("Not adequate"))],
        validators=[InputRequired(_l("Say whether the attachment is adequate."))],
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


def _recent_schedules() -> Any:
    """The schedules a new public document can belong to: those not yet over."""
    return db.session.scalars(
        select(Schedule).where(Schedule.ends_on >= clock.lsp_today()).order_by(Schedule.starts_on)
    )


class PublicDocumentForm(FlaskForm):
    """A document for the public schedule page."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_choices(DOCUMENT_KIND_LABELS))
    schedule = QuerySelectField(
        _l("Schedule (optional)"),
        query_factory=_recent_schedules,
        allow_blank=True,
        blank_text=_l("No schedule"),
    )
    published = BooleanField(_l("Published"), default=True)
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])


@dataclass(frozen=True)
class AttachmentAccess:
    """What the logged-in user may do with a case's attachments now (read by the template)."""

    can_upload: bool
    can_judge: bool


def attachment_access(case: Case) -> AttachmentAccess:
    """Upload while the application is editable; judge while it is submitted; both need the role."""
    writable = current_user.is_authenticated and can_write("attachment", current_user.roles)
    return AttachmentAccess(
        can_upload=writable and case.status in EDITABLE_CASE_STATUSES,
        can_judge=writable and case.status in VERDICT_STATUSES,
    )


# --- helpers ---------------------------------------------------------------------------------


def _require(allowed: bool) -> None:
    """Answer 403 when the user's roles do not allow this."""
    if not allowed:
        abort(403)


def _visible_case(case_id: int, lock: bool = False) -> Case:
    """The case if the user may see it, else 404; `lock` takes its row for a write (PostgreSQL)."""
    query = scope_cases(select(Case), current_user).where(Case.id == case_id)
    case = db.session.scalar(query.with_for_update() if lock else query)
    if case is None:
        abort(404)
    return case


def _back_to_case(case_id: int, text: str, category: str = "error") -> Any:
    """Flash the outcome and return to the case's page."""
    flash(text, category)
    return redirect(url_for("case.details_view", id=case_id))


def _form_problem(form: FlaskForm) -> str:
    """The first error of a form (WTForms' messages are translated already)."""
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    return errors[0] if errors else gettext("The form is not valid.")


def _upload_dir() -> Path:
    """Where stored files live (outside the web root)."""
    return Path(current_app.config["UPLOAD_DIR"])


def _store(upload: Any) -> StoredFile:
    """Store an uploaded file under the configured folder and limit."""
    return store_upload(upload, _upload_dir(), current_app.config["MAX_UPLOAD_BYTES"])


def send_stored(record: Attachment | PublicDocument) -> Any:
    """Serve a stored file as a download with its recorded type, never rendered by the browser."""
    try:
        path = stored_path(_upload_dir(), record.stored_name)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=record.mime_type,
        as_attachment=True,
        download_name=record.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _audit(case: Case, action: str, attachment: Attachment, note: str | None = None) -> None:
    """Record an attachment change on the case's audit trail (the status does not change)."""
    audit.write_event(
        db.session,
        user_id=current_user.id,
        action=action,
        case_id=case.id,
        from_status=case.status,
        to_status=case.status,
        note=note,
        data={"attachment_id": attachment.id, "kind": attachment.kind, "sha256": attachment.sha256},
    )


# --- case attachments ------------------------------------------------------------------------

NOT_EDITABLE = N_("Attachments can be changed only while the application is a draft or returned.")


@bp.post("/berkas/kasus/<int:case_id>/lampiran")
@login_required
def upload(case_id: int) -> Any:
    """Add an attachment to a case; an earlier current one of the same kind stays, not current."""
    _require(can_write("attachment", current_user.roles))
    case = _visible_case(case_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        return _back_to_case(case_id, _form_problem(form))
    if case.status not in EDITABLE_CASE_STATUSES:
        return _back_to_case(case_id, gettext(NOT_EDITABLE))
    try:
        stored = _store(form.file.data)
    except UploadRefused as refused:
        return _back_to_case(case_id, translate(refused.message))
    try:
        saved = _save_attachment(case_id, form.kind.data, stored)
    except BaseException:
        db.session.rollback()
        discard(_upload_dir(), stored.stored_name)
        raise
    if not saved:
        discard(_upload_dir(), stored.stored_name)
        return _back_to_case(case_id, gettext(NOT_EDITABLE))
    return _back_to_case(
        case_id, gettext("%(name)s is attached.", name=stored.original_name), "success"
    )


def _save_attachment(case_id: int, kind: str, stored: StoredFile) -> bool:
    """Record the file in one write transaction; False when the case stopped being editable."""
    begin_write(db.session)
    case = _visible_case(case_id, lock=True)
    if case.status not in EDITABLE_CASE_STATUSES:
        db.session.rollback()
        return False
    db.session.execute(
        update(Attachment)
        .where(Attachment.case_id == case.id, Attachment.kind == kind, Attachment.is_current)
        .values(is_current=False)
    )
    attachment = Attachment(
        case_id=case.id, kind=kind, uploaded_by_id=current_user.id, **stored.columns()
    )
    db.session.add(attachment)
    db.session.flush()
    _audit(case, "attachment_upload", attachment)
    db.session.commit()
    return True


@bp.post("/berkas/lampiran/<int:attachment_id>/penilaian")
@login_required
def verdict(attachment_id: int) -> Any:
    """Record whether one current attachment is present and adequate, with a note."""
    _require(can_write("attachment", current_user.roles))
    attachment = _visible_attachment(attachment_id)
    case_id = attachment.case_id
    form = VerdictForm()
    if not form.validate_on_submit():
        return _back_to_case(case_id, _form_problem(form))
    given = AttachmentVerdict(form.present.data == "1", form.adequate.data == "1", form.note.data)
    try:
        judge_attachments(db.session, case_id, current_user, {attachment.id: given})
    except Refusal as refusal:
        return _back_to_case(case_id, translate(refusal))
    return _back_to_case(
        case_id, gettext("Verdict recorded for %(name)s.", name=attachment.original_name), "success"
    )


def _visible_attachment(attachment_id: int) -> Attachment:
    """The attachment if the user may see its case, else 404."""
    query = scope_cases(select(Attachment).join(Attachment.case), current_user)
    attachment = db.session.scalar(query.where(Attachment.id == attachment_id))
    if attachment is None:
        abort(404)
    return attachment


@bp.get("/berkas/lampiran/<int:attachment_id>")
@login_required
def download(attachment_id: int) -> Any:
    """Serve an attachment to staff who may see its case."""
    _require(can_read("attachment", current_user.roles))
    return send_stored(_visible_attachment(attachment_id))


# --- public documents ------------------------------------------------------------------------


@bp.route("/berkas/dokumen-publik/baru", methods=["GET", "POST"])
@login_required
def new_public_document() -> Any:
    """Upload a document for the public schedule page."""
    _require(can_write("public_document", current_user.roles))
    form = PublicDocumentForm()
    if form.validate_on_submit():
        try:
            stored = _store(form.file.data)
        except UploadRefused as refused:
            form.file.errors.append(translate(refused.message))
        else:
            _save_public_document(form, stored)
            flash(gettext("%(name)s is uploaded.", name=stored.original_name), "success")
            return redirect(url_for("public_document.index_view"))
    admin = current_app.extensions["portal_admin"]
    return admin.index_view.render("attachments/public_document_form.html", form=form)


def _save_public_document(form: PublicDocumentForm, stored: StoredFile) -> None:
    """Create the document's row; remove the stored file when the row cannot be written."""
    try:
        schedule = form.schedule.data
        document = PublicDocument(
            title=form.title.data.strip(),
            kind=form.kind.data,
            schedule_id=schedule.id if schedule else None,
            published=form.published.data,
            **stored.columns(),
        )
        db.session.add(document)
        audit.record_edit(db.session, current_user.id, document, "create")
        db.session.commit()
    except BaseException:
        db.session.rollback()
        discard(_upload_dir(), stored.stored_name)
        raise


@bp.get("/dokumen/<int:document_id>")
def public_document(document_id: int) -> Any:
    """Serve a published document to anyone (seed 2.1)."""
    document = db.session.scalar(
        select(PublicDocument).where(
            PublicDocument.id == document_id, PublicDocument.published.is_(True)
        )
    )
    if document is None:
        abort(404)
    return send_stored(document)


def init_app(app: Flask) -> None:
    """Register the routes and the template helpers of the attachments partial."""
    app.register_blueprint(bp)
    app.jinja_env.globals["attachment_access"] = attachment_access
    app.jinja_env.globals["attachment_kinds"] = [kind.value for kind in AttachmentKind]
