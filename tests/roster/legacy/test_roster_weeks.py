"""The availability JSON's lighter read (issue 17 item 6, ROS-60): `roster_weeks()` gives what
`roster_entries()` gave the endpoint — same players, order, Discord names (ROS-5), days and
preferences — in two queries, without loading a single character."""

import pytest

from roster.api import availability_entry
from roster.models import RaidPreferences
from roster.services.availability import roster_weeks
from roster.services.population import roster_entries
from tests.factories import PlayerFactory
from tests.roster.public.support import bulk_guild, roster_player

pytestmark = pytest.mark.django_db


def test_ros60_roster_weeks_match_roster_entries_for_the_availability_json():
    roster_player("Trog", ("Trogmoon", "Druid", "Balance"), days=(3, 4, 5), discord="trog")
    roster_player("alpha", ("Alphå", "Priest", "Holy"), days=(0,), notes="Out Tuesdays")
    roster_player("Zed", ("Zedd", "Mage", None), auto_signup=True, discord="Aaron")
    outsider = PlayerFactory(display_name="Outsider")  # ROS-1: no roster character
    RaidPreferences.objects.create(player=outsider)
    bulk_guild(12)

    expected = [availability_entry(entry) for entry in roster_entries()]
    assert len(expected) == 15
    assert [availability_entry(week) for week in roster_weeks()] == expected


def test_ros60_roster_weeks_take_two_queries_whatever_the_roster(django_assert_num_queries):
    bulk_guild(5)
    with django_assert_num_queries(2):
        assert len(roster_weeks()) == 5
    bulk_guild(150, start=5)
    with django_assert_num_queries(2):
        assert len(roster_weeks()) == 155


def test_ros60_roster_weeks_of_an_empty_roster_take_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert roster_weeks() == []
