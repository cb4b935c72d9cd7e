"""Linking characters to players, main and off-spec (IDN-11 … IDN-13, IDN-43)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from identity.models import Confidence, LinkSource, PlayerCharacter, validate_main_and_offspec
from identity.services.links import (
    confirm_link,
    link_character,
    unlink_character,
)
from patt.refusals import Refused
from tests.factories import (
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    playable_class,
    rank,
    spec,
)

pytestmark = pytest.mark.django_db


def test_idn43_manual_link_is_high_confirmed_and_clears_automatch_block():
    officer = PlayerFactory(display_name="Shodoom")
    player = PlayerFactory(display_name="Mike")
    character = WowCharacterFactory(name="Trogalt", automatch_blocked=True)
    result = link_character(player=player, character=character, linked_by=officer)
    link = result.link
    assert (link.link_source, link.confidence, link.confirmed) == ("manual", "high", True)
    assert link.linked_by == officer and link.confirmed_by == officer
    character.refresh_from_db()
    assert not character.automatch_blocked


def test_idn12_linking_an_owned_character_is_refused_with_message():
    owner = PlayerFactory(display_name="Mike")
    character = WowCharacterFactory(name="Trogmoon", realm_name="Sen'jin")
    link_character(player=owner, character=character)
    with pytest.raises(Refused) as refused:
        link_character(player=PlayerFactory(), character=character)
    assert refused.value.messages == [
        "Trogmoon-Sen'jin is already linked to Mike; unlink it first."
    ]
    assert PlayerCharacter.objects.get(character=character).player == owner


def test_idn11_fuzzy_link_is_medium_and_unconfirmed_until_confirmed():
    link = link_character(
        player=PlayerFactory(),
        character=WowCharacterFactory(),
        source=LinkSource.FUZZY,
        confidence=Confidence.MEDIUM,
    ).link
    assert (link.confidence, link.confirmed, link.linked_by) == ("medium", False, None)
    officer = PlayerFactory()
    confirm_link(link=link, confirmed_by=officer)
    link.refresh_from_db()
    assert (link.confidence, link.confirmed, link.confirmed_by) == ("high", True, officer)
    assert link.confirmed_at is not None


def test_idn14_linking_recomputes_the_players_rank():
    player = PlayerFactory()
    character = WowCharacterFactory(guild_rank=rank("Veteran"), guild_rank_index=2)
    result = link_character(player=player, character=character)
    player.refresh_from_db()
    assert player.guild_rank.name == "Veteran"
    assert result.rank_changes[0].new == "Veteran"


def test_idn43_unlink_clears_main_offspec_blocks_automatch_and_recomputes_rank():
    player = PlayerFactory(guild_rank=rank("Initiate"))
    druid = WowCharacterFactory(
        playable_class=playable_class("Druid"), guild_rank=rank("Officer"), guild_rank_index=1
    )
    other = WowCharacterFactory(guild_rank=rank("Member"), guild_rank_index=3)
    link = link_character(player=player, character=druid).link
    link_character(player=player, character=other)
    player.main_character, player.main_spec = druid, spec("Druid", "Balance")
    player.offspec_character, player.offspec_spec = druid, spec("Druid", "Guardian")
    player.save()

    unlink_character(link=link)

    player.refresh_from_db()
    druid.refresh_from_db()
    assert player.main_character is None and player.main_spec is None
    assert player.offspec_character is None and player.offspec_spec is None
    assert druid.automatch_blocked
    assert player.guild_rank.name == "Member"
    assert not PlayerCharacter.objects.filter(character=druid).exists()


def test_idn13_leaving_the_guild_clears_nothing():
    player = PlayerFactory()
    character = WowCharacterFactory(playable_class=playable_class("Mage"))
    link_character(player=player, character=character)
    player.main_character, player.main_spec = character, spec("Mage", "Frost")
    player.save()
    character.in_guild, character.left_guild_at = False, timezone.now()
    character.save()
    player.refresh_from_db()
    assert player.main_character == character
    assert player.main_spec == spec("Mage", "Frost")


def test_idn13_main_character_must_be_the_players_own():
    player = PlayerFactory()
    stranger = WowCharacterFactory()
    PlayerCharacterFactory(character=stranger)
    player.main_character = stranger
    with pytest.raises(ValidationError) as error:
        player.full_clean()
    assert error.value.message_dict["main_character"] == [
        "The main character must be one of this player's characters."
    ]


def test_idn13_spec_must_match_the_characters_class():
    player = PlayerFactory()
    trogmoon = WowCharacterFactory(name="Trogmoon", playable_class=playable_class("Druid"))
    link_character(player=player, character=trogmoon)
    player.main_character, player.main_spec = trogmoon, spec("Mage", "Frost")
    with pytest.raises(ValidationError) as error:
        validate_main_and_offspec(player)
    assert error.value.message_dict["main_spec"] == [
        "Frost (Mage) is not a spec of Trogmoon's class (Druid)."
    ]


def test_idn13_main_and_offspec_may_be_the_same_character_with_roles():
    player = PlayerFactory()
    druid = WowCharacterFactory(playable_class=playable_class("Druid"))
    link_character(player=player, character=druid)
    player.main_character, player.main_spec = druid, spec("Druid", "Restoration")
    player.offspec_character, player.offspec_spec = druid, spec("Druid", "Guardian")
    player.full_clean()
    player.save()
    assert player.main_role.key == "healer"
    assert player.offspec_role.key == "tank"


def test_idn13_spec_of_a_character_with_unknown_class_is_accepted():
    player = PlayerFactory()
    mystery = WowCharacterFactory(playable_class=None)
    link_character(player=player, character=mystery)
    player.main_character, player.main_spec = mystery, spec("Priest", "Holy")
    validate_main_and_offspec(player)


def test_idn13_spec_without_character_is_a_form_error():
    player = PlayerFactory()
    player.offspec_spec = spec("Priest", "Shadow")
    with pytest.raises(ValidationError) as error:
        validate_main_and_offspec(player)
    assert "offspec_spec" in error.value.message_dict


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_idn12_concurrent_link_requests_one_wins_others_get_the_message():
    """Officers link one character to different players at the same moment (IDN-12)."""
    character = WowCharacterFactory(name="Zatañña", realm_name="Sargeras")
    players = [PlayerFactory(display_name=f"P{i}") for i in range(6)]
    barrier = threading.Barrier(len(players))
    outcomes: list[str] = []

    def attempt(player):
        try:
            barrier.wait(timeout=10)
            link_character(player=player, character=character)
            outcomes.append("linked")
        except Refused as refused:
            outcomes.append(refused.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(player,)) for player in players]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    owner = PlayerCharacter.objects.get(character=character).player
    assert outcomes.count("linked") == 1
    expected = f"Zatañña-Sargeras is already linked to {owner}; unlink it first."
    assert sorted(o for o in outcomes if o != "linked") == [expected] * 5
