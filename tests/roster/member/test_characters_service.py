"""A member's roster characters: add, edit, set main, remove, leave (ROS-7, ROS-14, ROS-15)."""

import pytest
from django.utils import timezone

from identity.models import Confidence, LinkSource, PlayerCharacter, WowCharacter
from patt.models import SiteConfig
from patt.refusals import Refused
from roster.models import PlayerAvailability, RaidPreferences
from roster.services.availability import availability_of, save_availability
from roster.services.characters import (
    add_character,
    clean_character_name,
    edit_character,
    leave_roster,
    my_roster_characters,
    remove_character,
    resolve_realm,
    set_main,
)
from tests.factories import (
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    playable_class,
    spec,
)

pytestmark = pytest.mark.django_db


def _add(player, name, class_name, spec_name, *, realm="", main=False):
    return add_character(
        player,
        name=name,
        realm=realm,
        class_id=playable_class(class_name).pk if class_name else None,
        spec_id=spec(class_name, spec_name).pk if spec_name else None,
        make_main=main,
    )


def _refusal(call) -> tuple[str, str]:
    with pytest.raises(Refused) as refused:
        call()
    return refused.value.field, refused.value.message


# --- ROS-14 name and realm ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("trogmoon", "Trogmoon"),
        ("  Bonk ", "Bonk"),
        ("zatañña", "Zatañña"),
        ("ab", "Ab"),
        ("abcdefghijkl", "Abcdefghijkl"),
        ("élise", "Élise"),
    ],
)
def test_ros14_names_are_trimmed_letters_with_the_first_upper_cased(typed, stored):
    assert clean_character_name(typed) == stored


@pytest.mark.parametrize("typed", ["", "a", "abcdefghijklm", "Bonk1", "Bo nk", "Bo-nk", "   "])
def test_ros14_other_names_are_refused_with_the_spec_message(typed):
    assert _refusal(lambda: clean_character_name(typed)) == (
        "name",
        "Character names are 2-12 letters.",
    )


def test_ros14_blank_realm_is_the_siteconfig_realm():
    assert resolve_realm("") == ("senjin", "Sen'jin")
    assert resolve_realm("  sen'JIN ") == ("senjin", "Sen'jin")


def test_ros14_known_realm_by_realm_key_gives_its_slug():
    WowCharacterFactory(realm_slug="alterac-mountains", realm_name="Alterac Mountains")

    assert resolve_realm("AlteracMountains") == ("alterac-mountains", "Alterac Mountains")


def test_ros14_unknown_realm_uses_realm_slug_of_the_text():
    assert resolve_realm("Area 52") == ("area-52", "Area 52")


# --- ROS-14 lookup, class, spec ---------------------------------------------------------------


def test_ros14_new_character_is_created_out_of_the_guild_and_linked_unconfirmed():
    player = PlayerFactory()
    before = timezone.now()

    change = _add(player, "newbie", "Death Knight", "Blood", realm="Area 52")

    character = WowCharacter.objects.get(name="Newbie")
    assert (character.realm_slug, character.realm_name) == ("area-52", "Area 52")
    assert character.playable_class == playable_class("Death Knight")
    assert character.in_guild is False and character.first_seen_at >= before
    link = PlayerCharacter.objects.get(character=character)
    assert link.player == player
    assert (link.link_source, link.confidence, link.confirmed) == (
        LinkSource.ROSTER_FORM,
        Confidence.HIGH,
        False,
    )
    assert link.on_raid_roster is True and link.raid_spec == spec("Death Knight", "Blood")
    assert change.message == "Added Newbie (Blood Death Knight) to your raid roster."


def test_ros14_lookup_is_by_case_folded_name_and_realm_slug():
    player = PlayerFactory()
    existing = WowCharacterFactory(name="Trogmoon", playable_class=playable_class("Druid"))

    _add(player, "TROGMOON", "Druid", "Balance")

    assert WowCharacter.objects.filter(name_key="trogmoon").count() == 1
    assert PlayerCharacter.objects.get(character=existing).player == player


def test_ros14_existing_character_class_is_authoritative():
    player = PlayerFactory()
    WowCharacterFactory(name="Bonk", playable_class=playable_class("Warrior"))

    refusal = _refusal(lambda: _add(player, "bonk", "Druid", "Balance"))

    assert refusal == ("playable_class", "Bonk is a Warrior on the armory — pick a Warrior spec.")
    assert not PlayerCharacter.objects.exists()


@pytest.mark.parametrize("spec_choice", [None, ("Mage", "Frost")])
def test_ros14_spec_is_required_and_must_belong_to_the_class(spec_choice):
    player = PlayerFactory()
    spec_id = spec(*spec_choice).pk if spec_choice else None

    refusal = _refusal(
        lambda: add_character(
            player,
            name="Frosty",
            realm="",
            class_id=playable_class("Death Knight").pk,
            spec_id=spec_id,
            make_main=False,
        )
    )

    assert refusal == ("spec", "Pick a spec for your Death Knight.")
    assert not WowCharacter.objects.filter(name="Frosty").exists()


def test_ros10_frost_resolves_by_class():
    player = PlayerFactory()

    _add(player, "Deeky", "Death Knight", "Frost", main=True)
    _add(player, "Magey", "Mage", "Frost")

    roles = {row.character.name: row.role for row in my_roster_characters(player)}
    assert roles == {"Deeky": "melee", "Magey": "ranged"}


def test_ros14_class_is_required():
    player = PlayerFactory()

    assert _refusal(lambda: _add(player, "Nobody", None, None)) == (
        "playable_class",
        "Pick a class.",
    )


# --- ROS-14 ownership -----------------------------------------------------------------------


def test_ros14_character_of_another_member_is_refused():
    owner, player = PlayerFactory(), PlayerFactory()
    link = PlayerCharacterFactory(player=owner, character__name="Taken")

    refusal = _refusal(lambda: _add(player, "taken", "Druid", "Balance"))

    assert refusal == (
        "name",
        "Taken-Sen'jin is already linked to another member. Ask an officer if that's wrong.",
    )
    link.refresh_from_db()
    assert link.player == owner and link.on_raid_roster is False


def test_ros14_character_an_officer_unlinked_is_refused():
    player = PlayerFactory()
    WowCharacterFactory(name="Blocked", automatch_blocked=True)

    refusal = _refusal(lambda: _add(player, "Blocked", "Druid", "Balance"))

    assert refusal[1].startswith("Blocked-Sen'jin is already linked to another member.")
    assert not PlayerCharacter.objects.exists()


def test_ros14_own_linked_character_gets_its_roster_fields_updated():
    player = PlayerFactory()
    link = PlayerCharacterFactory(player=player, character__name="Mine")

    _add(player, "mine", "Druid", "Guardian")

    link.refresh_from_db()
    assert link.link_source == LinkSource.MANUAL and link.confirmed is True  # link unchanged
    assert link.on_raid_roster is True and link.raid_spec == spec("Druid", "Guardian")
    assert PlayerCharacter.objects.count() == 1


# --- ROS-14 main ----------------------------------------------------------------------------


def test_ros14_first_character_becomes_main_when_the_player_has_none():
    player = PlayerFactory()

    _add(player, "First", "Priest", "Holy")
    _add(player, "Second", "Mage", "Fire")

    player.refresh_from_db()
    assert player.main_character.name == "First"
    assert player.main_spec == spec("Priest", "Holy")


def test_ros14_main_ticked_makes_it_the_main_with_its_spec():
    player = PlayerFactory()
    _add(player, "First", "Priest", "Holy")

    _add(player, "Second", "Mage", "Fire", main=True)

    player.refresh_from_db()
    assert player.main_character.name == "Second" and player.main_spec == spec("Mage", "Fire")
    rows = my_roster_characters(player)
    assert [(r.character.name, r.is_main) for r in rows] == [("Second", True), ("First", False)]


# --- ROS-7 ----------------------------------------------------------------------------------


def test_ros7_character_changes_never_touch_availability_or_preferences():
    player = PlayerFactory()
    save_availability(
        player,
        days=[3, 4],
        auto_signup=True,
        wants_reminders=True,
        notes="Night shift on Thursdays",
        via="import",
    )
    prefs_before = RaidPreferences.objects.get(player=player)
    rows_before = list(PlayerAvailability.objects.filter(player=player).values())

    _add(player, "Mainy", "Druid", "Balance", main=True)
    _add(player, "Alty", "Mage", "Fire")
    alt = WowCharacter.objects.get(name="Alty")
    edit_character(player, character_id=alt.pk, spec_id=spec("Mage", "Arcane").pk, make_main=False)
    set_main(player, character_id=alt.pk)
    set_main(player, character_id=WowCharacter.objects.get(name="Mainy").pk)
    remove_character(player, character_id=alt.pk)

    assert list(PlayerAvailability.objects.filter(player=player).values()) == rows_before
    prefs = RaidPreferences.objects.get(player=player)
    assert (prefs.updated_at, prefs.updated_via, prefs.notes) == (
        prefs_before.updated_at,
        "import",
        "Night shift on Thursdays",
    )
    assert availability_of(player)[0] == [False, False, False, True, True, False, False]


# --- ROS-15 ---------------------------------------------------------------------------------


def test_ros15_editing_the_mains_spec_sets_the_main_spec():
    player = PlayerFactory()
    _add(player, "Mainy", "Paladin", "Holy")
    mainy = WowCharacter.objects.get(name="Mainy")

    change = edit_character(
        player, character_id=mainy.pk, spec_id=spec("Paladin", "Protection").pk, make_main=False
    )

    player.refresh_from_db()
    assert player.main_spec == spec("Paladin", "Protection")
    assert PlayerCharacter.objects.get(character=mainy).raid_spec == spec("Paladin", "Protection")
    assert change.message == "Saved Mainy (Protection Paladin)."
    assert my_roster_characters(player)[0].role == "tank"


def test_ros15_editing_an_alt_spec_leaves_the_main_spec_and_can_make_it_main():
    player = PlayerFactory()
    _add(player, "Mainy", "Paladin", "Holy")
    _add(player, "Alty", "Warrior", "Arms")
    alt = WowCharacter.objects.get(name="Alty")

    edit_character(player, character_id=alt.pk, spec_id=spec("Warrior", "Fury").pk, make_main=False)
    player.refresh_from_db()
    assert player.main_character.name == "Mainy" and player.main_spec == spec("Paladin", "Holy")

    edit_character(
        player, character_id=alt.pk, spec_id=spec("Warrior", "Protection").pk, make_main=True
    )
    player.refresh_from_db()
    assert player.main_character == alt and player.main_spec == spec("Warrior", "Protection")


def test_ros15_edit_refuses_a_spec_of_another_class():
    player = PlayerFactory()
    _add(player, "Mainy", "Paladin", "Holy")
    mainy = WowCharacter.objects.get(name="Mainy")

    refusal = _refusal(
        lambda: edit_character(
            player, character_id=mainy.pk, spec_id=spec("Priest", "Holy").pk, make_main=False
        )
    )

    assert refusal == ("spec", "Pick a spec for your Paladin.")
    assert PlayerCharacter.objects.get(character=mainy).raid_spec == spec("Paladin", "Holy")


def test_ros15_set_main_only_for_own_roster_characters():
    player, other = PlayerFactory(), PlayerFactory()
    _add(player, "Mainy", "Paladin", "Holy")
    foreign = PlayerCharacterFactory(player=other, on_raid_roster=True).character
    off_roster = PlayerCharacterFactory(player=player, on_raid_roster=False).character

    for character in (foreign, off_roster):
        assert _refusal(lambda c=character: set_main(player, character_id=c.pk)) == (
            "character",
            "That character isn't on your raid roster.",
        )
    player.refresh_from_db()
    assert player.main_character.name == "Mainy"


def test_ros15_set_main_takes_the_characters_raid_spec():
    player = PlayerFactory()
    _add(player, "Mainy", "Paladin", "Holy")
    _add(player, "Alty", "Warrior", "Arms")
    alt = WowCharacter.objects.get(name="Alty")

    change = set_main(player, character_id=alt.pk)

    player.refresh_from_db()
    assert player.main_character == alt and player.main_spec == spec("Warrior", "Arms")
    assert change.message == "Alty is now your main."


def test_ros15_remove_takes_it_off_the_roster_and_keeps_the_link():
    player = PlayerFactory()
    _add(player, "Mainy", "Paladin", "Holy")
    _add(player, "Alty", "Warrior", "Arms")
    alt = WowCharacter.objects.get(name="Alty")

    change = remove_character(player, character_id=alt.pk)

    link = PlayerCharacter.objects.get(character=alt)
    assert link.player == player and link.on_raid_roster is False
    assert change.message == "Removed Alty from your raid roster."


def test_ros15_removing_the_main_while_others_exist_is_refused():
    player = PlayerFactory()
    _add(player, "Mainy", "Paladin", "Holy")
    _add(player, "Alty", "Warrior", "Arms")
    mainy = WowCharacter.objects.get(name="Mainy")

    refusal = _refusal(lambda: remove_character(player, character_id=mainy.pk))

    assert refusal == ("character", "Mark another character as your main first.")
    assert PlayerCharacter.objects.get(character=mainy).on_raid_roster is True


def test_ros15_the_main_can_go_when_it_is_the_last_roster_character():
    player = PlayerFactory()
    _add(player, "Mainy", "Paladin", "Holy")
    mainy = WowCharacter.objects.get(name="Mainy")

    remove_character(player, character_id=mainy.pk)

    assert PlayerCharacter.objects.get(character=mainy).on_raid_roster is False


def test_ros15_leave_roster_clears_flags_deletes_preferences_keeps_availability():
    player = PlayerFactory()
    _add(player, "Mainy", "Paladin", "Holy")
    _add(player, "Alty", "Warrior", "Arms")
    save_availability(
        player, days=[3, 4], auto_signup=True, wants_reminders=False, notes="", via="website"
    )

    leave_roster(player)

    assert not PlayerCharacter.objects.filter(player=player, on_raid_roster=True).exists()
    assert PlayerCharacter.objects.filter(player=player).count() == 2  # links stay
    assert not RaidPreferences.objects.filter(player=player).exists()
    assert availability_of(player)[0] == [False, False, False, True, True, False, False]


def test_ros14_siteconfig_realm_is_used_for_new_characters():
    config = SiteConfig.get()
    config.guild_realm_name, config.guild_realm_slug = "Area 52", "area-52"
    config.save()
    player = PlayerFactory()

    _add(player, "Homey", "Rogue", "Outlaw")

    character = WowCharacter.objects.get(name="Homey")
    assert (character.realm_slug, character.realm_name) == ("area-52", "Area 52")
