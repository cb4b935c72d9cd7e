"""The Discord REST client over real HTTP against the fake server (BOT-14 … BOT-19, BOT-31).

Nothing of ours is patched: `discord_client` talks to `fake_discord` on 127.0.0.1 and sleeps
through `fake_time`, whose `sleeps` list is the record of every wait.
"""

import logging
import socket

import pytest

import patt
from patt.discord.errors import (
    ChannelNotFound,
    DiscordAuthError,
    DiscordBadRequest,
    DiscordBadResponse,
    DiscordNotConfigured,
    DiscordRateLimited,
    DiscordUnavailable,
    DMsClosed,
    GuildNotFound,
    MemberNotFound,
    MissingPermissions,
    RoleNotFound,
)
from patt.discord.rest import DiscordRestClient
from patt.models import SiteConfig
from tests.fakes.fake_discord import Reply

MEMBER = "/guilds/{guild_id}/members/{user_id}"
MESSAGES = "/channels/{channel_id}/messages"
ROLES = "/guilds/{guild_id}/roles"


@pytest.fixture
def member_id(fake_discord):
    return fake_discord.add_member(username="alice")["user"]["id"]


def client_for(fake, fake_time, **overrides) -> DiscordRestClient:
    options = {"guild_id": fake.guild_id, "sleep": fake_time.sleep, "clock": fake_time.clock}
    return DiscordRestClient(**{**options, **overrides})


# --- BOT-14: configuration and headers ------------------------------------------------------


@pytest.mark.django_db
def test_bot14_missing_token_or_server_id_raises_not_configured(settings):
    settings.DISCORD_BOT_TOKEN = ""
    settings.DISCORD_GUILD_ID = "123"
    with pytest.raises(DiscordNotConfigured):
        DiscordRestClient()
    settings.DISCORD_BOT_TOKEN = "a-token"
    settings.DISCORD_GUILD_ID = ""
    with pytest.raises(DiscordNotConfigured, match="no server id"):
        DiscordRestClient()


@pytest.mark.django_db
def test_bot14_server_id_comes_from_site_config_before_settings(fake_discord):
    assert DiscordRestClient().guild_id == fake_discord.guild_id  # settings fallback
    config = SiteConfig.get()
    config.discord_guild_id = "424242"
    config.save()
    assert DiscordRestClient().guild_id == "424242"


@pytest.mark.django_db
def test_bot14_every_request_sends_bot_token_and_user_agent(fake_discord, settings, member_id):
    client = DiscordRestClient()  # URL, token and server id from settings (the fixture's)
    assert client.get_guild_member(member_id)["user"]["username"] == "alice"
    (request,) = fake_discord.requests
    assert request.authorized  # the fake compared `Authorization: Bot <token>`
    assert request.header("User-Agent") == f"DiscordBot ({settings.SITE_URL}, {patt.__version__})"
    assert client.timeout == tuple(settings.DISCORD_HTTP_TIMEOUT)


# --- BOT-15: methods --------------------------------------------------------------------------


def test_bot15_list_guild_members_paginates_2500_members(fake_discord, discord_client):
    members = fake_discord.add_members(2500)

    listed = list(discord_client.list_guild_members())

    assert [m["user"]["id"] for m in listed] == [m["user"]["id"] for m in members]
    pages = fake_discord.requests_to("GET", "/guilds/{g}/members")
    assert [r.query for r in pages] == [
        {"limit": "1000"},
        {"limit": "1000", "after": members[999]["user"]["id"]},
        {"limit": "1000", "after": members[1999]["user"]["id"]},
    ]


def test_bot15_a_full_last_page_is_followed_by_an_empty_one(fake_discord, discord_client):
    fake_discord.add_members(1000)
    assert len(list(discord_client.list_guild_members())) == 1000
    assert len(fake_discord.requests) == 2


def test_bot15_after_is_the_highest_id_of_the_page(fake_discord, discord_client):
    """Snowflakes compare as numbers: "99" is the smallest id here, though the largest string."""
    fake_discord.add_member("99", "short")
    for n in range(999):
        fake_discord.add_member(str(10**18 + n))
    list(discord_client.list_guild_members())
    assert fake_discord.requests[1].query["after"] == str(10**18 + 998)


def test_bot15_get_member_and_roles(fake_discord, discord_client, member_id):
    officer = fake_discord.add_role(name="Officer")
    assert discord_client.get_guild_member(member_id)["user"]["id"] == member_id
    roles = discord_client.list_guild_roles()
    assert [role["name"] for role in roles] == ["@everyone", "Officer"]
    assert roles[1]["id"] == officer


def test_bot15_dm_channel_is_opened_once_per_user(fake_discord, discord_client, member_id):
    first = discord_client.send_dm(member_id, "one")
    second = discord_client.send_dm(member_id, "two")

    assert first != second
    (opened,) = fake_discord.requests_to("POST", "/users/@me/channels")
    assert opened.json == {"recipient_id": member_id}
    assert [m.content for m in fake_discord.dm_messages(member_id)] == ["one", "two"]
    assert [m.id for m in fake_discord.dm_messages(member_id)] == [first, second]


def test_bot15_channel_posts_mention_nobody_by_default(fake_discord, discord_client):
    channel = fake_discord.add_channel(name="audit")
    embed = {"title": "Report", "description": "@everyone look"}

    message_id = discord_client.post_channel_message(channel, "hi @everyone", [embed])
    discord_client.post_channel_message(channel, "ping", allowed_mentions={"parse": ["users"]})

    first, second = fake_discord.channel_messages(channel)
    assert (first.id, first.content, first.embeds) == (message_id, "hi @everyone", [embed])
    assert first.allowed_mentions == {"parse": []}
    assert second.allowed_mentions == {"parse": ["users"]}


def test_bot15_role_writes_carry_the_audit_log_reason(fake_discord, discord_client, member_id):
    role = fake_discord.add_role(name="Officer")

    discord_client.add_member_role(member_id, role, reason="Guild rank sync: Officer")
    assert fake_discord.member(member_id)["roles"] == [role]
    discord_client.remove_member_role(member_id, role, reason="Guild rank sync: Membre à l'essai")
    assert fake_discord.member(member_id)["roles"] == []

    put, delete = fake_discord.requests_to("PUT") + fake_discord.requests_to("DELETE")
    assert put.path == f"/guilds/{fake_discord.guild_id}/members/{member_id}/roles/{role}"
    assert put.header("X-Audit-Log-Reason") == "Guild%20rank%20sync%3A%20Officer"
    assert put.audit_log_reason == "Guild rank sync: Officer"
    assert delete.audit_log_reason == "Guild rank sync: Membre à l'essai"


@pytest.mark.parametrize(
    "content, embeds",
    [
        ("x" * 2001, None),
        (None, [{"title": "t"}] * 11),
        (None, [{"title": "x" * 257}]),
        (None, [{"description": "x" * 4097}]),
        (None, [{"fields": [{"name": "n", "value": "v"}] * 26}]),
        (None, [{"fields": [{"name": "x" * 257, "value": "v"}]}]),
        (None, [{"fields": [{"name": "n", "value": "x" * 1025}]}]),
        (None, [{"footer": {"text": "x" * 2049}}]),
        (None, [{"description": "x" * 4000}, {"description": "x" * 2001}]),  # total 6001
        (None, None),
    ],
    ids=[
        "content",
        "embeds",
        "title",
        "description",
        "fields",
        "field-name",
        "field-value",
        "footer",
        "total",
        "empty",
    ],
)
def test_bot15_messages_over_discord_limits_raise_value_error(
    fake_discord, discord_client, member_id, content, embeds
):
    channel = fake_discord.add_channel()
    with pytest.raises(ValueError):
        discord_client.post_channel_message(channel, content, embeds)
    with pytest.raises(ValueError):
        discord_client.send_dm(member_id, content, embeds)
    assert fake_discord.requests == []  # refused before any call, not even the DM channel


def test_bot15_messages_at_the_limits_are_sent(fake_discord, discord_client):
    channel = fake_discord.add_channel()
    fields = [{"name": "n" * 256, "value": "v" * 100}] * 4
    embeds = [{"title": "t" * 256, "description": "d" * 4096, "fields": fields}]
    embeds.append({"footer": {"text": "f" * (6000 - 256 - 4096 - 4 * 356)}})
    discord_client.post_channel_message(channel, "c" * 2000, embeds)
    assert len(fake_discord.channel_messages(channel)) == 1


# --- BOT-16: rate limits ----------------------------------------------------------------------


def test_bot16_429_waits_retry_after_then_succeeds(
    fake_discord, discord_client, fake_time, member_id, caplog
):
    fake_discord.script("GET", MEMBER, [Reply.rate_limited(1.5, bucket="abc123")])

    with caplog.at_level(logging.WARNING, logger="patt.discord.rest"):
        member = discord_client.get_guild_member(member_id)

    assert member["user"]["id"] == member_id
    assert fake_time.sleeps == [1.5]
    assert len(fake_discord.requests) == 2
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert MEMBER in warning.getMessage()
    assert "retry_after=1.500" in warning.getMessage()
    assert "bucket=abc123" in warning.getMessage()


def test_bot16_retry_after_header_is_used_when_the_body_has_none(
    fake_discord, discord_client, fake_time
):
    fake_discord.script("GET", ROLES, [Reply.rate_limited(2, in_body=False)])
    discord_client.list_guild_roles()
    assert fake_time.sleeps == [2.0]


def test_bot16_gives_up_after_three_retries(fake_discord, discord_client, fake_time, member_id):
    fake_discord.script("GET", MEMBER, [Reply.rate_limited(0.5)] * 4)

    with pytest.raises(DiscordRateLimited) as raised:
        discord_client.get_guild_member(member_id)

    assert fake_time.sleeps == [0.5, 0.5, 0.5]
    assert len(fake_discord.requests) == 4
    assert raised.value.transient
    assert (raised.value.status, raised.value.route) == (429, MEMBER)


def test_bot16_retry_after_above_the_cap_raises_without_sleeping(
    fake_discord, discord_client, fake_time, member_id, settings
):
    assert settings.DISCORD_MAX_RETRY_AFTER == 30
    fake_discord.script("GET", MEMBER, [Reply.rate_limited(31)])

    with pytest.raises(DiscordRateLimited) as raised:
        discord_client.get_guild_member(member_id)
    # The route stays blocked: the next call fails fast instead of earning another 429.
    with pytest.raises(DiscordRateLimited):
        discord_client.get_guild_member(member_id)

    assert raised.value.retry_after == 31
    assert fake_time.sleeps == []
    assert len(fake_discord.requests) == 1


def test_bot16_global_429_pauses_every_route(fake_discord, discord_client, fake_time, member_id):
    fake_discord.script("GET", MEMBER, [Reply.rate_limited(2.0, is_global=True)] * 4)

    with pytest.raises(DiscordRateLimited):
        discord_client.get_guild_member(member_id)
    assert fake_time.sleeps == [2.0, 2.0, 2.0]

    discord_client.list_guild_roles()  # another route waits out the global pause first
    assert fake_time.sleeps == [2.0, 2.0, 2.0, 2.0]
    assert [r.route for r in fake_discord.requests] == [MEMBER] * 4 + [ROLES]


def test_bot16_global_pause_above_the_cap_blocks_other_routes_without_calls(
    fake_discord, discord_client, fake_time, member_id
):
    fake_discord.script("GET", MEMBER, [Reply.rate_limited(45, is_global=True)])
    with pytest.raises(DiscordRateLimited):
        discord_client.get_guild_member(member_id)
    with pytest.raises(DiscordRateLimited):
        discord_client.list_guild_roles()
    assert len(fake_discord.requests) == 1
    assert fake_time.sleeps == []

    fake_time.advance(45)
    assert discord_client.list_guild_roles()
    assert fake_time.sleeps == []


def test_bot16_exhausted_bucket_waits_reset_after_before_its_next_request(
    fake_discord, discord_client, fake_time, member_id
):
    fake_discord.script("GET", MEMBER, [Reply.bucket_exhausted("members-bucket", 2.5)])

    discord_client.get_guild_member(member_id)
    assert fake_time.sleeps == []
    discord_client.list_guild_roles()  # another bucket: no wait
    assert fake_time.sleeps == []
    discord_client.get_guild_member(member_id)
    assert fake_time.sleeps == [2.5]
    discord_client.get_guild_member(member_id)  # the bucket has reset
    assert fake_time.sleeps == [2.5]


# --- BOT-17: unavailable Discord --------------------------------------------------------------


def test_bot17_502_503_504_are_retried_after_1_2_4_s_then_unavailable(
    fake_discord, discord_client, fake_time
):
    fake_discord.script("GET", ROLES, [502, 503, 504, 503])

    with pytest.raises(DiscordUnavailable) as raised:
        discord_client.list_guild_roles()

    assert fake_time.sleeps == [1.0, 2.0, 4.0]
    assert len(fake_discord.requests) == 4
    assert raised.value.transient
    assert raised.value.status == 503


def test_bot17_a_503_then_success(fake_discord, discord_client, fake_time, member_id):
    fake_discord.script("POST", MESSAGES, [503])
    discord_client.send_dm(member_id, "hello")
    assert fake_time.sleeps == [1.0]
    assert len(fake_discord.dm_messages(member_id)) == 1


def test_bot17_a_post_is_never_retried_after_a_500(fake_discord, discord_client, fake_time):
    channel = fake_discord.add_channel()
    fake_discord.script("POST", MESSAGES, [500])

    with pytest.raises(DiscordUnavailable) as raised:
        discord_client.post_channel_message(channel, "once")

    assert raised.value.status == 500
    assert len(fake_discord.requests_to("POST", MESSAGES)) == 1
    assert fake_time.sleeps == []


def test_bot17_a_get_is_retried_after_a_500(fake_discord, discord_client, fake_time):
    fake_discord.script("GET", ROLES, [500])
    assert discord_client.list_guild_roles()
    assert fake_time.sleeps == [1.0]


def test_bot17_timeouts_are_retried_then_unavailable(fake_discord, fake_time):
    client = client_for(fake_discord, fake_time, timeout=(1.0, 0.05))
    fake_discord.script("GET", ROLES, [Reply.slow(2)] * 4)

    with pytest.raises(DiscordUnavailable, match="ReadTimeout"):
        client.list_guild_roles()

    assert fake_time.sleeps == [1.0, 2.0, 4.0]
    assert len(fake_discord.requests) == 4


def test_bot17_a_post_that_timed_out_is_not_repeated(fake_discord, fake_time, member_id):
    # 0.5 s, not 0.05: the first DM (channel and message) must answer within it on a loaded
    # machine; only the scripted 2-second reply is meant to time out.
    client = client_for(fake_discord, fake_time, timeout=(1.0, 0.5))
    client.send_dm(member_id, "opens the DM channel")
    fake_discord.script("POST", MESSAGES, [Reply.slow(2)])

    with pytest.raises(DiscordUnavailable):
        client.send_dm(member_id, "may have been posted")

    assert len(fake_discord.requests_to("POST", MESSAGES)) == 2
    assert fake_time.sleeps == []


def test_bot17_connection_errors_are_retried_then_unavailable(fake_time):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    client = DiscordRestClient(
        token="t",
        guild_id="1",
        base_url=f"http://127.0.0.1:{port}/api/v10",
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )
    with pytest.raises(DiscordUnavailable, match="ConnectionError"):
        client.list_guild_roles()
    assert fake_time.sleeps == [1.0, 2.0, 4.0]


# --- BOT-18: typed errors ---------------------------------------------------------------------


def test_bot18_401_is_an_auth_error_and_never_repeated(fake_discord, fake_time):
    client = client_for(fake_discord, fake_time, token="wrong-token")

    with pytest.raises(DiscordAuthError) as raised:
        client.list_guild_roles()
    with pytest.raises(DiscordAuthError):
        client.list_guild_roles()

    assert (raised.value.status, raised.value.code) == (401, 0)
    assert (raised.value.method, raised.value.route) == ("GET", ROLES)
    assert not raised.value.transient
    assert len(fake_discord.requests) == 1
    assert fake_time.sleeps == []


def test_bot18_dms_closed(fake_discord, discord_client, member_id):
    fake_discord.close_dms(member_id)
    with pytest.raises(DMsClosed) as raised:
        discord_client.send_dm(member_id, "hello")
    assert (raised.value.status, raised.value.code, raised.value.route) == (403, 50007, MESSAGES)
    assert not raised.value.transient


def test_bot18_no_permission_in_a_channel_names_the_channel(fake_discord, discord_client):
    channel = fake_discord.add_channel(no_permission=True)
    with pytest.raises(MissingPermissions) as raised:
        discord_client.post_channel_message(channel, "hi")
    assert (raised.value.code, raised.value.resource_id) == (50013, channel)
    assert f"channel {channel}" in str(raised.value)


def test_bot18_a_role_above_the_bot_names_the_role(fake_discord, discord_client, member_id):
    role = fake_discord.add_role(name="Admin", above_bot=True)
    with pytest.raises(MissingPermissions) as raised:
        discord_client.add_member_role(member_id, role, reason="x")
    assert (raised.value.code, raised.value.resource_id) == (50013, role)
    assert f"role {role}" in str(raised.value)
    assert fake_discord.member(member_id)["roles"] == []


def test_bot18_missing_access_50001_is_missing_permissions(fake_discord, discord_client):
    fake_discord.script("GET", "/guilds/{g}/members", [Reply.error(403, 50001, "Missing Access")])
    with pytest.raises(MissingPermissions) as raised:
        list(discord_client.list_guild_members())
    assert (raised.value.status, raised.value.code) == (403, 50001)
    assert raised.value.resource_id == fake_discord.guild_id


def test_bot18_unknown_member_and_unknown_user(fake_discord, discord_client):
    with pytest.raises(MemberNotFound) as unknown_member:
        discord_client.get_guild_member("123456")
    with pytest.raises(MemberNotFound) as unknown_user:
        discord_client.send_dm("123456", "hello")
    assert (unknown_member.value.code, unknown_member.value.resource_id) == (10007, "123456")
    assert (unknown_user.value.code, unknown_user.value.resource_id) == (10013, "123456")
    assert unknown_user.value.route == "/users/@me/channels"


def test_bot18_unknown_channel_role_and_server(fake_discord, discord_client, fake_time, member_id):
    with pytest.raises(ChannelNotFound) as channel:
        discord_client.post_channel_message("777", "hi")
    with pytest.raises(RoleNotFound) as role:
        discord_client.add_member_role(member_id, "888")
    with pytest.raises(GuildNotFound) as guild:
        client_for(fake_discord, fake_time, guild_id="999").list_guild_roles()

    assert (channel.value.status, channel.value.code, channel.value.resource_id) == (
        404,
        10003,
        "777",
    )
    assert (role.value.code, role.value.resource_id) == (10011, "888")
    assert (guild.value.code, guild.value.resource_id) == (10004, "999")
    assert "Unknown role 888" in str(role.value)
    assert not any(e.value.transient for e in (channel, role, guild))


def test_bot18_bad_request_logs_the_field_errors(fake_discord, discord_client, caplog):
    channel = fake_discord.add_channel()
    errors = {"embeds": {"0": {"title": {"_errors": [{"code": "X", "message": "Too long."}]}}}}
    body = {"code": 50035, "message": "Invalid Form Body", "errors": errors}
    fake_discord.script("POST", MESSAGES, [Reply(400, body)])

    with (
        caplog.at_level(logging.ERROR, logger="patt.discord.rest"),
        pytest.raises(DiscordBadRequest) as raised,
    ):
        discord_client.post_channel_message(channel, "hi")

    assert (raised.value.status, raised.value.code) == (400, 50035)
    assert raised.value.field_errors == ["embeds.0.title: Too long."]
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "embeds.0.title: Too long." in record.getMessage()
    assert not raised.value.transient


LISTS_AND_OBJECTS = [
    ("GET", "/guilds/{guild_id}/members", lambda client, ids: list(client.list_guild_members())),
    ("GET", ROLES, lambda client, ids: client.list_guild_roles()),
    ("GET", MEMBER, lambda client, ids: client.get_guild_member(ids["member"])),
    ("POST", MESSAGES, lambda client, ids: client.post_channel_message(ids["channel"], "hi")),
    ("POST", "/users/@me/channels", lambda client, ids: client.send_dm(ids["member"], "hi")),
]


@pytest.mark.parametrize("method,route,call", LISTS_AND_OBJECTS)
def test_bot18_a_200_answer_with_an_html_body_is_a_bad_response(
    fake_discord, discord_client, member_id, method, route, call
):
    """Issue 11 item 1: a body that is not JSON (a proxy's HTML page with HTTP 200) is a
    typed, transient `DiscordBadResponse`, never a raw decode error."""
    ids = {"member": member_id, "channel": fake_discord.add_channel()}
    fake_discord.script(method, route, [Reply.html_page()])

    with pytest.raises(DiscordBadResponse) as raised:
        call(discord_client, ids)

    assert isinstance(raised.value, DiscordUnavailable) and raised.value.transient
    assert (raised.value.status, raised.value.method, raised.value.route) == (200, method, route)
    assert "not a JSON " in str(raised.value) and "(text/html)" in str(raised.value)


def test_bot18_json_of_the_wrong_shape_is_a_bad_response(fake_discord, discord_client):
    fake_discord.script("GET", ROLES, [Reply(200, {"message": "not a list"})])
    with pytest.raises(DiscordBadResponse, match="not a JSON list"):
        discord_client.list_guild_roles()


# --- BOT-19: logging, and the token nowhere -------------------------------------------------


def test_bot19_each_request_is_logged_at_debug(fake_discord, discord_client, caplog):
    fake_discord.script("GET", ROLES, [503])
    with caplog.at_level(logging.DEBUG, logger="patt.discord.rest"):
        discord_client.list_guild_roles()
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(lines) == 2
    assert lines[0].startswith(f"Discord GET {ROLES} -> 503 (attempt 1, ")
    assert lines[1].startswith(f"Discord GET {ROLES} -> 200 (attempt 2, ")
    assert lines[1].endswith(" ms)")


def test_bot19_the_token_is_never_logged_nor_in_errors(fake_discord, fake_time, caplog, member_id):
    token = fake_discord.token
    client = client_for(fake_discord, fake_time)
    wrong = client_for(fake_discord, fake_time, token="wrong-" + token)
    channel = fake_discord.add_channel(no_permission=True)
    fake_discord.close_dms(member_id)
    fake_discord.script("GET", ROLES, [Reply.rate_limited(40), 502, 502, 502, 502])
    bad = Reply(400, {"code": 50035, "message": "Invalid Form Body", "errors": {}})
    fake_discord.script("GET", MEMBER, [bad])
    failures = []

    with caplog.at_level(logging.DEBUG):
        for call in (
            wrong.list_guild_roles,  # 401
            client.list_guild_roles,  # 429 above the cap
            lambda: client_for(fake_discord, fake_time).list_guild_roles(),  # 502 x 4
            lambda: client.get_guild_member(member_id),  # 400
            lambda: client.send_dm(member_id, "hi"),  # 403 50007
            lambda: client.post_channel_message(channel, "hi"),  # 403 50013
            lambda: client.get_guild_member("1"),  # 404
        ):
            with pytest.raises(Exception) as raised:
                call()
            failures.append(raised.value)

    assert [type(f).__name__ for f in failures] == [
        "DiscordAuthError",
        "DiscordRateLimited",
        "DiscordUnavailable",
        "DiscordBadRequest",
        "DMsClosed",
        "MissingPermissions",
        "MemberNotFound",
    ]
    assert caplog.records  # the debug, warning and error lines were captured
    assert token not in caplog.text
    for failure in failures:
        assert token not in str(failure) and token not in repr(failure)
    assert token not in repr(client)
    for request in fake_discord.requests:
        assert token not in str(request)
