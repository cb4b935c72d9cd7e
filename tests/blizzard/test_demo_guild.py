"""IDN-49 demo configuration: the fake Blizzard API serves the seeded demo guild itself."""

import pytest
from django.core.management import call_command

from identity.models import SyncStatus, WowCharacter
from identity.services.roster_sync import sync_roster
from identity.testing.demo_guild import fixture_from_database

pytestmark = pytest.mark.django_db


def test_idn49_demo_fixture_has_the_idn51_shape_of_the_seeded_guild():
    call_command("seed_demo", players=12, force=True, verbosity=0)
    fixture = fixture_from_database()

    in_guild = WowCharacter.objects.filter(in_guild=True)
    assert {m["name"] for m in fixture["members"]} == set(in_guild.values_list("name", flat=True))
    assert fixture["guild"]["slug"] == "pull-all-the-things"
    assert fixture["guild"]["realm"]["slug"] == "senjin"
    ids = [member["id"] for member in fixture["members"]]
    assert len(set(ids)) == len(ids)  # every member has its own id, seeded with one or not
    member = fixture["members"][0]
    assert set(member) >= {"id", "name", "realm", "level", "class_id", "rank", "profile"}


def test_idn49_syncing_the_demo_guild_against_its_own_fake_departs_nobody(fake_blizzard):
    call_command("seed_demo", players=12, force=True, verbosity=0)
    before = set(WowCharacter.objects.filter(in_guild=True).values_list("pk", flat=True))
    fake_blizzard.load(fixture_from_database())

    result = sync_roster()

    assert result.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL), result.error
    assert result.counts.get("departed", 0) == 0
    assert result.counts.get("new", 0) == 0
    after = set(WowCharacter.objects.filter(in_guild=True).values_list("pk", flat=True))
    assert after == before
