"""The fake Raid-Helper API itself (ROS-50, ROS-51): routes, validation, recording, scripts.

Plain `requests` against the loopback server, so the fake's contract is checked independently
of our client.
"""

import time

import pytest
import requests

from tests.fakes.fake_raid_helper import ROLE_SPECS, STATUS_CLASSES, FakeRaidHelper, Reply

SID = "800000000000000001"
CREATE = f"/servers/{SID}/channels/300000000000000001/event"
GOOD_EVENT = {
    "leaderId": "195547238959677441",
    "templateId": "wowretail2",
    "date": "5-1-2026",
    "time": "21:00",
    "title": "Heroic Raid",
    "description": "",
    "duration": 120,
}


@pytest.fixture
def fake():
    server = FakeRaidHelper().start()
    yield server
    server.stop()


def call(fake, method, path, body=None, key=None):
    headers = {"Authorization": fake.api_key if key is None else key}
    return requests.request(method, fake.base_url + path, json=body, headers=headers, timeout=5)


def test_ros50_create_answers_an_18_digit_event_id_nested_and_top_level(fake):
    nested = call(fake, "POST", CREATE, GOOD_EVENT).json()
    assert len(nested["event"]["id"]) == 18 and nested["event"]["id"].isdigit()
    assert nested["event"]["title"] == "Heroic Raid"
    fake.event_id_shape = "top"
    top = call(fake, "POST", CREATE, GOOD_EVENT).json()
    assert "event" not in top and len(top["id"]) == 18


def test_ros50_posted_events_signups_and_event_classes(fake):
    event_id = call(fake, "POST", CREATE, GOOD_EVENT).json()["event"]["id"]
    listed = call(fake, "GET", f"/servers/{SID}/events").json()
    assert [e["id"] for e in listed["postedEvents"]] == [event_id]
    signup = call(
        fake,
        "POST",
        f"/events/{event_id}/signups",
        {"userId": "1", "className": "Tank", "specName": "Blood"},
    )
    assert (signup.status_code, signup.json()) == (200, {"status": "ok"})
    classes = call(fake, "GET", f"/events/{event_id}").json()["classes"]
    names = [c["name"] for c in classes]
    assert names == ["Tank", "Healer", "Melee", "Ranged", "Tentative", "Bench", "Absence", "Late"]
    tank = classes[0]
    assert {"name": "Protection", "roleName": "Tank"} in tank["specs"]
    # ROS-10 totals: Tank 6, Healer 7, Melee 13, Ranged 14
    assert [len(c["specs"]) for c in classes[:4]] == [6, 7, 13, 14]


def test_ros50_other_paths_are_404(fake):
    event_id = fake.add_event()
    assert (
        call(fake, "PUT", f"/events/{event_id}/signup/123", {"className": "Tank"}).status_code
        == 404
    )
    assert call(fake, "GET", "/nothing/here").status_code == 404


@pytest.mark.parametrize("key", ["", "wrong", "Bearer {key}"])
def test_ros51_authorization_must_equal_the_key_exactly(fake, key):
    response = call(fake, "GET", f"/servers/{SID}/events", key=key.format(key=fake.api_key))
    assert (response.status_code, response.json()) == (401, {"error": "unauthorized"})


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("date", "05-01-2026", "invalid date"),
        ("date", "2026-01-05", "invalid date"),
        ("date", "31-2-2026", "invalid date"),
        ("time", "9:00", "invalid time"),
        ("time", "21:60", "invalid time"),
        ("title", "", "missing title"),
        ("leaderId", None, "missing leaderId"),
    ],
)
def test_ros51_create_validates_required_fields_date_and_time(fake, field, value, error):
    response = call(fake, "POST", CREATE, {**GOOD_EVENT, field: value})
    assert (response.status_code, response.json()) == (400, {"error": error})


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"userId": "1"}, "missing className"),
        ({"userId": "1", "className": "Paladin"}, "invalid className"),
        ({"userId": "1", "className": "Tank", "specName": "Frost"}, "invalid specName"),
        ({"userId": "1", "className": "Tentative", "specName": "Blood"}, "invalid specName"),
    ],
)
def test_ros51_signup_validation(fake, body, error):
    event_id = fake.add_event()
    response = call(fake, "POST", f"/events/{event_id}/signups", body)
    assert (response.status_code, response.json()) == (400, {"error": error})


def test_ros51_signup_on_unknown_event_is_404_and_status_classes_take_no_spec(fake):
    assert (
        call(fake, "POST", "/events/999/signups", {"userId": "1", "className": "Tank"}).status_code
        == 404
    )
    event_id = fake.add_event()
    for name in STATUS_CLASSES:
        assert (
            call(
                fake, "POST", f"/events/{event_id}/signups", {"userId": "1", "className": name}
            ).status_code
            == 200
        )
    assert set(ROLE_SPECS) == {"Tank", "Healer", "Melee", "Ranged"}


def test_ros51_non_json_body_is_refused(fake):
    response = requests.post(
        fake.base_url + CREATE, data=b"not json", headers={"Authorization": fake.api_key}, timeout=5
    )
    assert (response.status_code, response.json()) == (400, {"error": "invalid json"})


def test_ros51_records_requests_and_serves_scripted_429_500_and_delays(fake):
    event_id = fake.add_event()
    route = "/events/{event_id}/signups"
    fake.script("POST", route, [Reply.rate_limited(3), Reply.server_error(), Reply.slow(0.3)])
    body = {"userId": "1", "className": "Absence"}
    first = call(fake, "POST", f"/events/{event_id}/signups", body)
    assert first.status_code == 429 and first.headers["Retry-After"] == "3"
    assert call(fake, "POST", f"/events/{event_id}/signups", body).status_code == 500
    started = time.monotonic()
    assert call(fake, "POST", f"/events/{event_id}/signups", body).status_code == 200
    assert time.monotonic() - started >= 0.3
    recorded = fake.requests_to("POST", route)
    assert [r.body for r in recorded] == [body] * 3
    assert recorded[0].header("Authorization") == fake.api_key
    assert recorded[0].at <= recorded[1].at <= recorded[2].at
