"""A member's own profile (`/profile`, issue 11 item 16): display name, main and off-spec.

The rules are the ones the rest of the site uses, called rather than copied: the page sets the
main with the roster page's own `roster.services.characters.set_main` (ROS-15: only one of the
player's roster characters, with its raid spec); the off-spec is checked by identity's
`validate_main_and_offspec` (IDN-13: one of the player's own characters, a spec of its class),
as in the admin. Refusals are the roster services' `Refused(message, field=field)`, raised
before anything is written.
"""

from django.core.exceptions import ValidationError

from identity.models import (
    Player,
    PlayerCharacter,
    Specialization,
    WowCharacter,
    validate_main_and_offspec,
)
from patt.refusals import Refused
from patt.validators import UNSTORABLE_TEXT_MESSAGE, is_storable_text, max_length_of
from roster.services.characters import PICK_SPEC, SubmittedId

DISPLAY_NAME_MAX = max_length_of(Player, "display_name")

ENTER_DISPLAY_NAME = "Enter a display name."
DISPLAY_NAME_TOO_LONG = f"Display names are at most {DISPLAY_NAME_MAX} characters."
NOT_YOURS = "That character isn't one of your characters."
NAME_SAVED = "Your display name is now {name}."
OFFSPEC_SAVED = "Your off-spec is now {spec} on {name}."
OFFSPEC_CLEARED = "You have no off-spec character now."


def set_display_name(player: Player, *, name: str | None) -> str:
    """The name pages show for the player (ROS-5): trimmed, not blank, fits the column."""
    clean = (name or "").strip()
    if not is_storable_text(clean):
        raise Refused(UNSTORABLE_TEXT_MESSAGE, field="display_name")
    if not clean:
        raise Refused(ENTER_DISPLAY_NAME, field="display_name")
    if len(clean) > DISPLAY_NAME_MAX:
        raise Refused(DISPLAY_NAME_TOO_LONG, field="display_name")
    player.display_name = clean
    player.save(update_fields=["display_name", "updated_at"])
    return NAME_SAVED.format(name=clean)


def set_offspec(player: Player, *, character_id: SubmittedId, spec_id: SubmittedId) -> str:
    """IDN-13: the off-spec character is one of the player's own, its spec one of its class.

    A blank character clears both. A character needs a spec ("Pick a spec for your Druid.").
    """
    if character_id in (None, ""):
        player.offspec_character = None
        player.offspec_spec = None
        player.save(update_fields=["offspec_character", "offspec_spec", "updated_at"])
        return OFFSPEC_CLEARED
    character = _own_character(player, character_id)
    spec = _spec(spec_id)
    if spec is None:
        cls = character.playable_class.name if character.playable_class else "character"
        raise Refused(PICK_SPEC.format(cls=cls), field="offspec_spec")
    player.offspec_character, player.offspec_spec = character, spec
    try:
        validate_main_and_offspec(player)
    except ValidationError as refused:
        player.refresh_from_db(fields=["offspec_character", "offspec_spec"])
        field, messages = next(iter(refused.message_dict.items()))
        raise Refused(messages[0], field=field) from None
    player.save(update_fields=["offspec_character", "offspec_spec", "updated_at"])
    return OFFSPEC_SAVED.format(spec=spec.name, name=character.name)


def _own_character(player: Player, character_id: SubmittedId) -> WowCharacter:
    try:
        character_id = int(character_id)
    except (TypeError, ValueError):
        raise Refused(NOT_YOURS, field="offspec_character") from None
    link = (
        PlayerCharacter.objects.select_related("character__playable_class")
        .filter(player=player, character_id=character_id)
        .first()
    )
    if link is None:
        raise Refused(NOT_YOURS, field="offspec_character")
    return link.character


def _spec(spec_id: SubmittedId) -> Specialization | None:
    try:
        return Specialization.objects.select_related("playable_class").get(pk=int(spec_id))
    except (TypeError, ValueError, Specialization.DoesNotExist):
        return None


def own_characters(player: Player) -> list[WowCharacter]:
    """The player's linked characters with their class, by name: one query."""
    return [
        link.character
        for link in PlayerCharacter.objects.filter(player=player)
        .select_related("character__playable_class")
        .order_by("character__name_key", "character__realm_slug")
    ]
