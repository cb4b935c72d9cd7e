"""Discord member sync over REST against the fake server (IDN-5, IDN-15, IDN-26, IDN-27)."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from identity.models import DiscordUser, GuildRank, SyncRun, SyncSource, SyncStatus
from identity.services.discord_sync import sync_discord_members
from identity.services.sync_runs import start_run
from tests.factories import DiscordUserFactory, PlayerFactory, rank
from tests.fakes.fake_discord import Reply
from tests.sync.support import add_ladder_roles

pytestmark = pytest.mark.django_db

MEMBERS = "/guilds/{guild_id}/members"
ROLES = "/guilds/{guild_id}/roles"


def user(discord_id):
    return DiscordUser.objects.get(discord_id=discord_id)


def test_idn27_sync_upserts_members_with_display_name_roles_and_highest_guild_role(
    fake_discord,
):
    roles = add_ladder_roles(fake_discord)
    joined = datetime(2023, 5, 6, 7, 8, tzinfo=UTC)
    gm = fake_discord.add_member(
        username="trogdor",
        global_name="Trog",
        nick="Trog the GM",
        roles=[roles.member, roles.gm, roles.officer, roles.booster],
        joined_at=joined,
    )["user"]["id"]
    plain = fake_discord.add_member(username="alice", global_name="Alice")["user"]["id"]
    bare = fake_discord.add_member(username="bob", roles=[roles.booster])["user"]["id"]

    result = sync_discord_members()

    assert result.status == SyncStatus.SUCCESS
    row = user(gm)
    assert row.username == "trogdor"
    assert row.display_name == "Trog the GM"
    assert row.role_ids == sorted([roles.member, roles.gm, roles.officer, roles.booster], key=int)
    assert row.highest_guild_role == rank("Guild Leader")
    assert row.joined_at == joined
    assert row.is_present and row.left_at is None
    assert row.first_seen_at is not None and row.last_synced_at is not None
    assert user(plain).display_name == "Alice"
    assert user(bare).display_name == "bob"
    assert user(bare).highest_guild_role is None  # non-ladder roles are ignored
    assert result.counts == {
        "found": 3,
        "new": 3,
        "returned": 0,
        "updated": 0,
        "unchanged": 0,
        "departed": 0,
        # IDN-29: the role push of the reconcile that follows (writes are off by default).
        "role_adds": 0,
        "role_removals": 0,
        "role_errors": 0,
    }
    run = SyncRun.objects.get(source=SyncSource.DISCORD_MEMBERS)
    assert run.counts == result.counts and run.finished_at is not None


def test_idn26_roles_are_read_before_the_member_pages(fake_discord):
    fake_discord.add_members(2)
    sync_discord_members()
    routes = [request.route for request in fake_discord.requests]
    assert routes[0] == ROLES
    assert routes[1:] == [MEMBERS]
    assert fake_discord.requests[1].query["limit"] == "1000"


def test_idn5_a_missing_role_id_is_filled_when_exactly_one_role_matches_the_name(fake_discord):
    roles = add_ladder_roles(fake_discord)
    fake_discord.add_member(username="alice")
    sync_discord_members()
    assert rank("Guild Leader").discord_role_id == roles.gm
    assert rank("Member").discord_role_id == roles.member
    assert rank("Officer").discord_role_id == roles.officer


def test_idn5_a_set_role_id_is_never_replaced_by_name(fake_discord):
    add_ladder_roles(fake_discord)
    GuildRank.objects.filter(name="Member").update(discord_role_id="123")
    fake_discord.add_member(username="alice")
    sync_discord_members()
    assert rank("Member").discord_role_id == "123"


def test_idn5_zero_or_several_matching_roles_leave_the_id_empty_with_a_warning(fake_discord):
    fake_discord.add_role(name="GM")
    fake_discord.add_role(name="gm")  # two matches for Guild Leader; none for Veteran
    fake_discord.add_member(username="alice")

    result = sync_discord_members()

    assert rank("Guild Leader").discord_role_id == ""
    assert rank("Veteran").discord_role_id == ""
    warnings = SyncRun.objects.get(pk=result.run.pk).details["warnings"]
    assert "No unique Discord role named 'GM' for rank Guild Leader" in warnings
    assert "No unique Discord role named 'Veteran' for rank Veteran" in warnings
    assert result.status == SyncStatus.SUCCESS


def test_idn27_bots_are_never_stored(fake_discord):
    fake_discord.add_member(username="human")
    bot = fake_discord.add_member(username="raidbot", bot=True)["user"]["id"]
    result = sync_discord_members()
    assert not DiscordUser.objects.filter(discord_id=bot).exists()
    assert result.counts["found"] == 1


def test_idn27_a_second_sync_counts_updates_and_never_overwrites_joined_at(fake_discord):
    roles = add_ladder_roles(fake_discord)
    first_join = datetime(2022, 1, 1, tzinfo=UTC)
    alice = fake_discord.add_member(username="alice", joined_at=first_join)["user"]["id"]
    bob = fake_discord.add_member(username="bob")["user"]["id"]
    sync_discord_members()
    first_seen = user(alice).first_seen_at

    fake_discord.add_member(
        alice, username="alice", nick="Ali", roles=[roles.officer], joined_at=datetime.now(UTC)
    )
    result = sync_discord_members()

    row = user(alice)
    assert row.joined_at == first_join
    assert row.first_seen_at == first_seen
    assert row.display_name == "Ali"
    assert row.highest_guild_role == rank("Officer")
    assert user(bob).last_synced_at > first_seen
    assert result.counts["updated"] == 1
    assert result.counts["unchanged"] == 1
    assert result.counts["new"] == 0


def test_idn46_rerunning_on_unchanged_data_changes_nothing(fake_discord):
    add_ladder_roles(fake_discord)
    fake_discord.add_members(3)
    sync_discord_members()
    before = list(DiscordUser.objects.values("discord_id", "username", "role_ids", "is_present"))
    result = sync_discord_members()
    after = list(DiscordUser.objects.values("discord_id", "username", "role_ids", "is_present"))
    assert before == after
    assert result.counts["unchanged"] == 3
    assert result.counts["updated"] == result.counts["new"] == result.counts["departed"] == 0


def test_idn27_unseen_present_members_depart_and_come_back_as_returned(fake_discord):
    alice = fake_discord.add_member(username="alice")["user"]["id"]
    fake_discord.add_member(username="bob")
    sync_discord_members()

    fake_discord.remove_member(alice)
    result = sync_discord_members()
    row = user(alice)
    assert not row.is_present and row.left_at is not None
    assert result.counts["departed"] == 1

    fake_discord.add_member(alice, username="alice")
    result = sync_discord_members()
    row = user(alice)
    assert row.is_present and row.left_at is None
    assert result.counts["returned"] == 1
    assert DiscordUser.objects.count() == 2  # syncs never delete rows


def test_idn27_a_failed_page_changes_nothing(fake_discord):
    fake_discord.add_members(1001)  # two pages
    absent = DiscordUserFactory(username="gone-already")
    fake_discord.script("GET", MEMBERS, [Reply.normal(), Reply.error(404, 10004)])

    result = sync_discord_members()

    assert result.status == SyncStatus.ERROR
    assert "Discord member list failed" in result.error
    assert DiscordUser.objects.count() == 1
    absent.refresh_from_db()
    assert absent.is_present  # not marked departed: the listing was incomplete


def test_idn27_an_empty_listing_is_an_error_and_departs_no_one(fake_discord):
    fake_discord.add_member(username="raidbot", bot=True)  # only a bot comes back
    present = DiscordUserFactory()

    result = sync_discord_members()

    assert result.status == SyncStatus.ERROR
    assert result.error == "Discord returned no members; nothing was changed"
    present.refresh_from_db()
    assert present.is_present and present.left_at is None


def test_idn26_a_403_names_the_server_members_intent(fake_discord):
    fake_discord.add_member(username="alice")
    fake_discord.script("GET", MEMBERS, [Reply.error(403, 50001, "Missing Access")])
    result = sync_discord_members()
    run = SyncRun.objects.get(pk=result.run.pk)
    assert run.status == SyncStatus.ERROR
    assert run.error == (
        "Discord refused the member list (HTTP 403): enable the Server Members intent and "
        "check the bot is in the server"
    )
    assert not DiscordUser.objects.exists()


def test_idn26_a_429_is_waited_out_and_retried(fake_discord, fake_time, discord_client):
    fake_discord.add_member(username="alice")
    fake_discord.script("GET", MEMBERS, [Reply.rate_limited(2.5)])
    result = sync_discord_members(client=discord_client)
    assert result.status == SyncStatus.SUCCESS
    assert fake_time.sleeps == [2.5]
    assert len(fake_discord.requests_to("GET", MEMBERS)) == 2
    assert DiscordUser.objects.count() == 1


def test_idn26_no_token_records_a_skipped_run_and_calls_nothing(fake_discord, settings):
    settings.DISCORD_BOT_TOKEN = ""
    result = sync_discord_members()
    assert result.run.status == SyncStatus.SKIPPED
    assert "DISCORD_BOT_TOKEN" in result.run.error
    assert fake_discord.requests == []


def test_idn26_no_server_id_records_a_skipped_run(fake_discord, settings):
    settings.DISCORD_GUILD_ID = ""
    result = sync_discord_members()
    assert result.run.status == SyncStatus.SKIPPED
    assert fake_discord.requests == []


def test_idn46_a_sync_while_one_is_running_is_skipped_and_calls_nothing(fake_discord):
    start_run(source=SyncSource.DISCORD_MEMBERS, trigger="schedule")
    fake_discord.add_member(username="alice")
    result = sync_discord_members()
    assert result.status == SyncStatus.SKIPPED
    assert result.error == "already running"
    assert fake_discord.requests == []


def test_idn15_the_sync_recomputes_player_ranks_into_run_details(fake_discord):
    roles = add_ladder_roles(fake_discord)
    discord_id = fake_discord.add_member(username="trogdor", roles=[roles.gm])["user"]["id"]
    discord_user = DiscordUserFactory(discord_id=discord_id, username="trogdor")
    player = PlayerFactory(display_name="Trogdor", discord_user=discord_user)

    result = sync_discord_members()

    player.refresh_from_db()
    assert player.guild_rank == rank("Guild Leader")
    assert SyncRun.objects.get(pk=result.run.pk).details["rank_changes"] == [
        {"player": "Trogdor", "old": None, "new": "Guild Leader", "basis": "discord"}
    ]


def test_idn27_5000_members_sync_in_a_bounded_number_of_queries(
    fake_discord, django_assert_max_num_queries
):
    add_ladder_roles(fake_discord)
    fake_discord.add_members(5000)
    DiscordUserFactory.create_batch(20)  # present rows that will depart

    # Bulk writes in batches (SQLite's parameter limit makes ~100-row inserts): far fewer
    # queries than members, never one per member.
    with django_assert_max_num_queries(100):
        result = sync_discord_members()

    assert result.counts["found"] == 5000
    assert result.counts["new"] == 5000
    assert result.counts["departed"] == 20
    assert DiscordUser.objects.filter(is_present=True).count() == 5000

    # The unchanged re-run, reconcile (matching + integrity, a fixed ~20 queries) included.
    with django_assert_max_num_queries(60):
        result = sync_discord_members()
    assert result.counts["unchanged"] == 5000


def test_idn48_sync_discord_command_prints_the_result_line(fake_discord, capsys):
    fake_discord.add_member(username="alice")
    call_command("sync_discord")
    out = capsys.readouterr().out
    assert "Discord members: 1 found, 1 new" in out
    assert "success" in out


def test_idn48_sync_discord_dry_run_writes_nothing(fake_discord, capsys):
    roles = add_ladder_roles(fake_discord)
    fake_discord.add_member(username="alice", roles=[roles.gm])
    call_command("sync_discord", "--dry-run", "--no-post")
    assert "Dry run" in capsys.readouterr().out
    assert not DiscordUser.objects.exists()
    assert not SyncRun.objects.exists()
    assert rank("Guild Leader").discord_role_id == ""


def test_idn48_sync_discord_command_fails_on_error(fake_discord):
    fake_discord.add_member(username="alice")
    fake_discord.script("GET", MEMBERS, [Reply.error(403, 50001)])
    with pytest.raises(CommandError, match="Server Members intent"):
        call_command("sync_discord")


def test_idn48_sync_discord_command_fails_when_skipped(fake_discord, settings):
    settings.DISCORD_BOT_TOKEN = ""
    with pytest.raises(CommandError, match="Discord not configured"):
        call_command("sync_discord")


def test_idn48_sync_discord_command_fails_when_already_running(fake_discord):
    start_run(source=SyncSource.DISCORD_MEMBERS, trigger="schedule")
    with pytest.raises(CommandError, match="already running"):
        call_command("sync_discord")
