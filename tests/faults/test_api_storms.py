"""Fault suite, Discord and Blizzard misbehave for a whole run (issue 17 item 3; IDN-23,
IDN-26, IDN-42).

429 storms, 5xx, timeouts, non-JSON and truncated bodies, on every attempt of a run: the run
ends `error` (or `partial` when only some profiles failed), officers get the failure post in
the audit channel, and nothing is written from a half answer: a roster or member listing that
did not come back whole marks nobody as departed and changes no row. Retries wait on a fake
clock (no test sleeps); each test prints its figure.
"""

import pytest

from identity.blizzard import BlizzardClient
from identity.models import DiscordUser, SyncRun, SyncStatus, WowCharacter
from identity.services.discord_sync import sync_discord_members
from identity.services.roster_sync import sync_roster
from identity.testing.fake_blizzard import _Answer
from patt.discord import rest as rest_module
from patt.discord.rest import DiscordRestClient
from tests.fakes.fake_discord import FakeTime, Reply

pytestmark = pytest.mark.django_db

STORM = 40  # more answers than any retry budget uses: the whole run sees the fault


def character_state() -> dict:
    return {
        row.pk: (row.name, row.in_guild, row.left_guild_at, row.level, row.item_level)
        for row in WowCharacter.objects.order_by("pk")
    }


def discord_state() -> dict:
    return {
        row.pk: (row.username, row.is_present, row.left_at, row.last_synced_at)
        for row in DiscordUser.objects.order_by("pk")
    }


# --- Blizzard --------------------------------------------------------------------------------


def truncated(realm, guild):
    return 200, b'{"guild": {"name": "Pull All The Th', {}


def rate_limited(realm, guild):
    raise _Answer(429, {"code": 429, "detail": "Too Many Requests"}, {"Retry-After": "1"})


def server_error(realm, guild):
    raise _Answer(503, {"code": 503, "detail": "Service Unavailable"})


def timed_out(realm, guild):
    import time

    time.sleep(0.3)  # past the client's 0.1 s read timeout
    return 200, {"guild": {}}, {}


ROSTER_FAULTS = {
    "429 storm": rate_limited,
    "5xx": server_error,
    "timeout": timed_out,
    "non-JSON (HTML) body": "html",
    "truncated JSON body": truncated,
}


@pytest.fixture
def blizzard_client(fake_blizzard):
    clock = FakeTime()
    client = BlizzardClient(timeout=(1.0, 0.1), sleep=clock.sleep, clock=clock.clock)
    yield client
    client.close()


@pytest.mark.parametrize("fault", list(ROSTER_FAULTS))
def test_a_blizzard_roster_fault_for_a_whole_run_is_an_error_run_that_writes_nothing(
    fault, fake_blizzard, blizzard_client, fake_discord, posted_titles, monkeypatch
):
    first = sync_roster(client=blizzard_client)
    assert first.run.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL)
    before = character_state()
    assert before, "a roster on record, which a half answer must not touch"

    sent_before = len(fake_blizzard.requests("/data/wow/guild/"))
    mode = ROSTER_FAULTS[fault]
    if isinstance(mode, str):
        fake_blizzard.set_roster_mode(mode)
    else:
        monkeypatch.setattr(fake_blizzard, "_roster", mode)
    result = sync_roster(client=blizzard_client)

    run = SyncRun.objects.get(pk=result.run.pk)
    assert run.status == SyncStatus.ERROR
    assert run.error.startswith("Roster fetch failed: ")
    assert character_state() == before, "nothing written, nobody departed"
    assert "🚨 Sync failed: Blizzard roster" in posted_titles(), "officers are told"
    attempts = len(fake_blizzard.requests("/data/wow/guild/")) - sent_before
    print(f"blizzard roster {fault}: run error after {attempts} attempts, 0 rows written")


@pytest.mark.parametrize("mode", ["rate_limited", "html"])
def test_every_profile_failing_leaves_the_characters_as_they_were_and_a_partial_run(
    mode, fake_blizzard, blizzard_client, fake_discord, posted_titles
):
    sync_roster(client=blizzard_client)
    before = character_state()
    for member in fake_blizzard.fixture["members"]:
        if member.get("name"):
            params = {"n": STORM} if mode in ("rate_limited", "server_error") else {}
            fake_blizzard.set_profile_mode(member["name"], member["realm"]["slug"], mode, **params)

    result = sync_roster(client=blizzard_client)

    run = result.run
    assert run.status == SyncStatus.PARTIAL, run.error
    assert run.counts["profiles_failed"] + run.counts.get("profiles_missing", 0) == len(before)
    assert character_state() == before, "no profile value written from a failed answer"
    print(
        f"blizzard profiles {mode}: run partial, {run.counts['profiles_failed']} profiles "
        "failed, 0 character rows changed"
    )


# --- Discord ---------------------------------------------------------------------------------

MEMBERS = "/guilds/{guild_id}/members"

DISCORD_FAULTS = {
    "429 storm": Reply.rate_limited(retry_after=0.5),
    "5xx": Reply.error(503),
    "timeout": Reply.slow(0.3),
    "non-JSON (HTML) body": Reply.html_page(),
    "truncated JSON body": Reply(200, b'[{"user": {"id": "1'),
}


@pytest.fixture
def rest_client(fake_discord):
    clock = FakeTime()
    client = DiscordRestClient(
        guild_id=fake_discord.guild_id, timeout=(1.0, 0.1), sleep=clock.sleep, clock=clock.clock
    )
    yield client
    client.close()


@pytest.mark.parametrize("fault", list(DISCORD_FAULTS))
def test_a_discord_fault_on_the_second_member_page_writes_nothing_from_the_first(
    fault, fake_discord, rest_client, posted_titles, monkeypatch
):
    """The members come in two pages (50 a page here, 1,000 in production); the second never
    arrives whole. Writing the first page alone would mark the others as gone: the run must
    write nothing at all."""
    monkeypatch.setattr(rest_module, "MEMBER_PAGE_SIZE", 50)
    fake_discord.add_members(60)
    assert sync_discord_members(client=rest_client).status == SyncStatus.SUCCESS
    before = discord_state()
    assert len(before) == 60

    sent_before = len(fake_discord.requests_to("GET", MEMBERS))
    fake_discord.script("GET", MEMBERS, [Reply.normal(), *[DISCORD_FAULTS[fault]] * STORM])
    result = sync_discord_members(client=rest_client)

    assert result.status == SyncStatus.ERROR
    assert result.error.startswith("Discord member list failed")
    assert discord_state() == before, "0 rows written from the first page"
    assert "🚨 Sync failed: Discord members" in posted_titles(), "officers are told"
    attempts = len(fake_discord.requests_to("GET", MEMBERS)) - sent_before
    assert attempts < 1 + STORM, "the storm outlasted the run's retries"
    print(f"discord members {fault}: run error after {attempts} listing requests, 0 rows written")
