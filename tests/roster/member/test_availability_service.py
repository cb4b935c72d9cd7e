"""The availability service (ROS-6, ROS-8, ROS-9)."""

import pytest
from django.core.exceptions import ValidationError

from roster.models import PlayerAvailability, RaidPreferences, UpdatedVia
from roster.services.availability import availability_of, save_availability
from tests.factories import PlayerFactory

pytestmark = pytest.mark.django_db


def _week(player) -> list[bool]:
    return availability_of(player)[0]


def test_ros8_save_writes_all_seven_rows_and_creates_preferences():
    player = PlayerFactory()

    prefs = save_availability(
        player, days=[3, 4], auto_signup=True, wants_reminders=False, notes="", via="website"
    )

    rows = dict(
        PlayerAvailability.objects.filter(player=player).values_list("weekday", "available")
    )
    assert rows == {0: False, 1: False, 2: False, 3: True, 4: True, 5: False, 6: False}
    assert prefs.pk and prefs.auto_signup is True and prefs.wants_reminders is False
    assert prefs.updated_via == UpdatedVia.WEBSITE


def test_ros8_unticked_days_become_false_and_updated_via_is_recorded():
    player = PlayerFactory()
    save_availability(
        player,
        days=range(7),
        auto_signup=True,
        wants_reminders=True,
        notes="x",
        via=UpdatedVia.IMPORT,
    )

    save_availability(
        player, days=[0], auto_signup=False, wants_reminders=True, notes="", via=UpdatedVia.API
    )

    assert _week(player) == [True, False, False, False, False, False, False]
    prefs = RaidPreferences.objects.get(player=player)
    assert (prefs.auto_signup, prefs.wants_reminders, prefs.notes, prefs.updated_via) == (
        False,
        True,
        "",
        "api",
    )
    assert PlayerAvailability.objects.filter(player=player).count() == 7
    assert RaidPreferences.objects.filter(player=player).count() == 1


def test_ros8_one_transaction_nothing_written_when_a_day_is_invalid():
    player = PlayerFactory()

    with pytest.raises(ValidationError):
        save_availability(
            player, days=[1, 9], auto_signup=True, wants_reminders=False, notes="", via="website"
        )

    assert not PlayerAvailability.objects.filter(player=player).exists()
    assert not RaidPreferences.objects.filter(player=player).exists()


def test_ros9_notes_are_trimmed():
    player = PlayerFactory()

    prefs = save_availability(
        player,
        days=[],
        auto_signup=False,
        wants_reminders=False,
        notes="   Night shift on Thursdays \n",
        via="website",
    )

    assert prefs.notes == "Night shift on Thursdays"


def test_ros9_500_characters_after_trimming_are_accepted():
    player = PlayerFactory()

    prefs = save_availability(
        player,
        days=[],
        auto_signup=False,
        wants_reminders=False,
        notes="  " + "a" * 500 + "  ",
        via="website",
    )

    assert len(prefs.notes) == 500


def test_ros9_notes_over_500_characters_are_refused_and_nothing_is_saved():
    player = PlayerFactory()
    save_availability(
        player, days=[3], auto_signup=False, wants_reminders=False, notes="old", via="website"
    )

    with pytest.raises(ValidationError) as refused:
        save_availability(
            player, days=[0, 1], auto_signup=True, wants_reminders=True, notes="a" * 501, via="api"
        )

    assert refused.value.message_dict == {"notes": ["Notes can be at most 500 characters."]}
    assert _week(player) == [False, False, False, True, False, False, False]
    prefs = RaidPreferences.objects.get(player=player)
    assert (prefs.notes, prefs.auto_signup, prefs.updated_via) == ("old", False, "website")


def test_ros6_availability_of_reads_missing_rows_as_unavailable():
    player = PlayerFactory()
    PlayerAvailability.objects.create(player=player, weekday=5, available=True)

    week, prefs = availability_of(player)

    assert week == [False, False, False, False, False, True, False]
    assert prefs is None
