"""IDN-49 … IDN-51: the fake Blizzard API behaves as the client and the demo need."""

import json
import time

import pytest
import requests

from identity.testing.fake_blizzard import DEMO_FIXTURE, FakeBlizzard, generate_guild, load_fixture

PARAMS = {"namespace": "profile-us", "locale": "en_US"}
ROSTER = "/data/wow/guild/senjin/pull-all-the-things/roster"


def _token(fake, auth=("fake-id", "fake-secret"), grant="client_credentials"):
    return requests.post(fake.oauth_url + "/token", data={"grant_type": grant}, auth=auth)


def _get(fake, path, token=None, params=PARAMS):
    token = token or _token(fake).json()["access_token"]
    return requests.get(
        fake.api_url + path, params=params, headers={"Authorization": f"Bearer {token}"}
    )


def test_idn50_token_issues_counted_bearer_tokens(fake_blizzard):
    body = _token(fake_blizzard).json()
    assert body == {"access_token": "fake-token-1", "token_type": "bearer", "expires_in": 86399}
    assert _token(fake_blizzard).json()["access_token"] == "fake-token-2"
    assert fake_blizzard.token_count == 2


def test_idn50_bad_basic_auth_is_401_invalid_client(fake_blizzard):
    response = _token(fake_blizzard, auth=("fake-id", "nope"))
    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})


def test_idn50_wrong_grant_type_is_400(fake_blizzard):
    assert _token(fake_blizzard, grant="password").status_code == 400


@pytest.mark.parametrize("token", ["", "fake-token-999"])
def test_idn50_missing_or_invalid_bearer_is_401(fake_blizzard, token):
    response = requests.get(
        fake_blizzard.api_url + ROSTER, params=PARAMS, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


def test_idn50_expired_or_revoked_bearer_is_401(fake_blizzard):
    fake_blizzard.expires_in = 0
    assert _get(fake_blizzard, ROSTER).status_code == 401
    fake_blizzard.expires_in = 100
    token = _token(fake_blizzard).json()["access_token"]
    fake_blizzard.revoke_tokens()
    assert _get(fake_blizzard, ROSTER, token=token).status_code == 401


@pytest.mark.parametrize(
    "params",
    [{"locale": "en_US"}, {"namespace": "profile-us"}, {"namespace": "static-us", "locale": "x"}],
)
def test_idn50_missing_or_wrong_namespace_or_locale_is_400(fake_blizzard, params):
    assert _get(fake_blizzard, ROSTER, params=params).status_code == 400


def test_idn50_unknown_guild_is_blizzard_style_404(fake_blizzard):
    response = _get(fake_blizzard, "/data/wow/guild/senjin/nobody/roster")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "type": "BLZWEBAPI00000404", "detail": "Not Found"}


def test_idn50_profile_found_by_decoded_lowercased_name(fake_blizzard):
    response = _get(fake_blizzard, "/profile/wow/character/sargeras/ZATA%C3%91%C3%91A")
    assert response.status_code == 200
    assert response.json()["name"] == "Zatañña"
    assert _get(fake_blizzard, "/profile/wow/character/senjin/nobody").status_code == 404


def test_idn50_rate_cap_answers_429_with_retry_after_1(fake_blizzard):
    fake_blizzard.rate_cap = 3
    token = _token(fake_blizzard).json()["access_token"]  # the token request counts too
    statuses = [_get(fake_blizzard, ROSTER, token=token) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 429, 429]
    assert statuses[-1].headers["Retry-After"] == "1"


def test_idn50_records_requests_without_credentials(fake_blizzard):
    _get(fake_blizzard, ROSTER)
    recorded = requests.get(fake_blizzard.base_url + "/_fake/requests").json()
    assert [(r["method"], r["path"], r["auth_scheme"]) for r in recorded] == [
        ("POST", "/oauth/token", "Basic"),
        ("GET", ROSTER, "Bearer"),
    ]
    assert recorded[1]["query"] == PARAMS
    assert "fake-token" not in json.dumps(recorded)


def test_idn50_control_endpoints_scenario_stats_and_reset(fake_blizzard):
    scenario = {"roster": "empty", "profiles": {"senjin/Trogmoon": "not_found"}}
    assert requests.post(fake_blizzard.base_url + "/_fake/scenario", json=scenario).ok
    assert _get(fake_blizzard, ROSTER).json()["members"] == []
    assert _get(fake_blizzard, "/profile/wow/character/senjin/trogmoon").status_code == 404
    stats = requests.get(fake_blizzard.base_url + "/_fake/stats").json()
    assert stats["token_count"] == 2
    assert stats["per_path"][ROSTER] == 1
    assert requests.post(fake_blizzard.base_url + "/_fake/reset").ok
    assert fake_blizzard.requests() == []
    assert len(_get(fake_blizzard, ROSTER).json()["members"]) == 30


def test_idn50_bad_scenario_is_400(fake_blizzard):
    bad = {"profiles": {"senjin/Trogmoon": "exploding"}}
    assert requests.post(fake_blizzard.base_url + "/_fake/scenario", json=bad).status_code == 400


def test_idn50_latency_delays_every_answer(fake_blizzard):
    fake_blizzard.latency = 0.2
    _get(fake_blizzard, ROSTER)
    recorded = fake_blizzard.requests(ROSTER)[0]
    assert recorded.ended - recorded.started >= 0.2


def test_idn51_demo_fixture_holds_the_patt_guild_and_its_edge_cases():
    fixture = load_fixture(DEMO_FIXTURE)
    by_name = {m["name"]: m for m in fixture["members"]}
    assert 25 <= len(by_name) <= 35
    assert fixture["region"] == "us"
    assert fixture["guild"]["slug"] == "pull-all-the-things"
    assert (by_name["Trogmoon"]["rank"], by_name["Trogmoon"]["realm"]["slug"]) == (0, "senjin")
    rank_one = {(m["name"], m["realm"]["slug"]) for m in fixture["members"] if m["rank"] == 1}
    assert rank_one == {
        ("Bloodvalor", "alterac-mountains"),
        ("Zatañña", "sargeras"),
        ("Shodoom", "bleeding-hollow"),
        ("Skatefarm", "tichondrius"),
    }
    assert {2, 3, 4} <= {m["rank"] for m in fixture["members"]}
    assert [m["rank"] for m in fixture["members"]].count(7) == 1
    assert [m["mode"] for m in fixture["members"]].count("not_found") == 1
    assert [m["profile"]["last_login_days_ago"] for m in fixture["members"]].count(45) == 1
    assert any(m["profile"]["spec_id"] is None for m in fixture["members"])


def test_idn51_last_login_days_ago_is_relative_to_now(fake_blizzard):
    body = _get(fake_blizzard, "/profile/wow/character/senjin/dustywind").json()
    days = (time.time() * 1000 - body["last_login_timestamp"]) / 86_400_000
    assert days == pytest.approx(45, abs=0.01)


def test_generated_guild_is_deterministic_with_unique_accented_names():
    guild = generate_guild(1000)
    names = [(m["realm"]["slug"], m["name"].lower()) for m in guild["members"]]
    assert len(set(names)) == 1000
    assert guild == generate_guild(1000)
    assert any(not m["name"].isascii() for m in guild["members"])


def test_fake_serves_a_generated_guild_of_any_size():
    fake = FakeBlizzard.generated(250).start()
    try:
        assert len(_get(fake, ROSTER).json()["members"]) == 250
    finally:
        fake.stop()
