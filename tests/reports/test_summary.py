"""The sync summary after the Blizzard, Discord and addon pipelines (IDN-41)."""

import pytest

from identity.models import SyncSource, SyncStatus
from identity.reports import (
    NOTES_UPDATED,
    ROLE_ADDS,
    ROLE_REMOVALS,
    UNKNOWN_CHARACTERS,
    post_sync_summary,
)
from tests.reports.conftest import make_run

pytestmark = pytest.mark.django_db

BLIZZARD, DISCORD, ADDON = (
    SyncSource.BLIZZARD_ROSTER,
    SyncSource.DISCORD_MEMBERS,
    SyncSource.ADDON_UPLOAD,
)
QUIET_ROSTER = {"found": 312, "new": 0, "returned": 0, "departed": 0, "renamed": 0, "updated": 7}


def run_with(source, counts, *, new_issues=0, status=SyncStatus.SUCCESS, duration=12.3):
    details = {"integrity": {"new": new_issues, "still_open": 4, "resolved": 1, "open_total": 9}}
    return make_run(source, status, counts=counts, details=details, duration=duration)


def test_idn41_blizzard_summary_matches_the_spec_example(discord_client, posted):
    run = run_with(BLIZZARD, {**QUIET_ROSTER, "new": 3, "departed": 4})

    assert post_sync_summary(run, client=discord_client) is True

    (embed,) = posted()[0]
    assert embed == {
        "title": "📡 Sync Complete: Blizzard roster",
        "description": "**312** characters | **3** new | **4** departed",
        "color": 0x2ECC71,
        "footer": {"text": "Completed in 12.3s"},
    }


def test_idn41_nothing_changed_posts_nothing(discord_client, posted, fake_discord):
    run = run_with(BLIZZARD, {**QUIET_ROSTER, "updated": 40, "unchanged": 272})

    assert post_sync_summary(run, client=discord_client) is False
    assert fake_discord.requests_to("POST") == []


@pytest.mark.parametrize(
    ("counts", "new_issues"),
    [
        ({"new": 1}, 0),
        ({"returned": 1}, 0),
        ({"departed": 1}, 0),
        ({"renamed": 1}, 0),
        ({}, 1),
        ({ROLE_ADDS: 1}, 0),
        ({ROLE_REMOVALS: 1}, 0),
    ],
)
def test_idn41_any_change_is_worth_a_post(discord_client, posted, counts, new_issues):
    run = run_with(BLIZZARD, {**QUIET_ROSTER, **counts}, new_issues=new_issues)

    assert post_sync_summary(run, client=discord_client) is True
    assert len(posted()) == 1


def test_idn41_blizzard_parts_in_order(discord_client, posted):
    counts = {
        "found": 300,
        "new": 1,
        "returned": 2,
        "departed": 3,
        "renamed": 4,
        ROLE_ADDS: 5,
        ROLE_REMOVALS: 1,
    }
    run = run_with(BLIZZARD, counts, new_issues=7, duration=0.04)

    post_sync_summary(run, client=discord_client)

    (embed,) = posted()[0]
    assert embed["description"] == (
        "**300** characters | **1** new | **2** returned | **3** departed | **4** renamed | "
        "**7** new issues | **6** role changes"
    )
    assert embed["footer"] == {"text": "Completed in 0.0s"}


def test_idn41_discord_summary(discord_client, posted):
    counts = {"found": 120, "new": 2, "returned": 1, "updated": 5, "departed": 3, ROLE_ADDS: 2}
    run = run_with(DISCORD, {**counts, ROLE_REMOVALS: 1}, new_issues=4)

    assert post_sync_summary(run, client=discord_client) is True

    (embed,) = posted()[0]
    assert embed["title"] == "📡 Sync Complete: Discord members"
    assert embed["description"] == (
        "**120** members | **2** joined | **1** rejoined | **3** left | **4** new issues | "
        "**3** role changes"
    )


def test_idn41_addon_summary(discord_client, posted):
    run = run_with(ADDON, {NOTES_UPDATED: 5, UNKNOWN_CHARACTERS: 2}, new_issues=1)

    assert post_sync_summary(run, client=discord_client) is True

    (embed,) = posted()[0]
    assert embed["title"] == "📡 Sync Complete: WoW addon upload"
    assert embed["description"] == (
        "**5** notes updated | **2** unknown characters | **1** new issues"
    )


def test_idn41_addon_notes_alone_are_not_a_change(discord_client, posted):
    run = run_with(ADDON, {NOTES_UPDATED: 5, UNKNOWN_CHARACTERS: 2})

    assert post_sync_summary(run, client=discord_client) is False
    assert posted() == []


def test_idn41_zero_parts_are_left_out(discord_client, posted):
    run = run_with(DISCORD, {"found": 80, "new": 0, "returned": 0, "departed": 1})

    post_sync_summary(run, client=discord_client)

    assert posted()[0][0]["description"] == "**80** members | **1** left"


@pytest.mark.parametrize("status", [SyncStatus.ERROR, SyncStatus.SKIPPED])
def test_idn41_runs_that_did_not_succeed_get_no_summary(discord_client, posted, status):
    run = run_with(BLIZZARD, {**QUIET_ROSTER, "new": 3}, status=status)

    assert post_sync_summary(run, client=discord_client) is False
    assert posted() == []


def test_idn41_partial_run_gets_a_summary(discord_client, posted):
    run = run_with(BLIZZARD, {**QUIET_ROSTER, "new": 3}, status=SyncStatus.PARTIAL)

    assert post_sync_summary(run, client=discord_client) is True


@pytest.mark.parametrize("source", [SyncSource.RECONCILE, SyncSource.AUDIT_REPORT])
def test_idn41_other_sources_get_no_summary(discord_client, posted, source):
    run = run_with(source, {"new": 3}, new_issues=2)

    assert post_sync_summary(run, client=discord_client) is False


def test_idn41_no_audit_channel_posts_nothing(discord_client, fake_discord, db):
    run = run_with(BLIZZARD, {**QUIET_ROSTER, "new": 3})

    assert post_sync_summary(run, client=discord_client) is False
    assert fake_discord.requests == []


def test_idn41_discord_not_configured_posts_nothing(settings, db):
    from tests.reports.conftest import set_channel

    set_channel("123456789012345678")
    settings.DISCORD_BOT_TOKEN = ""
    run = run_with(BLIZZARD, {**QUIET_ROSTER, "new": 3})

    assert post_sync_summary(run) is False


def test_idn41_failed_post_returns_false(discord_client, fake_discord, audit_channel):
    from tests.fakes.fake_discord import Reply

    fake_discord.script("POST", "/channels/{channel_id}/messages", [Reply.error(403, 50013)])
    run = run_with(BLIZZARD, {**QUIET_ROSTER, "new": 3})

    assert post_sync_summary(run, client=discord_client) is False


def test_idn41_client_from_settings(fake_discord, posted):
    run = run_with(BLIZZARD, {**QUIET_ROSTER, "new": 3})

    assert post_sync_summary(run) is True
    assert len(posted()) == 1
