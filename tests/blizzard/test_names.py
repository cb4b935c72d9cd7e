"""IDN-21: character names in paths, realm slugs and realm keys."""

import pytest

from identity.blizzard import encode_character_name, realm_key, realm_slug


@pytest.mark.parametrize(
    ("name", "encoded"),
    [("Zatañña", "zata%C3%B1%C3%B1a"), ("TROGMOON", "trogmoon"), ("Mórrigan", "m%C3%B3rrigan")],
)
def test_idn21_character_names_lowercased_and_percent_encoded_with_no_safe_chars(name, encoded):
    assert encode_character_name(name) == encoded


def test_idn21_name_encoding_leaves_no_character_unescaped():
    assert encode_character_name("a/b c") == "a%2Fb%20c"


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Sen'jin", "senjin"),
        ("Area 52", "area-52"),
        ("Aggra (Português)", "aggra-portugues"),
        ("  Sen’jin ", "senjin"),
        ("Alterac Mountains", "alterac-mountains"),
        ("Quel'Thalas -- Test!", "quelthalas-test"),
    ],
)
def test_idn21_realm_slug_from_configuration_text(text, slug):
    assert realm_slug(text) == slug


@pytest.mark.parametrize("text", ["AlteracMountains", "Alterac Mountains", "alterac-mountains"])
def test_idn21_realm_key_removes_all_non_alphanumerics(text):
    assert realm_key(text) == "alteracmountains"


def test_idn21_realm_key_folds_accents_and_case():
    assert realm_key("Aggra (Português)") == "aggraportugues"
    assert realm_key("Sen'jin") == "senjin"
