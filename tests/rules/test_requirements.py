"""Basic requirements (RULES.md #2): LSP Pustakawan's alternatives, the reasons shown, properties."""

from dataclasses import fields, replace
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.rules.identity import education_rank
from portal.rules.requirements import (
    Alternative,
    Qualifications,
    backed,
    documents_for,
    evaluate,
    pustakawan_alternatives,
    shortfalls,
)
from portal.rules.vocabulary import Education

LIBRARY, OTHER_FIELD, SLTA = pustakawan_alternatives()


@pytest.mark.parametrize(
    ("education", "library_field", "training", "months", "met"),
    [
        ("SMA", False, False, 23, None),
        ("SMA", False, False, 24, SLTA),
        ("SMK", False, False, 24, SLTA),
        ("MA", False, False, 24, SLTA),
        ("SMP", False, False, 120, None),
        ("D2", True, False, 0, LIBRARY),
        ("D1", True, False, 0, None),
        ("D1", True, False, 24, SLTA),
        ("S1", False, False, 0, None),
        ("S1", False, True, 0, OTHER_FIELD),
        ("D1", False, True, 0, None),
        ("S2", True, True, 60, LIBRARY),
    ],
)
def test_pustakawan_requirements(education, library_field, training, months, met):
    applicant = Qualifications(education, library_field, training, months)
    assert evaluate(pustakawan_alternatives(), applicant).met == met


@pytest.mark.parametrize(
    ("alternative", "documents"),
    [
        (LIBRARY, ("ijazah",)),
        (OTHER_FIELD, ("ijazah", "certificate")),
        (SLTA, ("ijazah", "work_experience")),
    ],
)
def test_each_alternative_names_the_documents_that_show_it(alternative, documents):
    assert documents_for(alternative) == documents


@pytest.mark.parametrize(
    ("qualifications", "attached", "backing"),
    [
        (("S1", True, True, 60), {"ijazah"}, LIBRARY),
        (("S1", False, True, 60), {"ijazah"}, None),  # met by the data, no training certificate
        (("S1", False, True, 60), {"ijazah", "work_experience"}, SLTA),
        (("S1", False, True, 60), {"ijazah", "certificate"}, OTHER_FIELD),
        (("SMA", False, False, 12), {"ijazah", "work_experience", "certificate"}, None),
        (("S1", True, False, 0), set(), None),
    ],
)
def test_the_alternative_backed_is_met_by_the_data_with_its_documents_attached(
    qualifications, attached, backing
):
    evaluation = evaluate(pustakawan_alternatives(), Qualifications(*qualifications))
    assert backed(evaluation, attached) == backing


def test_each_failed_alternative_says_why():
    evaluation = evaluate(pustakawan_alternatives(), Qualifications("D1", library_field=True))
    assert [[str(reason) for reason in outcome.reasons] for outcome in evaluation.outcomes] == [
        ["Education D1 is below the minimum D2."],
        [
            "Education D1 is below the minimum D2.",
            "There is no competency-based library training certificate.",
        ],
        ["0 months of relevant work experience, fewer than the 24 required."],
    ]


def test_slta_is_named_as_such():
    (reason,) = shortfalls(SLTA, Qualifications("SMP", experience_months=24))
    assert str(reason) == "Education SMP is below the minimum SLTA."


def test_a_met_alternative_has_no_reasons_and_is_named():
    evaluation = evaluate(
        pustakawan_alternatives(), Qualifications("S1", has_library_training=True)
    )
    assert [outcome.met for outcome in evaluation.outcomes] == [False, True, False]
    assert evaluation.met.description.startswith("D2 or higher in another field")


def test_no_alternatives_is_never_met():
    assert evaluate([], Qualifications("S3", True, True, 600)).met is None


def test_inputs_are_built_from_model_like_rows():
    requirement = SimpleNamespace(
        id=7,
        description="S1",
        min_education="S1",
        library_field_required=True,
        training_certificate_required=False,
        min_experience_months=12,
    )
    applicant = SimpleNamespace(
        nik="3171011708450001",
        education_level="S2",
        library_field=True,
        has_library_training=False,
        experience_months=12,
    )
    assert evaluate([Alternative.of(requirement)], Qualifications.of(applicant)).met == Alternative(
        "S1", "S1", True, False, 12
    )


def test_field_names_match_the_models():
    models = pytest.importorskip("portal.models")
    assert {f.name for f in fields(Alternative)} <= set(
        models.SchemeRequirement.__table__.columns.keys()
    )
    assert {f.name for f in fields(Qualifications)} <= set(
        models.Applicant.__table__.columns.keys()
    )


applicants = st.builds(
    Qualifications,
    st.sampled_from(Education),
    st.booleans(),
    st.booleans(),
    st.integers(0, 600),
)
alternatives = st.builds(
    Alternative,
    st.text(max_size=20),
    st.sampled_from(Education),
    st.booleans(),
    st.booleans(),
    st.integers(0, 600),
)


@given(st.lists(alternatives, max_size=4), applicants)
def test_met_is_the_first_alternative_without_reasons(options, applicant):
    evaluation = evaluate(options, applicant)
    assert [outcome.alternative for outcome in evaluation.outcomes] == options
    unmet = [outcome.alternative for outcome in evaluation.outcomes if outcome.reasons]
    assert evaluation.met == next((a for a in options if a not in unmet), None)


@given(
    st.lists(alternatives, max_size=4),
    applicants,
    st.sampled_from(Education),
    st.booleans(),
    st.booleans(),
    st.integers(0, 600),
)
def test_more_qualifications_never_lose_a_met_requirement(
    options, applicant, education, lib, training, more
):
    better = replace(
        applicant,
        education_level=max(applicant.education_level, education, key=education_rank),
        library_field=applicant.library_field or lib,
        has_library_training=applicant.has_library_training or training,
        experience_months=applicant.experience_months + more,
    )
    if evaluate(options, applicant).met is not None:
        assert evaluate(options, better).met is not None
