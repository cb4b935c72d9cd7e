"""Failure and recovery posts (IDN-42)."""

import pytest

from identity.models import SyncSource, SyncStatus
from identity.reports import post_run_outcome
from tests.fakes.fake_discord import Reply
from tests.reports.conftest import make_run, set_channel

pytestmark = pytest.mark.django_db

BLIZZARD = SyncSource.BLIZZARD_ROSTER
OK, PARTIAL, ERROR, SKIPPED = (
    SyncStatus.SUCCESS,
    SyncStatus.PARTIAL,
    SyncStatus.ERROR,
    SyncStatus.SKIPPED,
)
FAILED = "Roster fetch failed: 503 Service Unavailable"


def history(*statuses, source=BLIZZARD):
    """Runs of `source` one minute apart; the last one."""
    runs = [
        make_run(source, status, minutes=n, error=FAILED if status == ERROR else "")
        for n, status in enumerate(statuses)
    ]
    return runs[-1]


def test_idn42_first_failure_after_a_success_posts(discord_client, posted):
    run = history(OK, ERROR)

    assert post_run_outcome(run, client=discord_client) is True

    (embed,) = posted()[0]
    assert embed == {
        "title": "🚨 Sync failed: Blizzard roster",
        "description": FAILED,
        "color": 0xE74C3C,
        "footer": {"text": f"SyncRun #{run.pk}"},
    }


def test_idn42_first_failure_ever_posts(discord_client, posted):
    assert post_run_outcome(history(ERROR), client=discord_client) is True
    assert len(posted()) == 1


def test_idn42_second_failure_is_silent(discord_client, posted, fake_discord):
    first = history(OK, ERROR)
    post_run_outcome(first, client=discord_client)
    second = make_run(BLIZZARD, ERROR, minutes=5, error=FAILED)

    assert post_run_outcome(second, client=discord_client) is False
    assert len(posted()) == 1


def test_idn42_success_after_two_failures_posts_recovery(discord_client, posted):
    run = history(OK, ERROR, ERROR, OK)

    assert post_run_outcome(run, client=discord_client) is True

    (embed,) = posted()[0]
    assert embed["title"] == "✅ Blizzard roster sync recovered after 2 failed runs"
    assert embed["footer"] == {"text": f"SyncRun #{run.pk}"}
    assert embed["color"] == 0x2ECC71


def test_idn42_recovery_after_one_failure_reads_singular(discord_client, posted):
    post_run_outcome(history(ERROR, OK), client=discord_client)

    assert posted()[0][0]["title"] == "✅ Blizzard roster sync recovered after 1 failed run"


def test_idn42_success_after_success_is_silent(discord_client, posted):
    assert post_run_outcome(history(ERROR, OK, OK), client=discord_client) is False
    assert posted() == []


def test_idn42_partial_counts_as_recovery(discord_client, posted):
    assert post_run_outcome(history(ERROR, ERROR, PARTIAL), client=discord_client) is True
    assert posted()[0][0]["title"].endswith("recovered after 2 failed runs")


def test_idn42_skipped_runs_do_not_break_a_failure_streak(discord_client, posted):
    assert post_run_outcome(history(OK, ERROR, SKIPPED, ERROR), client=discord_client) is False
    assert posted() == []


def test_idn42_skipped_runs_are_not_counted_as_failures(discord_client, posted):
    assert post_run_outcome(history(ERROR, SKIPPED, ERROR, SKIPPED, OK), client=discord_client)
    assert posted()[0][0]["title"].endswith("recovered after 2 failed runs")


def test_idn42_skipped_run_itself_posts_nothing(discord_client, posted):
    assert post_run_outcome(history(ERROR, SKIPPED), client=discord_client) is False
    assert posted() == []


def test_idn42_other_sources_do_not_count(discord_client, posted):
    make_run(SyncSource.DISCORD_MEMBERS, ERROR, minutes=0, error="x")
    run = make_run(BLIZZARD, ERROR, minutes=1, error=FAILED)

    assert post_run_outcome(run, client=discord_client) is True

    recovered = make_run(SyncSource.DISCORD_MEMBERS, OK, minutes=2)
    assert post_run_outcome(recovered, client=discord_client) is True
    assert posted()[1][0]["title"] == "✅ Discord members sync recovered after 1 failed run"


def test_idn42_later_runs_do_not_count(discord_client, posted):
    """An older run's outcome is judged by the runs before it, not after."""
    first_error = make_run(BLIZZARD, ERROR, minutes=1, error=FAILED)
    make_run(BLIZZARD, ERROR, minutes=2, error=FAILED)

    assert post_run_outcome(first_error, client=discord_client) is True


def test_idn42_error_is_cut_to_1000_characters(discord_client, posted):
    run = make_run(BLIZZARD, ERROR, error="E" * 1500)

    post_run_outcome(run, client=discord_client)

    description = posted()[0][0]["description"]
    assert description == "E" * 999 + "…"


def test_idn42_markdown_in_the_error_is_escaped(discord_client, posted):
    run = make_run(BLIZZARD, ERROR, error="profiles_failed: *all*")

    post_run_outcome(run, client=discord_client)

    assert posted()[0][0]["description"] == r"profiles\_failed: \*all\*"


def test_idn42_no_audit_channel_posts_nothing(discord_client, fake_discord, db):
    assert post_run_outcome(history(OK, ERROR), client=discord_client) is False
    assert fake_discord.requests == []


def test_idn42_discord_not_configured_posts_nothing(settings, db):
    set_channel("123456789012345678")
    settings.DISCORD_BOT_TOKEN = ""

    assert post_run_outcome(history(OK, ERROR)) is False


def test_idn42_failed_post_returns_false(discord_client, fake_discord, audit_channel):
    fake_discord.script("POST", "/channels/{channel_id}/messages", [Reply.error(404, 10003)])

    assert post_run_outcome(history(OK, ERROR), client=discord_client) is False
