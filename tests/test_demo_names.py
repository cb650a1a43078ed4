"""The demo's applicant names: a large Indonesian distribution, so a name search is realistic."""

from __future__ import annotations

import random
from collections import Counter

from portal import demo_names


def _draw(count: int, seed: int = 2026) -> list[str]:
    rng = random.Random(seed)
    return [demo_names.full_name(rng, rng.random() < 0.6) for _ in range(count)]


def test_100000_applicants_carry_more_than_20000_distinct_names_some_of_them_common():
    names = Counter(_draw(100_000))
    assert len(names) >= 20_000
    assert names.most_common(1)[0][1] >= 100  # a common name finds many people
    assert sum(1 for count in names.values() if count == 1) >= 10_000  # and most find one


def test_names_are_drawn_deterministically_per_seed():
    assert _draw(50, seed=7) == _draw(50, seed=7) != _draw(50, seed=8)


def test_names_read_as_indonesian_full_names():
    names = _draw(2_000)
    assert all(1 <= len(name.split()) <= 6 and name == name.strip() for name in names)
    assert any(name.startswith(("Ni ", "I ")) for name in names)  # Balinese birth-order names
    assert any(name.endswith(" Siregar") for name in names)  # a Batak marga


def test_an_email_address_is_made_of_a_names_ascii_letters():
    assert demo_names.email_local_part("Ni Made Ayu Lbn. Tobing") == "ni.made.ayu.lbn.tobing"
    assert demo_names.email_local_part("Zulaikha Ṡafitri") == "zulaikha.safitri"
