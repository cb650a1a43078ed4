"""The applicant portal's forms: account, FR.APL.01 parts 1 and 2, uploads."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..rules.vocabulary import APPLICATION_FIELD_LABELS as FIELDS
from ..rules.vocabulary import (
    ATTACHMENT_KIND_LABELS,
    JOB_FIT_LABELS,
    PURPOSE_LABELS,
    AttachmentKind,
    Education,
    JobFit,
    Purpose,
)
from ..validators import EmailAddress, Nik, PersonName, Phone


class RegisterForm(FlaskForm):
    """A new applicant account: name, NIK, e-mail and a password (the staff policy)."""

    full_name = StringField(
        _l("Full name"), validators=[DataRequired(), Length(max=200), PersonName()]
    )
    nik = StringField(_l("NIK"), validators=[DataRequired(), Nik()])
    email = StringField(_l("E-mail"), validators=[DataRequired(), EmailAddress()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class SignInForm(FlaskForm):
    """E-mail and password."""

    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class EmailForm(FlaskForm):
    """Just an e-mail address (password reset, a new confirmation link)."""

    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    repeat = PasswordField(_l("Repeat the new password"), validators=[DataRequired()])


class LinkCodeForm(FlaskForm):
    """The code sent to the e-mail on the record staff made earlier."""

    code = StringField(
        _l("Code from the e-mail"), validators=[DataRequired(), Length(min=6, max=6)]
    )


class ProfileForm(FlaskForm):
    """FR.APL.01 part 1: personal data, education and current job."""

    birth_place = StringField(
        _l(FIELDS["birth_place"]), validators=[DataRequired(), Length(max=100)]
    )
    birth_date = DateField(_l(FIELDS["birth_date"]), validators=[InputRequired()])
    sex = RadioField(
        _l(FIELDS["sex"]),
        choices=[("L", _l("Male")), ("P", _l("Female"))],
        validators=[InputRequired()],
    )
    address = TextAreaField(_l(FIELDS["address"]), validators=[DataRequired(), Length(max=500)])
    postal_code = StringField(_l(FIELDS["postal_code"]), validators=[Optional(), Length(max=10)])
    phone = StringField(_l(FIELDS["phone"]), validators=[DataRequired(), Phone()])
    education_level = SelectField(
        _l(FIELDS["education_level"]),
        choices=[(e.value, e.value) for e in Education],
        validators=[InputRequired()],
    )
    education_major = StringField(
        _l(FIELDS["education_major"]), validators=[Optional(), Length(max=200)]
    )
    library_field = BooleanField(_l(FIELDS["library_field"]))
    has_library_training = BooleanField(_l(FIELDS["has_library_training"]))
    experience_months = IntegerField(
        _l(FIELDS["experience_months"]),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=720)],
    )
    institution = StringField(_l(FIELDS["institution"]), validators=[Optional(), Length(max=200)])
    job_title = StringField(_l(FIELDS["job_title"]), validators=[Optional(), Length(max=200)])
    institution_address = TextAreaField(
        _l(FIELDS["institution_address"]), validators=[Optional(), Length(max=500)]
    )
    education_code = SelectField(_l(FIELDS["education_code"]), validators=[Optional()])
    occupation_code = SelectField(_l(FIELDS["occupation_code"]), validators=[Optional()])


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (the units of the scheme)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DraftForm(FlaskForm):
    """FR.APL.01 part 2: the units, the purpose and the declaration."""

    units = MultiCheckboxField(_l(FIELDS["units"]), coerce=int)
    purpose = SelectField(
        _l(FIELDS["purpose"]),
        choices=[(p.value, _l(PURPOSE_LABELS[p])) for p in Purpose],
        validators=[InputRequired()],
    )
    declaration_name = StringField(
        _l("Type your full name to sign the declaration"), validators=[Optional(), Length(max=200)]
    )


UPLOAD_KINDS = (
    AttachmentKind.PHOTO,
    AttachmentKind.IJAZAH,
    AttachmentKind.CERTIFICATE,
    AttachmentKind.WORK_EXPERIENCE,
    AttachmentKind.OTHER,
)


class UploadForm(FlaskForm):
    """One supporting document of the application."""

    kind = SelectField(
        _l("Document"),
        choices=[(k.value, _l(ATTACHMENT_KIND_LABELS[k])) for k in UPLOAD_KINDS],
        validators=[InputRequired()],
    )
    file = FileField(_l("File"), validators=[FileRequired()])


VERDICTS = [("K", _l("K: I am competent")), ("BK", _l("BK: not yet competent"))]


def _kuks(cu) -> list:
    """The KUKs of a chosen unit, element by element."""
    return [kuk for element in cu.unit.elements for kuk in element.kuks]


def self_assessment_form(units: list) -> FlaskForm:
    """FR.APL.02 for a case, filled from the record: K/BK and the evidence relied on per KUK, or
    per unit for a unit with no KUK recorded."""

    class SelfAssessmentForm(FlaskForm):
        pass

    defaults: dict[str, str | None] = {}
    evidence = _l("Evidence you rely on")
    for cu in units:
        answers = {a.kuk_id: a for a in cu.kuk_answers}
        kuks = _kuks(cu)
        for kuk in kuks:
            radio = RadioField(kuk.number, choices=VERDICTS, validators=[InputRequired()])
            setattr(SelfAssessmentForm, f"kuk_{kuk.id}", radio)
            text = StringField(evidence, validators=[Optional(), Length(max=300)])
            setattr(SelfAssessmentForm, f"kuk_evidence_{kuk.id}", text)
            if kuk.id in answers:
                defaults[f"kuk_{kuk.id}"] = answers[kuk.id].answer
                defaults[f"kuk_evidence_{kuk.id}"] = answers[kuk.id].evidence
        if not kuks:
            radio = RadioField(cu.unit.code, choices=VERDICTS, validators=[InputRequired()])
            setattr(SelfAssessmentForm, f"verdict_{cu.unit_id}", radio)
            text = TextAreaField(evidence, validators=[Optional(), Length(max=2000)])
            setattr(SelfAssessmentForm, f"evidence_{cu.unit_id}", text)
            defaults[f"verdict_{cu.unit_id}"] = cu.self_assessment
            defaults[f"evidence_{cu.unit_id}"] = cu.self_evidence
    return SelfAssessmentForm(**defaults)


def self_assessment_inputs(form: FlaskForm, units: list) -> dict[str, dict]:
    """The workflow's inputs: the answer and evidence per KUK, and per unit with no KUK (the
    service derives the other units' verdicts from their KUKs)."""
    kuks, whole = {}, {}
    for cu in units:
        for kuk in _kuks(cu):
            kuks[kuk.id] = {
                "answer": form[f"kuk_{kuk.id}"].data,
                "evidence": (form[f"kuk_evidence_{kuk.id}"].data or "").strip() or None,
            }
        if f"verdict_{cu.unit_id}" in form:
            whole[cu.unit_id] = {
                "verdict": form[f"verdict_{cu.unit_id}"].data,
                "evidence": (form[f"evidence_{cu.unit_id}"].data or "").strip() or None,
            }
    return {"units": whole, "kuks": kuks}


YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


class AppealForm(FlaskForm):
    """FR.AK.04: the three questions and the reason."""

    process_explained = RadioField(
        _l("Was the appeal process explained to you?"), choices=YES_NO, validators=[InputRequired()]
    )
    discussed_with_assessor = RadioField(
        _l("Did you discuss the assessment result with the asesor?"),
        choices=YES_NO,
        validators=[InputRequired()],
    )
    involved_others = RadioField(
        _l("Do you want to involve another person in the appeal?"),
        choices=YES_NO,
        validators=[InputRequired()],
    )
    reason = TextAreaField(
        _l("Reason for the appeal"), validators=[DataRequired(), Length(max=2000)]
    )


class SurveillanceForm(FlaskForm):
    """A holder's yearly report on their placement (seed 2.11)."""

    placement = StringField(_l("Where you work now"), validators=[DataRequired(), Length(max=300)])
    duties = TextAreaField(_l("Your duties"), validators=[DataRequired(), Length(max=2000)])
    job_fit = RadioField(
        _l("How well does the certificate fit your job?"),
        choices=[(f.value, _l(JOB_FIT_LABELS[f])) for f in JobFit],
        validators=[InputRequired()],
    )
    evidence = TextAreaField(
        _l("Evidence (e.g. an assignment letter)"), validators=[Optional(), Length(max=2000)]
    )
