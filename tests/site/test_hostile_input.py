"""Hostile input is refused with a clear 400, never a 500 (issue 11 items 6 and 7).

The faults show on PostgreSQL: varchar(n) refuses longer text and text columns refuse NUL,
where SQLite stores either; CI runs these on PostgreSQL (DATABASE_URL). Every probe goes
through the real endpoint, so a database error would surface here as a raised exception.

- Item 6: text that grows when normalised (`ﷺ`, one character, is 18 in NFKD) must fit its
  column after normalisation: the `/roster` realm becomes a slug.
- Item 7: NUL and unpaired surrogates in any text input — form fields, raw POST values the
  views read themselves, and every string of a JSON body, keys and ignored keys included.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from identity.models import PlayerCharacter, WowCharacter
from patt.models import Quote, QuoteTitle
from patt.refusals import Refused
from patt.validators import UNSTORABLE_TEXT_MESSAGE
from roster.models import EventTemplate, PlayerAvailability, RaidPreferences, UpdatedVia
from roster.services.availability import save_availability
from roster.services.characters import REALM_TOO_LONG, resolve_realm
from tests.roster.member.support import add_post, client_for, member
from tests.roster.planner.support import officer

pytestmark = pytest.mark.django_db

NUL, SURROGATE = "\x00", "\ud800"
# One character whose NFKD form is 18 ("صلى الله عليه وسلم"): four of them make a 72-character
# realm slug, ten a 180-character one, from 4 and 10 typed characters.
GROWS = "\ufdfa"
REALM_COLUMN = WowCharacter._meta.get_field("realm_slug").max_length


def _html(response) -> str:
    return response.content.decode()


# --- item 6: /roster add character, the realm after normalisation ------------------------------


@pytest.mark.parametrize(
    ("realm", "message"),
    [
        pytest.param(GROWS * 4, REALM_TOO_LONG.format(max=REALM_COLUMN), id="4-chars-72-slug"),
        pytest.param(GROWS * 10, REALM_TOO_LONG.format(max=REALM_COLUMN), id="10-chars"),
        pytest.param(
            "x" * (REALM_COLUMN + 1),
            f"Ensure this value has at most {REALM_COLUMN} characters (it has {REALM_COLUMN + 1}).",
            id="typed-too-long",
        ),
        # "㎏" is "kg" in NFKD: 40 typed characters, an 80-character slug.
        pytest.param("\u338f" * 40, REALM_TOO_LONG.format(max=REALM_COLUMN), id="kg-sign-x40"),
        pytest.param("'()", "Enter a realm name.", id="no-letters"),
    ],
)
def test_ros14_realm_that_does_not_fit_its_column_is_a_form_error(realm, message):
    user, player = member()
    characters = WowCharacter.objects.count()

    response = client_for(user).post(
        "/roster", add_post("Trogmoon", "Druid", "Balance", realm=realm)
    )

    assert response.status_code == 400
    assert response.context["add_form"].errors["realm"] == [message]
    assert message.replace("'", "&#x27;") in _html(response)
    assert WowCharacter.objects.count() == characters
    assert not PlayerCharacter.objects.filter(player=player).exists()


def test_ros14_realm_filling_its_column_exactly_is_accepted():
    user, player = member()
    realm = "a" * REALM_COLUMN

    response = client_for(user).post(
        "/roster", add_post("Trogmoon", "Druid", "Balance", realm=realm)
    )

    assert response.status_code == 303
    character = PlayerCharacter.objects.get(player=player).character
    assert (character.realm_slug, character.realm_name) == (realm, realm)


@pytest.mark.parametrize("text", [f"Area{NUL}52", f"Area{SURROGATE}52"])
def test_ros14_resolve_realm_refuses_unstorable_text(text):
    """import_sheets' `--realm` reads realms through `resolve_realm` too, not only the form."""
    with pytest.raises(Refused) as refused:
        resolve_realm(text)

    assert (refused.value.field, refused.value.message) == ("realm", UNSTORABLE_TEXT_MESSAGE)


def test_ros14_nul_in_the_add_form_is_a_form_error():
    user, player = member()

    response = client_for(user).post(
        "/roster", add_post(f"Trog{NUL}moon", "Druid", "Balance", realm=f"Sen{NUL}jin")
    )

    assert response.status_code == 400
    assert (
        response.context["add_form"].errors["name"] and response.context["add_form"].errors["realm"]
    )
    assert not PlayerCharacter.objects.filter(player=player).exists()


def test_ros16_nul_in_the_availability_notes_is_a_form_error():
    user, player = member()

    response = client_for(user).post(
        "/roster", {"action": "save_availability", "avail-notes": f"out{NUL}", "avail-days": ["1"]}
    )

    assert response.status_code == 400
    assert response.context["availability_form"].errors["notes"]
    assert not RaidPreferences.objects.filter(player=player).exists()


@pytest.mark.parametrize("notes", [f"out{NUL}", f"out{SURROGATE}"])
def test_ros9_save_availability_refuses_unstorable_notes(notes):
    """The one writer (ROS-7) refuses for every entry point: page, API, admin, import."""
    _, player = member()

    with pytest.raises(ValidationError) as refused:
        save_availability(
            player, days=[1], auto_signup=False, wants_reminders=False, notes=notes, via="api"
        )

    assert refused.value.message_dict == {"notes": [UNSTORABLE_TEXT_MESSAGE]}
    assert not PlayerAvailability.objects.filter(player=player).exists()


# --- item 7: the availability JSON (ROS-61) ---------------------------------------------------


def _post_json(client, body):
    # json.dumps writes "\u0000" and "\ud800" as the escapes a hostile client would send.
    return client.post(
        "/api/v1/guild/availability", json.dumps(body), content_type="application/json"
    )


def _bodies(bad: str) -> list:
    return [
        {"notes": f"out{bad}"},
        {"discordName": f"trog{bad}"},
        {"availability": {f"monday{bad}": True}},
        {f"unknown{bad}": 1},
        {"unknown": f"x{bad}"},
        {"unknown": [{"deeper": [f"x{bad}"]}]},
    ]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(body, id=f"{kind}-{n}")
        for kind, bad in (("nul", NUL), ("surrogate", SURROGATE))
        for n, body in enumerate(_bodies(bad))
    ],
)
def test_ros61_unstorable_text_anywhere_in_the_body_is_400(body):
    user, _ = member()
    # A member's own post, and an officer's (who may name anyone: discordName reaches a query).
    for caller in (client_for(user), client_for(officer())):
        response = _post_json(caller, body)

        assert response.status_code == 400
        assert response.json() == {"ok": False, "error": UNSTORABLE_TEXT_MESSAGE}
    assert not RaidPreferences.objects.exists()


def test_ros61_raw_utf8_surrogate_bytes_are_400():
    """json.loads decodes bytes with surrogatepass: an encoded lone surrogate gets through."""
    user, _ = member()

    response = client_for(user).post(
        "/api/v1/guild/availability",
        b'{"notes": "\xed\xa0\x80"}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"] == UNSTORABLE_TEXT_MESSAGE


def test_ros61_deeply_nested_body_is_400_not_a_recursion_error():
    user, _ = member()

    response = client_for(user).post(
        "/api/v1/guild/availability", "[" * 10_000, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "Request body must be a JSON object."}


def test_ros61_clean_body_still_saves():
    user, player = member()

    response = _post_json(client_for(user), {"notes": "Out Tuesdays", "unknown": "ignored"})

    assert response.status_code == 200
    assert RaidPreferences.objects.get(player=player).updated_via == UpdatedVia.API


# --- item 7: Mito's Corner (ROS-55) -----------------------------------------------------------


@pytest.fixture
def officer_client() -> Client:
    return client_for(officer())


@pytest.mark.parametrize("kind", ["quote", "title"])
def test_ros55_nul_in_added_text_is_400_next_to_the_form(officer_client, kind):
    response = officer_client.post(
        "/mitos-corner", {"action": "add", "kind": kind, "text": f"Who{NUL} pulled?"}
    )

    assert response.status_code == 400
    assert f'id="add-{kind}-error">{UNSTORABLE_TEXT_MESSAGE}' in _html(response)
    assert not Quote.objects.exists() and not QuoteTitle.objects.exists()


def test_ros55_nul_in_edited_text_is_400_and_keeps_the_old_text(officer_client):
    quote = Quote.objects.create(text="Who pulled?")

    response = officer_client.post(
        "/mitos-corner", {"action": "edit", "kind": "quote", "id": quote.pk, "text": f"a{NUL}b"}
    )

    assert response.status_code == 400
    assert UNSTORABLE_TEXT_MESSAGE in _html(response)
    quote.refresh_from_db()
    assert quote.text == "Who pulled?"


@pytest.mark.parametrize("pk", [f"1{NUL}", "9" * 30, "１"])
def test_ros55_hostile_ids_are_not_found_messages(officer_client, pk):
    response = officer_client.post("/mitos-corner", {"action": "delete", "kind": "quote", "id": pk})

    assert response.status_code == 200
    assert "That quote no longer exists." in _html(response)


# --- item 7: the planner's event templates (ROS-39) -------------------------------------------


def test_ros39_nul_in_the_template_key_is_400(officer_client):
    response = officer_client.post(
        "/raid-admin", {"action": "save_template", "key": f"pvp{NUL}", f"pvp{NUL}-title": "x"}
    )

    assert response.status_code == 400
    assert UNSTORABLE_TEXT_MESSAGE in _html(response)


@pytest.mark.parametrize("field", ["title", "description"])
def test_ros39_nul_in_template_text_is_a_form_error(officer_client, field):
    data = {"action": "save_template", "key": "pvp", "pvp-key": "pvp", "pvp-title": "Arena"}
    data[f"pvp-{field}"] = f"Arena{NUL}"

    response = officer_client.post("/raid-admin", data)

    assert response.status_code == 400
    assert "Null characters are not allowed." in _html(response)
    assert EventTemplate.objects.get(key="pvp").title == "PvP Night"


@pytest.mark.parametrize(
    "query",
    [
        f"?day={NUL}",
        f"?tab=guild-event&template={NUL}",
        f"?partial=event-status&event={NUL}",
        "?event=" + "9" * 30,
        f"?tab={NUL}",
    ],
)
def test_ros33_hostile_query_parameters_are_no_500(officer_client, query):
    response = officer_client.get("/raid-admin" + query)

    assert response.status_code in (200, 404)
