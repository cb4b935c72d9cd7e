"""The Raid-Helper client over real HTTP against the loopback fake (ROS-43 … ROS-48)."""

import itertools
import logging
import socket

import pytest

from roster.raid_helper import (
    NO_ANSWER,
    NO_EVENT_ID,
    REJECTED,
    RaidHelperClient,
    RaidHelperError,
)
from tests.fakes.fake_raid_helper import Reply

SID = "800000000000000001"
CHANNEL = "300000000000000001"
CREATE_ROUTE = "/servers/{server_id}/channels/{channel_id}/event"
SIGNUP_ROUTE = "/events/{event_id}/signups"
PAYLOAD = {
    "leaderId": "195547238959677441",
    "templateId": "wowretail2",
    "date": "5-1-2026",
    "time": "21:00",
    "title": "Heroic Raid",
    "description": "Roster auto-generated. 3 available.",
    "duration": 120,
}


class Waits:
    """An injected sleep that records the waits and sleeps for real only a little."""

    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def client(fake_raid_helper):
    with RaidHelperClient() as client:
        yield client


def create(client):
    return client.create_event(server_id=SID, channel_id=CHANNEL, payload=PAYLOAD)


def test_ros43_create_sends_bare_key_json_and_reads_nested_event_id(fake_raid_helper, client):
    event_id = create(client)
    (request,) = fake_raid_helper.requests_to("POST", CREATE_ROUTE)
    assert request.path == f"/api/v4/servers/{SID}/channels/{CHANNEL}/event"
    assert request.header("Authorization") == fake_raid_helper.api_key  # no "Bearer"
    assert request.header("Content-Type") == "application/json"
    assert request.body == PAYLOAD
    assert event_id in fake_raid_helper.events and len(event_id) == 18


def test_ros43_create_reads_top_level_id(fake_raid_helper, client):
    fake_raid_helper.event_id_shape = "top"
    assert create(client) in fake_raid_helper.events


def test_ros43_missing_event_id_is_an_error(fake_raid_helper, client):
    fake_raid_helper.script("POST", CREATE_ROUTE, [Reply(200, {"event": {"title": "x"}})])
    with pytest.raises(RaidHelperError) as raised:
        create(client)
    assert str(raised.value) == NO_EVENT_ID == "Raid-Helper did not return an event id."


@pytest.mark.parametrize("status", [500, 503, 429])
def test_ros45_create_is_never_retried(fake_raid_helper, status):
    fake_raid_helper.script("POST", CREATE_ROUTE, [Reply(status, {})])
    waits = Waits()
    with RaidHelperClient(sleep=waits) as client, pytest.raises(RaidHelperError):
        create(client)
    assert len(fake_raid_helper.requests_to("POST", CREATE_ROUTE)) == 1
    assert fake_raid_helper.events == {}


def test_ros45_read_timeout_20s_connect_5s_and_timeout_message(fake_raid_helper):
    assert RaidHelperClient().timeout == (5.0, 20.0)
    fake_raid_helper.script("POST", CREATE_ROUTE, [Reply.slow(1.0)])
    with RaidHelperClient(timeout=(5.0, 0.2)) as client, pytest.raises(RaidHelperError) as raised:
        create(client)
    assert str(raised.value) == NO_ANSWER
    assert len(fake_raid_helper.requests_to("POST", CREATE_ROUTE)) == 1


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(401, {"error": "unauthorized"}), REJECTED),
        (Reply(403, {"error": "forbidden"}), REJECTED),
        (Reply(400, {"error": "invalid date"}), "invalid date"),
        (Reply(404, None), "Raid-Helper refused the request (HTTP 404)."),
        (Reply(500, {"error": "boom"}), NO_ANSWER),
        (Reply(502, None), "Raid-Helper did not answer; check Discord before trying again."),
    ],
)
def test_ros46_error_mapping(fake_raid_helper, client, reply, message):
    fake_raid_helper.script("POST", CREATE_ROUTE, [reply])
    with pytest.raises(RaidHelperError) as raised:
        create(client)
    assert str(raised.value) == message


def test_ros46_real_wrong_key_is_rejected(fake_raid_helper):
    client = RaidHelperClient(api_key="Bearer " + fake_raid_helper.api_key)
    with client, pytest.raises(RaidHelperError) as raised:
        create(client)
    assert str(raised.value) == REJECTED


def test_ros46_unreachable_server_did_not_answer():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    client = RaidHelperClient(api_key="k", base_url=f"http://127.0.0.1:{port}")
    with client, pytest.raises(RaidHelperError) as raised:
        create(client)
    assert str(raised.value) == NO_ANSWER


def test_ros44_signups_are_spaced_at_least_200ms(fake_raid_helper, client):
    event_id = fake_raid_helper.add_event()
    for user in ("1", "2", "3", "4"):
        client.add_signup(event_id, {"userId": user, "className": "Absence"})
    times = [r.at for r in fake_raid_helper.requests_to("POST", SIGNUP_ROUTE)]
    assert len(times) == 4
    assert all(b - a >= 0.2 for a, b in itertools.pairwise(times))


def test_ros44_signup_delay_comes_from_settings(fake_raid_helper, settings):
    settings.RAID_HELPER_SIGNUP_DELAY_MS = 350
    event_id = fake_raid_helper.add_event()
    with RaidHelperClient() as client:
        client.add_signup(event_id, {"userId": "1", "className": "Absence"})
        client.add_signup(event_id, {"userId": "2", "className": "Absence"})
    first, second = fake_raid_helper.requests_to("POST", SIGNUP_ROUTE)
    assert second.at - first.at >= 0.35


def test_ros45_signup_retries_429_honouring_retry_after_and_5xx(fake_raid_helper):
    event_id = fake_raid_helper.add_event()
    fake_raid_helper.script("POST", SIGNUP_ROUTE, [Reply.rate_limited(0.5), Reply.server_error()])
    waits = Waits()
    with RaidHelperClient(sleep=waits) as client:
        client.add_signup(event_id, {"userId": "1", "className": "Absence"})
    assert len(fake_raid_helper.requests_to("POST", SIGNUP_ROUTE)) == 3
    assert 0.5 in waits.waits
    assert fake_raid_helper.signups[event_id] == [{"userId": "1", "className": "Absence"}]


def test_ros45_retry_after_is_capped_at_30s(fake_raid_helper):
    event_id = fake_raid_helper.add_event()
    fake_raid_helper.script("POST", SIGNUP_ROUTE, [Reply.rate_limited(120)])
    waits = Waits()
    with RaidHelperClient(sleep=waits) as client:
        client.add_signup(event_id, {"userId": "1", "className": "Absence"})
    assert max(waits.waits) == 30.0


def test_ros45_signup_gives_up_after_two_retries(fake_raid_helper):
    event_id = fake_raid_helper.add_event()
    fake_raid_helper.script("POST", SIGNUP_ROUTE, [Reply(500, {})] * 3)
    with RaidHelperClient(sleep=Waits()) as client, pytest.raises(RaidHelperError) as raised:
        client.add_signup(event_id, {"userId": "1", "className": "Absence"})
    assert str(raised.value) == NO_ANSWER and raised.value.status == 500
    assert len(fake_raid_helper.requests_to("POST", SIGNUP_ROUTE)) == 3


def test_ros45_signup_4xx_is_not_retried(fake_raid_helper, client):
    event_id = fake_raid_helper.add_event()
    with pytest.raises(RaidHelperError) as raised:
        client.add_signup(event_id, {"userId": "1", "className": "Paladin"})
    assert str(raised.value) == "invalid className" and raised.value.status == 400
    assert len(fake_raid_helper.requests_to("POST", SIGNUP_ROUTE)) == 1


def test_ros48_posted_events_count(fake_raid_helper, client):
    fake_raid_helper.add_event()
    fake_raid_helper.add_event()
    assert client.posted_events_count(SID) == 2
    with pytest.raises(RaidHelperError) as raised:
        client.posted_events_count("800000000000000999")
    assert str(raised.value) == REJECTED


def test_ros47_the_key_is_never_logged(fake_raid_helper, caplog):
    caplog.set_level(logging.DEBUG)
    event_id = fake_raid_helper.add_event()
    fake_raid_helper.script("POST", CREATE_ROUTE, [Reply(401, {"error": "unauthorized"})])
    fake_raid_helper.script("POST", SIGNUP_ROUTE, [Reply(500, {})] * 3)
    with RaidHelperClient(sleep=Waits()) as client:
        with pytest.raises(RaidHelperError):
            create(client)
        with pytest.raises(RaidHelperError):
            client.add_signup(event_id, {"userId": "1", "className": "Absence"})
        assert fake_raid_helper.api_key not in repr(client)
    assert caplog.records, "failures are logged"
    assert fake_raid_helper.api_key not in caplog.text
