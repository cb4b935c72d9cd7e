"""The roster population and derived values (ROS-1 … ROS-5)."""

import datetime

import pytest
from django.utils import timezone

from identity.models import Role
from roster.models import RaidPreferences
from roster.services.population import (
    display_role,
    players_out_on,
    roster_entries,
    weekday_counts,
)
from tests.factories import (
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    playable_class,
    spec,
)
from tests.roster.public.support import roster_player

pytestmark = pytest.mark.django_db


def names(entries):
    return [e.player.display_name for e in entries]


def test_ros1_only_active_players_with_preferences_and_a_roster_character():
    roster_player("Rostered", ("Bonk", "Death Knight", "Blood"))
    roster_player("Inactive", ("Gone", "Mage", "Fire"), is_active=False)
    no_prefs = PlayerFactory(display_name="NoPrefs")
    PlayerCharacterFactory(player=no_prefs, on_raid_roster=True)
    prefs_only = PlayerFactory(display_name="PrefsOnly")
    RaidPreferences.objects.create(player=prefs_only)
    PlayerCharacterFactory(player=prefs_only, on_raid_roster=False)

    assert names(roster_entries()) == ["Rostered"]
    assert weekday_counts()[0] == 1


def test_ros2_roster_characters_are_the_flagged_links_labelled_main_or_alt():
    player = roster_player(
        "Trog", ("Trogmoon", "Druid", "Balance"), ("Trogalt", "Mage", "Fire"), main=0
    )
    PlayerCharacterFactory(player=player, character=WowCharacterFactory(name="Benched"))

    (entry,) = roster_entries()

    assert [(c.character.name, c.main_alt) for c in entry.characters] == [
        ("Trogmoon", "Main"),
        ("Trogalt", "Alt"),
    ]


def test_ros2_alts_follow_the_main_by_name():
    roster_player(
        "Trog",
        ("zed", "Mage", "Fire"),
        ("Alpha", "Mage", "Frost"),
        ("Main", "Druid", "Balance"),
        main=2,
    )

    (entry,) = roster_entries()

    assert [c.character.name for c in entry.characters] == ["Main", "Alpha", "zed"]


def test_ros3_effective_main_is_the_main_character_when_on_the_roster():
    roster_player("Trog", ("First", "Mage", "Fire"), ("Second", "Druid", "Balance"), main=1)

    (entry,) = roster_entries()

    assert entry.main.character.name == "Second"
    assert entry.main.is_main


def test_ros3_effective_main_falls_back_to_the_earliest_link_then_name():
    player = roster_player(
        "Trog", ("Later", "Mage", "Fire"), ("Earlier", "Druid", "Balance"), main=None
    )
    off_roster = WowCharacterFactory(name="OffRoster")
    PlayerCharacterFactory(player=player, character=off_roster, on_raid_roster=False)
    player.main_character = off_roster
    player.save()
    links = {link.character.name: link for link in player.character_links.all()}
    moment = timezone.now() - datetime.timedelta(days=1)
    links["Later"].linked_at = moment
    links["Later"].save()
    links["Earlier"].linked_at = moment
    links["Earlier"].save()

    (entry,) = roster_entries()

    # same linked_at: the name decides
    assert entry.main.character.name == "Earlier"
    assert not entry.main.is_main
    assert entry.characters[0] is entry.main

    links["Later"].linked_at = moment - datetime.timedelta(hours=1)
    links["Later"].save()
    assert roster_entries()[0].main.character.name == "Later"


def test_ros4_main_spec_wins_for_the_main_then_raid_spec_then_active_spec():
    player = roster_player(
        "Trog", ("Tree", "Druid", "Balance"), ("Alt", "Druid", None), main=0, main_spec=False
    )
    player.main_spec = spec("Druid", "Restoration")
    player.save()
    alt = player.character_links.get(character__name="Alt")
    alt.character.active_spec = spec("Druid", "Guardian")
    alt.character.save()

    (entry,) = roster_entries()
    tree, other = entry.characters

    assert tree.spec == spec("Druid", "Restoration")
    assert tree.role == "healer"
    assert other.spec == spec("Druid", "Guardian")
    assert other.role == "tank"


def test_ros4_main_spec_does_not_apply_to_an_alt():
    player = roster_player("Trog", ("Main", "Druid", "Balance"), ("Alt", "Druid", "Feral"))
    player.main_spec = spec("Druid", "Restoration")
    player.save()

    entry = roster_entries()[0]

    assert [c.spec.name for c in entry.characters] == ["Restoration", "Feral"]


def test_ros4_role_without_spec_is_raid_role_else_ranged():
    player = roster_player("Trog", ("Tanky", "Warrior", None), ("Blank", "Warrior", None))
    tanky = player.character_links.get(character__name="Tanky")
    tanky.raid_role = Role.objects.get(key="tank")
    tanky.save()

    entry = roster_entries()[0]

    assert [(c.character.name, c.role, c.role_label) for c in entry.characters] == [
        ("Tanky", "tank", "Tank"),
        ("Blank", "ranged", "Ranged"),
    ]


def test_ros4_frost_resolves_by_class_and_display_roles_drop_dps():
    roster_player("A", ("Deekay", "Death Knight", "Frost"))
    roster_player("B", ("Mage", "Mage", "Frost"))

    roles = {e.main.character.name: e.role_label for e in roster_entries()}

    assert roles == {"Deekay": "Melee", "Mage": "Ranged"}
    assert display_role(Role.objects.get(key="melee_dps")) == "melee"
    assert display_role(Role.objects.get(key="ranged_dps")) == "ranged"
    assert display_role(None) == "ranged"


def test_ros5_discord_name_is_the_username_else_the_display_name_and_sorts_entries():
    roster_player("Zed", ("Zedchar", "Mage", "Fire"), discord="alpha")
    roster_player("bob", ("Bobchar", "Mage", "Fire"))
    roster_player("Carl", ("Carlchar", "Mage", "Fire"), discord="Charlie")

    entries = roster_entries()

    assert [(e.discord_name, e.display_name) for e in entries] == [
        ("alpha", "Zed"),
        ("bob", "bob"),
        ("Charlie", "Carl"),
    ]
    assert entries[0].discord_id != ""
    assert entries[1].discord_id == ""


def test_ros6_availability_and_preferences_are_on_the_entry():
    roster_player(
        "Trog",
        ("Trogmoon", "Druid", "Balance"),
        days=(3, 4),
        notes="Busy weekends",
        auto_signup=True,
        wants_reminders=True,
    )

    (entry,) = roster_entries()

    assert entry.availability == [False, False, False, True, True, False, False]
    assert entry.available_on(3) and not entry.available_on(0)
    assert (entry.auto_signup, entry.wants_reminders, entry.notes) == (
        True,
        True,
        "Busy weekends",
    )
    assert entry.playable_class == playable_class("Druid")


def test_ros22_players_out_lists_roster_players_not_available_with_notes():
    roster_player("Zed", ("Zedchar", "Mage", "Fire"), days=(3,))
    roster_player("bob", ("Bobchar", "Mage", "Fire"), notes="Work")
    roster_player("Al", ("Alchar", "Mage", "Fire"))
    PlayerFactory(display_name="Not on roster")

    out = players_out_on(3)

    assert [(p.display_name, notes) for p, notes in out] == [("Al", ""), ("bob", "Work")]


def _many_players(count: int):
    for n in range(count):
        roster_player(
            f"P{n}",
            (f"Main{n}", "Druid", "Balance"),
            (f"Alt{n}", "Mage", None),
            days=(n % 7,),
            discord=f"disc{n}",
        )


@pytest.mark.parametrize("count", [10, 200])
def test_ros1_roster_entries_query_count_is_constant(count, django_assert_max_num_queries):
    _many_players(count)

    with django_assert_max_num_queries(3):
        entries = roster_entries()
    with django_assert_max_num_queries(2):
        weekday_counts()
    with django_assert_max_num_queries(1):
        players_out_on(2)

    assert len(entries) == count


def test_ros1_empty_roster_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert roster_entries() == []
