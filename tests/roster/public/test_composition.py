"""The composition function behind the Composition tab and the landing page (ROS-25 … ROS-29)."""

import pytest

from patt.models import SiteConfig
from roster.services.composition import composition_summary, recruiting_needs
from tests.factories import spec
from tests.roster.public.support import roster_player

pytestmark = pytest.mark.django_db


def _roles(composition):
    return {r.key: (r.count, r.need_label, r.state) for r in composition.roles}


def test_ros25_role_cards_count_mains_against_the_targets():
    roster_player("A", ("Tank1", "Warrior", "Protection"), ("AltHeal", "Priest", "Holy"))
    for n in range(5):
        roster_player(f"H{n}", (f"Heal{n}", "Priest", "Discipline"))
    for n in range(8):
        roster_player(f"M{n}", (f"Melee{n}", "Rogue", "Outlaw"))

    composition = composition_summary()

    assert _roles(composition) == {
        "tank": (1, "Need: 2", "short"),
        "healer": (5, "Need: 4-5", "on_target"),
        "melee": (8, "Need: 6-7", "over"),
        "ranged": (0, "Need: 6-7", "short"),
    }
    assert [r.title for r in composition.roles] == ["Tanks", "Healers", "Melee", "Ranged"]
    assert [r.state_label for r in composition.roles] == ["short", "on target", "over", "short"]


def test_ros25_targets_come_from_site_config():
    config = SiteConfig.get()
    config.target_tanks_min, config.target_tanks_max = 1, 3
    config.target_healers_min = config.target_healers_max = 4
    config.save()

    labels = [r.need_label for r in composition_summary().roles]

    assert labels[:2] == ["Need: 1-3", "Need: 4"]


def test_ros26_all_thirteen_classes_counted_by_effective_main():
    roster_player("A", ("Bonk", "Death Knight", "Blood"), ("Alt", "Mage", "Fire"))
    roster_player("B", ("Bonk2", "Death Knight", "Frost"))

    classes = {c.playable_class.name: c.count for c in composition_summary().classes}

    assert len(classes) == 13
    assert classes["Death Knight"] == 2
    assert classes["Mage"] == 0
    assert sum(classes.values()) == 2


def test_ros27_gaps_in_order_with_counts():
    roster_player("A", ("Tank1", "Warrior", "Protection"))
    roster_player("B", ("Heal1", "Priest", "Holy"))
    roster_player("C", ("Dps1", "Mage", "Fire"))

    gaps = composition_summary().gaps

    assert gaps == [
        "Missing classes: Death Knight, Demon Hunter, Druid, Evoker, Hunter, Monk, Paladin, "
        "Rogue, Shaman, Warlock",
        "Need more tanks (1 more)",
        "Need more healers (3 more)",
        # D = 20 - 2 - 5 = 13; one DPS so far
        "Could use more DPS (12 more for a full roster)",
    ]


def test_ros27_no_gaps_when_everything_is_covered():
    classes = [
        ("Death Knight", "Blood"),
        ("Demon Hunter", "Vengeance"),
        ("Druid", "Restoration"),
        ("Evoker", "Preservation"),
        ("Hunter", "Marksmanship"),
        ("Monk", "Mistweaver"),
        ("Paladin", "Holy"),
        ("Rogue", "Outlaw"),
        ("Shaman", "Elemental"),
        ("Warlock", "Affliction"),
        ("Warrior", "Fury"),
        ("Mage", "Fire"),
        ("Priest", "Shadow"),
    ]
    for n, (class_name, spec_name) in enumerate(classes):
        roster_player(f"P{n}", (f"Char{n}", class_name, spec_name))
    for n in range(10):
        roster_player(f"D{n}", (f"Dps{n}", "Mage", "Arcane"))

    assert composition_summary().gaps == []


def test_ros27_dps_gap_uses_raid_size_minus_tank_min_and_healer_max():
    config = SiteConfig.get()
    config.raid_size = 10
    config.save()
    roster_player("D0", ("Dps0", "Mage", "Arcane"))
    roster_player("D1", ("Dps1", "Rogue", "Outlaw"))

    # D = 10 - 2 - 5 = 3; two DPS so far
    assert composition_summary().gaps[-1] == "Could use more DPS (1 more for a full roster)"

    roster_player("D2", ("Dps2", "Mage", "Fire"))

    assert not any(g.startswith("Could use more DPS") for g in composition_summary().gaps)


def test_ros29_wowhead_url_example_from_the_spec():
    roster_player("Bonk", ("Bonk", "Death Knight", "Blood"))
    roster_player("Zat", ("Zatañña", "Priest", "Holy"))

    composition = composition_summary()

    assert composition.wowhead_url == (
        "https://www.wowhead.com/raid-composition#0sB;Bonk;Zata%C3%B1%C3%B1a"
    )
    assert composition.export_summary == "Ready to export 2 mains: 1T / 1H / 0M / 0R"


def test_ros29_order_is_tank_healer_melee_ranged_then_name_and_encoding_is_uri_component():
    roster_player("A", ("Zap", "Mage", "Fire"))
    roster_player("B", ("Stab", "Rogue", "Outlaw"))
    roster_player("C", ("Heals", "Druid", "Restoration"))
    roster_player("D", ("Bear", "Druid", "Guardian"))
    roster_player("E", ("Arc", "Mage", "Arcane"))
    roster_player("F", ("Ünter", "Hunter", "Survival"))

    composition = composition_summary()

    assert composition.wowhead_url == (
        "https://www.wowhead.com/raid-composition#0qrFybc;Bear;Heals;Stab;%C3%9Cnter;Arc;Zap"
    )
    assert composition.export_summary == "Ready to export 6 mains: 1T / 1H / 2M / 2R"


def test_ros29_characters_without_a_code_are_listed_and_left_out():
    roster_player("A", ("Bonk", "Death Knight", "Blood"))
    roster_player("B", ("Devvy", "Demon Hunter", "Devourer"))
    roster_player("C", ("Nospec", "Warlock", None))
    roster_player("D", ("Altmain", "Mage", "Fire"), ("Devalt", "Demon Hunter", "Devourer"))

    composition = composition_summary()

    assert composition.wowhead_url == "https://www.wowhead.com/raid-composition#0sc;Bonk;Altmain"
    assert composition.not_exportable_line == (
        "Could not export: Devourer Demon Hunter (Devvy), Warlock (Nospec) — add them "
        "manually on Wowhead."
    )


def test_ros29_codes_are_data_officers_can_fix():
    roster_player("B", ("Devvy", "Demon Hunter", "Devourer"))
    devourer = spec("Demon Hunter", "Devourer")
    devourer.wowhead_code = "U"
    devourer.save()

    assert composition_summary().wowhead_url.endswith("#0U;Devvy")


def test_ros29_no_mains_no_link():
    composition = composition_summary()

    assert composition.wowhead_url == ""
    assert composition.exported == []


def test_ros28_recruiting_needs_are_the_roles_below_minimum():
    roster_player("A", ("Tank1", "Warrior", "Protection"), ("Tank2", "Paladin", "Protection"))
    roster_player("B", ("Tank3", "Paladin", "Protection"))
    for n in range(3):
        roster_player(f"H{n}", (f"Heal{n}", "Priest", "Discipline"))
    for n in range(6):
        roster_player(f"M{n}", (f"Melee{n}", "Rogue", "Outlaw"))

    needs = recruiting_needs(composition_summary())

    assert needs == ["Healers — we have 3, want 4-5", "Ranged — we have 0, want 6-7"]
