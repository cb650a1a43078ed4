"""The applicant's own door (/asesi/): account, FR.APL.01, attachments, submit and follow.

Views parse input, call one service function of `portal.casework.online` with the applicant's
account as the actor, and render the result. A `Refusal` becomes a message, never a 500: by
security.py's handler (back to the page the form came from), or `refusal_flashed` where the form
is shown again with the applicant's input. Every record in a URL is found through the signed-in
account, so another person's is "not found".
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from .. import clock
from ..attachments import send_stored
from ..casework import (
    Settings,
    account_links,
    apply,
    online,
    record_surveillance,
    start_recertification,
)
from ..documents import paperwork
from ..documents.bulk import certificate_filename
from ..documents.certificate import CertificateSettings, render_certificate
from ..documents.loading import load_certificates
from ..documents.pdf import safe_filename
from ..extensions import db
from ..i18n import seeded, translate
from ..models import (
    Appeal,
    ApplicantAccount,
    Attachment,
    BnspCode,
    Case,
    Certificate,
    Schedule,
)
from ..passwords import hash_password, password_problem, verify_password
from ..rules.account_link import masked
from ..rules.applicant_steps import next_step
from ..rules.badges import BADGE_STATUSES
from ..rules.certificates import recertification_horizon
from ..rules.requirements import Alternative, Qualifications, backed, documents_for, evaluate
from ..rules.vocabulary import (
    EDITABLE_CASE_STATUSES,
    FINAL_CASE_STATUSES,
    CaseStatus,
    CodeKind,
)
from ..rules.workflow import APPEAL_QUESTIONS, Action, Refusal
from ..security import limiter, refusal_flashed
from ..transactions import begin_write, writing
from ..uploads import UploadRefused, discard, store_upload
from . import mail
from .accounts import (
    CONFIRM,
    RESET,
    account_required,
    current_account,
    make_token,
    read_token,
)
from .accounts import (
    sign_in as start_session,
)
from .accounts import (
    sign_out as end_session,
)
from .forms import (
    AppealForm,
    DraftForm,
    EmailForm,
    LinkCodeForm,
    NewPasswordForm,
    ProfileForm,
    RegisterForm,
    SignInForm,
    SurveillanceForm,
    UploadForm,
    self_assessment_form,
    self_assessment_inputs,
)

bp = Blueprint("asesi", __name__, url_prefix="/asesi")

DEFAULT_AUTH_LIMIT = "10/minute"
DEFAULT_ACCOUNT_LIMIT = "5/15 minutes"
_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")


def auth_limit() -> str:
    """Posts to the account forms per client address (APPLICANT_RATE_LIMIT)."""
    return current_app.config.get("APPLICANT_RATE_LIMIT") or DEFAULT_AUTH_LIMIT


def account_limit() -> str:
    """Failed sign-ins per e-mail address from any client (LOGIN_ACCOUNT_LIMIT, as for staff)."""
    return current_app.config.get("LOGIN_ACCOUNT_LIMIT") or DEFAULT_ACCOUNT_LIMIT


def _email_key() -> str:
    return "applicant:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response: Any) -> bool:
    return response.status_code == 200


def _settings() -> Settings:
    return Settings.of(current_app.config)


def _by_email(email: str) -> ApplicantAccount | None:
    return db.session.scalar(
        select(ApplicantAccount).where(ApplicantAccount.email == email.strip().lower())
    )


# --- account ---------------------------------------------------------------------------------


@bp.route("/daftar", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def register() -> Any:
    """Create an account; the same answer whether the e-mail or NIK is new or not."""
    form = RegisterForm()
    if form.validate_on_submit():
        problem = password_problem(form.password.data, form.email.data)
        if problem:
            form.password.errors.append(gettext(problem))
        else:
            password_hash = hash_password(form.password.data)  # hashed either way: same timing
            email = form.email.data.lower()
            begin_write(db.session)
            taken = db.session.scalar(
                select(ApplicantAccount).where(
                    (ApplicantAccount.email == email) | (ApplicantAccount.nik == form.nik.data)
                )
            )
            if taken is None:
                account = ApplicantAccount(
                    email=email,
                    nik=form.nik.data,
                    full_name=form.full_name.data,
                    password_hash=password_hash,
                )
                db.session.add(account)
                db.session.flush()
                mail.confirmation(account, make_token(CONFIRM, account))
            else:
                mail.already_registered(taken)
            db.session.commit()
            return render_template("applicant/sent.html")
    return render_template("applicant/register.html", form=form)


@bp.route("/konfirmasi/<token>")
@limiter.limit(auth_limit)
def confirm(token: str) -> Any:
    """Confirm the e-mail address by the signed link; then the applicant may sign in."""
    hours = current_app.config["APPLICANT_CONFIRM_HOURS"]
    account = read_token(CONFIRM, token, hours)
    if account is None:
        flash(gettext("The link is not valid or has expired. Ask for a new one."), "error")
        return redirect(url_for("asesi.resend"))
    if account.confirmed_at is None:
        with writing(db.session):
            db.session.execute(
                update(ApplicantAccount)
                .where(ApplicantAccount.id == account.id, ApplicantAccount.confirmed_at.is_(None))
                .values(confirmed_at=clock.now())
            )
    flash(gettext("Your e-mail address is confirmed. You can sign in now."), "success")
    return redirect(url_for("asesi.sign_in"))


@bp.route("/konfirmasi-ulang", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def resend() -> Any:
    """Send a new confirmation link (the same answer for any address)."""
    form = EmailForm()
    if form.validate_on_submit():
        begin_write(db.session)
        account = _by_email(form.email.data)
        if account is not None and account.confirmed_at is None:
            mail.confirmation(account, make_token(CONFIRM, account))
        db.session.commit()
        return render_template("applicant/sent.html")
    return render_template("applicant/email_form.html", form=form, purpose="resend")


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
@limiter.limit(account_limit, methods=["POST"], key_func=_email_key, deduct_when=_failed)
def sign_in() -> Any:
    """Sign an applicant in; a staff session in this browser ends."""
    if current_account() is not None:
        return redirect(url_for("asesi.home"))
    form = SignInForm()
    if form.validate_on_submit():
        account = _by_email(form.email.data)
        valid = verify_password(
            account.password_hash if account else _DUMMY_HASH, form.password.data
        )
        if account is not None and valid and account.confirmed_at is not None:
            start_session(account)
            return redirect(_safe_next(request.args.get("next")))
        if account is not None and valid:
            flash(gettext("Confirm your e-mail address first: open the link we sent you."), "error")
        else:
            flash(gettext("Wrong e-mail or password."), "error")
    return render_template("applicant/sign_in.html", form=form)


def _safe_next(target: str | None) -> str:
    """Only a page of the applicant portal is a place to go after signing in."""
    if target and target.startswith("/asesi/") and "//" not in target and "\\" not in target:
        return target
    return url_for("asesi.home")


@bp.post("/keluar")
@account_required
def sign_out() -> Any:
    """End the applicant session."""
    end_session()
    flash(gettext("You have signed out."), "info")
    return redirect(url_for("asesi.sign_in"))


@bp.route("/lupa-sandi", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def forgot() -> Any:
    """Send a password-reset link (the same answer for any address)."""
    form = EmailForm()
    if form.validate_on_submit():
        begin_write(db.session)
        account = _by_email(form.email.data)
        if account is not None:
            mail.password_reset(account, make_token(RESET, account))
        db.session.commit()
        return render_template("applicant/sent.html")
    return render_template("applicant/email_form.html", form=form, purpose="forgot")


@bp.route("/sandi-baru/<token>", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def reset(token: str) -> Any:
    """Set a new password from a reset link; the link then stops working, and old sessions end."""
    account = read_token(RESET, token, current_app.config["APPLICANT_RESET_HOURS"])
    if account is None:
        flash(gettext("The link is not valid or has expired. Ask for a new one."), "error")
        return redirect(url_for("asesi.forgot"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.password.data, account.email)
        if problem:
            form.password.errors.append(gettext(problem))
        elif form.password.data != form.repeat.data:
            form.repeat.errors.append(gettext("The two passwords differ."))
        else:
            new_hash = hash_password(form.password.data)
            with writing(db.session):
                db.session.execute(
                    update(ApplicantAccount)
                    .where(ApplicantAccount.id == account.id)
                    .values(
                        password_hash=new_hash,
                        # the link came to this address: it is confirmed too
                        confirmed_at=account.confirmed_at or clock.now(),
                    )
                )
            end_session()
            flash(gettext("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("asesi.sign_in"))
    return render_template("applicant/reset.html", form=form)


# --- applications ----------------------------------------------------------------------------


def _refused(refusal: Refusal, target: str) -> Any:
    """Show a refusal of the service and go to `target`, for the views that do not go back to
    the page they came from (security.py's handler does that for the others)."""
    flash(translate(refusal), "error")
    return redirect(target)


@bp.route("/")
@account_required
def home() -> Any:
    """The applicant's applications with their status in plain words and what to do now."""
    account = current_account()
    cases = []
    if account.applicant_id is not None:
        cases = db.session.scalars(
            select(Case)
            .options(selectinload(Case.scheme), selectinload(Case.schedule))
            .where(Case.applicant_id == account.applicant_id)
            .order_by(Case.id.desc())
        ).all()
    certificates = []
    if account.applicant_id is not None:
        certificates = db.session.scalars(
            select(Certificate)
            .options(selectinload(Certificate.scheme))
            .where(Certificate.applicant_id == account.applicant_id)
            .order_by(Certificate.issued_on.desc())
        ).all()
    settings = _settings()
    return render_template(
        "applicant/home.html",
        account=account,
        linkable=account_links.record_to_link(db.session, account) is not None,
        cases=cases,
        step=next_step,
        certificates=certificates,
        # a re-certification under way, by the certificate it renews: shown instead of the button
        renewals={
            c.previous_certificate_id: c
            for c in cases
            if c.previous_certificate_id is not None and c.status not in FINAL_CASE_STATUSES
        },
        today=settings.today,
        horizon=recertification_horizon(settings.today, settings.horizon_months),
    )


@bp.route("/tautkan", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
@account_required
def link() -> Any:
    """Link the record staff made for the account's NIK: type the code sent to its e-mail."""
    account = current_account()
    record = account_links.record_to_link(db.session, account)
    if record is None:
        return redirect(url_for("asesi.home"))
    form = LinkCodeForm()
    if form.validate_on_submit():
        try:
            account_links.confirm_code(db.session, account, form.code.data)
        except Refusal as refusal:
            flash(translate(refusal), "error")
        else:
            flash(gettext("Your earlier record is linked to your account."), "success")
            return redirect(url_for("asesi.home"))
    return render_template(
        "applicant/link.html",
        form=form,
        email=masked(record.email) if record.email else None,
        waiting=account_links.pending(db.session, account),
    )


@bp.post("/tautkan/kirim")
@limiter.limit(auth_limit)
@account_required
def request_link() -> Any:
    """Send a code to the record's e-mail, or ask the secretariat when it has none."""
    try:
        link = account_links.request_link(db.session, current_account(), str(get_locale()))
    except Refusal as refusal:
        return _refused(refusal, url_for("asesi.home"))
    if link.sent_to:
        flash(gettext("We sent a code to %(email)s.", email=masked(link.sent_to)), "success")
    else:
        flash(gettext("The secretariat will confirm the link after checking who you are."), "info")
    return redirect(url_for("asesi.link"))


def _code_choices(kind: CodeKind) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(BnspCode.code, BnspCode.name).where(BnspCode.kind == kind).order_by(BnspCode.code)
    ).all()
    return [("", "—"), *((code, f"{code} · {name}") for code, name in rows)]


@bp.route("/profil", methods=["GET", "POST"])
@account_required
def profile() -> Any:
    """FR.APL.01 part 1: the applicant's own data, kept for every application."""
    account = current_account()
    form = ProfileForm(obj=account.applicant)
    form.education_code.choices = _code_choices(CodeKind.EDUCATION)
    form.occupation_code.choices = _code_choices(CodeKind.OCCUPATION)
    if form.validate_on_submit():
        values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        values["education_code"] = values["education_code"] or None
        values["occupation_code"] = values["occupation_code"] or None
        with refusal_flashed():
            online.save_profile(db.session, account, values)
            flash(gettext("Your data is saved."), "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("applicant/profile.html", form=form, account=account)


@bp.route("/jadwal/<int:schedule_id>", methods=["GET", "POST"])
@account_required
def start(schedule_id: int) -> Any:
    """Apply for a schedule ("Daftar" on /jadwal): confirm, then the draft opens."""
    account = current_account()
    schedule = db.session.get(Schedule, schedule_id)
    if schedule is None or not schedule.published:
        abort(404)
    if account.applicant_id is None:
        flash(gettext("Fill in your personal data (FR.APL.01 part 1) first."), "info")
        return redirect(url_for("asesi.profile", next=request.path))
    if request.method == "POST":  # CSRFProtect has checked the token of every POST
        try:
            case = online.start_for_schedule(db.session, account, schedule.id, _settings())
        except Refusal as refusal:
            return _refused(refusal, url_for("public.schedules"))
        return redirect(url_for("asesi.application", case_id=case.id))
    return render_template("applicant/start.html", schedule=schedule)


def _own(case_id: int) -> Case:
    """The signed-in applicant's case, else 404 (someone else's is not revealed)."""
    try:
        return online.own_case(db.session, current_account(), case_id)
    except Refusal:
        abort(404)


@bp.route("/permohonan/<int:case_id>", methods=["GET", "POST"])
@account_required
def application(case_id: int) -> Any:
    """One application: the draft form while it may change, else where it stands (with its
    appeals and their outcome: a rejected appeal closes the case, the reason is said here)."""
    account = current_account()
    case = _own(case_id)
    editable = case.status in EDITABLE_CASE_STATUSES
    form = DraftForm(
        units=[u.unit_id for u in case.units],
        purpose=case.purpose,
        declaration_name=case.declaration_name,
    )
    form.units.choices = [(u.id, f"{u.code} · {u.title}") for u in case.scheme.units]
    if editable and form.validate_on_submit():
        with refusal_flashed():
            online.save_draft(
                db.session,
                account,
                case.id,
                unit_ids=form.units.data,
                purpose=form.purpose.data,
                declaration_name=form.declaration_name.data,
                today=_settings().today,
            )
            flash(gettext("Your application is saved."), "success")
            return redirect(url_for("asesi.application", case_id=case.id))
    attachments = [a for a in case.attachments if a.is_current]
    return render_template(
        "applicant/application.html",
        case=case,
        form=form,
        upload=UploadForm(),
        attachments=attachments,
        editable=editable,
        requirements=_requirements(case, attachments) if editable else None,
        step=next_step(case.status),
        badge_statuses=BADGE_STATUSES,
        appeals=db.session.scalars(
            select(Appeal).where(Appeal.case_id == case.id).order_by(Appeal.id)
        ).all(),
    )


def _requirements(case: Case, attachments: list[Attachment]) -> dict[str, Any]:
    """The scheme's basic requirements (RULES #2) judged on the applicant's data, with the
    documents each alternative needs and whether they are attached (the secretariat verifies)."""
    alternatives = [Alternative.of(r) for r in case.scheme.requirements]
    evaluation = evaluate(alternatives, Qualifications.of(case.applicant))
    attached = {a.kind for a in attachments}
    rows = [
        {
            "description": seeded(o.alternative.description),
            "met": o.met,
            "reasons": [translate(reason) for reason in o.reasons],
            "documents": [(kind, kind in attached) for kind in documents_for(o.alternative)],
        }
        for o in evaluation.outcomes
    ]
    met = backed(evaluation, attached)
    return {"rows": rows, "backed": seeded(met.description) if met else None}


@bp.post("/permohonan/<int:case_id>/lampiran")
@account_required
def upload(case_id: int) -> Any:
    """Attach a document, checked by content as in the admin."""
    back = url_for("asesi.application", case_id=case_id)
    _own(case_id)
    form = UploadForm()
    if not form.validate_on_submit():
        errors = [str(e) for errors in form.errors.values() for e in errors]
        flash(errors[0] if errors else gettext("The form is not valid."), "error")
        return redirect(back)
    root = current_app.config["UPLOAD_DIR"]
    try:
        stored = store_upload(form.file.data, root, current_app.config["MAX_UPLOAD_BYTES"])
    except UploadRefused as refused:
        flash(translate(refused.message), "error")
        return redirect(back)
    try:
        online.attach(db.session, current_account(), case_id, form.kind.data, stored)
    except BaseException:  # a refusal too (security.py shows it): the file is not kept
        discard(root, stored.stored_name)
        raise
    flash(gettext("%(name)s is attached.", name=stored.original_name), "success")
    return redirect(back)


@bp.post("/permohonan/<int:case_id>/ajukan")
@account_required
def submit(case_id: int) -> Any:
    """Submit (or resubmit) the application through the workflow, taking the seat."""
    _own(case_id)
    online.submit(db.session, current_account(), case_id, _settings())
    flash(gettext("Your application is submitted. The secretariat will check it."), "success")
    return redirect(url_for("asesi.application", case_id=case_id))


@bp.route("/lampiran/<int:attachment_id>")
@account_required
def attachment(attachment_id: int) -> Any:
    """Download one of the applicant's own attachments."""
    found = db.session.get(Attachment, attachment_id)
    if found is None:
        abort(404)
    _own(found.case_id)
    return send_stored(found)


# --- documents: badge and certificate --------------------------------------------------------


def _pdf_download(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{safe_filename(filename, ".pdf")}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/permohonan/<int:case_id>/kartu-peserta.pdf")
@account_required
def badge(case_id: int) -> Any:
    """The applicant's badge (kartu peserta) once the assessment is planned."""
    case = _own(case_id)
    try:
        document = paperwork.case_badge(case)
    except Refusal as refusal:
        return _refused(refusal, url_for("asesi.application", case_id=case.id))
    return _pdf_download(document.pdf, document.filename)


@bp.get("/permohonan/<int:case_id>/sertifikat.pdf")
@account_required
def certificate(case_id: int) -> Any:
    """The certificate of the applicant's certified application."""
    case = _own(case_id)
    if case.certificate is None:
        abort(404)
    data = load_certificates(db.session, [case.certificate.id])[0]
    pdf = render_certificate(data, CertificateSettings.from_config(current_app.config))
    return _pdf_download(pdf, certificate_filename(data.number))


# --- FR.APL.02 and FR.AK.04 ------------------------------------------------------------------


def _act(case_id: int, action: Action, inputs: dict[str, Any], done: str) -> Any:
    """Apply one workflow action with the applicant as the actor; its refusal is shown."""
    back = url_for("asesi.application", case_id=case_id)
    outcome = apply(db.session, action, [case_id], current_account(), inputs, current_app.config)
    if outcome.skipped:
        flash(translate(outcome.skipped[0][2]), "error")
        return None
    flash(done, "success")
    return redirect(back)


@bp.route("/permohonan/<int:case_id>/asesmen-mandiri", methods=["GET", "POST"])
@account_required
def self_assessment(case_id: int) -> Any:
    """FR.APL.02: K or BK per KUK of each unit, with the evidence relied on."""
    case = _own(case_id)
    if case.status != CaseStatus.VERIFIED:
        abort(404)
    form = self_assessment_form(case.units)
    if form.validate_on_submit():
        done = _act(
            case.id,
            Action.RECORD_SELF_ASSESSMENT,
            self_assessment_inputs(form, case.units),
            gettext("Your self-assessment is recorded."),
        )
        if done is not None:
            return done
    return render_template("applicant/self_assessment.html", case=case, form=form)


@bp.route("/permohonan/<int:case_id>/banding", methods=["GET", "POST"])
@account_required
def appeal(case_id: int) -> Any:
    """FR.AK.04: appeal a BK decision within the appeal window."""
    case = _own(case_id)
    if case.status != CaseStatus.NOT_YET_COMPETENT:
        abort(404)
    form = AppealForm()
    if form.validate_on_submit():
        inputs = {
            "reason": form.reason.data.strip(),
            **{q: form[q].data == "yes" for q in APPEAL_QUESTIONS},
        }
        done = _act(case.id, Action.APPEAL, inputs, gettext("Your appeal is recorded."))
        if done is not None:
            return done
    return render_template("applicant/appeal.html", case=case, form=form)


# --- after the certificate: surveillance (seed 2.11) and re-certification (2.12) --------------


def _own_certificate(certificate_id: int) -> Certificate:
    """The signed-in holder's certificate, else 404."""
    account = current_account()
    found = db.session.get(Certificate, certificate_id)
    if found is None or account.applicant_id is None or found.applicant_id != account.applicant_id:
        abort(404)
    return found


@bp.route("/sertifikat/<int:certificate_id>/surveilan", methods=["GET", "POST"])
@account_required
def surveillance(certificate_id: int) -> Any:
    """The holder reports on their placement and duties; staff see it in the worklist."""
    certificate = _own_certificate(certificate_id)
    form = SurveillanceForm()
    if form.validate_on_submit():
        with refusal_flashed():
            record_surveillance(
                db.session,
                certificate,
                current_account(),
                placement=form.placement.data.strip(),
                duties=form.duties.data.strip(),
                job_fit=form.job_fit.data,
                evidence=(form.evidence.data or "").strip() or None,
                settings=current_app.config,
            )
            flash(gettext("Your surveillance report is recorded."), "success")
            return redirect(url_for("asesi.home"))
    return render_template("applicant/surveillance.html", certificate=certificate, form=form)


@bp.post("/sertifikat/<int:certificate_id>/sertifikasi-ulang")
@account_required
def recertify(certificate_id: int) -> Any:
    """Ask for re-certification: a new application, linked to the certificate, pre-filled."""
    certificate = _own_certificate(certificate_id)
    case = start_recertification(db.session, certificate, current_account(), current_app.config)
    flash(
        gettext("Your re-certification application is started. Complete and submit it."), "success"
    )
    return redirect(url_for("asesi.application", case_id=case.id))
