"""Registration with an invite code (ACC-23 … ACC-26, IDN-16)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from identity.models import InviteCode, InviteCodeQuerySet, Player
from identity.services import invites
from identity.services.accounts import OFFICERS_GROUP
from identity.services.invites import create_invite
from patt.refusals import Refused
from tests.accounts.support import (
    PASSWORD,
    field_errors,
    flashes,
    form_errors,
    input_value,
    invited_player,
    is_signed_in,
    signup_data,
    text_of,
)
from tests.factories import DiscordUserFactory, PlayerFactory, UserFactory, rank

pytestmark = pytest.mark.django_db

User = get_user_model()

NOT_VALID = "That invite code is not valid."
USED = "This invite code has already been used."
EXPIRED = "This invite code has expired; ask an officer for a new one."
WRONG_USERNAME = "Use your Discord username as your username."
HAS_ACCOUNT = "This player already has an account; sign in instead."
TAKEN = "That username is already taken. Ask an officer."


def sign_up(client, data):
    return client.post("/accounts/signup/", data)


def expire(invite, *, ago):
    now = timezone.now()
    InviteCode.objects.filter(pk=invite.pk).update(
        created_at=now - timedelta(days=3) - ago, expires_at=now - ago
    )


def assert_refused(response, message):
    assert response.status_code == 200
    assert form_errors(response) == [message]
    assert not is_signed_in(response.client)


# --- ACC-23: reaching the form --------------------------------------------------------------------


def test_acc23_register_redirects_to_signup_keeping_the_query_string(client):
    assert client.get("/register")["Location"] == "/accounts/signup/"
    response = client.get("/register?code=abcd2345&next=/vote/3")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/?code=abcd2345&next=/vote/3"


def test_acc23_code_prefilled_trimmed_and_upper_cased_username_not(client):
    response = client.get("/accounts/signup/", {"code": "  abcd2345 "})

    assert response.status_code == 200
    assert input_value(response, "code") == "ABCD2345"
    assert input_value(response, "username") is None


def test_acc23_get_never_reveals_whether_the_code_is_valid(client):
    _, invite = invited_player()

    def page(code):
        html = client.get("/accounts/signup/", {"code": code}).content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return html.replace(code, "<CODE>")

    assert page(invite.code) == page("ZZZZ9999")


# --- ACC-24: fields ------------------------------------------------------------------------------


def test_acc24_fields_labels_and_the_static_match_script(client):
    html = client.get("/accounts/signup/").content.decode()

    labels = re.findall(r'<label for="id_(\w+)">([^<]+)</label>', html)
    assert labels == [
        ("code", "Invite code"),
        ("username", "Discord username"),
        ("password1", "Password"),
        ("password2", "Confirm password"),
    ]
    assert '<script src="/static/js/accounts.js" defer></script>' in html
    assert 'data-password-match data-password="id_password1" data-confirm="id_password2"' in html


def test_acc24_match_script_is_static_and_only_on_the_signup_page(client):
    login_html = client.get("/accounts/login/").content.decode()
    script = client.get("/static/js/accounts.js")

    assert "accounts.js" not in login_html
    assert script.status_code == 200
    body = b"".join(script.streaming_content).decode()
    assert '"Passwords match"' in body
    assert '"Passwords do not match"' in body


# --- ACC-25: the validation order, one step at a time ---------------------------------------------


def test_acc25_step2_every_field_is_required_per_field(client):
    response = sign_up(client, {"code": "", "username": " ", "password1": "", "password2": ""})

    assert response.status_code == 200
    for field in ("code", "username", "password1", "password2"):
        assert field_errors(response, field) == ["This field is required."], field
    assert form_errors(response) == []


def test_issue16_acc25_register_shows_every_form_error_at_once(client):
    """Issue 16: an empty field, passwords that differ and a too-short password are all reported
    in one answer (per field, and above the form), not one per submission."""
    _, invite = invited_player()

    response = sign_up(
        client, {"code": invite.code, "username": "", "password1": "Ab1!", "password2": "Ab1?"}
    )

    assert response.status_code == 200
    assert field_errors(response, "username") == ["This field is required."]
    assert field_errors(response, "code") == []
    assert form_errors(response) == [
        "Passwords do not match.",
        "Password must be at least 8 characters.",
    ]
    assert not is_signed_in(client)


def test_acc25_step3_passwords_must_match(client):
    _, invite = invited_player()

    response = sign_up(client, {**signup_data(invite.code), "password2": "Different-Pass-9"})

    assert_refused(response, "Passwords do not match.")


def test_acc25_step4_password_validators(client):
    _, invite = invited_player()

    short = sign_up(client, signup_data(invite.code, password="Ab1!"))
    numeric = sign_up(client, signup_data(invite.code, password="8392746150"))
    similar = sign_up(client, signup_data(invite.code, password="trogdor1"))

    assert_refused(short, "Password must be at least 8 characters.")
    assert_refused(numeric, "This password is entirely numeric.")
    assert "The password is too similar to the username." in form_errors(similar)


def test_acc25_step5_unknown_code_is_not_valid(client):
    invited_player()

    assert_refused(sign_up(client, signup_data("ZZZZ9999")), NOT_VALID)


def test_acc25_step5_code_of_an_inactive_player_is_not_valid(client):
    _, invite = invited_player(is_active=False)

    assert_refused(sign_up(client, signup_data(invite.code)), NOT_VALID)


def test_acc25_step6_used_code_message(client):
    _, invite = invited_player()
    InviteCode.objects.filter(pk=invite.pk).update(used_at=timezone.now())

    assert_refused(sign_up(client, signup_data(invite.code)), USED)


def test_acc25_step7_expired_code_message(client):
    _, invite = invited_player()
    expire(invite, ago=timedelta(seconds=1))

    assert_refused(sign_up(client, signup_data(invite.code)), EXPIRED)


def test_acc25_step8_username_must_be_the_discord_username(client):
    _, invite = invited_player(username="trogdor")

    assert_refused(sign_up(client, signup_data(invite.code, username="trog")), WRONG_USERNAME)


def test_acc25_step8_player_without_discord_link_never_matches(client):
    target = PlayerFactory(display_name="Unlinked", guild_rank=rank("Member"))
    invite = create_invite(target)

    assert_refused(sign_up(client, signup_data(invite.code, username="unlinked")), WRONG_USERNAME)


def test_acc25_step9_player_already_has_an_account(client):
    _, invite = invited_player(user=UserFactory(username="somebody"))

    assert_refused(sign_up(client, signup_data(invite.code)), HAS_ACCOUNT)


def test_acc25_step10_username_already_taken(client):
    _, invite = invited_player(username="trogdor")
    UserFactory(username="TrogDor")

    assert_refused(sign_up(client, signup_data(invite.code)), TAKEN)


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("mismatch+bad code", "Passwords do not match."),
        ("short password+bad code", "Password must be at least 8 characters."),
        ("bad code+wrong username", NOT_VALID),
        ("used+expired+wrong username", USED),
        ("expired+wrong username", EXPIRED),
        ("wrong username+has account", WRONG_USERNAME),
        ("has account+taken", HAS_ACCOUNT),
    ],
)
def test_acc25_stops_at_the_first_failure_and_shows_only_that_message(client, breakage, message):
    target, invite = invited_player(username="trogdor")
    data = signup_data(invite.code)
    if "mismatch" in breakage:
        data["password2"] = "Another-Pass-77"
    if "short password" in breakage:
        data["password1"] = data["password2"] = "Ab1!"
    if "bad code" in breakage:
        data["code"] = "ZZZZ9999"
    if "used" in breakage:
        InviteCode.objects.filter(pk=invite.pk).update(used_at=timezone.now())
    if "expired" in breakage:
        expire(invite, ago=timedelta(hours=1))
    if "wrong username" in breakage:
        data["username"] = "someoneelse"
    if "has account" in breakage:
        Player.objects.filter(pk=target.pk).update(user=UserFactory(username="owner"))
    if "taken" in breakage:
        UserFactory(username="trogdor")

    assert_refused(sign_up(client, data), message)


def test_acc25_rerender_keeps_code_and_username_never_passwords(client):
    _, invite = invited_player(username="trogdor")

    response = sign_up(client, signup_data(f"  {invite.code.lower()} ", username="  wrongname "))

    assert_refused(response, WRONG_USERNAME)
    assert input_value(response, "code") == invite.code
    assert input_value(response, "username") == "wrongname"
    assert input_value(response, "password1") is None
    assert input_value(response, "password2") is None
    assert PASSWORD not in response.content.decode()


# --- ACC-26: the effects -------------------------------------------------------------------------


def test_acc26_signup_creates_links_consumes_signs_in_and_welcomes(client):
    target, invite = invited_player(username="TrogDor", display_name="Trog")

    response = sign_up(
        client, signup_data(f" {invite.code.lower()} ", username=" trogdor ", next="/vote/3")
    )

    assert response.status_code == 302
    assert response["Location"] == "/vote/3"
    user = User.objects.get()
    assert user.username == "trogdor"
    assert user.check_password(PASSWORD)
    target.refresh_from_db()
    invite.refresh_from_db()
    assert target.user == user
    assert invite.used_by == user
    assert invite.used_at is not None
    assert client.session["_auth_user_id"] == str(user.pk)
    assert flashes(response) == ["Welcome, Trog! Your account is ready."]


def test_acc26_unsafe_next_falls_back_to_home(client):
    _, invite = invited_player()

    response = sign_up(client, signup_data(invite.code, next="https://evil.example/"))

    assert response["Location"] == "/"


def test_acc26_officer_access_applied_on_signup(client):
    _, invite = invited_player(rank_name="Officer")

    sign_up(client, signup_data(invite.code))

    user = User.objects.get(username="trogdor")
    assert user.is_staff
    assert user.groups.filter(name=OFFICERS_GROUP).exists()
    assert client.get("/admin/").status_code == 200


def test_acc26_a_code_works_once(client):
    _, invite = invited_player()
    sign_up(client, signup_data(invite.code))
    client.post("/accounts/logout/")

    assert_refused(sign_up(client, signup_data(invite.code)), USED)
    assert User.objects.count() == 1


def test_acc26_any_failure_stores_nothing(client, monkeypatch):
    target, invite = invited_player()

    def broken(user):
        raise RuntimeError("officer rule unavailable")

    monkeypatch.setattr(invites, "sync_officer_access", broken)
    client.raise_request_exception = False

    response = sign_up(client, signup_data(invite.code))

    assert response.status_code == 500
    invite.refresh_from_db()
    target.refresh_from_db()
    assert invite.used_at is None and invite.used_by is None
    assert target.user is None
    assert not User.objects.exists()


def test_acc26_conditional_update_refuses_a_code_consumed_after_the_checks(monkeypatch):
    """The consume step is the conditional update itself: when the code stops being valid
    between the checks and the update (another request won), nothing is stored."""
    target, invite = invited_player()
    original_valid = InviteCodeQuerySet.valid

    def valid_after_a_competitor(self, now=None):
        InviteCode.objects.filter(pk=invite.pk).update(used_at=timezone.now())
        return original_valid(self, now)

    monkeypatch.setattr(InviteCodeQuerySet, "valid", valid_after_a_competitor)

    with pytest.raises(Refused) as refused:
        invites.redeem_invite(code=invite.code, username="trogdor", password=PASSWORD)

    assert refused.value.message == USED
    assert not User.objects.exists()
    target.refresh_from_db()
    assert target.user is None


def test_acc26_discord_username_case_is_ignored_and_stored_lower(client):
    DiscordUserFactory(username="someone")
    _, invite = invited_player(username="Mixed.Case")

    response = sign_up(client, signup_data(invite.code, username="MIXED.case"))

    assert response.status_code == 302
    assert User.objects.get().username == "mixed.case"
    assert "Welcome" in text_of(client.get("/"))


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("inactive player", NOT_VALID),
        ("used", USED),
        ("expired", EXPIRED),
        ("player has an account", HAS_ACCOUNT),
    ],
)
def test_acc29_only_a_valid_code_redeems(state, message):
    """ACC-29: valid = exists, unused, unexpired, Player active and without a website account."""
    target, invite = invited_player()
    if state == "inactive player":
        Player.objects.filter(pk=target.pk).update(is_active=False)
    elif state == "used":
        InviteCode.objects.filter(pk=invite.pk).update(used_at=timezone.now())
    elif state == "expired":
        expire(invite, ago=timedelta(0))
    else:
        Player.objects.filter(pk=target.pk).update(user=UserFactory(username="owner"))
    users_before = User.objects.count()

    with pytest.raises(Refused) as refused:
        invites.redeem_invite(code=invite.code, username="trogdor", password=PASSWORD)

    assert refused.value.message == message
    assert User.objects.count() == users_before
    invite.refresh_from_db()
    assert invite.used_by is None
