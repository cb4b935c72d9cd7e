"""Hints in guild and officer notes: who the character's Discord user or owner is (IDN-31)."""

import re
from dataclasses import dataclass

from identity.matching.normalise import normalise

DISCORD = "discord"
OWNER = "owner"

# (kind, pattern); group "token" is the hint. "At a word start" = not preceded by a word char.
_PATTERNS = (
    (DISCORD, re.compile(r"(?<!\w)(?:discord|disc|dc)\s*[:=]\s*(?P<token>\S+)", re.I)),
    (DISCORD, re.compile(r"(?:^|(?<=[\s(]))@(?P<token>\S+)", re.I)),
    (OWNER, re.compile(r"(?<!\w)alt\s+(?:of|for)\s+(?P<token>\S+)", re.I)),
    (OWNER, re.compile(r"(?:^|(?<=\s))(?P<token>\S+?)['’]s?\s+alt(?!\w)", re.I)),
    (OWNER, re.compile(r"(?<!\w)main\s*[:=]\s*(?P<token>\S+)", re.I)),
)
_TRAILING = ".,;:!?)"


@dataclass(frozen=True)
class Hint:
    text: str
    kind: str  # "discord" | "owner"
    position: int

    @property
    def key(self) -> str:
        return normalise(self.text)


def parse_hints(note: str | None) -> list[Hint]:
    """IDN-31: the hints of a note, in note order, cleaned and without duplicates.

    Cleanup strips trailing `. , ; : ! ? )` and a leading `(`, drops hints whose normalised
    length is below 2 and drops repeats of the same normalised text and kind.
    """
    if not note:
        return []
    found: list[Hint] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(note):
            text = match.group("token").rstrip(_TRAILING).removeprefix("(")
            if len(normalise(text)) >= 2:
                found.append(Hint(text=text, kind=kind, position=match.start()))
    found.sort(key=lambda hint: hint.position)
    seen: set[tuple[str, str]] = set()
    hints = []
    for hint in found:
        if (hint.key, hint.kind) not in seen:
            seen.add((hint.key, hint.kind))
            hints.append(hint)
    return hints
