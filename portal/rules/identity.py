"""Identity data checked at the edge and stored normalised (RULES.md, "Identity data").

Every parser takes what a person typed and returns the normalised value, or raises `Invalid`
whose `message` is an English msgid (marked with N_) plus parameters, translated by the UI.
Doubts that must not block saving (a NIK that disagrees with the form, an unknown unit-code
layout) are returned as `Message` warnings instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .vocabulary import N_, Education, Sex


@dataclass(frozen=True)
class Message:
    """A reason a person can read: an English msgid and its parameters, translated later."""

    msgid: str
    params: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.msgid % self.params if self.params else self.msgid


class Invalid(ValueError):
    """A value refused at the edge, carrying its reason as a translatable `Message`."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.message = Message(msgid, params)
        super().__init__(str(self.message))


# Kemendagri province codes, which Dukcapil uses in the NIK: the 38 provinces, with 65 (Kalimantan
# Utara, 2012) and 93–96 (the Papua provinces of 2022). A list rather than a range, so a mistyped
# prefix is caught; a future province is one more entry here.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65"
    " 71 72 73 74 75 76 81 82 91 92 93 94 95 96".split()
)

_SEPARATORS = re.compile(r"[\s.\-]+")
_ASCII_DIGITS = re.compile(r"[0-9]*")


def _digits(raw: str, what: str, length: int) -> str:
    """Drop the spaces, dots and dashes people type, and insist on exactly `length` ASCII digits."""
    value = _SEPARATORS.sub("", raw)
    if not _ASCII_DIGITS.fullmatch(value):
        raise Invalid(N_("%(what)s may contain only digits."), what=what)
    if len(value) != length:
        raise Invalid(
            N_("%(what)s must have %(expected)d digits, not %(count)d."),
            what=what,
            expected=length,
            count=len(value),
        )
    return value


def _date(year: int, month: int, day: int) -> date | None:
    """The date, or None when the calendar has no such day."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _latest_date(year: int, month: int, day: int, today: date) -> date | None:
    """The latest existing date with this two-digit year that is not after today."""
    century = today.year - today.year % 100
    candidates = (_date(c + year, month, day) for c in (century, century - 100))
    return next((d for d in candidates if d and d <= today), None)


@dataclass(frozen=True)
class Nik:
    """A checked NIK and what it tells about its holder."""

    number: str
    birth_date: date
    sex: Sex


def parse_nik(raw: str, today: date) -> Nik:
    """Check a NIK (`PP KK CC DDMMYY SSSS`) and decode its birth date and sex.

    Women carry DD + 40. The year has two digits: the latest century that does not put the
    birth after `today` is chosen, so a NIK is read as belonging to someone under 100.
    """
    number = _digits(raw, "NIK", 16)
    if number[:2] not in PROVINCE_CODES:
        raise Invalid(N_("%(code)s is not a province code."), code=number[:2])
    day, month, year = int(number[6:8]), int(number[8:10]), int(number[10:12])
    sex = Sex.FEMALE if day > 40 else Sex.MALE
    birth_date = _latest_date(year, month, day - 40 if day > 40 else day, today)
    if birth_date is None:
        raise Invalid(
            N_("The birth date in the NIK (%(ddmmyy)s) does not exist."), ddmmyy=number[6:12]
        )
    if number[12:] == "0000":
        raise Invalid(N_("The NIK's serial number cannot be 0000."))
    return Nik(number, birth_date, sex)


def nik_mismatches(nik: Nik, birth_date: date | None, sex: str | None) -> tuple[Message, ...]:
    """Compare a NIK with the form's birth date and sex: a mismatch is worth a look, not a refusal.

    The NIK holds only two digits of the year, so a birth date a century apart still agrees.
    """
    warnings = []
    if birth_date and f"{birth_date:%d-%m-%y}" != f"{nik.birth_date:%d-%m-%y}":
        warnings.append(
            Message(
                N_("The NIK gives the birth date %(nik)s, the form %(form)s."),
                {"nik": f"{nik.birth_date:%d-%m-%y}", "form": f"{birth_date:%d-%m-%Y}"},
            )
        )
    if sex and sex != nik.sex:
        warnings.append(
            Message(
                N_("The NIK gives the sex %(nik)s, the form %(form)s."),
                {"nik": nik.sex.value, "form": sex},
            )
        )
    return tuple(warnings)


@dataclass(frozen=True)
class Nip:
    """A checked civil-servant NIP and what it tells."""

    number: str
    birth_date: date
    appointed: date
    sex: Sex


def parse_nip(raw: str, today: date) -> Nip:
    """Check a NIP (`YYYYMMDD YYYYMM G NNN`): real birth date, appointment month after it, G in {1, 2}."""
    number = _digits(raw, "NIP", 18)
    birth_date = _date(int(number[:4]), int(number[4:6]), int(number[6:8]))
    if birth_date is None or birth_date > (today):
        raise Invalid(N_("The birth date in the NIP (%(value)s) is not valid."), value=number[:8])
    appointed = _date(int(number[8:12]), int(number[12:14]), 1)
    if appointed is None or appointed < birth_date:
        raise Invalid(
            N_("The appointment month in the NIP (%(value)s) is not valid."), value=number[8:14]
        )
    if number[14] not in "12":
        raise Invalid(
            N_("The sex digit of the NIP must be 1 or 2, not %(digit)s."), digit=number[14]
        )
    return Nip(number, birth_date, appointed, Sex.MALE if number[14] == "1" else Sex.FEMALE)


_PHONE_CHARACTERS = re.compile(r"[0-9+()\s.\-]+")


# Characters a name never needs and a document cannot print: controls, format characters (the
# bidirectional overrides and isolates, zero-width spaces and joiners, the byte-order mark, soft
# hyphens), private-use, surrogate and unassigned code points, and line/paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def parse_person_name(raw: str) -> str:
    """A person's name in Unicode's composed form (NFC), spaces collapsed; refused when it holds
    an invisible or text-direction control character, named by its code point."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    for character in name:
        if unicodedata.category(character) in _INVISIBLE_CATEGORIES:
            raise Invalid(
                N_(
                    "The name contains an invisible or text-direction control character "
                    "(%(code)s) that cannot be printed. Retype the name without it."
                ),
                code=f"U+{ord(character):04X}",
            )
    return name


def parse_phone(raw: str) -> str:
    """Check an Indonesian mobile number (`08…`, 10–13 digits, or `+628…`) and return it in E.164."""
    refusal = Invalid(N_("Enter an Indonesian mobile number, e.g. 0812 3456 7890."))
    # phonenumbers reads letters as keypad digits; a phone field should not.
    if not _PHONE_CHARACTERS.fullmatch(raw):
        raise refusal
    try:
        parsed = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        raise refusal from None
    national = str(parsed.national_number)
    if parsed.country_code != 62 or not national.startswith("8") or not 9 <= len(national) <= 12:
        raise refusal
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def parse_email(raw: str) -> str:
    """Check an e-mail address's syntax (no DNS look-up) and return its normalised form."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise Invalid(N_("Enter a valid e-mail address: %(reason)s"), reason=str(error)) from None


_UNIT_PATTERNS = (
    re.compile(r"[A-Z]{3}\.[A-Z]{2}[0-9]{2}\.[0-9]{3}\.[0-9]{2}"),  # PRP.LP01.001.01, SKKNI 83/2012
    re.compile(
        r"[A-Z]\.[0-9]{2}[A-Z]{3}[0-9]{2}\.[0-9]{3}\.[0-9]"
    ),  # R.91PRP02.021.1, SKKNI 236/2019
)


@dataclass(frozen=True)
class UnitCode:
    """A normalised unit code, whether it is a demo unit, and a warning when its layout is unknown."""

    code: str
    is_demo: bool = False
    warning: Message | None = None


def parse_unit_code(raw: str) -> UnitCode:
    """Normalise a unit code; an unknown layout is a warning, since other SKKNIs use other layouts."""
    code = "".join(raw.split()).upper()
    if not code:
        raise Invalid(N_("Enter a unit code."))
    if code.startswith("DEMO."):
        return UnitCode(code, is_demo=True)
    if any(pattern.fullmatch(code) for pattern in _UNIT_PATTERNS):
        return UnitCode(code)
    return UnitCode(
        code,
        warning=Message(
            N_(
                "%(code)s follows neither the PRP.LP01.001.01 nor the R.91PRP02.021.1 layout: check it."
            ),
            {"code": code},
        ),
    )


_MET_LAYOUT = re.compile(r"(?:MET)?[ ./\-]*([0-9]{3})[ ./\-]*([0-9]{6})[ ./\-]*([0-9]{4})")
_MET_LENIENT = re.compile(r"MET[A-Z0-9 ./\-]*[0-9][A-Z0-9 ./\-]*")


def parse_met_number(raw: str) -> str:
    """Normalise an assessor's registration number to `MET.000.001668 2012` where its parts are clear.

    Other spellings that start with MET are kept (whitespace and case normalised): only garbage is
    refused, since the register is BNSP's, not ours.
    """
    value = " ".join(raw.upper().split())
    if layout := _MET_LAYOUT.fullmatch(value):
        return "MET.{}.{} {}".format(*layout.groups())
    if _MET_LENIENT.fullmatch(value):
        return value
    raise Invalid(N_("Enter an assessor registration number, e.g. MET.000.001668 2012."))


# Ordinal ranks: SMA, SMK and MA are all SLTA; D4 and S1 share KKNI level 6, S2 and Spesialis
# level 8. "Lainnya" cannot be placed, so it meets no minimum but its own (staff may override).
_EDUCATION_RANK = {
    Education.LAINNYA: 0,
    Education.SD: 1,
    Education.SMP: 2,
    Education.SMA: 3,
    Education.SMK: 3,
    Education.MA: 3,
    Education.D1: 4,
    Education.D2: 5,
    Education.D3: 6,
    Education.D4: 7,
    Education.S1: 7,
    Education.PROFESI: 8,
    Education.S2: 9,
    Education.SPESIALIS: 9,
    Education.S3: 10,
}


def education_rank(level: Education | str) -> int:
    """Rank an education level, so a minimum education is a comparison of two numbers. A known
    level is looked up as it is (an Education is its text); only another is given to
    Education(), which refuses it (a bulk verify ranks thousands: Enum() is slow)."""
    rank = _EDUCATION_RANK.get(level)
    return rank if rank is not None else _EDUCATION_RANK[Education(level)]
