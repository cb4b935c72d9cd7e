"""The fake Discord server itself (BOT-30), driven with plain `requests`.

The REST client refuses what Discord would refuse (limits, bad ids) before it calls, so these
tests speak raw HTTP to check the fake answers as Discord does where later tests rely on it.
"""

import time

import pytest
import requests

from tests.fakes.fake_discord import Reply


@pytest.fixture
def api(fake_discord):
    """`api("GET", "/users/@me", ...)`: a call to the fake with the right token."""

    def call(method, path, *, token=None, **kwargs):
        headers = {"Authorization": f"Bot {token or fake_discord.token}"}
        return requests.request(
            method, fake_discord.base_url + path, headers=headers, timeout=5, **kwargs
        )

    return call


def test_bot30_a_wrong_token_is_401(api, fake_discord):
    response = api("GET", "/users/@me", token="nope")
    assert response.status_code == 401
    assert response.json() == {"message": "401: Unauthorized", "code": 0}
    assert fake_discord.requests[0].authorized is False


def test_bot30_lookups_and_unknown_ids(api, fake_discord):
    channel = fake_discord.add_channel(name="audit")
    g = fake_discord.guild_id
    assert api("GET", "/users/@me").json()["bot"] is True
    assert api("GET", f"/guilds/{g}").json()["id"] == g
    assert api("GET", f"/channels/{channel}").json()["name"] == "audit"
    assert api("GET", "/guilds/1").json()["code"] == 10004
    unknown_channel = api("GET", "/channels/1")
    assert (unknown_channel.status_code, unknown_channel.json()["code"]) == (404, 10003)


def test_bot30_member_limit_above_1000_is_400_50035(api, fake_discord):
    for limit in (1001, 0):
        response = api("GET", f"/guilds/{fake_discord.guild_id}/members", params={"limit": limit})
        assert response.status_code == 400
        assert response.json()["code"] == 50035
        assert "limit" in response.json()["errors"]


def test_bot30_members_sorted_by_id_with_exclusive_after(api, fake_discord):
    for user_id in ("30", "10", "20"):
        fake_discord.add_member(user_id)
    url = f"/guilds/{fake_discord.guild_id}/members"
    assert [m["user"]["id"] for m in api("GET", url).json()] == ["10"]  # Discord's default: 1
    page = api("GET", url, params={"limit": 1000, "after": "10"}).json()
    assert [m["user"]["id"] for m in page] == ["20", "30"]


def test_bot30_unknown_member_is_404_10007(api, fake_discord):
    response = api("GET", f"/guilds/{fake_discord.guild_id}/members/5")
    assert (response.status_code, response.json()["code"]) == (404, 10007)


def test_bot30_dm_channel_is_stable_per_recipient(api, fake_discord):
    alice, bob = (fake_discord.add_member()["user"]["id"] for _ in range(2))
    first = api("POST", "/users/@me/channels", json={"recipient_id": alice}).json()["id"]
    again = api("POST", "/users/@me/channels", json={"recipient_id": alice}).json()["id"]
    other = api("POST", "/users/@me/channels", json={"recipient_id": bob}).json()["id"]
    assert first == again != other
    assert fake_discord.dm_channel_id(alice) == first
    stranger = api("POST", "/users/@me/channels", json={"recipient_id": "5"})
    assert (stranger.status_code, stranger.json()["code"]) == (404, 10013)


@pytest.mark.parametrize(
    "payload, error_path",
    [
        ({"content": "x" * 2001}, "content"),
        ({"embeds": [{"title": "x" * 257}]}, "embeds"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "embeds"),
        ({"embeds": [{"description": "x" * 4096}, {"description": "x" * 1905}]}, "embeds"),
    ],
)
def test_bot30_messages_over_the_limits_are_400_50035(api, fake_discord, payload, error_path):
    channel = fake_discord.add_channel()
    response = api("POST", f"/channels/{channel}/messages", json=payload)
    assert (response.status_code, response.json()["code"]) == (400, 50035)
    assert error_path in response.json()["errors"]
    assert fake_discord.messages == []


def test_bot30_dms_closed_and_no_permission(api, fake_discord):
    user = fake_discord.add_member()["user"]["id"]
    fake_discord.close_dms(user)
    dm = api("POST", "/users/@me/channels", json={"recipient_id": user}).json()["id"]
    closed = api("POST", f"/channels/{dm}/messages", json={"content": "hi"})
    denied_channel = fake_discord.add_channel(no_permission=True)
    denied = api("POST", f"/channels/{denied_channel}/messages", json={"content": "hi"})
    assert (closed.status_code, closed.json()["code"]) == (403, 50007)
    assert (denied.status_code, denied.json()["code"]) == (403, 50013)
    fake_discord.close_dms(user, closed=False)
    assert api("POST", f"/channels/{dm}/messages", json={"content": "hi"}).ok
    assert [m.recipient_id for m in fake_discord.messages] == [user]


def test_bot30_a_member_who_left_cannot_be_dmed(api, fake_discord):
    user = fake_discord.add_member()["user"]["id"]
    dm = api("POST", "/users/@me/channels", json={"recipient_id": user}).json()["id"]
    fake_discord.remove_member(user)
    response = api("POST", f"/channels/{dm}/messages", json={"content": "hi"})
    assert (response.status_code, response.json()["code"]) == (404, 10013)


def test_bot30_roles_put_and_delete_update_the_member(api, fake_discord):
    user = fake_discord.add_member()["user"]["id"]
    role = fake_discord.add_role(name="Member")
    high = fake_discord.add_role(name="Admin", above_bot=True)
    path = f"/guilds/{fake_discord.guild_id}/members/{user}/roles/"

    assert api("PUT", path + role).status_code == 204
    assert fake_discord.member(user)["roles"] == [role]
    assert api("DELETE", path + role).status_code == 204
    assert fake_discord.member(user)["roles"] == []
    assert api("PUT", path + "1").json()["code"] == 10011
    above = api("PUT", path + high)
    assert (above.status_code, above.json()["code"]) == (403, 50013)


def test_bot30_scripted_replies_come_first_then_the_route_behaves(api, fake_discord):
    path = f"/guilds/{fake_discord.guild_id}/roles"
    fake_discord.script("GET", "/guilds/{id}/roles", [Reply.rate_limited(1.5, is_global=True), 502])

    limited = api("GET", path)
    assert limited.status_code == 429
    assert limited.json() == {
        "message": "You are being rate limited.",
        "global": True,
        "retry_after": 1.5,
    }
    assert limited.headers["Retry-After"] == "2"
    assert limited.headers["X-RateLimit-Global"] == "true"
    assert api("GET", path).status_code == 502
    assert api("GET", path).status_code == 200


def test_bot30_slow_replies_and_extra_headers(api, fake_discord):
    path = f"/guilds/{fake_discord.guild_id}/roles"
    fake_discord.script("GET", "/guilds/{g}/roles", [Reply.slow(0.2)])
    fake_discord.script("GET", "/guilds/{g}/roles", [Reply.bucket_exhausted("b", 3)])
    started = time.monotonic()
    assert api("GET", path).ok
    assert time.monotonic() - started >= 0.2
    response = api("GET", path)
    assert response.json()[0]["name"] == "@everyone"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Reset-After"] == "3"


def test_bot30_scripting_an_unknown_route_is_refused(fake_discord):
    with pytest.raises(ValueError, match="no route"):
        fake_discord.script("GET", "/guilds/{g}/bans", [500])


def test_bot30_the_request_log_strips_the_token(api, fake_discord):
    api("POST", "/users/@me/channels", json={"recipient_id": "1"}, params={"x": "y"})
    (request,) = fake_discord.requests
    assert (request.method, request.path, request.route) == (
        "POST",
        "/users/@me/channels",
        "/users/@me/channels",
    )
    assert (request.query, request.json) == ({"x": "y"}, {"recipient_id": "1"})
    assert request.header("Authorization") is None
    assert fake_discord.token not in repr(request)
