"""Finding a reported name on the roster: exact resolution (ONB-21) and suggestions (ONB-22).

Roster characters are `WowCharacter`s with `in_guild = true`. Names compare by the identity
matcher's name key (`identity.matching.normalise`: casefold + accent folding); realms by the
realm key (`answers.realm_key`). One query per call: the characters whose casefolded name is
one of the names asked about (`roster_for`, a small indexed read), or the whole roster when a
name has none of those (the name-key step and the suggestions compare with every character).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from rapidfuzz import fuzz

from identity.matching.normalise import normalise
from identity.models import WowCharacter
from onboarding.services.answers import ParsedName, realm_key

__all__ = [
    "AMBIGUOUS",
    "NOT_FOUND",
    "REALM_MISMATCH",
    "RESOLVED",
    "SUGGESTION_MIN_SCORE",
    "Resolution",
    "resolve_exact",
    "roster_characters",
    "roster_for",
    "suggest",
]

RESOLVED = "resolved"
AMBIGUOUS = "ambiguous"
REALM_MISMATCH = "realm_mismatch"
NOT_FOUND = "not_found"

SUGGESTION_MIN_SCORE = 0.70
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Resolution:
    """The outcome of ONB-21: `character` when resolved, else the `candidates` to pick from."""

    outcome: str
    candidates: tuple[WowCharacter, ...] = field(default=())

    @property
    def character(self) -> WowCharacter | None:
        return self.candidates[0] if self.outcome == RESOLVED else None


def roster_characters() -> list[WowCharacter]:
    """Every roster character with what the replies show (realm, class, rank): one query."""
    return list(
        WowCharacter.objects.filter(in_guild=True)
        .select_related("playable_class", "guild_rank")
        .order_by("name_key", "realm_slug")
    )


def roster_for(names: Iterable[ParsedName], *, ids: Iterable[int] = ()) -> list[WowCharacter]:
    """The roster characters ONB-21 needs to resolve `names` (plus those with `ids`), in one
    query: the ones whose casefolded name is one of the names' (`name_key` holds it, also as
    "<name>#<pk>" for a released name), ordered as `roster_characters`. When some name has no
    such character, the whole roster: its name-key step (accent folding) and the suggestions
    (ONB-22) compare with every character."""
    folded = {parsed.name.casefold() for parsed in names}
    ids = list(ids)
    if not folded and not ids:
        return []
    wanted = Q(pk__in=ids) if ids else Q()
    for key in sorted(folded):
        wanted |= Q(name_key=key) | Q(name_key__startswith=f"{key}#")
    rows = list(
        WowCharacter.objects.filter(wanted, in_guild=True)
        .select_related("playable_class", "guild_rank")
        .order_by("name_key", "realm_slug")
    )
    if folded - {character.name.casefold() for character in rows}:
        return roster_characters()
    return rows


def _realm_keys(character: WowCharacter) -> set[str]:
    return {realm_key(character.realm_slug), realm_key(character.realm_name)} - {""}


def resolve_exact(
    parsed: ParsedName,
    *,
    home_realm: str,
    roster: list[WowCharacter] | None = None,
) -> Resolution:
    """ONB-21: exact resolution among roster characters.

    1. casefolded name equal; if none, name key equal;
    2. with a realm hint keep those on that realm; none left is a realm mismatch (the name's
       characters are the candidates: nothing ever matches silently);
    3. several left: prefer the home realm (a realm key); still several: ambiguous.
    """
    roster = roster_for([parsed]) if roster is None else roster
    folded = parsed.name.casefold()
    matches = [c for c in roster if c.name.casefold() == folded]
    if not matches:
        matches = [c for c in roster if normalise(c.name) == parsed.key]
    if not matches:
        return Resolution(NOT_FOUND)
    if parsed.realm:
        on_realm = [c for c in matches if parsed.realm in _realm_keys(c)]
        if not on_realm:
            return Resolution(REALM_MISMATCH, tuple(matches))
        matches = on_realm
    if len(matches) > 1:
        home = [c for c in matches if realm_key(home_realm) in _realm_keys(c)]
        if len(home) == 1:
            matches = home
    if len(matches) > 1:
        return Resolution(AMBIGUOUS, tuple(matches))
    return Resolution(RESOLVED, (matches[0],))


def suggest(
    parsed: ParsedName,
    *,
    declined_key: str = "",
    roster: list[WowCharacter] | None = None,
) -> list[tuple[WowCharacter, float]]:
    """ONB-22: up to 3 roster characters whose name key scores ≥ 0.70 (rapidfuzz ratio / 100)
    against the typed name's, best first, then by name and realm. Nothing for a name key the
    member already declined suggestions for."""
    if parsed.key == declined_key:
        return []
    roster = roster_characters() if roster is None else roster
    scored = [(c, fuzz.ratio(parsed.key, normalise(c.name)) / 100) for c in roster]
    kept = [(c, score) for c, score in scored if score >= SUGGESTION_MIN_SCORE]
    kept.sort(key=lambda pair: (-pair[1], pair[0].name, pair[0].realm_slug))
    return kept[:MAX_SUGGESTIONS]
