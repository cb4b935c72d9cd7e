"""Reading answers: yes/no (ONB-15), names (ONB-20), alts (ONB-25), keywords (ONB-14)."""

import pytest

from onboarding.services.answers import (
    MAX_ALTS,
    ParsedName,
    is_help,
    is_no,
    is_none_answer,
    is_start_over,
    is_yes,
    normalise_answer,
    parse_alts,
    parse_name,
    realm_key,
)

YES_WHOLE = [
    "yes",
    "y",
    "yeah",
    "yep",
    "yea",
    "ye",
    "yup",
    "sure",
    "si",
    "of course",
    "i have",
    "already",
    "👍",
    "✅",
]
YES_FIRST = ["yes", "y", "yeah", "yep", "yea", "ye", "yup", "sure"]
NO_WHOLE = ["no", "n", "nah", "nope", "not yet", "no not yet", "not really", "👎", "❌"]
NO_FIRST = ["no", "nah", "nope"]


@pytest.mark.parametrize("word", YES_WHOLE)
def test_every_whole_yes_word_is_yes_in_any_case_and_punctuation(word):
    assert is_yes(word)
    assert is_yes(f"  {word.upper()}!! ")
    assert not is_no(word)


@pytest.mark.parametrize("word", YES_FIRST)
def test_a_first_yes_word_makes_yes(word):
    assert is_yes(f"{word} I am")


@pytest.mark.parametrize("word", NO_WHOLE)
def test_every_whole_no_word_is_no(word):
    assert is_no(word)
    assert is_no(f"{word.title()}.")
    assert not is_yes(word)


@pytest.mark.parametrize("word", NO_FIRST)
def test_a_first_no_word_makes_no(word):
    assert is_no(f"{word} sorry")


@pytest.mark.parametrize(
    ("text", "yes", "no"),
    [
        ("Yes!", True, False),
        ("yep I have", True, False),
        ("no, not yet", False, True),
        ("I think so", False, False),
        ("si", True, False),
        ("sim", False, False),
        ("n please", False, False),  # "n" counts only as the whole text
        ("of course!", True, False),
        ("maybe", False, False),
    ],
)
def test_the_spec_examples(text, yes, no):
    assert is_yes(text) is yes
    assert is_no(text) is no


def test_normalising_trims_casefolds_strips_surrounding_punctuation_and_collapses_spaces():
    assert normalise_answer("  ¡¡Of   COURSE!!  ") == "of course"
    assert normalise_answer("👍") == "👍"


def test_help_and_start_over_keywords():
    assert is_help("help") and is_help(" ? ") and is_help("HELP!")
    assert not is_help("helpme")
    assert (
        is_start_over("start over") and is_start_over("Restart") and is_start_over("START  OVER.")
    )
    assert not is_start_over("start")


@pytest.mark.parametrize(
    ("text", "name", "realm"),
    [
        ("Trogmoon-Sen'jin (Resto Druid)", "Trogmoon", "senjin"),
        ("**Trógmoon**", "Trógmoon", ""),
        ("`Trogmoon`", "Trogmoon", ""),
        ('"Trogmoon"', "Trogmoon", ""),
        ("@Trogmoon", "Trogmoon", ""),
        ("__Trogmoon__", "Trogmoon", ""),
        ("Trogmoon!", "Trogmoon", ""),
        ("Trogmoon – Area 52", "Trogmoon", "area52"),
        ("Trogmoon—Stormrage", "Trogmoon", "stormrage"),
        ("Trogmoon (my main)", "Trogmoon", ""),
        ("Ab", "Ab", ""),
        ("Abcdefghijkl", "Abcdefghijkl", ""),
    ],
)
def test_valid_names_and_realm_hints(text, name, realm):
    parsed = parse_name(text)
    assert parsed is not None
    assert (parsed.name, parsed.realm) == (name, realm)


@pytest.mark.parametrize(
    "text",
    ["my main is Trogmoon", "Trog2", "A", "Abcdefghijklm", "", "  ", "(Trogmoon)", "-Sen'jin"],
)
def test_invalid_names(text):
    assert parse_name(text) is None


def test_realm_key_folds_case_accents_and_keeps_letters_and_digits():
    assert realm_key("Sen'jin") == "senjin"
    assert realm_key("Área 52") == "area52"
    assert realm_key(None) == ""


@pytest.mark.parametrize(
    "text", ["", "none", "No", "nope", "nah", "n/a", "NA", "0", "no alts", "Nothing."]
)
def test_none_answers(text):
    assert is_none_answer(text)


def test_alts_split_on_every_separator_drop_invalid_duplicates_and_the_main():
    alts = parse_alts(
        "Trogdor, Moonfire; Alty/Bob and Carl\nTrogdor, Trogmoon, x1, my other one",
        main_key="trogmoon",
    )
    assert [a.name for a in alts.names] == ["Trogdor", "Moonfire", "Alty", "Bob", "Carl"]
    assert alts.ignored == ("x1", "my other one")


def test_at_most_ten_alts_naming_the_rest():
    names = [f"Alt{chr(97 + i)}x" for i in range(12)]
    alts = parse_alts(", ".join(names))
    assert len(alts.names) == MAX_ALTS
    assert alts.ignored == tuple(names[10:])


def test_alt_realm_hints_are_kept():
    alts = parse_alts("Trogdor-Stormrage")
    assert alts.names == (ParsedName("Trogdor", "Stormrage"),)
    assert alts.names[0].realm == "stormrage"
