"""`/roster` — my raid roster page (ROS-1, ROS-7, ROS-12 … ROS-17)."""

import re

import pytest
from django.test import Client

from identity.models import PlayerCharacter, WowCharacter
from patt.models import SiteConfig
from roster.models import PlayerAvailability, RaidPreferences
from roster.services.availability import availability_of, save_availability
from tests.factories import (
    PlayerCharacterFactory,
    PlayerFactory,
    UserFactory,
    WowCharacterFactory,
    playable_class,
    spec,
)
from tests.roster.member.support import add_post, availability_post, client_for, member
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


# --- ROS-12 who sees what -------------------------------------------------------------------


def test_ros12_anonymous_sees_sign_in_invitation_with_discord_and_password_links(settings):
    settings.DISCORD_CLIENT_ID = "123"

    response = Client().get("/roster")

    html = _html(response)
    assert response.status_code == 200
    assert "Sign in with Discord to join the raid roster" in html
    assert 'action="/accounts/discord/login/"' in html
    assert 'name="next" value="/roster"' in html
    assert 'href="/accounts/login/?next=/roster"' in html
    assert 'name="action"' not in html


def test_ros12_anonymous_without_discord_app_still_gets_the_password_link(settings):
    settings.DISCORD_CLIENT_ID = ""

    html = _html(Client().get("/roster"))

    assert "Sign in with Discord to join the raid roster" in html
    assert 'href="/accounts/login/?next=/roster"' in html


def test_ros12_anonymous_post_changes_nothing():
    response = Client().post("/roster", availability_post([1]))

    assert response.status_code == 303
    assert not PlayerAvailability.objects.exists()


def test_ros12_user_without_player_sees_not_linked_and_no_form():
    client = client_for(UserFactory(username="loner"))

    html = _html(client.get("/roster"))

    assert "Your account isn&#x27;t linked to a guild member yet — ask an officer." in html
    assert 'name="action"' not in html


def test_ros12_user_without_player_cannot_post():
    client = client_for(UserFactory(username="loner"))

    response = client.post("/roster", availability_post([1]))

    assert "isn&#x27;t linked to a guild member yet" in _html(response)
    assert not PlayerAvailability.objects.exists()


def test_ros12_inactive_player_gets_no_form():
    """The site signs an inactive player out (identity middleware); no roster form either way."""
    user, player = member()
    player.is_active = False
    player.save()

    html = _html(client_for(user).get("/roster"))

    assert 'name="action"' not in html


# --- ROS-13 page parts ----------------------------------------------------------------------


def test_ros13_page_parts_each_form_with_its_own_action_and_csrf():
    config = SiteConfig.get()
    config.raid_schedule_text = "Tuesdays and Thursdays, 9 pm Eastern"
    config.save()
    user, _ = member()

    html = _html(client_for(user).get("/roster"))

    assert "Tuesdays and Thursdays, 9 pm Eastern" in html
    for heading in ("My characters", "Add a character", "Availability &amp; preferences"):
        assert heading in html
    for action in ("add_character", "save_availability"):
        assert f'name="action" value="{action}"' in html
    assert html.count('name="csrfmiddlewaretoken"') >= 2


def test_ros13_characters_table_shows_name_realm_class_spec_role_main_alt():
    user, _player = member()
    client = client_for(user)
    client.post("/roster", add_post("Trogmoon", "Druid", "Balance"))
    client.post("/roster", add_post("Bonk", "Death Knight", "Blood"))

    html = _html(client.get("/roster"))

    table = html.split('class="roster-table card-table"')[1].split("</table>")[0]
    assert table.index("Trogmoon") < table.index("Bonk")  # main first
    assert "Sen&#x27;jin" in table
    assert "Druid · Balance" in table and "Death Knight · Blood" in table
    assert re.search(r'role-ranged"><svg class="role-icon".*?</svg>Ranged<', table)
    assert re.search(r'role-tank"><svg class="role-icon".*?</svg>Tank<', table)
    assert ">Main<" in table and ">Alt<" in table
    for action in ("remove_character", "set_main"):
        assert f'value="{action}"' in table
    assert "?edit=" in table


def test_ros13_forms_need_csrf():
    user, _ = member()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post("/roster", availability_post([1]))

    assert response.status_code == 403
    assert not PlayerAvailability.objects.exists()


def test_ros13_unknown_action_is_a_clear_400():
    user, _ = member()

    response = client_for(user).post("/roster", {"action": "explode"})

    assert response.status_code == 400
    assert "Something went wrong with that form" in _html(response)


# --- ROS-1 hints ----------------------------------------------------------------------------


def test_ros1_player_without_roster_character_is_told_to_add_one():
    user, player = member()
    save_availability(
        player, days=[1], auto_signup=False, wants_reminders=False, notes="", via="website"
    )

    html = _html(client_for(user).get("/roster"))

    assert "Add at least one character to appear on the raid roster." in html


def test_ros1_hint_gone_once_a_character_is_on_the_roster():
    user, _player = member()
    client = client_for(user)
    client.post("/roster", add_post("Trogmoon", "Druid", "Balance"))

    html = _html(client.get("/roster"))

    assert "Add at least one character" not in html


# --- ROS-14 add -----------------------------------------------------------------------------


def test_ros14_add_character_redirects_with_the_message_and_an_empty_form():
    user, player = member()
    client = client_for(user)

    response = client.post("/roster", add_post("trogmoon", "Druid", "Balance"), follow=True)

    html = _html(response)
    assert response.redirect_chain == [("/roster", 303)]
    assert "Added Trogmoon (Balance Druid) to your raid roster." in html
    assert 'name="add-name" value="trogmoon"' not in html
    link = PlayerCharacter.objects.get(player=player)
    assert link.on_raid_roster and link.raid_spec == spec("Druid", "Balance")


def test_ros14_realm_field_defaults_to_the_siteconfig_realm():
    user, _ = member()

    html = _html(client_for(user).get("/roster"))

    assert 'name="add-realm" value="Sen&#x27;jin"' in html


def test_ros14_spec_options_are_grouped_by_class_with_the_role():
    user, _ = member()

    html = _html(client_for(user).get("/roster"))

    assert '<optgroup label="Death Knight">' in html
    assert f'value="{spec("Death Knight", "Frost").pk}">Frost (Melee)' in html
    assert f'value="{spec("Mage", "Frost").pk}">Frost (Ranged)' in html
    assert 'id="roster-form-data" type="application/json"' in html


@pytest.mark.parametrize(
    ("args", "field_error"),
    [
        (("B", "Druid", "Balance"), "Character names are 2-12 letters."),
        (("Trogmoon", "Druid", None), "Pick a spec for your Druid."),
        (("Trogmoon", "", None), "Pick a class."),
    ],
)
def test_ros17_add_errors_rerender_with_values_and_write_nothing(args, field_error):
    user, player = member()
    post = add_post(*args)

    response = client_for(user).post("/roster", post)

    html = _html(response)
    assert response.status_code == 400
    assert f'<p class="field-error">{field_error}</p>' in html
    assert f'value="{post["add-name"]}"' in html
    assert not PlayerCharacter.objects.filter(player=player).exists()
    assert WowCharacter.objects.count() == 0


def test_ros17_spec_of_another_class_keeps_the_entered_values():
    user, _player = member()
    post = add_post("Trogmoon", "Druid", None, realm="Area 52")
    post["add-spec"] = str(spec("Mage", "Frost").pk)

    html = _html(client_for(user).post("/roster", post))

    assert "Pick a spec for your Druid." in html
    assert 'value="Area 52"' in html
    assert f'<option value="{playable_class("Druid").pk}" selected>' in html


def test_ros14_existing_character_class_message_on_the_page():
    user, _ = member()
    WowCharacterFactory(name="Bonk", playable_class=playable_class("Warrior"))

    response = client_for(user).post("/roster", add_post("bonk", "Druid", "Balance"))

    assert "Bonk is a Warrior on the armory — pick a Warrior spec." in _html(response)


def test_ros14_character_of_another_member_refused_on_the_page():
    user, _ = member()
    PlayerCharacterFactory(character__name="Taken")

    html = _html(client_for(user).post("/roster", add_post("Taken", "Druid", "Balance")))

    assert (
        "Taken-Sen&#x27;jin is already linked to another member. Ask an officer if "
        "that&#x27;s wrong." in html
    )


# --- ROS-7: the spec's own test -------------------------------------------------------------


def test_ros7_set_thu_fri_add_an_alt_thu_fri_still_set():
    user, player = member()
    client = client_for(user)
    client.post("/roster", add_post("Trogmoon", "Druid", "Balance"))
    client.post("/roster", availability_post([3, 4], auto=True, notes="Night shift"))
    assert availability_of(player)[0] == [False, False, False, True, True, False, False]

    client.post("/roster", add_post("Alty", "Mage", "Fire"))

    week, prefs = availability_of(player)
    assert week == [False, False, False, True, True, False, False]
    assert prefs.auto_signup is True and prefs.notes == "Night shift"
    html = _html(client.get("/roster"))
    assert 'name="avail-days" value="3" id="id_avail-days_3" checked' in html
    assert 'name="avail-days" value="4" id="id_avail-days_4" checked' in html


def test_ros7_failed_add_keeps_availability_too():
    user, player = member()
    client = client_for(user)
    client.post("/roster", availability_post([3, 4]))

    client.post("/roster", add_post("B", "Druid", "Balance"))

    assert availability_of(player)[0] == [False, False, False, True, True, False, False]


# --- ROS-15 edit, set main, remove, leave ---------------------------------------------------


def _two_characters(client):
    client.post("/roster", add_post("Mainy", "Paladin", "Holy"))
    client.post("/roster", add_post("Alty", "Warrior", "Arms"))
    return WowCharacter.objects.get(name="Mainy"), WowCharacter.objects.get(name="Alty")


def test_ros15_edit_link_shows_the_edit_form_with_only_the_class_specs():
    user, _ = member()
    client = client_for(user)
    _, alt = _two_characters(client)

    html = _html(client.get(f"/roster?edit={alt.pk}"))

    edit = html.split('id="edit-character"')[1].split("</form>")[0]
    assert 'name="action" value="edit_character"' in edit
    assert f'value="{spec("Warrior", "Arms").pk}" selected>Arms (Melee)' in edit
    assert "Protection (Tank)" in edit and "Holy" not in edit
    assert "Make this my main" in edit


def test_ros15_edit_post_changes_spec_and_main():
    user, player = member()
    client = client_for(user)
    _, alt = _two_characters(client)

    response = client.post(
        "/roster",
        {
            "action": "edit_character",
            "edit-character": str(alt.pk),
            "edit-spec": str(spec("Warrior", "Protection").pk),
            "edit-is_main": "on",
        },
        follow=True,
    )

    assert "Saved Alty (Protection Warrior)." in _html(response)
    player.refresh_from_db()
    assert player.main_character == alt and player.main_spec == spec("Warrior", "Protection")


def test_ros17_edit_error_keeps_the_edit_form_open():
    user, _ = member()
    client = client_for(user)
    _, alt = _two_characters(client)

    response = client.post(
        "/roster",
        {
            "action": "edit_character",
            "edit-character": str(alt.pk),
            "edit-spec": "",
        },
    )

    html = _html(response)
    assert response.status_code == 400
    assert 'id="edit-character"' in html and "Pick a spec for your Warrior." in html
    assert PlayerCharacter.objects.get(character=alt).raid_spec == spec("Warrior", "Arms")


def test_ros15_edit_of_someone_elses_character_is_refused():
    user, _ = member()
    other = PlayerCharacterFactory(on_raid_roster=True, raid_spec=spec("Druid", "Balance"))

    response = client_for(user).post(
        "/roster",
        {
            "action": "edit_character",
            "edit-character": str(other.character_id),
            "edit-spec": str(spec("Druid", "Feral").pk),
        },
    )

    assert response.status_code == 400
    assert "That character isn&#x27;t on your raid roster." in _html(response)
    other.refresh_from_db()
    assert other.raid_spec == spec("Druid", "Balance")


def test_ros15_set_main_and_remove_through_the_page():
    user, _player = member()
    client = client_for(user)
    mainy, alt = _two_characters(client)

    refused = client.post("/roster", {"action": "remove_character", "character": str(mainy.pk)})
    assert refused.status_code == 400
    assert "Mark another character as your main first." in _html(refused)

    moved = client.post("/roster", {"action": "set_main", "character": str(alt.pk)}, follow=True)
    assert "Alty is now your main." in _html(moved)

    removed = client.post(
        "/roster", {"action": "remove_character", "character": str(mainy.pk)}, follow=True
    )
    assert "Removed Mainy from your raid roster." in _html(removed)
    assert PlayerCharacter.objects.get(character=mainy).on_raid_roster is False


def test_ros15_leave_roster_needs_the_confirm():
    user, player = member()
    client = client_for(user)
    _two_characters(client)
    client.post("/roster", availability_post([2]))

    refused = client.post("/roster", {"action": "leave_roster"})
    assert refused.status_code == 400
    assert RaidPreferences.objects.filter(player=player).exists()

    left = client.post("/roster", {"action": "leave_roster", "confirm": "yes"}, follow=True)
    assert "You left the raid roster." in _html(left)
    assert not RaidPreferences.objects.filter(player=player).exists()
    assert not PlayerCharacter.objects.filter(player=player, on_raid_roster=True).exists()
    assert availability_of(player)[0][2] is True


# --- ROS-16 availability --------------------------------------------------------------------


def test_ros16_availability_form_labels():
    user, _ = member()

    html = _html(client_for(user).get("/roster"))

    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        assert f">{day}</label>" in html
    assert (
        "Sign me up on my main when a raid is posted on a day I&#x27;m available; otherwise "
        "I&#x27;m added as Tentative" in html
    )
    assert "Put me on the raid-day reminder list" in html
    assert "Shown publicly as your reason on days you&#x27;re out" in html


def test_ros16_save_availability_writes_all_days_with_the_message():
    user, player = member()

    response = client_for(user).post(
        "/roster",
        availability_post([0, 6], auto=True, reminders=True, notes=" Late on Sun "),
        follow=True,
    )

    assert "Availability saved." in _html(response)
    week, prefs = availability_of(player)
    assert week == [True, False, False, False, False, False, True]
    assert PlayerAvailability.objects.filter(player=player).count() == 7
    assert (prefs.auto_signup, prefs.wants_reminders, prefs.notes, prefs.updated_via) == (
        True,
        True,
        "Late on Sun",
        "website",
    )


def test_ros17_long_notes_rerender_with_values_and_nothing_saved():
    user, player = member()
    client = client_for(user)
    client.post("/roster", availability_post([1], notes="first"))

    response = client.post("/roster", availability_post([4, 5], auto=True, notes="x" * 501))

    html = _html(response)
    assert response.status_code == 400
    assert '<p class="field-error">Notes can be at most 500 characters.</p>' in html
    assert 'value="4" id="id_avail-days_4" checked' in html
    assert "x" * 501 in html
    week, prefs = availability_of(player)
    assert week == [False, True, False, False, False, False, False]
    assert prefs.notes == "first" and prefs.auto_signup is False


def test_ros17_bad_day_value_is_a_form_error_not_a_500():
    user, player = member()

    response = client_for(user).post(
        "/roster", {"action": "save_availability", "avail-days": ["9", "x"]}
    )

    assert response.status_code == 400
    assert "field-error" in _html(response)
    assert not PlayerAvailability.objects.filter(player=player).exists()


# --- constant queries and CSP ---------------------------------------------------------------


def _guild(size: int, characters_each: int = 1):
    for index in range(size):
        player = PlayerFactory()
        for _ in range(characters_each):
            PlayerCharacterFactory(
                player=player, on_raid_roster=True, raid_spec=spec("Druid", "Balance")
            )
        save_availability(
            player,
            days=[index % 7],
            auto_signup=False,
            wants_reminders=False,
            notes="",
            via="import",
        )


def _my_page_with(characters: int):
    user, player = member(username=f"m{characters}", display_name=f"M{characters}")
    for _ in range(characters):
        PlayerCharacterFactory(
            player=player,
            on_raid_roster=True,
            raid_spec=spec("Mage", "Fire"),
            character__playable_class=playable_class("Mage"),
        )
    save_availability(
        player, days=[3], auto_signup=True, wants_reminders=False, notes="", via="website"
    )
    return client_for(user)


@pytest.mark.parametrize(("guild", "mine"), [(10, 1), (200, 12)])
def test_roster_page_queries_are_constant(guild, mine, django_assert_max_num_queries):
    _guild(guild)
    client = _my_page_with(mine)
    client.get("/roster")  # SiteConfig cache warm

    with django_assert_max_num_queries(10):
        response = client.get("/roster")
    assert response.status_code == 200


def test_roster_page_has_no_inline_code_in_any_state(settings):
    settings.DISCORD_CLIENT_ID = "123"
    pages = {"anonymous": Client().get("/roster")}
    pages["not linked"] = client_for(UserFactory(username="loner")).get("/roster")
    user, _ = member()
    client = client_for(user)
    _two_characters(client)
    pages["member"] = client.get("/roster")
    alt = WowCharacter.objects.get(name="Alty")
    pages["editing"] = client.get(f"/roster?edit={alt.pk}")
    pages["error"] = client.post("/roster", add_post("B", "Druid", "Balance"))
    pages["flash"] = client.post("/roster", availability_post([1]), follow=True)

    for label, response in pages.items():
        assert inline_code(response) == [], label
