"""Role push over REST against the fake Discord server (IDN-29): what is written, and how."""

import pytest
from django.db import connection

from identity.models import DiscordUser
from identity.services import role_push
from identity.services.role_push import push_roles
from tests.conftest import LADDER_ROLE_IDS as R
from tests.fakes.fake_discord import Reply
from tests.role_push.conftest import BOOSTER

pytestmark = pytest.mark.django_db

MEMBER_ROLE = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"


def role_calls(fake):
    """(method, user id, role id) of every role write the fake received, in order."""
    return [
        (request.method, *request.path.split("/")[4:7:2])
        for request in fake.requests
        if request.route == MEMBER_ROLE
    ]


def server_roles(fake, player):
    return sorted(fake.member(player.discord_user.discord_id)["roles"], key=int)


def stored_user(player):
    return DiscordUser.objects.get(pk=player.discord_user_id)


# --- writes off (the default) ---------------------------------------------------------------


def test_idn29_writes_off_by_default_makes_no_call_and_reports_would_lists(
    server, discord_client, guildie
):
    promoted = guildie("Member", ["Initiate", BOOSTER])
    result = push_roles(client=discord_client)

    assert server.requests == []
    assert result.writes_enabled is False
    uid = promoted.discord_user.discord_id
    assert result.changes == [
        {"discord_id": uid, "would_add": [R["Member"]], "would_remove": [R["Initiate"]]}
    ]
    assert result.counts == {"role_adds": 0, "role_removals": 0, "role_errors": 0}
    assert stored_user(promoted).role_ids == sorted([R["Initiate"], BOOSTER], key=int)
    assert server_roles(server, promoted) == sorted([R["Initiate"], BOOSTER], key=int)


# --- writes on ------------------------------------------------------------------------------


def test_idn29_writes_on_puts_and_deletes_with_the_audit_log_reason(
    server, discord_client, guildie, writes_on, ladder
):
    promoted = guildie("Veteran", ["Member", BOOSTER])
    uid = promoted.discord_user.discord_id

    result = push_roles(client=discord_client)

    assert role_calls(server) == [("PUT", uid, R["Veteran"]), ("DELETE", uid, R["Member"])]
    reasons = {request.audit_log_reason for request in server.requests}
    assert reasons == {"Guild rank sync: Veteran"}
    assert server_roles(server, promoted) == sorted([R["Veteran"], BOOSTER], key=int)
    row = stored_user(promoted)
    assert row.role_ids == sorted([R["Veteran"], BOOSTER], key=int)
    assert row.highest_guild_role == ladder["Veteran"]
    assert result.writes_enabled is True
    assert result.counts == {"role_adds": 1, "role_removals": 1, "role_errors": 0}
    assert result.changes == [
        {"discord_id": uid, "added": [R["Veteran"]], "removed": [R["Member"]]}
    ]
    assert result.errors == []


def test_idn29_member_with_no_ladder_role_gets_the_rank_role(
    server, discord_client, guildie, writes_on, ladder
):
    newcomer = guildie("Initiate", [])
    push_roles(client=discord_client)
    assert server_roles(server, newcomer) == [R["Initiate"]]
    row = stored_user(newcomer)
    assert row.role_ids == [R["Initiate"]]
    assert row.highest_guild_role == ladder["Initiate"]


def test_idn29_officer_plus_roles_are_never_removed_automatically(
    server, discord_client, guildie, writes_on, ladder
):
    demoted = guildie("Member", ["Officer", "Veteran"])
    gm_as_officer = guildie("Guild Leader", ["Officer", "Guild Leader"])
    uid = demoted.discord_user.discord_id

    result = push_roles(client=discord_client)

    assert role_calls(server) == [("PUT", uid, R["Member"]), ("DELETE", uid, R["Veteran"])]
    assert server_roles(server, demoted) == [R["Member"], R["Officer"]]
    assert stored_user(demoted).highest_guild_role == ladder["Officer"]
    assert server_roles(server, gm_as_officer) == [R["Officer"], R["Guild Leader"]]
    assert result.changes == [
        {"discord_id": uid, "added": [R["Member"]], "removed": [R["Veteran"]]}
    ]


def test_idn29_non_ladder_roles_are_never_touched(server, discord_client, guildie, writes_on):
    other = server.add_role("4321", name="Raider")
    player = guildie("Member", ["Member", BOOSTER, other])
    player_two = guildie("Member", ["Initiate", other])

    push_roles(client=discord_client)

    uid = player_two.discord_user.discord_id
    assert role_calls(server) == [("PUT", uid, R["Member"]), ("DELETE", uid, R["Initiate"])]
    assert server_roles(server, player) == sorted([R["Member"], BOOSTER, other], key=int)
    assert stored_user(player_two).role_ids == sorted([R["Member"], other], key=int)


def test_idn29_a_refused_add_keeps_the_old_ladder_role_and_the_others_are_still_written(
    server, discord_client, guildie, writes_on
):
    """Issue 11 item 3: add first, remove only after the add succeeded. A refused add (403,
    the role above the bot's) leaves the member their old guild role, counted and reported."""
    refused = guildie("Member", ["Initiate"])
    written = guildie("Veteran", ["Member"])
    server.script("PUT", MEMBER_ROLE, [Reply.error(403, 50013, "Missing Permissions")])

    result = push_roles(client=discord_client)

    refused_id = refused.discord_user.discord_id
    written_id = written.discord_user.discord_id
    assert role_calls(server) == [
        ("PUT", refused_id, R["Member"]),
        ("PUT", written_id, R["Veteran"]),
        ("DELETE", written_id, R["Member"]),
    ]
    assert result.counts == {"role_adds": 1, "role_removals": 1, "role_errors": 1}
    assert server_roles(server, refused) == [R["Initiate"]]
    assert stored_user(refused).role_ids == [R["Initiate"]]
    assert server_roles(server, written) == [R["Veteran"]]
    assert stored_user(written).role_ids == [R["Veteran"]]
    assert result.changes == [
        {"discord_id": refused_id, "added": [], "removed": [], "kept": [R["Initiate"]]},
        {"discord_id": written_id, "added": [R["Veteran"]], "removed": [R["Member"]]},
    ]
    [line] = result.errors
    assert line.startswith(f"Could not add role Member ({R['Member']}) to ")
    assert refused_id in line and "HTTP 403" in line
    assert server.token not in line


def test_idn29_a_server_error_counts_an_error_and_the_run_goes_on(
    server, discord_client, guildie, writes_on, fake_time
):
    failing = guildie("Member", [])
    written = guildie("Member", [])
    server.script("PUT", MEMBER_ROLE, [500, 500, 500, 500])  # every retry of the first call

    result = push_roles(client=discord_client)

    assert result.counts == {"role_adds": 1, "role_removals": 0, "role_errors": 1}
    assert stored_user(failing).role_ids == []
    assert server_roles(server, written) == [R["Member"]]
    assert "HTTP 500" in result.errors[0]
    assert fake_time.sleeps == [1.0, 2.0, 4.0]  # the client's own retries, then given up


def test_idn29_a_member_gone_from_the_server_counts_an_error(
    server, discord_client, guildie, writes_on
):
    guildie("Member", [], on_server=False)
    result = push_roles(client=discord_client)
    assert result.counts["role_errors"] == 1
    assert "Unknown member" in result.errors[0]


def test_idn29_second_run_with_roles_matching_makes_no_call(
    server, discord_client, guildie, writes_on
):
    guildie("Veteran", ["Member"])
    guildie("Member", ["Officer"])
    guildie("Initiate", [BOOSTER])
    first = push_roles(client=discord_client)
    assert first.counts["role_adds"] == 3
    server.clear_log()

    second = push_roles(client=discord_client)

    assert server.requests == []
    assert second.changes == []
    assert second.counts == {"role_adds": 0, "role_removals": 0, "role_errors": 0}


# --- configuration --------------------------------------------------------------------------


def test_idn29_writes_on_but_discord_not_configured_reports_only_and_says_why(
    server, guildie, writes_on, settings
):
    settings.DISCORD_BOT_TOKEN = ""
    player = guildie("Member", ["Initiate"])

    result = push_roles()

    assert server.requests == []
    assert result.writes_enabled is False
    assert result.changes == [
        {
            "discord_id": player.discord_user.discord_id,
            "would_add": [R["Member"]],
            "would_remove": [R["Initiate"]],
        }
    ]
    assert result.errors == [role_push.NOT_CONFIGURED]
    assert "not configured" in result.stats_line()


def test_idn29_builds_its_own_client_from_settings_and_closes_it(
    server, guildie, writes_on, monkeypatch
):
    closed = []

    class RecordingClient(role_push.DiscordRestClient):
        def close(self):
            closed.append(self)
            super().close()

    monkeypatch.setattr(role_push, "DiscordRestClient", RecordingClient)
    player = guildie("Member", [])

    result = push_roles()

    assert server_roles(server, player) == [R["Member"]]
    assert result.counts["role_adds"] == 1
    assert len(closed) == 1


def test_idn29_a_client_passed_in_is_left_open(server, discord_client, guildie, writes_on):
    guildie("Member", [])
    push_roles(client=discord_client)
    guildie("Initiate", [])
    assert push_roles(client=discord_client).counts["role_adds"] == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_idn29_calls_discord_outside_any_transaction(
    server, discord_client, guildie, writes_on, monkeypatch
):
    seen = []
    for name in ("add_member_role", "remove_member_role"):
        original = getattr(discord_client, name)

        def spy(*args, _original=original, **kwargs):
            seen.append(connection.in_atomic_block)
            return _original(*args, **kwargs)

        monkeypatch.setattr(discord_client, name, spy)
    guildie("Veteran", ["Member"])

    push_roles(client=discord_client)

    assert seen == [False, False]
