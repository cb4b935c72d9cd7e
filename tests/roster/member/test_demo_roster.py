"""`manage.py seed_demo` also seeds the demo raid roster, idempotently (ROS-1, ROS-6)."""

import io

import pytest
from django.core.management import call_command

from identity.models import PlayerCharacter
from roster.models import PlayerAvailability, RaidPreferences
from roster.services.population import roster_entries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_settings(settings):
    settings.DEBUG = True


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", players=30, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "prefs": set(
            RaidPreferences.objects.values_list(
                "pk", "player", "auto_signup", "wants_reminders", "notes", "updated_at"
            )
        ),
        "days": set(PlayerAvailability.objects.values_list("pk", "player", "weekday", "available")),
        "roster": set(
            PlayerCharacter.objects.filter(on_raid_roster=True).values_list(
                "pk", "raid_spec", "raid_role"
            )
        ),
    }


def test_seed_demo_puts_most_players_on_the_raid_roster_with_availability():
    out = seed()

    entries = roster_entries()
    assert "Demo raid roster:" in out
    assert len(entries) >= 10
    assert all(PlayerAvailability.objects.filter(player=e.player).count() == 7 for e in entries)
    assert any(any(e.availability) for e in entries)
    assert any(len(e.characters) > 1 for e in entries)  # some alts
    assert any(e.notes for e in entries)
    for entry in entries:
        for character in entry.characters:
            assert character.spec is not None
            assert character.spec.playable_class_id == character.character.playable_class_id


def test_seed_demo_roster_is_idempotent_and_keeps_member_changes():
    seed()
    first = snapshot()
    prefs = RaidPreferences.objects.order_by("pk").first()
    prefs.notes = "Changed by the member"
    prefs.save()
    first = snapshot()

    out = seed()

    assert snapshot() == first
    assert "0 players joined this run" in out
