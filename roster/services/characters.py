"""A member's own raid roster characters (ROS-14, ROS-15).

Add, edit, set main, remove and leave the roster. Each function checks its rule, then writes in
one transaction, and refuses with `Refused(message, field=field)` before writing anything. None of
them reads or writes availability or raid preferences (ROS-7); only `leave_roster` deletes the
preferences, as ROS-15 says. Links are made by identity's `link_character` (one owner per
character, ranks follow links) and realms resolve by identity's realm rules (IDN-21).
"""

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from identity.blizzard.names import realm_key
from identity.models import (
    Confidence,
    LinkSource,
    PlayableClass,
    Player,
    PlayerCharacter,
    Specialization,
    WowCharacter,
)
from identity.services.links import link_character
from identity.uploads.notes import known_realms, reported_slug
from patt.models import SiteConfig
from patt.refusals import Refused
from patt.validators import UNSTORABLE_TEXT_MESSAGE, is_storable_text, max_length_of
from roster.models import RaidPreferences
from roster.services.population import RosterCharacter, roster_character

# An id as a form or a JSON body sent it: a str or an int usually, but any value may arrive and
# whatever is not an integer is refused (ROS-14, ROS-15), so it is deliberately untyped.
SubmittedId = Any

NAME_MIN, NAME_MAX = 2, 12

BAD_NAME = "Character names are 2-12 letters."
PICK_CLASS = "Pick a class."
WRONG_CLASS = "{name} is a {cls} on the armory — pick a {cls} spec."
PICK_SPEC = "Pick a spec for your {cls}."
PICK_A_SPEC = "Pick a spec."
TAKEN = "{character} is already linked to another member. Ask an officer if that's wrong."
MAIN_FIRST = "Mark another character as your main first."
NOT_ON_ROSTER = "That character isn't on your raid roster."
ENTER_REALM = "Enter a realm name."
REALM_TOO_LONG = "That realm name is too long: realm names are at most {max} characters."
# The columns a typed realm ends up in (issue 11 item 6: limits read from the model, not copied).
REALM_NAME_MAX = max_length_of(WowCharacter, "realm_name")
REALM_SLUG_MAX = max_length_of(WowCharacter, "realm_slug")
ADDED = "Added {name} ({spec} {cls}) to your raid roster."
SAVED = "Saved {name} ({spec} {cls})."
NOW_MAIN = "{name} is now your main."
REMOVED = "Removed {name} from your raid roster."
LEFT = "You left the raid roster. Your availability is kept in case you come back."


@dataclass(frozen=True)
class RosterChange:
    """What a successful change did: the link touched (None for leave) and the flash text."""

    link: PlayerCharacter | None
    message: str


# --- input rules ----------------------------------------------------------------------------


def clean_character_name(text: str | None) -> str:
    """ROS-14: trimmed, 2-12 Unicode letters, stored with the first letter upper-cased."""
    name = unicodedata.normalize("NFC", (text or "").strip())
    if not (NAME_MIN <= len(name) <= NAME_MAX) or not all(ch.isalpha() for ch in name):
        raise Refused(BAD_NAME, field="name")
    return name[0].upper() + name[1:]


def resolve_realm(text: str | None) -> tuple[str, str]:
    """ROS-14 / IDN-21: (slug, display name) of the realm typed in the form.

    Blank = the SiteConfig realm; a known realm with the same realm key gives its slug (and
    name); anything else `realm_slug(text)` with the text as typed as its name.

    Text with no letter or digit (no realm key, so no slug) is not a realm name. The slug is
    the text normalised (NFKD: `ﷺ` alone becomes 18 characters), so both the name as typed
    and the slug must fit their columns (issue 11 item 6) — refused here, next to the realm
    field, instead of failing at the database. NUL and unpaired surrogates are refused too.
    """
    config = SiteConfig.get()
    typed = (text or "").strip()
    if not is_storable_text(typed):
        raise Refused(UNSTORABLE_TEXT_MESSAGE, field="realm")
    if not typed or realm_key(typed) in {
        realm_key(config.guild_realm_name),
        realm_key(config.guild_realm_slug),
    }:
        return config.guild_realm_slug, config.guild_realm_name
    if not realm_key(typed):
        raise Refused(ENTER_REALM, field="realm")
    slug = reported_slug(typed, known_realms())
    if len(slug) > REALM_SLUG_MAX or len(typed) > REALM_NAME_MAX:
        raise Refused(REALM_TOO_LONG.format(max=REALM_NAME_MAX), field="realm")
    name = (
        WowCharacter.objects.filter(realm_slug=slug)
        .exclude(realm_name="")
        .values_list("realm_name", flat=True)
        .first()
    )
    return slug, name or typed


def _load_class(class_id: SubmittedId) -> PlayableClass:
    try:
        return PlayableClass.objects.get(pk=int(class_id))
    except (TypeError, ValueError, PlayableClass.DoesNotExist):
        raise Refused(PICK_CLASS, field="playable_class") from None


def _load_spec(spec_id: SubmittedId, playable_class: PlayableClass) -> Specialization:
    """ROS-10 / ROS-14: the spec is required and must belong to the class."""
    message = PICK_SPEC.format(cls=playable_class.name)
    try:
        spec = Specialization.objects.select_related("default_role", "playable_class").get(
            pk=int(spec_id)
        )
    except (TypeError, ValueError, Specialization.DoesNotExist):
        raise Refused(message, field="spec") from None
    if spec.playable_class_id != playable_class.pk:
        raise Refused(message, field="spec")
    return spec


def _roster_link(player: Player, character_id: SubmittedId) -> PlayerCharacter:
    """ROS-15: only a roster character of this player may be edited, made main or removed."""
    try:
        character_id = int(character_id)
    except (TypeError, ValueError):
        raise Refused(NOT_ON_ROSTER, field="character") from None
    link = (
        PlayerCharacter.objects.select_related("character__playable_class")
        .filter(player=player, character_id=character_id, on_raid_roster=True)
        .first()
    )
    if link is None:
        raise Refused(NOT_ON_ROSTER, field="character")
    return link


def _set_roster_spec(link: PlayerCharacter, spec: Specialization) -> None:
    """The raid spec, and its role as `raid_role` (ROS-4/ROS-11: the role follows the spec)."""
    link.on_raid_roster = True
    link.raid_spec = spec
    link.raid_role = spec.default_role
    link.save(update_fields=["on_raid_roster", "raid_spec", "raid_role"])


def _make_main(player: Player, character: WowCharacter, spec: Specialization | None) -> None:
    player.main_character = character
    player.main_spec = spec
    player.save(update_fields=["main_character", "main_spec", "updated_at"])


def character_input_refusals(
    *, name: str | None, realm: str | None, class_id: SubmittedId, spec_id: SubmittedId
) -> list[Refused]:
    """ROS-14, issue 16 item 4: every input rule of the add form that fails, each with its
    field, so the form shows all its errors at once (add_character still checks each rule and
    the rules that need the database — the armory's class, the owner — when it writes).

    The spec is checked against the class only when the class is valid ("Pick a spec for your
    Mage."); without a class a missing spec is still reported.
    """
    refusals: list[Refused] = []
    playable_class = None
    for check in (
        lambda: clean_character_name(name),
        lambda: resolve_realm(realm),
    ):
        try:
            check()
        except Refused as refused:
            refusals.append(refused)
    try:
        playable_class = _load_class(class_id)
    except Refused as refused:
        refusals.append(refused)
    if playable_class is not None:
        try:
            _load_spec(spec_id, playable_class)
        except Refused as refused:
            refusals.append(refused)
    elif not spec_id:
        refusals.append(Refused(PICK_A_SPEC, field="spec"))
    return refusals


# --- the changes ----------------------------------------------------------------------------


def add_character(
    player: Player,
    *,
    name: str,
    realm: str,
    class_id: SubmittedId,
    spec_id: SubmittedId,
    make_main: bool,
) -> RosterChange:
    """ROS-14: put a character on the player's raid roster.

    The character is looked up by (case-folded name, realm slug). An existing character's class
    is authoritative; a new one is created with the form's class, out of the guild, for the
    next Blizzard sync to complete. Unlinked characters are linked with source `roster_form`,
    high and unconfirmed (officers confirm); the player's own are updated; anyone else's, or a
    character an officer unlinked (`automatch_blocked`), is refused. "Main" ticked, or no main
    yet, makes it the main with this spec. Availability and preferences are untouched (ROS-7).
    """
    clean_name = clean_character_name(name)
    playable_class = _load_class(class_id)
    realm_slug, realm_name = resolve_realm(realm)
    character = (
        WowCharacter.objects.by_name(clean_name, realm_slug)
        .select_related("playable_class")
        .first()
    )
    if character is not None and character.playable_class_id not in (None, playable_class.pk):
        real = character.playable_class.name
        raise Refused(WRONG_CLASS.format(name=character.name, cls=real), field="playable_class")
    spec = _load_spec(spec_id, playable_class)

    link = None
    if character is not None:
        link = PlayerCharacter.objects.filter(character=character).first()
        if (link is not None and link.player_id != player.pk) or (
            link is None and character.automatch_blocked
        ):
            raise Refused(TAKEN.format(character=character), field="name")

    with transaction.atomic():
        if character is None:
            character = WowCharacter.objects.create(
                name=clean_name,
                realm_slug=realm_slug,
                realm_name=realm_name,
                playable_class=playable_class,
                in_guild=False,
                first_seen_at=timezone.now(),
            )
        elif character.playable_class_id is None:
            # A row the sync has not completed yet: the form's class is the best we know.
            character.playable_class = playable_class
            character.save(update_fields=["playable_class"])
        if link is None:
            try:
                link = link_character(
                    player=player,
                    character=character,
                    source=LinkSource.ROSTER_FORM,
                    confidence=Confidence.HIGH,
                    confirmed=False,
                    linked_by=player,
                ).link
            except Refused:  # IDN-12: linked to someone else meanwhile
                raise Refused(TAKEN.format(character=character), field="name") from None
        _set_roster_spec(link, spec)
        if make_main or player.main_character_id is None:
            _make_main(player, character, spec)
        elif player.main_character_id == character.pk:
            _make_main(player, character, spec)  # ROS-15: the main's spec is the main spec
    return RosterChange(
        link, ADDED.format(name=character.name, spec=spec.name, cls=playable_class.name)
    )


def edit_character(
    player: Player, *, character_id: SubmittedId, spec_id: SubmittedId, make_main: bool
) -> RosterChange:
    """ROS-15: change a roster character's spec (and make it the main).

    Editing the main's spec also sets `Player.main_spec`. Unticking "main" on the main changes
    nothing: the way to change the main is to mark another character.
    """
    link = _roster_link(player, character_id)
    character = link.character
    playable_class = character.playable_class
    if playable_class is None:
        raise Refused("This character's class is not known yet.", field="spec")
    spec = _load_spec(spec_id, playable_class)
    with transaction.atomic():
        _set_roster_spec(link, spec)
        if make_main or player.main_character_id == character.pk:
            _make_main(player, character, spec)
    return RosterChange(
        link, SAVED.format(name=character.name, spec=spec.name, cls=playable_class.name)
    )


def set_main(player: Player, *, character_id: SubmittedId) -> RosterChange:
    """ROS-15: only a roster character of this player becomes the main, with its raid spec."""
    link = _roster_link(player, character_id)
    character = link.character
    spec = link.raid_spec if link.raid_spec_id else None
    if spec is not None and spec.playable_class_id != character.playable_class_id:
        spec = None
    _make_main(player, character, spec)
    return RosterChange(link, NOW_MAIN.format(name=character.name))


def remove_character(player: Player, *, character_id: SubmittedId) -> RosterChange:
    """ROS-15: off the roster (`on_raid_roster = False`); the identity link stays.

    The current main cannot go while other roster characters exist.
    """
    link = _roster_link(player, character_id)
    if player.main_character_id == link.character_id and (
        PlayerCharacter.objects.filter(player=player, on_raid_roster=True)
        .exclude(pk=link.pk)
        .exists()
    ):
        raise Refused(MAIN_FIRST, field="character")
    link.on_raid_roster = False
    link.save(update_fields=["on_raid_roster"])
    return RosterChange(link, REMOVED.format(name=link.character.name))


def leave_roster(player: Player) -> RosterChange:
    """ROS-15: every roster flag cleared and RaidPreferences deleted; availability rows stay."""
    with transaction.atomic():
        PlayerCharacter.objects.filter(player=player, on_raid_roster=True).update(
            on_raid_roster=False
        )
        RaidPreferences.objects.filter(player=player).delete()
    return RosterChange(None, LEFT)


# --- the page's read ------------------------------------------------------------------------


def my_roster_characters(
    player: Player, *, specs: dict[int, Specialization] | None = None
) -> list[RosterCharacter]:
    """ROS-2 / ROS-4: the player's roster characters, main first, then alts by name.

    Two queries: the links (character, class and raid role joined) and the specs (unless the
    caller has them, class and role joined). The raid spec and role are population's ROS-4
    rules, not a copy.
    """
    links = list(
        PlayerCharacter.objects.filter(player=player, on_raid_roster=True)
        .select_related("character__playable_class", "raid_role")
        .order_by("linked_at", "character__name_key", "pk")
    )
    if not links:
        return []
    if specs is None:
        specs = {
            spec.pk: spec
            for spec in Specialization.objects.select_related("playable_class", "default_role")
        }
    characters = []
    for link in links:
        link.player = player  # the caller's instance: its main is the current one
        characters.append(roster_character(link, player=player, specs=specs))
    characters.sort(key=lambda c: (not c.is_main, c.character.name.casefold(), c.link.pk))
    return characters
