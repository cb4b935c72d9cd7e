"""The landing page's Recruiting block (ROS-28, ACC-47 #5)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.roster.public.support import bulk_guild, roster_player
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db


def recruiting(client) -> str:
    html = client.get("/").content.decode()
    section = re.search(r'<section class="card recruiting side"[^>]*>(.*?)</section>', html, re.S)
    return section[1]


def test_ros28_landing_lists_roles_below_minimum(client):
    roster_player("A", ("Tank1", "Warrior", "Protection"), ("AltHeal", "Priest", "Holy"))
    roster_player("B", ("Tank2", "Paladin", "Protection"))
    for n in range(3):
        roster_player(f"H{n}", (f"Heal{n}", "Priest", "Discipline"))
    for n in range(7):
        roster_player(f"M{n}", (f"Melee{n}", "Rogue", "Outlaw"))

    block = recruiting(client)

    assert "<li>Healers — we have 3, want 4-5</li>" in block
    assert "<li>Ranged — we have 0, want 6-7</li>" in block
    assert "Tanks" not in block and "Melee" not in block
    assert "We're always happy to meet good people" not in block


def test_ros28_landing_without_needs_keeps_the_fallback_line(client):
    for n in range(2):
        roster_player(f"T{n}", (f"Tank{n}", "Warrior", "Protection"))
    for n in range(4):
        roster_player(f"H{n}", (f"Heal{n}", "Priest", "Discipline"))
    for n in range(6):
        roster_player(f"M{n}", (f"Melee{n}", "Rogue", "Outlaw"))
        roster_player(f"R{n}", (f"Ranged{n}", "Mage", "Fire"))

    block = recruiting(client)

    assert "We're always happy to meet good people — come say hi in Discord." in block
    assert "<li>" not in block


def test_ros28_landing_with_an_empty_roster_keeps_the_fallback_line(client):
    assert "We're always happy to meet good people" in recruiting(client)


def test_ros28_landing_queries_constant_10_vs_1000(client, monkeypatch):
    monkeypatch.setattr("patt.models._LOCAL_TTL_SECONDS", 3600.0)  # see test_roster_view

    def count() -> int:
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/")
        assert response.status_code == 200
        assert inline_code(response) == []
        return len(captured)

    bulk_guild(10)
    small = count()
    bulk_guild(990, start=10)

    assert count() == small


def test_ros28_landing_counts_follow_the_same_ros3_ros4_rules_as_the_composition_tab():
    """The landing page reads mains as plain values (fast); it must agree with
    composition_summary() on every ROS-3/ROS-4 path."""
    from identity.models import Role, WowCharacter
    from roster.services.composition import composition_summary
    from roster.services.population import main_role_counts
    from tests.factories import spec

    # main_spec wins over the raid spec (Guardian: tank, not Balance).
    tank = roster_player("Bear", ("Bearform", "Druid", "Balance"))
    tank.main_spec = spec("Druid", "Guardian")
    tank.save()
    # No main: the earliest roster link counts, its Blizzard active spec (Holy: healer).
    roster_player("Nomain", ("Prayer", "Priest", None), ("Later", "Warrior", "Arms"), main=None)
    WowCharacter.objects.filter(name="Prayer").update(active_spec=spec("Priest", "Holy"))
    # No spec at all: the link's raid_role (Melee DPS).
    stabby = roster_player("Stabby", ("Stabs", "Rogue", None))
    stabby.character_links.update(raid_role=Role.objects.get(key="melee_dps"))
    # A stale main_spec of another class is skipped: the raid spec (Holy Paladin) counts.
    paladin = roster_player("Pally", ("Bubbles", "Paladin", "Holy"))
    paladin.main_spec = spec("Warrior", "Protection")
    paladin.save()
    # Nothing known: Ranged.
    roster_player("Mystery", ("Unknown", "Mage", None))

    counts = main_role_counts()

    assert counts == {"tank": 1, "healer": 2, "melee": 1, "ranged": 1}
    assert counts == {role.key: role.count for role in composition_summary().roles}
