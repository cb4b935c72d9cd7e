"""Roster rows in the admin (ROS-18): player page inlines and the rows' own admin pages."""

import pytest
from django import forms
from django.test import Client

from identity.models import LinkSource, PlayerCharacter
from roster.models import EventTemplate, PlayerAvailability, RaidEvent, RaidPreferences
from roster.services.availability import availability_of, save_availability
from tests.factories import PlayerCharacterFactory, PlayerFactory, UserFactory, spec
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def player_url(player) -> str:
    return f"/admin/identity/player/{player.pk}/change/"


def posted_values(response) -> dict:
    """The admin change form as the browser would post it unchanged (main form + inlines)."""
    data: dict = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field, forms.BooleanField):
                if value:
                    data[key] = "on"
            elif value is None:
                continue
            elif isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        for form in formset.forms:
            add(form)
    return data


def inline_prefix(response, model) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model and not getattr(inline.formset, "saves_itself", False):
            return inline.formset.prefix
    raise AssertionError(f"no inline for {model}")


def roster_prefix(response) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if getattr(inline.formset, "saves_itself", False):
            return inline.formset.prefix
    raise AssertionError("no roster character inline")


def _roster_player():
    player = PlayerFactory(display_name="Trog")
    link = PlayerCharacterFactory(
        player=player,
        on_raid_roster=True,
        character__name="Trogmoon",
        raid_spec=spec("Druid", "Balance"),
    )
    save_availability(
        player, days=[3], auto_signup=False, wants_reminders=False, notes="", via="import"
    )
    return player, link


def test_ros18_player_page_shows_preferences_availability_and_roster_inlines(superuser_client):
    player, _ = _roster_player()

    response = superuser_client.get(player_url(player))

    html = response.content.decode().lower()
    assert response.status_code == 200
    assert "raid preferences" in html
    assert "raid availability" in html
    assert "raid roster characters" in html
    assert inline_code(response) == []


def test_ros18_editing_preferences_and_availability_sets_updated_via_admin(superuser_client):
    player, _ = _roster_player()
    page = superuser_client.get(player_url(player))
    data = posted_values(page)
    prefs = inline_prefix(page, RaidPreferences)
    days = inline_prefix(page, PlayerAvailability)
    data[f"{prefs}-0-notes"] = "  Night shift on Thursdays  "
    data[f"{prefs}-0-auto_signup"] = "on"
    tuesday = next(index for index in range(7) if data.get(f"{days}-{index}-weekday") == "1")
    data[f"{days}-{tuesday}-available"] = "on"

    response = superuser_client.post(player_url(player), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    week, saved = availability_of(player)
    assert week == [False, True, False, True, False, False, False]
    assert (saved.notes, saved.auto_signup, saved.updated_via) == (
        "Night shift on Thursdays",
        True,
        "admin",
    )


def test_ros18_availability_change_alone_marks_preferences_admin(superuser_client):
    player, _ = _roster_player()
    page = superuser_client.get(player_url(player))
    data = posted_values(page)
    days = inline_prefix(page, PlayerAvailability)
    thursday = next(index for index in range(7) if data.get(f"{days}-{index}-weekday") == "3")
    data.pop(f"{days}-{thursday}-available", None)

    response = superuser_client.post(player_url(player), data)

    assert response.status_code == 302
    assert availability_of(player)[0][3] is False
    assert RaidPreferences.objects.get(player=player).updated_via == "admin"


def test_ros18_unchanged_save_leaves_updated_via(superuser_client):
    player, _ = _roster_player()
    page = superuser_client.get(player_url(player))

    response = superuser_client.post(player_url(player), posted_values(page))

    assert response.status_code == 302
    assert RaidPreferences.objects.get(player=player).updated_via == "import"


def test_ros9_admin_notes_over_500_characters_are_refused(superuser_client):
    player, _ = _roster_player()
    page = superuser_client.get(player_url(player))
    data = posted_values(page)
    data[f"{inline_prefix(page, RaidPreferences)}-0-notes"] = "x" * 501

    response = superuser_client.post(player_url(player), data)

    assert response.status_code == 200
    assert "Notes can be at most 500 characters." in response.content.decode()
    assert RaidPreferences.objects.get(player=player).notes == ""


def test_ros18_roster_fields_edited_without_touching_the_link(superuser_client):
    player, link = _roster_player()
    page = superuser_client.get(player_url(player))
    data = posted_values(page)
    prefix = roster_prefix(page)
    data[f"{prefix}-0-raid_spec"] = str(spec("Druid", "Guardian").pk)

    response = superuser_client.post(player_url(player), data)

    assert response.status_code == 302
    link.refresh_from_db()
    assert link.raid_spec == spec("Druid", "Guardian")
    assert link.link_source == LinkSource.MANUAL and PlayerCharacter.objects.count() == 1
    assert RaidPreferences.objects.get(player=player).updated_via == "import"  # ROS-7


def test_ros18_roster_spec_of_another_class_is_refused(superuser_client):
    player, link = _roster_player()
    page = superuser_client.get(player_url(player))
    data = posted_values(page)
    data[f"{roster_prefix(page)}-0-raid_spec"] = str(spec("Mage", "Frost").pk)

    response = superuser_client.post(player_url(player), data)

    assert response.status_code == 200
    link.refresh_from_db()
    assert link.raid_spec == spec("Druid", "Balance")


def test_ros18_own_admin_pages_render_and_availability_edit_marks_admin(superuser_client):
    player, _ = _roster_player()
    row = PlayerAvailability.objects.get(player=player, weekday=0)

    for url in (
        "/admin/roster/raidpreferences/",
        "/admin/roster/playeravailability/",
        "/admin/roster/eventtemplate/",
        "/admin/roster/raidevent/",
        "/admin/roster/raidpreferences/add/",
    ):
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response) == [], url

    response = superuser_client.post(
        f"/admin/roster/playeravailability/{row.pk}/change/",
        {"player": str(player.pk), "weekday": "0", "available": "on"},
    )
    assert response.status_code == 302
    assert availability_of(player)[0][0] is True
    assert RaidPreferences.objects.get(player=player).updated_via == "admin"


def test_ros52_event_templates_listed_and_raid_events_read_only(superuser_client):
    assert EventTemplate.objects.count() == 7
    html = superuser_client.get("/admin/roster/eventtemplate/").content.decode()
    assert "Mythic+" in html
    assert superuser_client.get("/admin/roster/raidevent/add/").status_code == 403
    assert RaidEvent.objects.count() == 0
