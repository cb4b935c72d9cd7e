"""Reading a member's answers: yes/no (ONB-15), names (ONB-20), alts (ONB-25), keywords (ONB-14).

Pure functions of the text; no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from identity.matching.normalise import normalise

__all__ = [
    "MAX_ALTS",
    "AltList",
    "ParsedName",
    "is_help",
    "is_no",
    "is_none_answer",
    "is_start_over",
    "is_yes",
    "normalise_answer",
    "parse_alts",
    "parse_name",
    "realm_key",
]

YES_WHOLE = frozenset(
    {"yes", "y", "yeah", "yep", "yea", "ye", "yup", "sure", "si", "of course", "i have", "already"}
    | {"👍", "✅"}
)
YES_FIRST = frozenset({"yes", "y", "yeah", "yep", "yea", "ye", "yup", "sure"})
NO_WHOLE = frozenset({"no", "n", "nah", "nope", "not yet", "no not yet", "not really", "👎", "❌"})
NO_FIRST = frozenset({"no", "nah", "nope"})
NONE_WORDS = frozenset({"", "none", "no", "nope", "nah", "n/a", "na", "0", "no alts", "nothing"})
HELP_WORDS = frozenset({"help"})
START_OVER_WORDS = frozenset({"start over", "restart"})
MAX_ALTS = 10


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def _strip_punctuation(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_punctuation(text[start]):
        start += 1
    while end > start and _is_punctuation(text[end - 1]):
        end -= 1
    return text[start:end]


def normalise_answer(text: str) -> str:
    """ONB-15: trim, casefold, strip surrounding punctuation, collapse spaces.

    Emoji are symbols, not punctuation, so 👍 survives.
    """
    collapsed = " ".join(text.casefold().split())
    return " ".join(_strip_punctuation(collapsed).split())


def _first_word(normalised: str) -> str:
    words = normalised.split(" ", 1)
    return _strip_punctuation(words[0]) if words else ""


def _inner(normalised: str) -> str:
    """The text without punctuation inside it ("no, not yet" -> "no not yet")."""
    return " ".join(_strip_punctuation(word) for word in normalised.split() if word)


def is_yes(text: str) -> bool:
    """ONB-15 yes: the whole text in the yes list, or its first word in the short list."""
    normalised = normalise_answer(text)
    return (
        normalised in YES_WHOLE
        or _inner(normalised) in YES_WHOLE
        or _first_word(normalised) in YES_FIRST
    )


def is_no(text: str) -> bool:
    """ONB-15 no: the whole text in the no list, or its first word in {no, nah, nope}."""
    normalised = normalise_answer(text)
    return (
        normalised in NO_WHOLE
        or _inner(normalised) in NO_WHOLE
        or _first_word(normalised) in NO_FIRST
    )


def is_help(text: str) -> bool:
    """ONB-14: `help` or `?`."""
    return text.strip() == "?" or normalise_answer(text) in HELP_WORDS


def is_start_over(text: str) -> bool:
    """ONB-14: `start over` or `restart`."""
    return normalise_answer(text) in START_OVER_WORDS


def is_none_answer(text: str) -> bool:
    """ONB-25: no alts."""
    normalised = normalise_answer(text)
    return normalised in NONE_WORDS or text.strip().casefold() in NONE_WORDS


def realm_key(text: str | None) -> str:
    """The realm key: casefold + accent folding, letters and digits only ("Sen'jin" -> senjin)."""
    return "".join(ch for ch in normalise(text) if ch.isalnum())


@dataclass(frozen=True)
class ParsedName:
    """A character name as typed (ONB-20), with the realm hint as typed and as a realm key."""

    name: str
    realm_hint: str = ""

    @property
    def realm(self) -> str:
        return realm_key(self.realm_hint)

    @property
    def key(self) -> str:
        return normalise(self.name)


_SURROUNDING = "\"'`*_“”‘’«»"
_DASHES = re.compile(r"[-–—]")
_TRAILING = ".,!?;:"


def parse_name(text: str) -> ParsedName | None:
    """ONB-20: the name and realm hint in `text`, or None when it is not a valid name.

    1. trim; drop surrounding quotes, backticks, `*`/`_` and a leading `@`;
    2. cut at the first `(`;
    3. split at the first hyphen, en dash or em dash: name left, realm hint right;
    4. trim the name, strip trailing `.,!?;:`.
    Valid: 2 to 12 Unicode letters.
    """
    value = text.strip().strip(_SURROUNDING).strip()
    value = value.removeprefix("@").strip(_SURROUNDING).strip()
    value = value.split("(", 1)[0]
    parts = _DASHES.split(value, maxsplit=1)
    name = parts[0].strip().rstrip(_TRAILING).strip(_SURROUNDING)
    hint = parts[1].strip().strip(_SURROUNDING).rstrip(_TRAILING).strip() if len(parts) > 1 else ""
    if not (2 <= len(name) <= 12 and name.isalpha()):
        return None
    return ParsedName(name=name, realm_hint=hint)


@dataclass(frozen=True)
class AltList:
    """ONB-25: the alts kept (at most 10) and the pieces ignored, as typed."""

    names: tuple[ParsedName, ...]
    ignored: tuple[str, ...]


_ALT_SPLIT = re.compile(r"[,;/\n]|\s+and\s+", re.IGNORECASE)


def parse_alts(text: str, *, main_key: str = "") -> AltList:
    """ONB-25: split on `,` `;` `/`, newlines and " and "; keep valid names, without
    duplicates and the main, at most 10; name the ignored pieces."""
    kept: list[ParsedName] = []
    seen = {main_key} if main_key else set()
    ignored: list[str] = []
    for piece in _ALT_SPLIT.split(text):
        piece = piece.strip()
        if not piece:
            continue
        parsed = parse_name(piece)
        if parsed is None:
            ignored.append(piece)
            continue
        # Duplicates by name key: the same name on two realms is still one alt to look for.
        if parsed.key in seen:
            continue
        seen.add(parsed.key)
        if len(kept) == MAX_ALTS:
            ignored.append(parsed.name)
            continue
        kept.append(parsed)
    return AltList(names=tuple(kept), ignored=tuple(ignored))
