"""Sign in with Discord end to end through allauth's real OAuth code path (ACC-13 … ACC-17,
ACC-22), against the loopback fake of Discord's token and user endpoints."""

import logging
import re
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from identity.models import Player, RankSource
from identity.services.accounts import OFFICERS_GROUP
from patt.models import SiteConfig
from tests.accounts.conftest import CLIENT_ID
from tests.accounts.support import PASSWORD, discord_user_json, flashes, is_signed_in, text_of
from tests.factories import DiscordUserFactory, PlayerFactory, UserFactory, rank

pytestmark = pytest.mark.django_db

User = get_user_model()


def member(username="trog", display_name="Trog", rank_name="Member", **player):
    discord_user = DiscordUserFactory(
        username=username, display_name=display_name, highest_guild_role=rank(rank_name)
    )
    return PlayerFactory(
        display_name=display_name, discord_user=discord_user, guild_rank=rank(rank_name), **player
    )


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Player.objects.count(), SocialAccount.objects.count()


# --- ACC-13: the button and the redirect to Discord -------------------------------------------


def test_acc13_login_page_discord_button_is_a_post_form_with_next(client, discord_app):
    html = client.get("/accounts/login/?next=/vote/3").content.decode()

    form = re.search(
        r'<form class="discord-sign-in" method="post" action="/accounts/discord/login/">'
        r"(.*?)</form>",
        html,
        re.S,
    )
    assert form, "the Discord button is a POST form"
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert '<input type="hidden" name="next" value="/vote/3">' in form.group(1)
    assert "Sign in with Discord" in form.group(1)


def test_acc13_discord_button_hidden_without_a_discord_app(client, settings):
    settings.DISCORD_CLIENT_ID = ""

    html = client.get("/accounts/login/").content.decode()

    assert "/accounts/discord/login/" not in html
    assert "discord-sign-in" not in html
    assert ">Sign in with Discord</button>" not in html


def test_acc13_post_redirects_to_discord_authorize_with_client_scope_identify_and_state(
    client, fake_oauth, discord_sign_in
):
    target = member()

    run = discord_sign_in(client, discord_user_json(target.discord_user.discord_id, "trog"))

    location = urlsplit(run.start["Location"])
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        "discord.com",
        "/api/oauth2/authorize",
    )
    assert run.authorize["client_id"] == CLIENT_ID
    assert run.authorize["scope"] == "identify"
    assert run.authorize["response_type"] == "code"
    assert run.authorize["state"]
    assert run.authorize["redirect_uri"] == "http://testserver/accounts/discord/login/callback/"
    # allauth exchanged the code for a token with the app's credentials, server to server.
    assert fake_oauth.token_requests[-1]["client_id"] == CLIENT_ID


def test_acc13_get_shows_a_continue_page_and_never_redirects(client, discord_app):
    response = client.get("/accounts/discord/login/")

    assert response.status_code == 200
    assert 'action="' not in re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)
    assert "discord.com" not in response.content.decode()


def test_acc13_discord_user_id_identifies_not_the_username(client, discord_sign_in):
    target = member(username="trog")
    member(username="impostor", display_name="Impostor")

    # Discord reports the impostor's id with the username "trog": the id decides.
    impostor_id = Player.objects.get(display_name="Impostor").discord_user.discord_id
    run = discord_sign_in(client, discord_user_json(impostor_id, "trog"))

    assert run.callback.status_code == 302
    assert Player.objects.get(display_name="Impostor").user is not None
    target.refresh_from_db()
    assert target.user is None


# --- ACC-14: resolution, row by row ------------------------------------------------------------


def test_acc14_row1_player_with_user_signs_in_and_connects_discord(client, discord_sign_in):
    user = UserFactory(username="trog")
    target = member(user=user)
    discord_id = target.discord_user.discord_id

    run = discord_sign_in(client, discord_user_json(discord_id, "trog"), next="/vote/3")

    assert run.callback.status_code == 302
    assert run.callback["Location"] == "/vote/3"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert SocialAccount.objects.get(provider="discord", uid=discord_id).user == user
    assert User.objects.count() == 1

    client.post("/accounts/logout/")
    again = discord_sign_in(client, discord_user_json(discord_id, "trog"))
    assert again.callback.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert SocialAccount.objects.filter(uid=discord_id).count() == 1


def test_acc14_row2_player_without_user_gets_lowercase_user_with_unusable_password(
    client, discord_sign_in
):
    target = member(username="Trog.Dor", display_name="Trog")

    run = discord_sign_in(client, discord_user_json(target.discord_user.discord_id, "Trog.Dor"))

    target.refresh_from_db()
    assert run.callback.status_code == 302
    assert run.callback["Location"] == "/"
    assert target.user.username == "trog.dor"
    assert not target.user.has_usable_password()
    assert client.session["_auth_user_id"] == str(target.user.pk)
    assert SocialAccount.objects.get(uid=target.discord_user.discord_id).user == target.user
    assert "Welcome, Trog! Your account is ready." in flashes(run.callback)


def test_acc14_row2_taken_username_gets_dash_2_then_dash_3(client, discord_sign_in):
    UserFactory(username="Trog")
    UserFactory(username="trog-2")
    target = member(username="trog")

    discord_sign_in(client, discord_user_json(target.discord_user.discord_id, "trog"))

    target.refresh_from_db()
    assert target.user.username == "trog-3"


def test_acc14_row3_inactive_player_is_refused_with_the_inactive_page(client, discord_sign_in):
    user = UserFactory(username="gone")
    target = member(username="gone", user=user, is_active=False)
    before = counts()

    run = discord_sign_in(client, discord_user_json(target.discord_user.discord_id, "gone"))

    assert run.callback.status_code == 403
    assert "This account is inactive. Contact an officer." in text_of(run.callback)
    assert not is_signed_in(client)
    assert counts() == before


def test_acc14_row4_guild_role_without_player_creates_an_initiate_player(client, discord_sign_in):
    discord_user = DiscordUserFactory(
        username="newbie", display_name="Newbie Nick", highest_guild_role=rank("Member")
    )

    run = discord_sign_in(client, discord_user_json(discord_user.discord_id, "newbie"))

    created = Player.objects.get(discord_user=discord_user)
    assert created.display_name == "Newbie Nick"
    assert created.guild_rank == rank("Initiate")
    assert created.guild_rank.level == 1
    assert created.rank_source == RankSource.AUTO
    assert created.user.username == "newbie"
    assert run.callback.status_code == 302
    assert client.session["_auth_user_id"] == str(created.user.pk)
    assert "Welcome, Newbie Nick! Your account is ready." in flashes(run.callback)


def test_acc14_row4_display_name_falls_back_to_the_username(client, discord_sign_in):
    discord_user = DiscordUserFactory(
        username="plain", display_name="", highest_guild_role=rank("Initiate")
    )

    discord_sign_in(client, discord_user_json(discord_user.discord_id, "plain"))

    assert Player.objects.get(discord_user=discord_user).display_name == "plain"


@pytest.mark.parametrize(
    "situation",
    ["unknown to the bot", "present without a guild role", "left the server"],
)
def test_acc14_row5_not_a_member_page_403_and_nothing_created(client, discord_sign_in, situation):
    discord_id = "555555555555555555"
    if situation == "present without a guild role":
        DiscordUserFactory(discord_id=discord_id, username="stranger", highest_guild_role=None)
    elif situation == "left the server":
        DiscordUserFactory(
            discord_id=discord_id,
            username="stranger",
            highest_guild_role=rank("Member"),
            is_present=False,
            left_at="2026-01-01T00:00:00Z",
        )
    before = counts()

    run = discord_sign_in(client, discord_user_json(discord_id, "stranger"))

    assert run.callback.status_code == 403
    assert "Not a guild member yet" in text_of(run.callback)
    assert counts() == before
    assert not is_signed_in(client)


def test_acc14_row6_discord_linked_to_a_different_account_refused_and_logged(
    client, discord_sign_in, caplog
):
    other = UserFactory(username="someone-else")
    owner = UserFactory(username="trog")
    target = member(user=owner)
    discord_id = target.discord_user.discord_id
    SocialAccount.objects.create(user=other, provider="discord", uid=discord_id, extra_data={})
    before = counts()

    with caplog.at_level(logging.WARNING, logger="identity.services.signin"):
        run = discord_sign_in(client, discord_user_json(discord_id, "trog"))

    assert run.callback.status_code == 403
    assert (
        "This Discord account is linked to a different website account. Ask an officer."
        in text_of(run.callback)
    )
    assert not is_signed_in(client)
    assert counts() == before
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any(discord_id in r.getMessage() for r in warnings)


def test_acc14_officer_access_applied_at_discord_sign_in(client, discord_sign_in):
    target = member(rank_name="Officer")

    discord_sign_in(client, discord_user_json(target.discord_user.discord_id, "trog"))

    target.refresh_from_db()
    assert target.user.is_staff
    assert target.user.groups.filter(name=OFFICERS_GROUP).exists()


def test_acc22_website_username_does_not_follow_a_discord_rename(client, discord_sign_in):
    target = member(username="trog")
    discord_id = target.discord_user.discord_id
    discord_sign_in(client, discord_user_json(discord_id, "trog"))
    client.post("/accounts/logout/")

    discord_sign_in(client, discord_user_json(discord_id, "trogsmash"))

    target.refresh_from_db()
    assert target.user.username == "trog"
    assert client.session["_auth_user_id"] == str(target.user.pk)


def test_acc43_discord_sign_in_ignores_an_unsafe_next(client, discord_sign_in):
    target = member()

    run = discord_sign_in(
        client,
        discord_user_json(target.discord_user.discord_id, "trog"),
        next="https://evil.example/",
    )

    assert run.callback["Location"] == "/"


# --- ACC-15: the not-a-member page --------------------------------------------------------------


def test_acc15_not_a_member_page_copy_join_and_try_again(client, discord_app):
    config = SiteConfig.get()
    config.discord_invite_url = "https://discord.gg/patt"
    config.save()

    response = client.get("/accounts/not-a-member/")

    assert response.status_code == 403
    text = text_of(response)
    assert "Not a guild member yet" in text
    assert (
        "We could not find you in the Pull All The Things Discord server with a guild role." in text
    )
    assert "an officer needs to give you a guild role" in text
    assert "the bot will DM you to get set up" in text
    assert "Try again in a few minutes." in text
    html = response.content.decode()
    assert '<a class="btn btn-ghost" href="https://discord.gg/patt" rel="noopener">' in html
    assert re.search(
        r'<form class="discord-sign-in" method="post" action="/accounts/discord/login/">.*?'
        r">Try again</button>",
        html,
        re.S,
    )


def test_acc15_no_join_button_without_an_invite_url(client, discord_app):
    html = client.get("/accounts/not-a-member/").content.decode()

    assert "Join our Discord" not in html


# --- ACC-16: cancelled or failed ------------------------------------------------------------------


def test_acc16_cancelled_at_discord_shows_the_themed_failure_page(client, fake_oauth):
    start = client.post("/accounts/discord/login/")
    state = dict(p.split("=", 1) for p in urlsplit(start["Location"]).query.split("&"))["state"]
    before = counts()

    response = client.get(
        "/accounts/discord/login/callback/",
        {"error": "access_denied", "state": state},
        follow=True,
    )

    assert "Discord sign-in was cancelled or failed. Please try again." in text_of(response)
    assert 'class="site-header"' in response.content.decode()
    assert counts() == before
    assert not is_signed_in(client)


def test_acc16_failed_token_exchange_shows_the_themed_failure_page(client, fake_oauth):
    start = client.post("/accounts/discord/login/")
    state = dict(p.split("=", 1) for p in urlsplit(start["Location"]).query.split("&"))["state"]
    before = counts()

    response = client.get(
        "/accounts/discord/login/callback/", {"code": "never-issued", "state": state}
    )

    assert response.status_code == 401
    assert "Discord sign-in was cancelled or failed. Please try again." in text_of(response)
    assert counts() == before


def test_acc16_callback_without_state_fails_and_creates_nothing(client, fake_oauth):
    target = member()
    code = fake_oauth.issue_code(discord_user_json(target.discord_user.discord_id, "trog"))
    before = counts()

    response = client.get("/accounts/discord/login/callback/", {"code": code})

    assert response.status_code == 401
    assert "Discord sign-in was cancelled or failed. Please try again." in text_of(response)
    assert counts() == before


# --- ACC-17: connecting Discord later -------------------------------------------------------------


def connect(client, fake_oauth, user_json):
    start = client.post("/accounts/discord/login/", {"process": "connect"})
    state = dict(p.split("=", 1) for p in urlsplit(start["Location"]).query.split("&"))["state"]
    return client.get(
        "/accounts/discord/login/callback/",
        {"code": fake_oauth.issue_code(user_json), "state": state},
        follow=True,
    )


def test_acc17_password_user_connects_their_own_players_discord(client, fake_oauth):
    user = UserFactory(username="trog", password=PASSWORD)
    target = member(user=user)
    client.force_login(user)

    response = connect(
        client, fake_oauth, discord_user_json(target.discord_user.discord_id, "trog")
    )

    assert response.status_code == 200
    assert SocialAccount.objects.get(uid=target.discord_user.discord_id).user == user


def test_acc17_connecting_another_discord_account_is_refused(client, fake_oauth):
    user = UserFactory(username="trog", password=PASSWORD)
    member(user=user)
    someone = member(username="someone", display_name="Someone")
    client.force_login(user)

    response = connect(
        client, fake_oauth, discord_user_json(someone.discord_user.discord_id, "someone")
    )

    assert "That Discord account doesn't match your guild profile." in text_of(response)
    assert not SocialAccount.objects.exists()


def test_acc17_user_without_player_cannot_connect_discord(client, fake_oauth):
    user = UserFactory(username="lonely", password=PASSWORD)
    client.force_login(user)

    response = connect(client, fake_oauth, discord_user_json("777777777777777777", "lonely"))

    assert "That Discord account doesn't match your guild profile." in text_of(response)
    assert not SocialAccount.objects.exists()


def test_acc17_disconnect_refused_while_the_account_has_no_usable_password(client, discord_sign_in):
    target = member()
    discord_sign_in(client, discord_user_json(target.discord_user.discord_id, "trog"))
    account = SocialAccount.objects.get(uid=target.discord_user.discord_id)

    response = client.post("/accounts/3rdparty/", {"account": account.pk})

    assert response.status_code == 200
    assert "Your account has no password set up." in text_of(response)
    assert SocialAccount.objects.filter(pk=account.pk).exists()
