"""Planning a matching run in memory (IDN-32 … IDN-34).

`Planner` loads a snapshot of the database in a fixed number of queries and decides every
link and suggestion without writing: characters in (`name_key`, `realm_slug`, pk) order,
every tie to the lowest pk, so identical data gives an identical plan.
"""

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from identity.matching.hints import DISCORD, Hint, parse_hints
from identity.matching.normalise import normalise
from identity.models import (
    Confidence,
    DiscordUser,
    GuildRank,
    LinkSource,
    Player,
    WowCharacter,
)

MAX_PASSES = 5
LINK_SCORE = 0.85
SUGGEST_SCORE = 0.70

STAT_KEYS = (
    "considered",
    "passes",
    "exact",
    "guild_note",
    "officer_note",
    "fuzzy",
    "suggestions",
    "skipped",
    "players_created",
)


@dataclass(frozen=True)
class MatchLink:
    """A link the run made (or, in a dry run, would make)."""

    character_id: int
    character: str
    player_id: int | None  # None for a player a dry run would create
    player: str
    new_player: bool
    source: str
    confidence: str
    confirmed: bool
    discord_user_id: int | None = None
    score: float | None = None

    def describe(self) -> str:
        new = " (new player)" if self.new_player else ""
        score = f", score {self.score:.0%}" if self.score is not None else ""
        return f"{self.character} → {self.player}{new} [{self.source}, {self.confidence}{score}]"


@dataclass(frozen=True)
class MatchSuggestion:
    """An `auto_link_suggestion`: a fuzzy pair not good or unique enough to link (IDN-34)."""

    character_id: int
    character: str
    discord_user_id: int
    discord_username: str
    score: float

    @property
    def dedup_key(self) -> str:
        return f"auto_link_suggestion:c{self.character_id}:d{self.discord_user_id}"

    @property
    def summary(self) -> str:
        return (
            f"Possible match: {self.character} ↔ {self.discord_username} "
            f"(score: {round(self.score * 100)}%)"
        )


# --- loading ----------------------------------------------------------------------------------


@dataclass
class _Character:
    pk: int
    name: str
    key: str  # normalise(name)
    realm_slug: str
    realm_key: str
    label: str
    guild_note: str
    officer_note: str


@dataclass
class _DiscordUser:
    pk: int
    username: str
    display: str  # display name, else username
    username_key: str
    display_key: str


def realm_key(text: str) -> str:
    """A realm compared loosely: "Sen'jin", "senjin" and "Area 52" / "area-52" agree."""
    return "".join(ch for ch in normalise(text) if ch.isalnum())


def _character_label(name: str, realm_slug: str, realm_name: str) -> str:
    return f"{name}-{realm_name or realm_slug}"  # as WowCharacter.__str__


class Planner:
    """Plans one run in memory from a snapshot of the database (IDN-32 … IDN-35).

    Players are referred to as ("p", pk) for an existing one and ("new", discord_user pk) for
    one this run creates, so a dry run and a real run plan exactly the same thing.
    """

    def __init__(self):
        ladder = {
            str(role_id)
            for role_id in GuildRank.objects.exclude(discord_role_id="").values_list(
                "discord_role_id", flat=True
            )
        }
        self.players = {
            pk: (name, active, discord_user_id)
            for pk, name, active, discord_user_id in Player.objects.values_list(
                "pk", "display_name", "is_active", "discord_user_id"
            )
        }
        self.player_of_user = {
            discord_user_id: pk
            for pk, (_, _, discord_user_id) in self.players.items()
            if discord_user_id is not None
        }

        # Every character: owner hints may name any of them, in the guild or not.
        self.owner: dict[int, tuple] = {}
        self.by_key: dict[str, list[_Character]] = defaultdict(list)
        self.candidates: list[_Character] = []
        rows = WowCharacter.objects.values_list(
            "pk",
            "name",
            "name_key",
            "realm_slug",
            "realm_name",
            "in_guild",
            "automatch_blocked",
            "guild_note",
            "officer_note",
            "link__player_id",
        ).order_by("name_key", "realm_slug", "pk")
        for pk, name, _, slug, realm_name, in_guild, blocked, gnote, onote, owner_id in rows:
            character = _Character(
                pk=pk,
                name=name,
                key=normalise(name),
                realm_slug=slug,
                realm_key=realm_key(slug),
                label=_character_label(name, slug, realm_name),
                guild_note=gnote,
                officer_note=onote,
            )
            self.by_key[character.key].append(character)
            if owner_id is not None:
                self.owner[pk] = ("p", owner_id)
            elif in_guild and not blocked:
                self.candidates.append(character)

        # Present Discord users: all of them for note hints, ladder holders without a player
        # for exact and fuzzy matching (IDN-32, IDN-33).
        self.users: dict[int, _DiscordUser] = {}
        self.hint_by_username: dict[str, int] = {}
        self.hint_by_display: dict[str, list[int]] = defaultdict(list)
        self.exact_by_username: dict[str, int] = {}
        self.exact_by_display: dict[str, int] = {}
        self.match_users: list[_DiscordUser] = []
        for pk, username, display_name, role_ids in (
            DiscordUser.objects.filter(is_present=True)
            .order_by("pk")
            .values_list("pk", "username", "display_name", "role_ids")
        ):
            user = _DiscordUser(
                pk=pk,
                username=username,
                display=display_name or username,
                username_key=normalise(username),
                display_key=normalise(display_name or username),
            )
            self.users[pk] = user
            self.hint_by_username.setdefault(user.username_key, pk)
            self.hint_by_display[user.display_key].append(pk)
            holds_ladder_role = any(str(role_id) in ladder for role_id in role_ids or ())
            if holds_ladder_role and pk not in self.player_of_user:
                self.match_users.append(user)
                self.exact_by_username.setdefault(user.username_key, pk)
                self.exact_by_display.setdefault(user.display_key, pk)

        self.new_players: dict[int, str] = {}  # discord user pk -> display name, in order
        self.links: list[tuple[_Character, tuple, str, int | None, float | None]] = []
        self.suggestions: list[MatchSuggestion] = []

    # --- resolving -------------------------------------------------------------------------

    def _player_for_user(self, user_pk: int) -> tuple | None:
        """IDN-35: the user's player; else the one this run creates. None = inactive player."""
        existing = self.player_of_user.get(user_pk)
        if existing is not None:
            return ("p", existing) if self.players[existing][1] else None
        return ("new", user_pk)

    def _is_active(self, ref: tuple) -> bool:
        return ref[0] == "new" or self.players[ref[1]][1]

    def _resolve_discord(self, text: str) -> int | None:
        """IDN-32 Discord kind: username, then a display name nobody else (or one player) has."""
        key = normalise(text)
        if key in self.hint_by_username:
            return self.hint_by_username[key]
        holders = self.hint_by_display.get(key, [])
        if not holders:
            return None
        owners = {self.player_of_user.get(pk) for pk in holders}
        if len(holders) == 1 or (len(owners) == 1 and None not in owners):
            return holders[0]
        return None

    def _resolve_owner(self, character: _Character, text: str) -> tuple | bool:
        """IDN-32 owner kind: the owner of the named character; False = fall back to Discord."""
        name, _, realm = text.partition("-")
        found = [c for c in self.by_key.get(normalise(name), ()) if c.pk != character.pk]
        if realm:
            wanted = realm_key(realm)
            found = [c for c in found if c.realm_key == wanted]
        same_realm = [c for c in found if c.realm_slug == character.realm_slug]
        if same_realm:
            found = same_realm
        owners = {self.owner.get(c.pk) for c in found}
        if not found or None in owners or len(owners) != 1:
            return False
        return owners.pop()

    def _resolve_hint(self, character: _Character, hint: Hint) -> tuple | None:
        """A player for the hint, or None when it resolves to nothing or to an inactive one."""
        if hint.kind != DISCORD:
            owner = self._resolve_owner(character, hint.text)
            if owner is not False:
                return owner if self._is_active(owner) else None
        user_pk = self._resolve_discord(hint.text)
        return None if user_pk is None else self._player_for_user(user_pk)

    # --- planning --------------------------------------------------------------------------

    def _link(self, character, ref, source, user_pk=None, score=None):
        if ref[0] == "new" and ref[1] not in self.new_players:
            user = self.users[ref[1]]
            self.new_players[ref[1]] = user.display
        self.owner[character.pk] = ref
        self.links.append((character, ref, source, user_pk, score))

    def _exact(self, character: _Character) -> bool:
        user_pk = self.exact_by_username.get(character.key)
        if user_pk is None:
            user_pk = self.exact_by_display.get(character.key)
        if user_pk is None:
            return False
        self._link(character, ("new", user_pk), LinkSource.EXACT_NAME, user_pk)
        return True

    def _note(self, character: _Character, note: str, source: str) -> bool:
        for hint in parse_hints(note):
            ref = self._resolve_hint(character, hint)
            if ref is not None:
                user_pk = ref[1] if ref[0] == "new" else None
                self._link(character, ref, source, user_pk)
                return True
        return False

    def plan(self) -> dict:
        stats = dict.fromkeys(STAT_KEYS, 0)
        stats["considered"] = len(self.candidates)
        pending = list(self.candidates)
        while pending and stats["passes"] < MAX_PASSES:
            stats["passes"] += 1
            still = []
            for character in pending:
                if self._exact(character):
                    stats["exact"] += 1
                elif self._note(character, character.guild_note, LinkSource.GUILD_NOTE):
                    stats["guild_note"] += 1
                elif self._note(character, character.officer_note, LinkSource.OFFICER_NOTE):
                    stats["officer_note"] += 1
                else:
                    still.append(character)
            if len(still) == len(pending):
                pending = still
                break
            pending = still
        self._usernames = [user.username_key for user in self.match_users]
        self._displays = [user.display_key for user in self.match_users]
        for character in pending:
            outcome = self._fuzzy(character)
            if outcome == "link":
                stats["fuzzy"] += 1
            elif outcome == "skip":
                stats["skipped"] += 1
        stats["suggestions"] = len(self.suggestions)
        stats["players_created"] = len(self.new_players)
        return stats

    def _fuzzy(self, character: _Character) -> str:
        """IDN-34 for one character, over the normalised names of the candidate users."""
        scores: dict[int, float] = {}
        for choices in (self._usernames, self._displays):
            for _, raw, index in process.extract(
                character.key,
                choices,
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=SUGGEST_SCORE * 100,
                limit=None,
            ):
                user_pk = self.match_users[index].pk
                # Rounded so 85.00000001 and 84.99999999 are both 0.85, as the table states.
                score = round(raw / 100, 6)
                scores[user_pk] = max(scores.get(user_pk, 0.0), score)
        if not scores:
            return "skip"
        best = max(scores.values())
        tied = sorted(pk for pk, score in scores.items() if score == best)
        if best >= LINK_SCORE and len(tied) == 1:
            self._link(character, ("new", tied[0]), LinkSource.FUZZY, tied[0], best)
            return "link"
        for user_pk in tied:
            self.suggestions.append(
                MatchSuggestion(
                    character_id=character.pk,
                    character=character.label,
                    discord_user_id=user_pk,
                    discord_username=self.users[user_pk].username,
                    score=best,
                )
            )
        return "suggest"

    def result_links(self, created: dict[int, int] | None) -> list[MatchLink]:
        """The plan as MatchLinks; `created` maps discord user pk -> new player pk."""
        links = []
        for character, ref, source, user_pk, score in self.links:
            if ref[0] == "p":
                player_id, name, new = ref[1], self.players[ref[1]][0], False
            else:
                player_id = created.get(ref[1]) if created else None
                name, new = self.new_players[ref[1]], True
            fuzzy = source == LinkSource.FUZZY
            links.append(
                MatchLink(
                    character_id=character.pk,
                    character=character.label,
                    player_id=player_id,
                    player=name,
                    new_player=new,
                    source=str(source),
                    confidence=Confidence.MEDIUM if fuzzy else Confidence.HIGH,
                    confirmed=not fuzzy,
                    discord_user_id=user_pk,
                    score=score,
                )
            )
        return links
