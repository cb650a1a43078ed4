"""Identity rules (RULES.md, "Identity data"): the documented vectors, edge cases and properties."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.rules import identity
from portal.rules.identity import (
    PROVINCE_CODES,
    Invalid,
    Message,
    Nik,
    education_rank,
    nik_mismatches,
    parse_email,
    parse_met_number,
    parse_nik,
    parse_nip,
    parse_phone,
    parse_unit_code,
)
from portal.rules.vocabulary import Education, Sex

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("raw", "birth_date", "sex"),
    [
        ("3171011708450001", date(1945, 8, 17), Sex.MALE),
        ("3171015708450001", date(1945, 8, 17), Sex.FEMALE),
        ("6501015708900001", date(1990, 8, 17), Sex.FEMALE),
        ("9601014101000001", date(2000, 1, 1), Sex.FEMALE),  # Papua Barat Daya
        ("3171012902000001", date(2000, 2, 29), Sex.MALE),
        ("3171010106250001", date(2025, 6, 1), Sex.MALE),  # born today
        ("3171010206250001", date(1925, 6, 2), Sex.MALE),  # tomorrow: a century back
    ],
)
def test_valid_nik_decodes_birth_date_and_sex(raw, birth_date, sex):
    assert parse_nik(raw, TODAY) == Nik(raw, birth_date, sex)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("3171013002001234", "The birth date in the NIK (300200) does not exist."),
        ("31710117084500", "NIK must have 16 digits, not 14."),
        ("317101170845000123", "NIK must have 16 digits, not 18."),
        ("", "NIK must have 16 digits, not 0."),
        ("3171011708450000", "The NIK's serial number cannot be 0000."),
        ("0071011708450001", "00 is not a province code."),
        ("2071011708450001", "20 is not a province code."),
        ("3171010013450001", "The birth date in the NIK (001345) does not exist."),
        ("3171013213450001", "The birth date in the NIK (321345) does not exist."),
        ("3171014008450001", "The birth date in the NIK (400845) does not exist."),
        ("3171017208450001", "The birth date in the NIK (720845) does not exist."),
        ("3171018108450001", "The birth date in the NIK (810845) does not exist."),
        ("317101170845000A", "NIK may contain only digits."),
        ("３１７１０１１７０８４５０００１", "NIK may contain only digits."),
    ],
)
def test_invalid_nik_is_refused_with_a_reason(raw, reason):
    with pytest.raises(Invalid) as refused:
        parse_nik(raw, TODAY)
    assert str(refused.value) == reason


@pytest.mark.parametrize(
    "raw", ["3171 0117 0845 0001", "31.71.01.170845.0001", " 3171-01-170845-0001 "]
)
def test_nik_separators_are_stripped(raw):
    assert parse_nik(raw, TODAY).number == "3171011708450001"


def test_invalid_carries_msgid_and_params_for_translation():
    with pytest.raises(Invalid) as refused:
        parse_nik("123", TODAY)
    assert refused.value.message == Message(
        "%(what)s must have %(expected)d digits, not %(count)d.",
        {"what": "NIK", "expected": 16, "count": 3},
    )


@pytest.mark.parametrize(
    ("birth_date", "sex", "warnings"),
    [
        (None, None, 0),
        (date(1945, 8, 17), "L", 0),
        (date(2045, 8, 17), Sex.MALE, 0),  # the NIK holds two digits of the year
        (date(1945, 8, 18), "L", 1),
        (date(1945, 8, 17), "P", 1),
        (date(1946, 8, 17), "P", 2),
    ],
)
def test_nik_mismatch_with_the_form_is_a_warning(birth_date, sex, warnings):
    found = nik_mismatches(parse_nik("3171011708450001", TODAY), birth_date, sex)
    assert len(found) == warnings
    assert all(isinstance(message, Message) and str(message) for message in found)


def test_nik_mismatch_reads_well():
    (warning,) = nik_mismatches(parse_nik("3171011708450001", TODAY), date(1945, 8, 18), None)
    assert str(warning) == "The NIK gives the birth date 17-08-45, the form 18-08-1945."


@st.composite
def niks(draw):
    """A NIK built from its parts, with the birth date and sex it should decode to."""
    born = draw(st.dates(min_value=date(TODAY.year - 99, 1, 1), max_value=TODAY))
    sex = draw(st.sampled_from(Sex))
    day = born.day + (40 if sex is Sex.FEMALE else 0)
    number = "".join(
        (
            draw(st.sampled_from(sorted(PROVINCE_CODES))),
            draw(st.from_regex(r"[0-9]{4}", fullmatch=True)),
            f"{day:02d}{born:%m%y}",
            f"{draw(st.integers(1, 9999)):04d}",
        )
    )
    return number, born, sex


@given(niks(), st.sampled_from(["", " ", ".", "-"]))
def test_any_valid_nik_round_trips(nik, separator):
    number, born, sex = nik
    typed = separator.join((number[:6], number[6:12], number[12:]))
    assert parse_nik(typed, TODAY) == Nik(number, born, sex)


@given(
    st.from_regex(r"[0-9]{0,16}", fullmatch=True),
    st.characters().filter(lambda c: not c.isspace() and c not in ".-0123456789"),
    st.integers(0, 16),
)
def test_any_non_digit_after_normalisation_fails(digits, intruder, at):
    with pytest.raises(Invalid):
        parse_nik(digits[:at] + intruder + digits[at:], TODAY)


@given(st.dates(max_value=TODAY))
def test_a_two_digit_year_is_read_as_the_latest_past_date(born):
    decoded = parse_nik(f"317101{born:%d%m%y}0001", TODAY).birth_date
    assert decoded <= TODAY
    assert decoded.strftime("%d%m%y") == born.strftime("%d%m%y")
    assert decoded >= born


@pytest.mark.parametrize(
    ("raw", "birth_date", "appointed", "sex"),
    [
        ("198001012005011001", date(1980, 1, 1), date(2005, 1, 1), Sex.MALE),
        ("19800101 200501 2 001", date(1980, 1, 1), date(2005, 1, 1), Sex.FEMALE),
        ("19720229.199903.1.004", date(1972, 2, 29), date(1999, 3, 1), Sex.MALE),
    ],
)
def test_valid_nip(raw, birth_date, appointed, sex):
    nip = parse_nip(raw, TODAY)
    assert (nip.number, nip.birth_date, nip.appointed, nip.sex) == (
        raw.replace(" ", "").replace(".", ""),
        birth_date,
        appointed,
        sex,
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("19800101200501100", "NIP must have 18 digits, not 17."),
        ("198002302005011001", "The birth date in the NIP (19800230) is not valid."),
        ("203001012050011001", "The birth date in the NIP (20300101) is not valid."),
        ("198001012005131001", "The appointment month in the NIP (200513) is not valid."),
        ("198001011979121001", "The appointment month in the NIP (197912) is not valid."),
        ("198001012005013001", "The sex digit of the NIP must be 1 or 2, not 3."),
        ("19800101200501100x", "NIP may contain only digits."),
    ],
)
def test_invalid_nip(raw, reason):
    with pytest.raises(Invalid) as refused:
        parse_nip(raw, TODAY)
    assert str(refused.value) == reason


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("081234567890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("0812-3456-789", "+628123456789"),
        ("0812345678", "+62812345678"),  # 10 digits
        ("0812345678901", "+62812345678901"),  # 13 digits
        ("+6281234567890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+62 (0)812-3456-7890", "+6281234567890"),
    ],
)
def test_valid_phone_is_stored_in_e164(raw, e164):
    assert parse_phone(raw) == e164


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "081234567",  # 9 digits
        "08123456789012",  # 14 digits
        "0211234567",  # a landline
        "+6591234567",  # not Indonesian
        "0812-CALL-ME",
        "nomor saya 0812345678",
    ],
)
def test_invalid_phone(raw):
    with pytest.raises(Invalid, match="Indonesian mobile number"):
        parse_phone(raw)


def test_email_is_normalised():
    assert parse_email(" Budi@Example.CO.ID ") == "Budi@example.co.id"


@pytest.mark.parametrize("raw", ["", "budi", "budi@", "budi @example.com", "@example.com"])
def test_invalid_email(raw):
    with pytest.raises(Invalid, match="valid e-mail address"):
        parse_email(raw)


@pytest.mark.parametrize(
    ("raw", "code", "is_demo", "warned"),
    [
        ("PRP.LP01.001.01", "PRP.LP01.001.01", False, False),
        ("R.91PRP02.021.1", "R.91PRP02.021.1", False, False),
        (" prp.lp01.001.01 ", "PRP.LP01.001.01", False, False),
        ("R. 91PRP02. 021.1", "R.91PRP02.021.1", False, False),
        ("DEMO.UNIT.01", "DEMO.UNIT.01", True, False),
        ("demo.x", "DEMO.X", True, False),
        ("J.620100.001.01", "J.620100.001.01", False, True),
        ("PRP.LP01.001", "PRP.LP01.001", False, True),
    ],
)
def test_unit_code_outside_the_patterns_is_only_a_warning(raw, code, is_demo, warned):
    unit = parse_unit_code(raw)
    assert (unit.code, unit.is_demo, unit.warning is not None) == (code, is_demo, warned)


def test_unit_code_warning_names_the_code():
    assert "J.620100.001.01" in str(parse_unit_code("J.620100.001.01").warning)


@pytest.mark.parametrize("raw", ["", "   "])
def test_empty_unit_code_is_refused(raw):
    with pytest.raises(Invalid):
        parse_unit_code(raw)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("MET.000.001668 2012", "MET.000.001668 2012"),
        ("  met.000.001668   2012 ", "MET.000.001668 2012"),
        ("MET. 000. 001668. 2012", "MET.000.001668 2012"),
        ("MET 000 001668 2012", "MET.000.001668 2012"),
        ("000.001668 2012", "MET.000.001668 2012"),
        ("MET.000.001668/2012", "MET.000.001668 2012"),
        ("met.0100.12345  2019", "MET.0100.12345 2019"),  # an unusual layout is kept
    ],
)
def test_met_number_is_normalised_leniently(raw, normalised):
    assert parse_met_number(raw) == normalised


@pytest.mark.parametrize(
    "raw", ["", "MET", "asesor", "12345", "MET.000.001668 2012; DROP", "<b>MET 1</b>"]
)
def test_garbage_met_number_is_refused(raw):
    with pytest.raises(Invalid):
        parse_met_number(raw)


def test_education_ranks_follow_the_ladder():
    ladder = ["SD", "SMP", "SMA", "D1", "D2", "D3", "S1", "Profesi", "S2", "S3"]
    assert [education_rank(level) for level in ladder] == sorted(
        {education_rank(level) for level in ladder}
    )


@pytest.mark.parametrize(
    ("a", "b"), [("SMA", "SMK"), ("SMK", "MA"), ("D4", "S1"), ("S2", "Spesialis")]
)
def test_equivalent_education_levels_share_a_rank(a, b):
    assert education_rank(a) == education_rank(b)


def test_unknown_education_level_is_refused():
    with pytest.raises(ValueError):
        education_rank("SLTA")


@given(st.sampled_from(Education), st.sampled_from(Education), st.sampled_from(Education))
def test_education_ranks_are_a_total_order(a, b, c):
    assert education_rank(a) <= education_rank(b) or education_rank(b) <= education_rank(a)
    if education_rank(a) <= education_rank(b) <= education_rank(c):
        assert education_rank(a) <= education_rank(c)
    assert education_rank(a) == education_rank(a.value)


def test_every_education_level_has_a_rank():
    assert all(isinstance(education_rank(level), int) for level in Education)


# --- names (issue 12: any name a person can have prints) ---------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Sri  Wahyuni ", "Sri Wahyuni"),
        ("Nguye\u0302\u0303n Thi\u0323", "Nguyễn Thị"),  # decomposed marks composed (NFC)
        ("Dewi Ayu\u00a0Lestari", "Dewi Ayu Lestari"),  # a no-break space is a space
        ("محمد عبد الله", "محمد عبد الله"),  # Arabic / Jawi
        ("林 美玲", "林 美玲"),  # CJK
        ("O'Neil-Ṣaleh", "O'Neil-Ṣaleh"),
    ],
)
def test_names_are_stored_composed_with_single_spaces(typed, stored):
    assert identity.parse_person_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Budi\u202eSantoso", "U+202E"),  # right-to-left override
        ("Budi\u2066Santoso\u2069", "U+2066"),  # left-to-right isolate
        ("Bu\u200bdi", "U+200B"),  # zero-width space
        ("\ufeffBudi", "U+FEFF"),  # byte-order mark
        ("Budi\u00adSantoso", "U+00AD"),  # soft hyphen
        ("Budi\u200fSantoso", "U+200F"),  # right-to-left mark
        ("Budi\ue000", "U+E000"),  # private use
        ("Budi\x07", "U+0007"),  # a control character
    ],
)
def test_invisible_and_direction_characters_are_refused_by_code_point(typed, code):
    with pytest.raises(identity.Invalid) as refused:
        identity.parse_person_name(typed)
    assert refused.value.message.params == {"code": code}
