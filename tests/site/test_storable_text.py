"""Text that PostgreSQL or UTF-8 cannot store is recognised everywhere (issue 11, item 7)."""

import pytest
from django.core.exceptions import ValidationError

from patt.validators import has_unstorable_text, is_storable_text, storable_text_validator


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "x\ud800", "\udfff"])
def test_nul_and_unpaired_surrogates_are_not_storable(text):
    assert not is_storable_text(text)
    with pytest.raises(ValidationError, match="NUL characters or unpaired surrogates"):
        storable_text_validator(text)


@pytest.mark.parametrize("text", ["", "Zatañña", "ﷺ" * 10, "😀 paired"])
def test_ordinary_unicode_is_storable(text):
    assert is_storable_text(text)
    storable_text_validator(text)


def test_unstorable_text_is_found_in_keys_and_nested_values():
    assert has_unstorable_text({"ok": [{"deep": ["fine", "bad\x00"]}]})
    assert has_unstorable_text({"unknown\ud800key": 1})
    assert not has_unstorable_text({"name": "Trog", "days": [True, 1, None, 2.5]})
