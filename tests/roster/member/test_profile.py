"""`/profile` — a member's own profile (issue 11 item 16).

Display name, main (the roster page's `set_main`, ROS-15) and off-spec (IDN-13), the linked
Discord account shown read-only, and the website password (Django's form, ACC-12 validators,
still signed in afterwards). Form errors come back on the page with 400.
"""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from identity.models import Player
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    UserFactory,
    WowCharacterFactory,
    playable_class,
    spec,
)
from tests.roster.member.support import client_for, member
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db

PASSWORD = "salt-all-the-things-42"


def _html(response) -> str:
    return response.content.decode()


def _errors(response) -> list[str]:
    """The messages next to fields and above forms, as text."""
    html = _html(response)
    found = re.findall(r'<p class="field-error">(.*?)</p>', html, re.S)
    for block in re.findall(r'<div class="form-errors[^"]*" role="alert">(.*?)</div>', html, re.S):
        found += re.findall(r"<p>(.*?)</p>", block, re.S)
    return [text.replace("&#x27;", "'") for text in found]


def _character(player, name, class_name, raid_spec=None, *, roster=True):
    return PlayerCharacterFactory(
        player=player,
        on_raid_roster=roster,
        raid_spec=spec(class_name, raid_spec) if raid_spec else None,
        character__name=name,
        character__playable_class=playable_class(class_name),
    ).character


@pytest.fixture
def trog():
    """Trog (Member) with a password, Trogmoon (Balance Druid, main) and Trogalt (Protection
    Warrior) on the raid roster, and Moonalt (Frost Mage) linked but off the roster."""
    user, player = member(username="trog", display_name="Trog")
    user.set_password(PASSWORD)
    user.save()
    moon = _character(player, "Trogmoon", "Druid", "Balance")
    alt = _character(player, "Trogalt", "Warrior", "Protection")
    mage = _character(player, "Moonalt", "Mage", "Frost", roster=False)
    Player.objects.filter(pk=player.pk).update(
        main_character=moon, main_spec=spec("Druid", "Balance")
    )
    player.refresh_from_db()
    return user, player, {"moon": moon, "alt": alt, "mage": mage}


# --- who sees what --------------------------------------------------------------------------


def test_profile_needs_sign_in_and_comes_back_here():
    for response in (Client().get("/profile"), Client().post("/profile", {})):
        assert response.status_code == 302
        assert response.url == "/accounts/login/?next=/profile"


def test_profile_shows_name_main_offspec_and_discord_read_only(trog):
    user, player, chars = trog
    discord = DiscordUserFactory(username="trog", display_name="Trog the Great")
    Player.objects.filter(pk=player.pk).update(
        discord_user=discord,
        offspec_character=chars["moon"],
        offspec_spec=spec("Druid", "Guardian"),
    )

    response = client_for(user).get("/profile")

    html = _html(response)
    assert response.status_code == 200
    assert 'name="name-display_name" value="Trog"' in html
    assert "Trogmoon-Sen&#x27;jin</span> · Balance" in html  # the main and its spec
    assert "Trogmoon-Sen&#x27;jin</span> · Guardian" in html  # the off-spec
    # The main is one of the roster characters (ROS-15): Moonalt is not on the roster.
    main_select = re.search(r'<select name="main-character".*?</select>', html, re.S)[0]
    assert "Trogalt" in main_select and "Moonalt" not in main_select
    offspec_select = re.search(r'<select name="offspec-character".*?</select>', html, re.S)[0]
    assert "Moonalt" in offspec_select  # any of the player's own characters (IDN-13)
    assert "<strong>trog</strong> (Trog the Great)" in html
    assert 'name="discord' not in html  # shown, never edited
    assert 'name="password-old_password"' in html
    forms = re.findall(r'<form method="post" action="/profile".*?</form>', html, re.S)
    assert len(forms) == 4  # name, main, off-spec, password: each its own action and token
    assert all('name="csrfmiddlewaretoken"' in form for form in forms)


def test_user_without_player_can_still_change_the_password():
    user = UserFactory(username="loner")
    user.set_password(PASSWORD)
    user.save()
    client = client_for(user)

    html = _html(client.get("/profile"))
    assert "Your account isn&#x27;t linked to a guild member yet — ask an officer." in html
    assert 'value="display_name"' not in html
    refused = client.post("/profile", {"action": "display_name", "name-display_name": "X"})
    assert refused.status_code == 400

    response = client.post("/profile", _password_post(PASSWORD, "a-brand-new-passw0rd"))
    assert response.status_code == 303
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passw0rd")


def test_profile_link_in_the_signed_in_user_menu(trog):
    user, _, _ = trog
    html = _html(client_for(user).get("/"))
    assert html.count('<a class="nav-link" href="/profile">Profile</a>') == 2  # desktop, mobile
    assert ">Profile</a>" not in _html(Client().get("/"))


# --- display name ---------------------------------------------------------------------------


def test_display_name_is_trimmed_and_saved(trog):
    user, player, _ = trog
    client = client_for(user)

    response = client.post("/profile", {"action": "display_name", "name-display_name": "  Mike "})

    assert response.status_code == 303
    player.refresh_from_db()
    assert player.display_name == "Mike"
    assert "Your display name is now Mike." in _html(client.get("/profile"))


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("   ", "Enter a display name."),
        ("x" * 101, "Display names are at most 100 characters."),
        ("Tr\x00og", "Null characters are not allowed."),
    ],
)
def test_bad_display_name_is_refused_on_the_page(trog, typed, error):
    user, player, _ = trog

    response = client_for(user).post(
        "/profile", {"action": "display_name", "name-display_name": typed}
    )

    assert response.status_code == 400
    assert error in _errors(response)
    player.refresh_from_db()
    assert player.display_name == "Trog"


def test_unpaired_surrogate_in_display_name_is_refused_by_the_service(trog):
    """Form posts cannot carry one; the service still refuses it (issue 11 item 7)."""
    from patt.refusals import Refused
    from roster.services.profile import set_display_name

    _, player, _ = trog
    with pytest.raises(Refused) as refused:
        set_display_name(player, name="Tr\ud800og")
    assert refused.value.field == "display_name"


# --- main (ROS-15, the roster page's set_main) ----------------------------------------------


def test_main_is_set_with_the_roster_rule(trog):
    user, player, chars = trog

    response = client_for(user).post(
        "/profile", {"action": "set_main", "main-character": str(chars["alt"].pk)}
    )

    assert response.status_code == 303
    player.refresh_from_db()
    assert player.main_character == chars["alt"]
    assert player.main_spec == spec("Warrior", "Protection")  # its raid spec, as on /roster


@pytest.mark.parametrize("which", ["mage", "stranger", "junk"])
def test_main_must_be_one_of_my_roster_characters(trog, which):
    user, player, chars = trog
    stranger = _character(member(username="rocket", display_name="Rocket")[1], "Rocketdh", "Mage")
    value = {"mage": chars["mage"].pk, "stranger": stranger.pk, "junk": "1 OR 1=1"}[which]

    response = client_for(user).post("/profile", {"action": "set_main", "main-character": value})

    assert response.status_code == 400
    assert _errors(response) == ["That character isn't on your raid roster."]
    player.refresh_from_db()
    assert player.main_character == chars["moon"]


# --- off-spec (IDN-13) ----------------------------------------------------------------------


def _offspec_post(character, spec_obj) -> dict:
    return {
        "action": "offspec",
        "offspec-character": str(character.pk) if character else "",
        "offspec-spec": str(spec_obj.pk) if spec_obj else "",
    }


def test_offspec_is_one_of_my_characters_with_a_spec_of_its_class(trog):
    user, player, chars = trog
    client = client_for(user)

    response = client.post("/profile", _offspec_post(chars["mage"], spec("Mage", "Arcane")))

    assert response.status_code == 303
    player.refresh_from_db()
    assert (player.offspec_character, player.offspec_spec) == (
        chars["mage"],
        spec("Mage", "Arcane"),
    )

    cleared = client.post("/profile", _offspec_post(None, None))
    assert cleared.status_code == 303
    player.refresh_from_db()
    assert (player.offspec_character, player.offspec_spec) == (None, None)


def test_offspec_refusals_are_shown_next_to_their_field(trog):
    user, player, chars = trog
    client = client_for(user)
    stranger = WowCharacterFactory(name="Stranger")

    wrong_class = client.post("/profile", _offspec_post(chars["moon"], spec("Mage", "Frost")))
    no_spec = client.post("/profile", _offspec_post(chars["moon"], None))
    not_mine = client.post("/profile", _offspec_post(stranger, spec("Druid", "Feral")))

    for response in (wrong_class, no_spec, not_mine):
        assert response.status_code == 400
    assert _errors(wrong_class) == ["Frost (Mage) is not a spec of Trogmoon's class (Druid)."]
    assert _errors(no_spec) == ["Pick a spec for your Druid."]
    assert _errors(not_mine) == ["That character isn't one of your characters."]
    player.refresh_from_db()
    assert player.offspec_character is None


# --- password (ACC-12) ----------------------------------------------------------------------


def _password_post(old, new, again=None) -> dict:
    return {
        "action": "change_password",
        "password-old_password": old,
        "password-new_password1": new,
        "password-new_password2": again if again is not None else new,
    }


def test_password_change_keeps_me_signed_in(trog):
    user, _, _ = trog
    client = client_for(user)

    response = client.post("/profile", _password_post(PASSWORD, "a-brand-new-passw0rd"))

    assert response.status_code == 303
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passw0rd")
    assert client.session[SESSION_KEY] == str(user.pk)
    page = client.get("/profile")
    assert page.status_code == 200
    assert "Your password was changed." in _html(page)


@pytest.mark.parametrize(
    ("old", "new", "again", "error"),
    [
        ("wrong-password", "a-brand-new-passw0rd", None, "Your old password was entered"),
        (PASSWORD, "short1", None, "Password must be at least 8 characters."),
        (PASSWORD, "12345678901", None, "This password is entirely numeric."),
        (PASSWORD, "a-brand-new-passw0rd", "something-else-42", "two password fields"),
    ],
)
def test_password_change_runs_the_project_validators(trog, old, new, again, error):
    user, _, _ = trog

    response = client_for(user).post("/profile", _password_post(old, new, again))

    assert response.status_code == 400
    assert any(error in message for message in _errors(response)), _errors(response)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_discord_only_user_sets_a_password_without_an_old_one(trog):
    user, _, _ = trog
    user.set_unusable_password()
    user.save()
    client = client_for(user)

    html = _html(client.get("/profile"))
    assert 'name="password-old_password"' not in html
    assert ">Set password</button>" in html
    response = client.post(
        "/profile",
        {
            "action": "change_password",
            "password-new_password1": "a-brand-new-passw0rd",
            "password-new_password2": "a-brand-new-passw0rd",
        },
    )
    assert response.status_code == 303
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passw0rd")


# --- forms: CSRF, unknown actions, no inline code, constant queries -------------------------


def test_profile_forms_need_csrf(trog):
    user, player, _ = trog
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post("/profile", {"action": "display_name", "name-display_name": "Hax"})

    assert response.status_code == 403
    player.refresh_from_db()
    assert player.display_name == "Trog"


def test_unknown_action_is_a_page_error(trog):
    user, _, _ = trog
    response = client_for(user).post("/profile", {"action": "nope"})
    assert response.status_code == 400
    assert _errors(response) == ["Something went wrong with that form; please try again."]


def test_profile_has_no_inline_code_in_any_state(trog):
    user, _, chars = trog
    client = client_for(user)
    pages = {
        "page": client.get("/profile"),
        "error": client.post("/profile", _offspec_post(chars["moon"], None)),
        "flash": client.post(
            "/profile", {"action": "display_name", "name-display_name": "Mike"}, follow=True
        ),
        "not linked": client_for(UserFactory(username="loner")).get("/profile"),
    }
    for label, response in pages.items():
        assert inline_code(response) == [], label


@pytest.mark.parametrize("characters", [1, 15])
def test_profile_queries_are_constant(characters, django_assert_max_num_queries):
    user, player = member(username=f"m{characters}", display_name=f"M{characters}")
    for index in range(characters):
        _character(player, f"Char{'abcdefghijklmnop'[index]}", "Mage", "Fire")
    Player.objects.filter(pk=player.pk).update(discord_user=DiscordUserFactory())
    client = client_for(user)
    client.get("/profile")  # SiteConfig cache warm

    with django_assert_max_num_queries(10):
        response = client.get("/profile")
    assert response.status_code == 200
