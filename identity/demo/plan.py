"""The plan of the demo guild: plain dataclasses, filled by `build_plan` and stored by `write`.

A plan is pure data in a fixed order; the order decides the primary keys the writer assigns.
Times are "days ago", turned into timestamps relative to now only when the plan is written.
"""

from dataclasses import dataclass, field

from identity.models import LinkSource

# The demo website accounts, given to the core players whose `account` names them.
OFFICER_USERNAME = "officer"
MEMBER_USERNAME = "member"


@dataclass
class CharacterPlan:
    """One WoW character. `link` is the link source, or None for an unlinked character."""

    name: str
    realm_slug: str
    class_name: str
    spec_name: str | None
    rank_index: int | None
    level: int = 80
    item_level: int | None = 650
    race: str = ""
    guild_note: str = ""
    officer_note: str = ""
    last_login_days: float | None = 1.0
    left_days: float | None = None  # set: the character left the guild that many days ago
    first_seen_days: float = 400.0
    blizzard_id: int | None = None
    link: str | None = LinkSource.MANUAL
    addon_seen: bool = False
    stale_issue_state: str = "new"  # new | notified | dismissed, when the character is stale

    @property
    def in_guild(self) -> bool:
        return self.left_days is None

    @property
    def key(self) -> tuple[str, str]:
        """The natural key of the row: (name_key, realm_slug)."""
        return (self.name.casefold(), self.realm_slug)


@dataclass
class DiscordPlan:
    """One Discord member; `rank_index` picks the ladder role held (None: no ladder role)."""

    discord_id: str
    username: str
    display_name: str
    rank_index: int | None
    extra_roles: tuple[str, ...] = ()  # names of `core.EXTRA_ROLE_IDS`
    joined_days: float = 500.0
    left_days: float | None = None  # set: left the server that many days ago

    @property
    def is_present(self) -> bool:
        return self.left_days is None


@dataclass
class PlayerPlan:
    """A person: the first character is the main."""

    display_name: str
    discord: DiscordPlan | None
    characters: list[CharacterPlan]
    main_spec: str | None = None
    offspec: tuple[int, str] | None = None  # (index into characters, spec name)
    manual_rank_index: int | None = None  # set: rank_source manual with this rank
    is_active: bool = True
    notes: str = ""
    account: str | None = None  # OFFICER_USERNAME / MEMBER_USERNAME
    invite: bool = False


@dataclass
class OrphanDiscordPlan:
    """A Discord member without a player; `issue_state` as for stale characters."""

    discord: DiscordPlan
    issue_state: str = "new"


@dataclass
class SuggestionPlan:
    """An open `auto_link_suggestion` (IDN-34 0.70-0.85 band) between two orphans."""

    character: tuple[str, str]
    discord_id: str
    score: float


@dataclass
class GuildPlan:
    """Everything the demo writes, in a fixed order (the order decides primary keys)."""

    players: list[PlayerPlan]
    orphan_characters: list[CharacterPlan] = field(default_factory=list)
    orphan_discord_users: list[OrphanDiscordPlan] = field(default_factory=list)
    suggestions: list[SuggestionPlan] = field(default_factory=list)

    @property
    def characters(self) -> list[CharacterPlan]:
        owned = [c for p in self.players for c in p.characters]
        return owned + self.orphan_characters

    @property
    def discord_users(self) -> list[DiscordPlan]:
        linked = [p.discord for p in self.players if p.discord]
        return linked + [o.discord for o in self.orphan_discord_users]
