"""The role push result as a SyncRun records it, and its constant read cost (IDN-29)."""

import pytest

from identity.services.role_push import RolePushResult, push_roles
from patt.models import clear_site_config_cache
from tests.conftest import LADDER_ROLE_IDS as R
from tests.factories import DiscordUserFactory, PlayerCharacterFactory, PlayerFactory

pytestmark = pytest.mark.django_db


def test_idn29_record_into_merges_counts_and_lists_role_changes():
    result = RolePushResult(
        writes_enabled=True,
        counts={"role_adds": 2, "role_removals": 1, "role_errors": 1},
        changes=[{"discord_id": "7", "added": ["9002"], "removed": ["9001"]}],
        errors=["Could not add role Member (9002) to bob (8): Missing permissions"],
    )
    counts, details = {"found": 5, "role_adds": 1}, {"rank_changes": []}

    result.record_into(counts, details)

    assert counts == {"found": 5, "role_adds": 3, "role_removals": 1, "role_errors": 1}
    assert details["role_changes"] == [{"discord_id": "7", "added": ["9002"], "removed": ["9001"]}]
    assert details["role_errors"] == result.errors
    assert details["rank_changes"] == []


def test_idn29_record_into_with_writes_off_lists_would_changes_and_no_errors_key():
    result = RolePushResult(
        writes_enabled=False,
        changes=[{"discord_id": "7", "would_add": ["9002"], "would_remove": []}],
    )
    counts, details = {}, {}
    result.record_into(counts, details)
    assert counts == {"role_adds": 0, "role_removals": 0, "role_errors": 0}
    assert details == {
        "role_changes": [{"discord_id": "7", "would_add": ["9002"], "would_remove": []}]
    }


def test_idn29_stats_lines():
    written = RolePushResult(
        writes_enabled=True, counts={"role_adds": 2, "role_removals": 1, "role_errors": 0}
    )
    assert written.stats_line() == "Role push: 2 added, 1 removed, 0 errors"
    reported = RolePushResult(
        writes_enabled=False,
        changes=[
            {"discord_id": "7", "would_add": ["9002"], "would_remove": ["9001"]},
            {"discord_id": "8", "would_add": ["9003"], "would_remove": []},
        ],
    )
    assert reported.stats_line() == "Role push (report only): would add 2, would remove 1"


def test_idn29_reads_with_a_constant_number_of_queries(ladder, django_assert_max_num_queries):
    def add_players(count):
        for _ in range(count):
            player = PlayerFactory(
                discord_user=DiscordUserFactory(role_ids=[R["Initiate"]]),
                guild_rank=ladder["Member"],
            )
            PlayerCharacterFactory(player=player)

    add_players(10)
    clear_site_config_cache()
    with django_assert_max_num_queries(3) as small:
        ten = push_roles()
    add_players(90)
    clear_site_config_cache()  # both runs read SiteConfig from the database
    with django_assert_max_num_queries(3) as large:
        hundred = push_roles()

    assert (len(ten.changes), len(hundred.changes)) == (10, 100)
    assert len(large.captured_queries) == len(small.captured_queries)
