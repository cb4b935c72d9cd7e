"""Fuzzing every form and JSON endpoint (issue 17 item 4).

Hypothesis posts generated input, valid-shaped and hostile (NUL bytes, unpaired surrogates,
text that grows when normalised, huge numbers, markup, wrong JSON types, unknown keys, invalid
UTF-8), as a visitor, a member and an officer. Two rules for every request:

- never a 500 (the test client re-raises a view's exception, so a crash fails the example);
- never a change of data on a refused request: a response of 400 or more writes nothing
  (no INSERT / UPDATE / DELETE outside the session, cache and task-queue tables).

Example counts are small and derandomized (the `fuzz` profile below), so the module costs
a few seconds and finds the same thing on every run.
"""

import json
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identity.uploads.tokens import create_token
from tests.campaigns.factories import live_campaign
from tests.campaigns.factories import member as campaign_member
from tests.factories import DiscordUserFactory, PlayerCharacterFactory, WowCharacterFactory, rank

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- hostile values ---------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "ﷺ" * 12,  # grows eighteen-fold under NFKC
    "ﷺ" * 70,
    "a" * 65,
    "a" * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "0",
    "-1",
    "1.5",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
    "🐉" * 40,
    "\u202eevil",
    "Trogmoon",
    "Sen'jin",
    "2026-02-30",
    "25:61",
    "monday",
]
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))
SCALAR = st.one_of(
    TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
JSON = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
ROLES = ("visitor", "member", "officer")
IGNORED_TABLES = re.compile(r"^(django_session|patt_cache|django_q_\w+)$")
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def bookkeeping(sql: str) -> bool:
    """A write that records the caller, not their input: UPL-3's token last-used time on a
    successful authentication (at most once a minute)."""
    return sql.lstrip().upper().startswith('UPDATE "IDENTITY_UPLOADTOKEN" SET "LAST_USED_AT"')


def form_data(actions, fields):
    """A form body: an `action` (a known one or hostile text) and any subset of `fields`
    (plus one unknown key), each value hostile text; some fields repeated (lists)."""
    value = TEXT | st.lists(TEXT, max_size=3)
    optional = dict.fromkeys(fields, value)
    optional["unknown-key"] = value
    return st.fixed_dictionaries(
        {"action": st.sampled_from(actions) | TEXT} if actions else {}, optional=optional
    )


def encode_form(data: dict) -> str:
    """urlencoded as a browser would, lone surrogates passed through as their (invalid) UTF-8
    bytes: the server sees what a hostile client can send."""
    return urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass")


def json_body(value) -> bytes:
    """JSON text; lone surrogates and NaN survive as the escapes a client can send."""
    return json.dumps(value, allow_nan=True).encode()


# --- the world and the checks -----------------------------------------------------------------


@pytest.fixture
def world(db):
    """A member with a character, an officer, a live campaign and an upload token."""
    member = campaign_member("Member", discord_user=DiscordUserFactory(username="trog"))
    character = WowCharacterFactory(name="Trogmoon", guild_rank=rank("Member"))
    PlayerCharacterFactory(player=member, character=character)
    officer = campaign_member("Officer", discord_user=DiscordUserFactory(username="boss"))
    clients = {"visitor": Client()}
    for role, player in (("member", member), ("officer", officer)):
        clients[role] = Client()
        clients[role].force_login(player.user)
        clients[role].get("/")  # ACC-36: the officer rule syncs staff access on a first request
    campaign = live_campaign(entries=4)
    token = create_token(name="Fuzz PC", owner=member)
    return {
        "clients": clients,
        "campaign": campaign,
        "entries": list(campaign.entries.values_list("pk", flat=True)),
        "secret": token.secret,
        "character": character,
    }


def send(client: Client, method: str, path: str, body=None, content_type=None, **headers):
    """One request; returns (response, tables written)."""
    with CaptureQueriesContext(connection) as queries:
        if method == "GET":
            response = client.get(path, **headers)
        else:
            response = client.generic(
                method, path, body or b"", content_type=content_type, **headers
            )
    written = set()
    for query in queries.captured_queries:
        match = WRITE.match(query["sql"])
        if match and not IGNORED_TABLES.match(match.group(1)) and not bookkeeping(query["sql"]):
            written.add(match.group(1))
    return response, written


def check(response, written, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.status_code >= 400:
        assert not written, f"{what}: refused with {response.status_code} but wrote {written}"


def post_form(world, role, path, data):
    body = encode_form(data)
    response, written = send(
        world["clients"][role], "POST", path, body, "application/x-www-form-urlencoded"
    )
    check(response, written, f"{role} POST {path} {data!r}")


# --- forms ------------------------------------------------------------------------------------

ROSTER_ACTIONS = [
    "add_character",
    "edit_character",
    "remove_character",
    "set_main",
    "save_availability",
    "leave_roster",
]
ROSTER_FIELDS = [
    "name",
    "realm",
    "playable_class",
    "spec",
    "character",
    "edit-character",
    "days",
    "notes",
    "auto_signup",
    "wants_reminders",
    "confirm",
    "is_main",
]


@FUZZ
@given(role=st.sampled_from(ROLES), data=form_data(ROSTER_ACTIONS, ROSTER_FIELDS))
def test_roster_forms(world, role, data):
    post_form(world, role, "/roster", data)


PROFILE_ACTIONS = ["display_name", "set_main", "offspec", "change_password"]
PROFILE_FIELDS = [
    "display_name",
    "main",
    "character",
    "offspec",
    "spec",
    "oldpassword",
    "old_password",
    "password1",
    "password2",
    "new_password1",
    "new_password2",
]


@FUZZ
@given(role=st.sampled_from(ROLES), data=form_data(PROFILE_ACTIONS, PROFILE_FIELDS))
def test_profile_forms(world, role, data):
    post_form(world, role, "/profile", data)


PLANNER_ACTIONS = [
    "create_raid_event",
    "create_guild_event",
    "save_template",
    "reset_templates",
    "test_connection",
]
PLANNER_FIELDS = [
    "date",
    "day",
    "time",
    "timezone",
    "duration",
    "template",
    "key",
    "title",
    "name",
    "description",
    "channel",
    "channel_id",
    "tab",
    "raid-title",
    "raid-description",
]


@FUZZ
@given(role=st.sampled_from(ROLES), data=form_data(PLANNER_ACTIONS, PLANNER_FIELDS))
def test_raid_planner_forms(world, role, data):
    post_form(world, role, "/raid-admin", data)


@FUZZ
@given(
    role=st.sampled_from(ROLES),
    data=form_data(["add", "edit", "delete"], ["kind", "text", "id"]),
    kind=st.sampled_from(["quote", "title"]) | TEXT,
)
def test_mitos_corner_forms(world, role, data, kind):
    post_form(world, role, "/mitos-corner", {**data, "kind": kind})


@FUZZ
@given(
    role=st.sampled_from(ROLES),
    data=form_data([], ["pick_1", "pick_2", "pick_3", "pick_4", "pick_5"]),
    valid=st.lists(st.integers(min_value=0, max_value=3), max_size=4),
)
def test_ballot_form(world, role, data, valid):
    for rank_number, index in enumerate(valid, start=1):  # some valid-shaped picks too
        data.setdefault(f"pick_{rank_number}", str(world["entries"][index]))
    post_form(world, role, f"/vote/{world['campaign'].pk}", data)


@FUZZ
@given(
    path=st.sampled_from(["/accounts/login/", "/accounts/signup/", "/login", "/register"]),
    data=form_data(
        [], ["login", "username", "password", "password1", "password2", "invite_code", "code"]
    ),
)
def test_sign_in_and_register_forms(world, path, data):
    post_form(world, "visitor", path, data)


# --- JSON endpoints ---------------------------------------------------------------------------


def post_json(world, role, path, body: bytes, **headers):
    response, written = send(
        world["clients"][role], "POST", path, body, "application/json", **headers
    )
    check(response, written, f"{role} POST {path} {body[:300]!r}")
    if path.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json"), path
        payload = json.loads(response.content)
        if response.status_code >= 400:
            assert payload["ok"] is False and payload["error"], payload


PICKS = st.lists(
    st.fixed_dictionaries(
        {"entry_id": st.integers(min_value=-1, max_value=10**6) | SCALAR, "rank": SCALAR}
    ),
    max_size=6,
)


@FUZZ
@given(
    role=st.sampled_from(ROLES),
    body=st.one_of(
        st.fixed_dictionaries({"picks": PICKS}),
        st.fixed_dictionaries({"picks": JSON}),
        JSON,
    ).map(json_body)
    | st.binary(max_size=40),
)
def test_ballot_api(world, role, body):
    post_json(world, role, f"/api/v1/campaigns/{world['campaign'].pk}/vote", body)


AVAILABILITY = st.fixed_dictionaries(
    {},
    optional={
        "discordName": TEXT,
        "monday": SCALAR,
        "friday": SCALAR,
        "autoSignup": SCALAR,
        "wantsReminders": SCALAR,
        "notes": SCALAR,
        "days": JSON,
    },
)


@FUZZ
@given(
    role=st.sampled_from(ROLES), body=(AVAILABILITY | JSON).map(json_body) | st.binary(max_size=40)
)
def test_availability_api(world, role, body):
    post_json(world, role, "/api/v1/guild/availability", body)


CHARACTER = st.fixed_dictionaries(
    {"name": TEXT, "realm": TEXT},
    optional={"guild_note": SCALAR, "officer_note": SCALAR, "rank_index": SCALAR, "level": SCALAR},
)
UPLOAD = st.fixed_dictionaries(
    {
        "schema_version": st.just(1) | SCALAR,
        "guild_name": st.just("Pull All The Things") | TEXT,
        "export_time": st.integers(min_value=-(2**40), max_value=2**40) | SCALAR,
        "characters": st.lists(CHARACTER, max_size=3) | JSON,
    },
    optional={
        "export_time_iso": TEXT,
        "addon_version": SCALAR,
        "can_view_officer_notes": SCALAR,
        "member_count": SCALAR,
        "companion_version": SCALAR,
        "unknown": JSON,
    },
)


@FUZZ
@given(
    token=st.sampled_from(["valid", "none", "junk"]),
    body=(UPLOAD | JSON).map(json_body) | st.binary(max_size=40),
)
def test_upload_api(world, token, body):
    headers = {}
    if token == "valid":
        headers["HTTP_AUTHORIZATION"] = f"Bearer {world['secret']}"
    elif token == "junk":
        headers["HTTP_AUTHORIZATION"] = "Bearer \x00not-a-token"
    post_json(world, "visitor", "/api/v1/guild-sync/addon-upload", body, **headers)


GET_PATHS = [
    "/",
    "/campaigns",
    "/roster-view",
    "/roster",
    "/profile",
    "/raid-admin",
    "/mitos-corner",
    "/api/v1/campaigns",
    "/api/v1/guild/roster-data",
    "/api/v1/guild/availability",
    "/api/v1/guild/roster",
    "/api/v1/guild/ranks",
]


@FUZZ
@given(
    role=st.sampled_from(ROLES),
    path=st.sampled_from(GET_PATHS) | st.integers(min_value=-1, max_value=2**63).map(str),
    query=st.dictionaries(
        st.sampled_from(["view", "sort", "page", "status", "tab", "q", "next", "day", "x"]),
        TEXT | st.lists(TEXT, max_size=2),
        max_size=3,
    ),
)
def test_pages_and_json_reads_with_hostile_query_strings(world, role, path, query):
    if path.lstrip("-").isdigit():
        path = f"/api/v1/campaigns/{path}/results"
    target = f"{path}?{encode_form(query)}" if query else path
    response, written = send(world["clients"][role], "GET", target)
    check(response, written, f"{role} GET {target}")
    assert not written, f"a GET wrote {written}"
