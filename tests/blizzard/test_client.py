"""IDN-19 and IDN-20: requests, the token, retries and errors, over real HTTP to the fake."""

import base64
import logging
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from identity.blizzard import (
    BlizzardAuthError,
    BlizzardClient,
    BlizzardError,
    BlizzardNotConfigured,
    BlizzardRateLimited,
    BlizzardUnavailable,
    NotFound,
    user_agent,
)
from identity.testing.fake_blizzard import CLIENT_ID, CLIENT_SECRET
from tests.blizzard.helpers import GUILD, REALM, RecordingTime, make_client

ROSTER_PATH = f"/data/wow/guild/{REALM}/{GUILD}/roster"


@pytest.fixture
def rt():
    return RecordingTime()


# --- IDN-19 -------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["xx", "cn", "eu-west"])
def test_idn19_unsupported_region_fails_with_the_exact_message(fake_blizzard, region):
    with pytest.raises(BlizzardNotConfigured) as raised:
        BlizzardClient(region=region)
    assert str(raised.value) == f"Unsupported Blizzard region '{region}' (use us, eu, kr or tw)"


@pytest.mark.parametrize("region", ["us", "eu", "kr", "tw"])
def test_idn19_api_base_fills_region_and_namespace_is_profile_region(settings, region):
    client = BlizzardClient(
        region=region,
        client_id="id",
        client_secret="secret",
        api_url="https://{region}.api.blizzard.com",
        oauth_url="https://oauth.battle.net/",
    )
    assert client.base_url == f"https://{region}.api.blizzard.com"
    assert client.token_url == "https://oauth.battle.net/token"
    assert client.namespace == f"profile-{region}"


def test_idn19_region_defaults_to_the_setting(fake_blizzard, settings):
    settings.BLIZZARD_REGION = "eu"
    assert BlizzardClient().region == "eu"


def test_idn19_get_sends_bearer_header_namespace_locale_and_user_agent(fake_blizzard, rt):
    make_client(rt, region="us").get_roster(REALM, GUILD)
    token_request, roster_request = fake_blizzard.requests()
    assert (token_request.path, token_request.auth_scheme) == ("/oauth/token", "Basic")
    assert roster_request.path == ROSTER_PATH
    assert roster_request.auth_scheme == "Bearer"
    assert roster_request.query == {"namespace": "profile-us", "locale": "en_US"}
    assert roster_request.user_agent == user_agent()
    assert user_agent() == "PATT-Guild-Platform/0.1.0"


def test_idn19_locale_comes_from_the_setting(fake_blizzard, settings, rt):
    settings.BLIZZARD_LOCALE = "de_DE"
    make_client(rt).get_roster(REALM, GUILD)
    assert fake_blizzard.requests(ROSTER_PATH)[0].query["locale"] == "de_DE"


def test_idn19_token_is_cached_per_process_and_region(fake_blizzard, rt):
    make_client(rt).get_roster(REALM, GUILD)
    make_client(rt).get_profile("senjin", "Trogmoon")
    assert fake_blizzard.token_count == 1
    with pytest.raises(BlizzardError):  # the fake serves us only: eu's namespace is refused
        make_client(rt, region="eu").get_roster(REALM, GUILD)
    assert fake_blizzard.token_count == 2


def test_idn19_token_refetched_300_s_before_expiry(fake_blizzard, rt):
    fake_blizzard.expires_in = 1000
    client = make_client(rt)
    client.get_roster(REALM, GUILD)
    rt.now += 699
    client.get_roster(REALM, GUILD)
    assert fake_blizzard.token_count == 1
    rt.now += 2  # 701 s: within 300 s of expiry
    client.get_roster(REALM, GUILD)
    assert fake_blizzard.token_count == 2


def test_idn19_missing_expires_in_means_86400_s(fake_blizzard, rt):
    fake_blizzard.expires_in = None
    client = make_client(rt)
    client.get_roster(REALM, GUILD)
    rt.now += 86400 - 301
    client.get_roster(REALM, GUILD)
    assert fake_blizzard.token_count == 1
    rt.now += 2
    client.get_roster(REALM, GUILD)
    assert fake_blizzard.token_count == 2


def test_idn19_401_drops_token_fetches_a_new_one_and_retries_once(fake_blizzard, rt):
    client = make_client(rt)
    client.get_roster(REALM, GUILD)
    fake_blizzard.revoke_tokens()
    roster = client.get_roster(REALM, GUILD)
    assert roster.guild_name == "Pull All The Things"
    assert fake_blizzard.token_count == 2
    assert [r.status for r in fake_blizzard.requests(ROSTER_PATH)] == [200, 401, 200]


def test_idn19_second_401_raises_auth_error(fake_blizzard, rt):
    fake_blizzard.accept_tokens = False
    with pytest.raises(BlizzardAuthError):
        make_client(rt).get_roster(REALM, GUILD)
    assert [r.status for r in fake_blizzard.requests(ROSTER_PATH)] == [401, 401]
    assert fake_blizzard.token_count == 2


def test_idn19_token_failure_message_is_exact(fake_blizzard, settings, rt):
    settings.BLIZZARD_CLIENT_SECRET = "wrong"
    with pytest.raises(BlizzardAuthError) as raised:
        make_client(rt).get_roster(REALM, GUILD)
    assert str(raised.value) == (
        "Blizzard token request failed (HTTP 401): "
        "check BLIZZARD_CLIENT_ID / BLIZZARD_CLIENT_SECRET"
    )
    assert "wrong" not in str(raised.value)


@pytest.mark.parametrize("missing", ["BLIZZARD_CLIENT_ID", "BLIZZARD_CLIENT_SECRET"])
def test_idn19_missing_credentials_raise_not_configured_before_any_http(
    fake_blizzard, settings, rt, missing
):
    setattr(settings, missing, "")
    with pytest.raises(BlizzardNotConfigured):
        make_client(rt).get_roster(REALM, GUILD)
    assert fake_blizzard.requests() == []


def test_idn19_tokens_and_the_client_secret_never_reach_a_log_line_at_debug(
    fake_blizzard, rt, caplog
):
    """Issue 12 item 3: every request is logged at DEBUG (ours and urllib3's lines), and no
    line carries the bearer tokens, the client secret or the Basic credentials."""
    caplog.set_level(logging.DEBUG)
    client = make_client(rt)
    client.get_roster(REALM, GUILD)
    fake_blizzard.revoke_tokens()
    fake_blizzard.set_profile_mode("Trogmoon", "senjin", "server_error", n=1, status=503)
    client.get_roster(REALM, GUILD)  # 401: a second token
    client.get_profile("senjin", "Trogmoon")  # 503, then 200
    assert fake_blizzard.token_count == 2
    lines = [r.getMessage() for r in caplog.records if r.name == "identity.blizzard"]
    assert f"Blizzard GET {ROSTER_PATH} -> 401 (attempt 1, " in "\n".join(lines)
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    for secret in ("fake-token-1", "fake-token-2", CLIENT_SECRET, basic):
        assert secret not in caplog.text


# --- IDN-20 -------------------------------------------------------------------------------


def test_idn20_404_raises_not_found_without_retry(fake_blizzard, rt):
    with pytest.raises(NotFound) as raised:
        make_client(rt).get_profile("senjin", "Hiddenhand")
    assert raised.value.status == 404
    assert len(fake_blizzard.requests("/profile/")) == 1
    assert rt.sleeps == []


def test_idn20_429_waits_retry_after_seconds_plus_jitter(fake_blizzard, rt):
    fake_blizzard.set_profile_mode("Trogmoon", "senjin", "rate_limited", n=2, retry_after="3")
    profile = make_client(rt).get_profile("senjin", "Trogmoon")
    assert profile.name == "Trogmoon"
    assert rt.sleeps == [3.5, 3.5]
    assert rt.jitters == [(0.1, 1.0), (0.1, 1.0)]


def test_idn20_429_retry_after_as_http_date(fake_blizzard, rt):
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    when = format_datetime(now + timedelta(seconds=10), usegmt=True)
    fake_blizzard.set_profile_mode("Trogmoon", "senjin", "rate_limited", n=1, retry_after=when)
    make_client(rt, now=lambda: now).get_profile("senjin", "Trogmoon")
    assert rt.sleeps == [10.5]


def test_idn20_429_without_retry_after_waits_1_s(fake_blizzard, rt):
    fake_blizzard.set_profile_mode("Trogmoon", "senjin", "rate_limited", n=1, retry_after=None)
    make_client(rt).get_profile("senjin", "Trogmoon")
    assert rt.sleeps == [1.5]


def test_idn20_429_wait_capped_at_30_s(fake_blizzard, rt):
    fake_blizzard.set_profile_mode("Trogmoon", "senjin", "rate_limited", n=1, retry_after="600")
    make_client(rt).get_profile("senjin", "Trogmoon")
    assert rt.sleeps == [30.5]


def test_idn20_429_three_attempts_then_rate_limited(fake_blizzard, rt):
    fake_blizzard.set_profile_mode("Trogmoon", "senjin", "rate_limited", n=5, retry_after="2")
    with pytest.raises(BlizzardRateLimited):
        make_client(rt).get_profile("senjin", "Trogmoon")
    assert len(fake_blizzard.requests("/profile/")) == 3
    assert rt.sleeps == [2.5, 2.5]


def test_idn20_5xx_backs_off_1_then_2_s_plus_jitter(fake_blizzard, rt):
    fake_blizzard.set_profile_mode("Trogmoon", "senjin", "server_error", n=2, status=500)
    assert make_client(rt).get_profile("senjin", "Trogmoon").name == "Trogmoon"
    assert rt.sleeps == [1.5, 2.5]
    assert [r.status for r in fake_blizzard.requests("/profile/")] == [500, 500, 200]


def test_idn20_5xx_three_attempts_then_unavailable(fake_blizzard, rt):
    fake_blizzard.set_profile_mode("Trogmoon", "senjin", "server_error", n=None, status=503)
    with pytest.raises(BlizzardUnavailable) as raised:
        make_client(rt).get_profile("senjin", "Trogmoon")
    assert raised.value.status == 503
    assert len(fake_blizzard.requests("/profile/")) == 3
    assert rt.sleeps == [1.5, 2.5]


def test_idn20_timeout_is_retried_then_unavailable(fake_blizzard, rt):
    fake_blizzard.set_profile_mode("Trogmoon", "senjin", "slow", seconds=0.4)
    with pytest.raises(BlizzardUnavailable, match="ReadTimeout"):
        make_client(rt, timeout=(1.0, 0.1)).get_profile("senjin", "Trogmoon")
    assert rt.sleeps == [1.5, 2.5]


def test_idn20_connection_error_is_retried_then_unavailable(fake_blizzard, rt):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(BlizzardUnavailable, match="ConnectionError"):
        make_client(rt, api_url=dead).get_roster(REALM, GUILD)
    assert rt.sleeps == [1.5, 2.5]


def test_idn20_other_4xx_raises_blizzard_error_with_status_and_body_without_retry(
    fake_blizzard, rt
):
    with pytest.raises(BlizzardError) as raised:
        make_client(rt, region="eu").get_roster(REALM, GUILD)  # wrong namespace: 400
    assert type(raised.value) is BlizzardError
    assert raised.value.status == 400
    assert raised.value.body.startswith('{"code": 400')
    assert len(raised.value.body) <= 200
    assert len(fake_blizzard.requests(ROSTER_PATH)) == 1
    assert rt.sleeps == []


def test_idn20_a_200_answer_with_an_html_body_raises_blizzard_error_without_retry(
    fake_blizzard, rt
):
    """Issue 11 item 1: a proxy's HTML page with HTTP 200 is a failed call, not a raw
    JSON decode error escaping the client."""
    fake_blizzard.set_roster_mode("html")
    with pytest.raises(BlizzardError) as raised:
        make_client(rt).get_roster(REALM, GUILD)
    assert type(raised.value) is BlizzardError
    assert raised.value.status == 200
    assert raised.value.body.startswith("<html>")
    assert "not a JSON object (text/html)" in str(raised.value)
    assert len(fake_blizzard.requests(ROSTER_PATH)) == 1
    assert rt.sleeps == []


def test_idn19_a_token_answer_that_is_not_json_raises_blizzard_error(fake_blizzard, rt):
    fake_blizzard.token_html = True
    with pytest.raises(BlizzardError, match=r"answered the token endpoint \(HTTP 200\) with a"):
        make_client(rt).get_roster(REALM, GUILD)
    assert fake_blizzard.requests(ROSTER_PATH) == []


def test_idn20_fetch_profiles_keeps_going_and_reports_not_found_and_failed(fake_blizzard, rt):
    fake_blizzard.set_profile_mode("Shodoom", "bleeding-hollow", "server_error", n=None)
    client = make_client(rt)
    roster = client.get_roster(REALM, GUILD)
    progress = []
    results = client.fetch_profiles(roster.members, on_progress=lambda *p: progress.append(p))
    assert [m.name for m in results.not_found] == ["Hiddenhand"]
    assert [f.member.name for f in results.failed] == ["Shodoom"]
    assert isinstance(results.failed[0].error, BlizzardUnavailable)
    assert len(results.profiles) == len(roster.members) - 2
    assert progress[-1] == (30, 30)
    assert [done for done, _ in progress] == list(range(1, 31))
