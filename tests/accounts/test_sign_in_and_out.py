"""Password sign-in, sign-out, account pages and the admin's login (ACC-11, ACC-12, ACC-18 …
ACC-21, ACC-34, ACC-56)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session

from tests.accounts.support import (
    PASSWORD,
    field_errors,
    flashes,
    form_errors,
    input_value,
    is_signed_in,
    text_of,
)
from tests.factories import PlayerFactory, UserFactory, rank

pytestmark = pytest.mark.django_db

User = get_user_model()
INVALID = "Invalid username or password."
INACTIVE = "This account is inactive. Contact an officer."
FORGOT = "Forgot your password? Sign in with Discord, then set a new one under Account."


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": username, "password": password, **extra})


@pytest.fixture
def trog():
    user = UserFactory(username="trog", password=PASSWORD)
    PlayerFactory(display_name="Trog", user=user, guild_rank=rank("Member"))
    return user


# --- ACC-18: the page ---------------------------------------------------------------------------


def test_acc18_login_page_discord_first_then_or_then_the_password_form(client, discord_app):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    html = response.content.decode()
    main = re.search(r"<main.*</main>", html, re.S).group(0)
    discord = main.index('action="/accounts/discord/login/"')
    divider = main.index('<p class="auth-divider"><span>or</span></p>')
    password_form = main.index('action="/accounts/login/"')
    assert discord < divider < password_form
    assert '<label for="id_login">Discord username</label>' in main
    assert '<label for="id_password">Password</label>' in main
    assert '<button type="submit" class="btn btn-primary">Sign in</button>' in main
    assert '<a href="/register">Have an invite code? Register</a>' in main
    assert FORGOT in text_of(response)


def test_acc18_username_matching_is_case_insensitive(client, trog):
    response = sign_in(client, "  TROG ")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(trog.pk)


# --- ACC-19: one message for every failure -----------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [("trog", "wrong-password-1"), ("nobody", PASSWORD), ("noaccount", PASSWORD)],
    ids=["wrong password", "unknown username", "player without an account"],
)
def test_acc19_every_failure_reads_invalid_username_or_password(client, trog, username, password):
    PlayerFactory(display_name="noaccount", guild_rank=rank("Member"))

    response = sign_in(client, username, password)

    assert response.status_code == 200
    assert form_errors(response) == [INVALID]
    assert input_value(response, "login") == username
    assert input_value(response, "password") is None
    assert password not in response.content.decode()
    assert not is_signed_in(client)


def test_acc19_inactive_player_gets_the_inactive_message(client):
    user = UserFactory(username="gone", password=PASSWORD)
    PlayerFactory(display_name="Gone", user=user, guild_rank=rank("Member"), is_active=False)

    response = sign_in(client, "gone")

    assert response.status_code == 200
    assert form_errors(response) == [INACTIVE]
    assert not is_signed_in(client)


def test_acc19_inactive_player_with_a_wrong_password_reads_invalid(client):
    user = UserFactory(username="gone", password=PASSWORD)
    PlayerFactory(display_name="Gone", user=user, is_active=False)

    response = sign_in(client, "gone", "not-the-password")

    assert form_errors(response) == [INVALID]


def test_acc19_empty_fields_are_required(client):
    response = client.post("/accounts/login/", {"login": "", "password": ""})

    assert field_errors(response, "login") == ["This field is required."]
    assert field_errors(response, "password") == ["This field is required."]


# --- ACC-20: where sign-in goes -----------------------------------------------------------------


def test_acc20_success_redirects_to_the_safe_next(client, trog):
    response = sign_in(client, "trog", next="/vote/3")

    assert response.status_code == 302
    assert response["Location"] == "/vote/3"


@pytest.mark.parametrize("unsafe", ["https://evil.example", "//evil.example", "/\\evil.example"])
def test_acc20_unsafe_next_falls_back_to_home(client, trog, unsafe):
    response = sign_in(client, "trog", next=unsafe)

    assert response["Location"] == "/"


@pytest.mark.parametrize("page", ["/accounts/login/", "/accounts/signup/"])
def test_acc20_signed_in_visitor_is_sent_away_from_login_and_signup(client, trog, page):
    client.force_login(trog)

    assert client.get(page)["Location"] == "/"
    assert client.get(page, {"next": "/vote/3"})["Location"] == "/vote/3"
    assert client.get(page, {"next": "//evil.example"})["Location"] == "/"


# --- ACC-21: the admin's login --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "/accounts/login/?next=/admin/"),
        ("?next=/admin/identity/player/", "/accounts/login/?next=/admin/identity/player/"),
        ("?next=https://evil.example/", "/accounts/login/?next=/admin/"),
    ],
)
def test_acc21_admin_login_redirects_to_the_site_sign_in(client, query, expected):
    response = client.get(f"/admin/login/{query}")

    assert response.status_code == 302
    assert response["Location"] == expected


def test_acc21_anonymous_admin_visit_ends_on_the_site_sign_in(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/admin/"
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/identity/player/"])
def test_acc21_signed_in_non_staff_gets_the_themed_403_never_a_redirect(client, trog, path):
    client.force_login(trog)

    response = client.get(path)

    assert response.status_code == 403
    assert "Access denied" in text_of(response)
    assert 'class="site-header"' in response.content.decode()


def test_acc21_officer_reaches_the_admin_after_password_sign_in(client):
    user = UserFactory(username="boss", password=PASSWORD)
    PlayerFactory(display_name="Boss", user=user, guild_rank=rank("Officer"))

    sign_in(client, "boss", next="/admin/")

    assert client.get("/admin/").status_code == 200


# --- ACC-11: no password reset or email pages; the site layout everywhere ----------------------


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/key/done/",
        "/accounts/password/reset/key/1-abc/",
        "/accounts/email/",
        "/accounts/confirm-email/",
        "/accounts/confirm-email/some-key/",
    ],
)
def test_acc11_password_reset_and_email_pages_redirect_to_login_with_the_hint(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert flashes(response) == [FORGOT]


def test_acc11_password_reset_post_sends_nothing(client, trog, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "trog@example.com"})

    assert response.status_code == 302
    assert mailoutbox == []


def test_acc11_login_form_has_no_reset_link(client):
    html = client.get("/accounts/login/").content.decode()

    assert "/accounts/password/reset/" not in html


# --- ACC-12: password rules on change and set --------------------------------------------------


def test_acc12_password_change_applies_the_validators(client, trog):
    client.force_login(trog)

    short = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "Ab1!", "password2": "Ab1!"},
    )
    numeric = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "83927461", "password2": "83927461"},
    )
    common = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "password123", "password2": "password123"},
    )

    assert "Password must be at least 8 characters." in field_errors(short, "password1")
    assert "This password is entirely numeric." in field_errors(numeric, "password1")
    assert "This password is too common." in field_errors(common, "password1")
    trog.refresh_from_db()
    assert trog.check_password(PASSWORD)


def test_acc12_password_change_checks_similarity_to_the_username(client):
    user = UserFactory(username="trogdorthegreat", password=PASSWORD)
    client.force_login(user)

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "trogdorthegreat1", "password2": "trogdorthegreat1"},
    )

    assert "The password is too similar to the username." in field_errors(response, "password1")


def test_acc12_password_set_applies_the_minimum_length(client):
    user = User.objects.create_user("discordonly")  # unusable password
    client.force_login(user)

    response = client.post("/accounts/password/set/", {"password1": "Ab1!", "password2": "Ab1!"})

    assert "Password must be at least 8 characters." in field_errors(response, "password1")
    user.refresh_from_db()
    assert not user.has_usable_password()


# --- ACC-34: sign-out and the account pages ----------------------------------------------------


def test_acc34_sign_out_post_ends_the_session_and_goes_home(client, trog):
    sign_in(client, "trog")
    session_key = client.session.session_key
    assert Session.objects.filter(session_key=session_key).exists()

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not is_signed_in(client)
    # ACC-56: sign-out deletes the session.
    assert not Session.objects.filter(session_key=session_key).exists()


def test_acc34_sign_out_honours_a_safe_next_only(client, trog):
    client.force_login(trog)
    assert client.post("/accounts/logout/", {"next": "/vote/3"})["Location"] == "/vote/3"

    client.force_login(trog)
    assert client.post("/accounts/logout/", {"next": "//evil.example"})["Location"] == "/"


def test_acc34_sign_out_get_shows_a_confirm_button_and_keeps_the_session(client, trog):
    client.force_login(trog)

    response = client.get("/accounts/logout/")

    assert response.status_code == 200
    assert re.search(
        r'<form method="post" action="/accounts/logout/">\s*<input type="hidden" '
        r'name="csrfmiddlewaretoken"[^>]*>\s*<button type="submit" class="btn btn-primary">'
        r"Sign out</button>",
        response.content.decode(),
    )
    assert is_signed_in(client)


@pytest.mark.parametrize(
    ("short", "target"),
    [("/login", "/accounts/login/"), ("/logout", "/accounts/logout/")],
)
def test_acc34_short_paths_redirect_keeping_the_query_string(client, short, target):
    assert client.get(short)["Location"] == target
    assert client.get(f"{short}?next=/vote/3&x=1")["Location"] == f"{target}?next=/vote/3&x=1"


def test_acc34_account_pages_for_a_password_user(client, trog):
    client.force_login(trog)

    change = client.get("/accounts/password/change/")
    connections = client.get("/accounts/3rdparty/")

    assert change.status_code == 200
    assert "Change password" in text_of(change)
    assert connections.status_code == 200
    assert "Discord connection" in text_of(connections)


def test_acc34_discord_only_user_sets_a_password_then_signs_in_with_it(client):
    user = User.objects.create_user("discordonly")
    client.force_login(user)

    assert client.get("/accounts/password/change/")["Location"] == "/accounts/password/set/"
    page = client.get("/accounts/password/set/")
    assert page.status_code == 200
    response = client.post(
        "/accounts/password/set/", {"password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    client.logout()

    assert sign_in(client, "discordonly").status_code == 302


# --- ACC-56: the session cookie -----------------------------------------------------------------


def test_acc56_session_cookie_lasts_30_days_httponly_lax(client, trog):
    response = sign_in(client, "trog")

    cookie = response.cookies["sessionid"]
    assert int(cookie["max-age"]) == 30 * 24 * 3600
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
