"""Exact resolution (ONB-21) and suggestions (ONB-22) among roster characters."""

import pytest

from onboarding.services.answers import parse_name
from onboarding.services.roster_match import (
    AMBIGUOUS,
    NOT_FOUND,
    REALM_MISMATCH,
    RESOLVED,
    resolve_exact,
    suggest,
)
from tests.factories import WowCharacterFactory

pytestmark = pytest.mark.django_db


def resolve(text, home="senjin"):
    return resolve_exact(parse_name(text), home_realm=home)


def test_casefolded_name_resolves(roster):
    result = resolve("TROGMOON")
    assert result.outcome == RESOLVED
    assert result.character == roster["Trogmoon"]


def test_name_key_folds_accents_when_no_casefold_match(roster):
    assert resolve("Trógmoon").character == roster["Trogmoon"]


def test_casefold_match_wins_over_accent_folded_ones(roster):
    accented = WowCharacterFactory(name="Tróg", realm_slug="stormrage", realm_name="Stormrage")
    plain = WowCharacterFactory(name="Trog")
    assert resolve("Tróg").character == accented
    assert resolve("Trog").character == plain


def test_characters_out_of_the_guild_are_not_the_roster(roster):
    WowCharacterFactory(name="Gone", in_guild=False, left_guild_at=None)
    assert resolve("Gone").outcome == NOT_FOUND


def test_realm_hint_keeps_that_realm_and_a_mismatch_never_matches_silently(roster):
    assert resolve("Trogmoon-Sen'jin").outcome == RESOLVED
    mismatch = resolve("Trogmoon-Stormrage")
    assert mismatch.outcome == REALM_MISMATCH
    assert mismatch.candidates == (roster["Trogmoon"],)
    assert mismatch.character is None


def test_several_prefer_the_home_realm_else_ambiguous(roster):
    other = WowCharacterFactory(name="Trogmoon", realm_slug="stormrage", realm_name="Stormrage")
    assert resolve("Trogmoon").character == roster["Trogmoon"]
    assert resolve("Trogmoon", home="area52").outcome == AMBIGUOUS
    assert set(resolve("Trogmoon", home="area52").candidates) == {roster["Trogmoon"], other}
    assert resolve("Trogmoon-Stormrage").character == other


def test_suggestions_are_the_spec_example(roster):
    suggestions = suggest(parse_name("Trogmon"))
    assert [(c.name, round(score, 2)) for c, score in suggestions] == [
        ("Trogmoon", 0.93),
        ("Trogdor", 0.71),
    ]


def test_at_most_three_suggestions_by_score_then_name_then_realm(roster):
    WowCharacterFactory(name="Trogmoon", realm_slug="aaa", realm_name="Aaa")
    WowCharacterFactory(name="Trogmoan")
    names = [(c.name, c.realm_slug) for c, _ in suggest(parse_name("Trogmoo"))]
    assert names == [("Trogmoon", "aaa"), ("Trogmoon", "senjin"), ("Trogmoan", "senjin")]


def test_no_suggestions_for_a_declined_name_key(roster):
    assert suggest(parse_name("Trogmon"), declined_key="trogmon") == []
