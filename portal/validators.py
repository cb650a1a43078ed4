"""WTForms validators for identity fields: the rules of `portal.rules.identity`, translated.

Each one leaves an empty value to `DataRequired`/`Optional`, refuses what the rule refuses with
the translated reason, writes the normalised value back to `field.data`, and flashes warnings
(which never block saving). Use them in Flask-Admin's `form_args`, e.g.
`{"phone": {"validators": [DataRequired(), Phone()]}}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from wtforms import Field, Form
from wtforms.validators import ValidationError

from . import clock
from .i18n import translate
from .rules import identity
from .rules.identity import Invalid

T = TypeVar("T")


def _check(parse: Callable[[str], T], field: Field) -> T:
    """Run a rule on the field's text, turning its refusal into the form's translated error."""
    try:
        return parse(field.data)
    except Invalid as error:
        raise ValidationError(translate(error.message)) from None


class _Normalise:
    """Refuse what a rule refuses and keep the normalised text it returns."""

    parse: Callable[[str], str]

    def __call__(self, form: Form, field: Field) -> None:
        if field.data:
            field.data = _check(self.parse, field)


class PersonName(_Normalise):
    """A person's name, stored in Unicode's composed form, without invisible characters."""

    parse = staticmethod(identity.parse_person_name)


class Phone(_Normalise):
    """An Indonesian mobile number, stored in E.164."""

    parse = staticmethod(identity.parse_phone)


class EmailAddress(_Normalise):
    """An e-mail address, stored normalised."""

    parse = staticmethod(identity.parse_email)


class MetNumber(_Normalise):
    """An assessor's BNSP registration number, stored in its usual layout."""

    parse = staticmethod(identity.parse_met_number)


class Nip(_Normalise):
    """A civil servant's NIP, stored as 18 digits."""

    parse = staticmethod(lambda raw: identity.parse_nip(raw, clock.lsp_today()).number)


class Nik:
    """A NIK, stored as 16 digits; a birth date or sex that disagrees with the form is a warning."""

    def __init__(self, birth_date: str = "birth_date", sex: str = "sex") -> None:
        self.birth_date, self.sex = birth_date, sex

    def __call__(self, form: Form, field: Field) -> None:
        if not field.data:
            return
        nik = _check(lambda raw: identity.parse_nik(raw, clock.lsp_today()), field)
        field.data = nik.number
        birth_date, sex = (
            form[name].data if name in form else None for name in (self.birth_date, self.sex)
        )
        for warning in identity.nik_mismatches(nik, birth_date, sex):
            flash(translate(warning), "warning")


class UnitCode:
    """A unit code, stored normalised; a layout outside both SKKNI patterns is only a warning."""

    def __call__(self, form: Form, field: Field) -> None:
        if not field.data:
            return
        unit = _check(identity.parse_unit_code, field)
        field.data = unit.code
        if unit.warning:
            flash(translate(unit.warning), "warning")
