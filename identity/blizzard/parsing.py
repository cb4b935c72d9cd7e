"""Roster and profile answers as plain dataclasses (IDN-22). No database here: the reference
data (class ids and specs) comes in as a `Reference`."""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from identity.blizzard.errors import BlizzardError

logger = logging.getLogger("identity.blizzard")


@dataclass(frozen=True)
class SpecInfo:
    blizzard_spec_id: int
    class_id: int  # PlayableClass.blizzard_id
    name: str


@dataclass(frozen=True)
class Reference:
    """The known classes (Blizzard ids) and specs the parser resolves against."""

    class_ids: frozenset[int]
    specs: tuple[SpecInfo, ...] = ()

    @classmethod
    def of(cls, class_ids: Iterable[int], specs: Iterable[SpecInfo] = ()) -> "Reference":
        return cls(frozenset(class_ids), tuple(specs))

    @classmethod
    def from_db(cls) -> "Reference":
        from identity.models import PlayableClass, Specialization

        specs = Specialization.objects.values_list(
            "blizzard_spec_id", "playable_class__blizzard_id", "name"
        )
        return cls.of(
            PlayableClass.objects.values_list("blizzard_id", flat=True),
            (SpecInfo(*row) for row in specs),
        )

    def class_id(self, raw, warnings: list[str]) -> int | None:
        if raw is None:
            return None
        if raw in self.class_ids:
            return raw
        _warn(warnings, f"Unknown class id {raw}")
        return None

    def spec_id(self, class_id: int | None, raw_id, raw_name) -> int | None:
        """`active_spec.id` matched to `blizzard_spec_id`, else (class, name) ignoring case."""
        for spec in self.specs:
            if raw_id is not None and spec.blizzard_spec_id == raw_id:
                return spec.blizzard_spec_id
        if class_id is not None and raw_name:
            wanted = str(raw_name).casefold()
            for spec in self.specs:
                if spec.class_id == class_id and spec.name.casefold() == wanted:
                    return spec.blizzard_spec_id
        return None


def character_key(realm_slug: str, name: str) -> tuple[str, str]:
    """How results are keyed: (realm slug, casefolded name)."""
    return (realm_slug, name.casefold())


@dataclass(frozen=True)
class RosterMember:
    name: str
    realm_slug: str
    realm_name: str | None
    blizzard_id: int | None
    level: int | None
    class_id: int | None  # PlayableClass.blizzard_id; None when unknown
    rank: int | None  # the in-game rank index

    @property
    def key(self) -> tuple[str, str]:
        return character_key(self.realm_slug, self.name)


@dataclass
class Roster:
    guild_name: str | None
    realm_slug: str | None
    realm_name: str | None
    members: list[RosterMember]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CharacterProfile:
    blizzard_id: int | None
    name: str
    realm_slug: str
    realm_name: str | None
    class_id: int | None
    spec_id: int | None  # Specialization.blizzard_spec_id; None when unmatched or absent
    active_spec_name: str | None
    level: int | None
    item_level: int | None
    last_login: datetime | None  # aware, UTC
    race_name: str | None

    @property
    def key(self) -> tuple[str, str]:
        return character_key(self.realm_slug, self.name)


@dataclass(frozen=True)
class ProfileFailure:
    member: RosterMember
    error: BlizzardError


@dataclass
class ProfileResults:
    """Profiles by `character_key`; members with no profile keep their roster data only."""

    profiles: dict[tuple[str, str], CharacterProfile] = field(default_factory=dict)
    not_found: list[RosterMember] = field(default_factory=list)
    failed: list[ProfileFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_roster(data: Mapping, reference: Reference) -> Roster:
    members_data = data.get("members") if isinstance(data, Mapping) else None
    if not isinstance(members_data, list):
        raise BlizzardError("roster response has no members list")
    guild = data.get("guild") or {}
    realm = guild.get("realm") or {}
    roster = Roster(guild.get("name"), realm.get("slug"), realm.get("name"), [])
    for entry in members_data:
        character = (entry or {}).get("character") or {}
        name = character.get("name")
        if not name:
            _warn(
                roster.warnings, f"Roster member without a name skipped (id {character.get('id')})"
            )
            continue
        member_realm = character.get("realm") or {}
        roster.members.append(
            RosterMember(
                name=name,
                realm_slug=member_realm.get("slug") or roster.realm_slug or "",
                realm_name=member_realm.get("name"),
                blizzard_id=character.get("id"),
                level=character.get("level"),
                class_id=reference.class_id(
                    (character.get("playable_class") or {}).get("id"), roster.warnings
                ),
                rank=entry.get("rank"),
            )
        )
    return roster


def parse_profile(data: Mapping, reference: Reference, warnings: list[str]) -> CharacterProfile:
    realm = data.get("realm") or {}
    class_id = reference.class_id((data.get("character_class") or {}).get("id"), warnings)
    spec = data.get("active_spec") or {}
    return CharacterProfile(
        blizzard_id=data.get("id"),
        name=data.get("name") or "",
        realm_slug=realm.get("slug") or "",
        realm_name=realm.get("name"),
        class_id=class_id,
        spec_id=reference.spec_id(class_id, spec.get("id"), spec.get("name")),
        active_spec_name=spec.get("name"),
        level=data.get("level"),
        item_level=data.get("equipped_item_level"),
        last_login=from_epoch_ms(data.get("last_login_timestamp")),
        race_name=(data.get("race") or {}).get("name"),
    )


def from_epoch_ms(value) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def _warn(warnings: list[str], message: str) -> None:
    logger.warning("Blizzard: %s", message)
    warnings.append(message)
