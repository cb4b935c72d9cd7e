"""Who owns which character: linking, unlinking, confirming, main/off-spec (IDN-11 … IDN-13).

Every change of the PlayerCharacter bridge made by a person goes through these functions, so
the rules (one owner per character, main/off-spec belong to the owner, ranks follow links) are
written once. Automatic matching (a later issue) creates links through `link_character` too.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from identity.models import Confidence, LinkSource, Player, PlayerCharacter, WowCharacter
from patt.refusals import Refused


def already_linked_message(character: WowCharacter, *, owner: Player | str) -> str:
    """`owner` is the linked player, or a description when the racing link's owner is unknown."""
    return f"{character} is already linked to {owner}; unlink it first."


@dataclass(frozen=True)
class LinkResult:
    link: PlayerCharacter
    rank_changes: list


def link_character(
    *,
    player: Player,
    character: WowCharacter,
    source: str = LinkSource.MANUAL,
    confidence: str | None = None,
    confirmed: bool | None = None,
    linked_by: Player | None = None,
    recompute_ranks: bool = True,
) -> LinkResult:
    """Link `character` to `player` (IDN-11, IDN-12, IDN-43 "Link character").

    Refused (`patt.refusals.Refused`, code `conflict`) when the character already has an
    owner, also when a concurrent request links it first: the unique bridge row decides, not a
    Python check.
    Manual links are high and confirmed and clear `automatch_blocked`. Ranks are recomputed,
    unless the caller links several characters and recomputes once itself, in the same
    transaction (`recompute_ranks=False`, e.g. onboarding's verification, ONB-26 step 6).
    """
    from identity.services.ranks import recompute_player_ranks

    if source == LinkSource.MANUAL:
        confidence, confirmed = Confidence.HIGH, True
    elif confidence is None:
        confidence = Confidence.HIGH
    if confirmed is None:
        confirmed = confidence == Confidence.HIGH
    now = timezone.now()
    try:
        with transaction.atomic():
            link = PlayerCharacter.objects.create(
                player=player,
                character=character,
                link_source=source,
                confidence=confidence,
                confirmed=confirmed,
                linked_at=now,
                linked_by=linked_by,
                confirmed_at=now if confirmed else None,
                confirmed_by=linked_by if confirmed else None,
            )
            if source == LinkSource.MANUAL and character.automatch_blocked:
                character.automatch_blocked = False
                character.save(update_fields=["automatch_blocked"])
            changes = recompute_player_ranks(player_ids=[player.pk]) if recompute_ranks else []
    except IntegrityError:
        owner = (
            Player.objects.filter(character_links__character=character).first() or "another player"
        )
        raise Refused(
            already_linked_message(character, owner=owner), code=Refused.CONFLICT
        ) from None
    return LinkResult(link=link, rank_changes=changes)


def unlink_character(*, link: PlayerCharacter) -> list:
    """Delete a link (IDN-43 "Unlink").

    Clears the player's main/off-spec fields that pointed at the character (IDN-13), blocks
    automatic matching from linking it again, and recomputes the player's rank.
    """
    from identity.services.ranks import recompute_player_ranks

    player, character = link.player, link.character
    with transaction.atomic():
        link.delete()
        clear_main_and_offspec(player=player, character=character)
        WowCharacter.objects.filter(pk=character.pk).update(automatch_blocked=True)
        character.automatch_blocked = True
        return recompute_player_ranks(player_ids=[player.pk])


def confirm_link(*, link: PlayerCharacter, confirmed_by: Player | None) -> PlayerCharacter:
    """IDN-43 "Confirm": a reviewed automatic link becomes high and confirmed."""
    link.confirmed = True
    link.confidence = Confidence.HIGH
    link.confirmed_at = timezone.now()
    link.confirmed_by = confirmed_by
    link.save(update_fields=["confirmed", "confidence", "confirmed_at", "confirmed_by"])
    return link


def clear_main_and_offspec(*, player: Player, character: WowCharacter) -> list[str]:
    """When a character leaves a player, fields pointing at it are cleared (IDN-13).

    Leaving the guild is not leaving the player: that clears nothing.
    """
    cleared = []
    if player.main_character_id == character.pk:
        player.main_character = None
        player.main_spec = None
        cleared += ["main_character", "main_spec"]
    if player.offspec_character_id == character.pk:
        player.offspec_character = None
        player.offspec_spec = None
        cleared += ["offspec_character", "offspec_spec"]
    if cleared:
        player.save(update_fields=[*cleared, "updated_at"])
    return cleared
