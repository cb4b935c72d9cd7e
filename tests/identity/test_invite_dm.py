"""Website invites over Discord DM (ACC-31, ACC-32, ACC-33).

The action and the button create codes and queue the DM task after the commit; the task sends
the DM through the real REST client to the fake Discord server (`fake_discord`) and stores the
outcome, which the "Website account" column shows. django-q2 runs in sync mode here.
"""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf
from django_q.tasks import async_task, fetch

from identity.models import InviteCode, InviteDmStatus, Player
from identity.services.accounts import sync_officer_access
from identity.services.invite_dm import deliver_invite_dm, send_website_invites
from identity.services.invites import create_invite, website_account_status
from identity.tasks import send_invite_dm
from patt.discord.rest import DiscordRestClient
from patt.models import SiteConfig
from tests.factories import DiscordUserFactory, PlayerFactory, rank
from tests.fakes.fake_discord import Reply

pytestmark = pytest.mark.django_db

User = get_user_model()
MESSAGES = "/channels/{channel_id}/messages"
OPEN_DM = "/users/@me/channels"


@pytest.fixture
def q_sync(monkeypatch):
    """django-q2 reads Q_CLUSTER once, at import, into `Conf`: switch sync mode on there."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://patt.example.org"
    return settings.SITE_URL


def discord_player(fake, name="Alice", username="alice", **fields) -> Player:
    """A player whose Discord user is a member of the fake server."""
    member_id = fake.add_member(username=username)["user"]["id"]
    discord_user = DiscordUserFactory(discord_id=member_id, username=username)
    return PlayerFactory(display_name=name, discord_user=discord_user, **fields)


def set_config(**fields) -> None:
    config = SiteConfig.get()
    for name, value in fields.items():
        setattr(config, name, value)
    config.save()


def status_of(invite: InviteCode) -> str:
    invite.refresh_from_db()
    return website_account_status(invite.player, invite=invite)


def no_sleep_client() -> DiscordRestClient:
    return DiscordRestClient(sleep=lambda seconds: None)


# --- ACC-31: the table, row by row ----------------------------------------------------------


def test_acc31_player_with_a_website_account_is_skipped(fake_discord):
    player = discord_player(fake_discord, user=User.objects.create(username="alice"))
    assert send_website_invites([player], acting_player=None) == [
        (messages.WARNING, "Skipped Alice: already has a website account.")
    ]
    assert not InviteCode.objects.exists()


def test_acc31_inactive_player_is_skipped(fake_discord):
    player = discord_player(fake_discord, is_active=False)
    assert send_website_invites([player], acting_player=None) == [
        (messages.WARNING, "Skipped Alice: player is inactive.")
    ]
    assert not InviteCode.objects.exists()


def test_acc31_player_without_discord_is_skipped_with_an_error(fake_discord):
    player = PlayerFactory(display_name="Bob")
    assert send_website_invites([player], acting_player=None) == [
        (messages.ERROR, "Skipped Bob: no Discord account linked — cannot send an invite.")
    ]
    assert not InviteCode.objects.exists()


def test_acc31_rows_apply_in_order(fake_discord):
    everything_wrong = PlayerFactory(
        display_name="Carl", is_active=False, user=User.objects.create(username="carl")
    )
    inactive_unlinked = PlayerFactory(display_name="Dora", is_active=False)
    assert send_website_invites([everything_wrong, inactive_unlinked], acting_player=None) == [
        (messages.WARNING, "Skipped Carl: already has a website account."),
        (messages.WARNING, "Skipped Dora: player is inactive."),
    ]


def test_acc31_bot_dms_off_creates_the_code_without_a_dm(
    fake_discord, site_url, q_sync, django_capture_on_commit_callbacks
):
    set_config(bot_dms_enabled=False)
    player = discord_player(fake_discord)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = send_website_invites([player], acting_player=None)

    invite = InviteCode.objects.get(player=player)
    assert result == [
        (
            messages.WARNING,
            f"Invite {invite.code} created for Alice. Discord DMs are off — share this link "
            f"yourself: https://patt.example.org/register?code={invite.code}",
        )
    ]
    assert invite.dm_status == InviteDmStatus.DMS_OFF
    assert callbacks == []
    assert fake_discord.requests == []
    assert status_of(invite) == "Invite created (not DMed)"


@pytest.mark.parametrize("missing", ["DISCORD_BOT_TOKEN", "DISCORD_GUILD_ID"])
def test_acc31_discord_not_configured_creates_the_code_without_a_dm(
    fake_discord, settings, missing, django_capture_on_commit_callbacks
):
    setattr(settings, missing, "")
    player = discord_player(fake_discord)

    with django_capture_on_commit_callbacks() as callbacks:
        ((level, text),) = send_website_invites([player], acting_player=None)

    invite = InviteCode.objects.get(player=player)
    assert level == messages.WARNING
    assert text.startswith(f"Invite {invite.code} created for Alice. Discord DMs are off")
    assert invite.dm_status == InviteDmStatus.DMS_OFF
    assert callbacks == []


def test_acc31_otherwise_the_dm_is_queued(
    fake_discord, site_url, django_capture_on_commit_callbacks
):
    player = discord_player(fake_discord)

    with django_capture_on_commit_callbacks() as callbacks:
        result = send_website_invites([player], acting_player=None)

    invite = InviteCode.objects.get(player=player)
    assert result == [
        (
            messages.SUCCESS,
            f"Invite {invite.code} created for Alice; Discord DM queued. If it doesn't arrive, "
            f"share this link: https://patt.example.org/register?code={invite.code}",
        )
    ]
    assert invite.dm_status == InviteDmStatus.QUEUED
    assert invite.status == "Valid"
    assert len(callbacks) == 1
    assert status_of(invite) == "Invite created (DM queued)"


def test_acc31_the_task_runs_only_after_the_commit(
    fake_discord, q_sync, django_capture_on_commit_callbacks
):
    player = discord_player(fake_discord)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_website_invites([player], acting_player=None)
    assert fake_discord.messages == []  # nothing queued before the commit
    for callback in callbacks:
        callback()  # the commit

    invite = InviteCode.objects.get(player=player)
    assert invite.dm_status == InviteDmStatus.SENT
    assert len(fake_discord.dm_messages(player.discord_user.discord_id)) == 1


def test_acc31_at_most_20_players_at_a_time(fake_discord, django_capture_on_commit_callbacks):
    players = [discord_player(fake_discord, f"P{n}", f"p{n}") for n in range(21)]

    assert send_website_invites(players, acting_player=None) == [
        (messages.ERROR, "Select at most 20 players at a time.")
    ]
    assert not InviteCode.objects.exists()

    with django_capture_on_commit_callbacks() as callbacks:
        result = send_website_invites(players[:20], acting_player=None)
    assert [level for level, _ in result] == [messages.SUCCESS] * 20
    assert InviteCode.objects.count() == len(callbacks) == 20


def test_acc31_created_by_is_the_acting_officers_player(fake_discord):
    officer = PlayerFactory(display_name="Officer Olga")
    alice, bob = discord_player(fake_discord), discord_player(fake_discord, "Bob", "bob")
    send_website_invites([alice], acting_player=officer)
    send_website_invites([bob], acting_player=None)
    assert InviteCode.objects.get(player=alice).created_by == officer
    assert InviteCode.objects.get(player=bob).created_by is None


def test_acc31_a_new_invite_expires_the_players_earlier_code(fake_discord):
    player = discord_player(fake_discord)
    old = create_invite(player)
    send_website_invites([player], acting_player=None)
    old.refresh_from_db()
    assert old.status == "Expired"
    assert InviteCode.objects.valid().get(player=player).dm_status == InviteDmStatus.QUEUED


# --- ACC-31: the admin action and the button ------------------------------------------------


def logged_in_officer() -> tuple[Client, Player]:
    user = User.objects.create(username="olga")
    officer = PlayerFactory(display_name="Officer Olga", user=user, guild_rank=rank("Officer"))
    sync_officer_access(user)
    client = Client()
    client.force_login(user)
    return client, officer


def test_acc31_changelist_action_shows_one_message_per_player(
    fake_discord, q_sync, django_capture_on_commit_callbacks
):
    client, officer = logged_in_officer()
    alice = discord_player(fake_discord)
    bob = PlayerFactory(display_name="Bob")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:identity_player_changelist"),
            {"action": "send_website_invite", "_selected_action": [alice.pk, bob.pk]},
            follow=True,
        )

    invite = InviteCode.objects.get(player=alice)
    shown = sorted((m.level, m.message) for m in get_messages(response.wsgi_request))
    assert [level for level, _ in shown] == [messages.SUCCESS, messages.ERROR]
    assert shown[0][1].startswith(f"Invite {invite.code} created for Alice; Discord DM queued.")
    assert shown[1][1] == "Skipped Bob: no Discord account linked — cannot send an invite."
    assert invite.created_by == officer
    invite.refresh_from_db()
    assert invite.dm_status == InviteDmStatus.SENT
    assert "Send website invite (Discord DM)" in response.content.decode()
    changelist = client.get(reverse("admin:identity_player_changelist")).content.decode()
    assert "Invite sent (DM)" in changelist  # the ACC-33 column, once the task has run


def test_acc31_button_on_the_player_page_posts_to_the_send_invite_view(
    fake_discord, q_sync, django_capture_on_commit_callbacks
):
    client, _ = logged_in_officer()
    alice = discord_player(fake_discord)
    page_url = reverse("admin:identity_player_change", args=[alice.pk])
    send_url = reverse("admin:identity_player_send_invite", args=[alice.pk])

    page = client.get(page_url).content.decode()
    form = page[page.index(f'action="{send_url}"') :]
    assert page.count(f'<form method="post" action="{send_url}">') == 1
    assert form.index('name="csrfmiddlewaretoken"') < form.index("Send website invite</button>")
    assert client.get(send_url).status_code == 405

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url)

    assert response.status_code == 302 and response["Location"] == page_url
    invite = InviteCode.objects.get(player=alice)
    (shown,) = list(get_messages(response.wsgi_request))
    assert (shown.level, shown.message.split(";")[0]) == (
        messages.SUCCESS,
        f"Invite {invite.code} created for Alice",
    )
    invite.refresh_from_db()
    assert invite.dm_status == InviteDmStatus.SENT


def test_acc31_button_view_needs_change_permission(fake_discord):
    user = User.objects.create(username="viewer", is_staff=True)
    client = Client()
    client.force_login(user)
    alice = discord_player(fake_discord)
    response = client.post(reverse("admin:identity_player_send_invite", args=[alice.pk]))
    assert response.status_code == 403
    assert not InviteCode.objects.exists()


# --- ACC-32: delivering the DM ----------------------------------------------------------------


def test_acc32_dm_text_and_sent_outcome(fake_discord, site_url):
    set_config(guild_name="Salt Mine", contact_name="Rocket")
    player = discord_player(fake_discord, name="Alice Player", username="alice.w")
    invite = create_invite(player)
    created = datetime(2025, 3, 1, 18, 5, tzinfo=UTC)
    InviteCode.objects.filter(pk=invite.pk).update(
        created_at=created, expires_at=created + timedelta(hours=48)
    )
    now = created + timedelta(hours=1)

    deliver_invite_dm(invite.pk, now=now)

    (dm,) = fake_discord.dm_messages(player.discord_user.discord_id)
    code = invite.code
    assert dm.content == (
        "Hey Alice Player! 👋\n"
        "You're invited to create your account on the Salt Mine website.\n"
        "\n"
        f"Your invite code: **{code}**\n"
        f"Sign up here: https://patt.example.org/register?code={code}\n"
        "\n"
        "• Use your Discord username (alice.w) as your website username.\n"
        "• The code works once and expires in 48 hours (Mar 03 at 18:05 UTC).\n"
        '• Rather not make a password? Use "Sign in with Discord" on patt.example.org — no code '
        "needed.\n"
        "\n"
        "Questions? Ask Rocket or any officer."
    )
    invite.refresh_from_db()
    assert (invite.dm_status, invite.dm_error, invite.dm_sent_at) == ("sent", "", now)


def test_acc32_sent_outcome_in_the_website_account_column(fake_discord, q_sync):
    player = discord_player(fake_discord)
    invite = create_invite(player)

    assert send_invite_dm(invite.pk) == "sent"  # the django-q2 task itself

    assert status_of(invite) == "Invite sent (DM)"
    assert invite.dm_sent_at is not None
    assert invite.status == "Valid"


def test_acc32_already_sent_does_nothing(fake_discord):
    player = discord_player(fake_discord)
    invite = create_invite(player)
    deliver_invite_dm(invite.pk)
    sent_at = InviteCode.objects.get(pk=invite.pk).dm_sent_at

    deliver_invite_dm(invite.pk)

    assert len(fake_discord.messages) == 1
    assert InviteCode.objects.get(pk=invite.pk).dm_sent_at == sent_at


@pytest.mark.parametrize("change", ["used", "expired", "registered", "inactive"])
def test_acc32_invite_no_longer_valid_fails_without_a_dm(fake_discord, change):
    player = discord_player(fake_discord)
    invite = create_invite(player)
    now = timezone.now()
    if change == "used":
        InviteCode.objects.filter(pk=invite.pk).update(used_at=now)
    elif change == "expired":
        InviteCode.objects.filter(pk=invite.pk).update(expires_at=now)
    elif change == "registered":
        Player.objects.filter(pk=player.pk).update(user=User.objects.create(username="alice"))
    else:
        Player.objects.filter(pk=player.pk).update(is_active=False)

    deliver_invite_dm(invite.pk, now=now)

    invite.refresh_from_db()
    assert (invite.dm_status, invite.dm_error) == ("failed", "invite no longer valid")
    assert fake_discord.requests == []


def test_acc32_bot_dms_switched_off_meanwhile(fake_discord):
    invite = create_invite(discord_player(fake_discord))
    set_config(bot_dms_enabled=False)

    deliver_invite_dm(invite.pk)

    invite.refresh_from_db()
    assert invite.dm_status == InviteDmStatus.DMS_OFF
    assert fake_discord.requests == []
    assert status_of(invite) == "Invite created (not DMed)"


def test_acc32_dms_closed(fake_discord):
    player = discord_player(fake_discord)
    fake_discord.close_dms(player.discord_user.discord_id)
    invite = create_invite(player)

    deliver_invite_dm(invite.pk)

    invite.refresh_from_db()
    assert invite.dm_status == InviteDmStatus.DMS_CLOSED
    assert invite.dm_error == "they don't accept DMs from server members"
    assert status_of(invite) == "Invite DM failed: they don't accept DMs from server members"
    assert invite.status == "Valid"


def test_acc32_not_in_the_server_when_opening_the_dm(fake_discord):
    player = discord_player(fake_discord)
    fake_discord.remove_member(player.discord_user.discord_id)  # 404 10013 on the DM channel
    invite = create_invite(player)

    deliver_invite_dm(invite.pk)

    invite.refresh_from_db()
    assert (invite.dm_status, invite.dm_error) == ("failed", "not in the Discord server")
    assert status_of(invite) == "Invite DM failed: not in the Discord server"
    assert invite.status == "Valid"
    assert len(fake_discord.requests_to("POST", OPEN_DM)) == 1


def test_acc32_not_in_the_server_when_sending(fake_discord):
    player = discord_player(fake_discord)
    fake_discord.script("POST", MESSAGES, [Reply.error(404, 10007, "Unknown Member")])
    invite = create_invite(player)

    deliver_invite_dm(invite.pk)

    invite.refresh_from_db()
    assert (invite.dm_status, invite.dm_error) == ("failed", "not in the Discord server")
    assert fake_discord.messages == []


@pytest.mark.parametrize(
    "replies",
    [[503] * 4, [Reply.rate_limited(60)]],
    ids=["unavailable", "rate-limited"],
)
def test_acc32_discord_unavailable_fails_after_the_clients_retries(fake_discord, caplog, replies):
    player = discord_player(fake_discord)
    fake_discord.script("POST", MESSAGES, replies)
    invite = create_invite(player)

    with caplog.at_level(logging.DEBUG):
        deliver_invite_dm(invite.pk, client=no_sleep_client())

    invite.refresh_from_db()
    assert (invite.dm_status, invite.dm_error) == (
        "failed",
        "Discord unavailable — send again later",
    )
    assert status_of(invite) == "Invite DM failed: Discord unavailable — send again later"
    assert len(fake_discord.requests_to("POST", MESSAGES)) == len(replies)
    assert InviteCode.objects.valid().filter(pk=invite.pk).exists()  # the code stays valid
    (failure,) = [r for r in caplog.records if r.name == "identity.services.invite_dm"]
    status = replies[0] if replies[0] == 503 else 429
    assert f"HTTP {status}, Discord code" in failure.getMessage()
    assert fake_discord.token not in caplog.text


def test_acc32_a_failed_dm_ends_the_task_normally_so_it_is_not_retried(fake_discord, q_sync):
    """django-q2 re-runs only failed tasks; a DM failure is an outcome, not a task failure."""
    player = discord_player(fake_discord)
    fake_discord.close_dms(player.discord_user.discord_id)
    invite = create_invite(player)

    task = fetch(async_task("identity.tasks.send_invite_dm", invite.pk))

    assert (task.success, task.result) == (True, "dms_closed")
    assert len(fake_discord.requests_to("POST", MESSAGES)) == 1
    assert fake_discord.messages == []


def test_acc32_token_never_logged_on_an_auth_failure(fake_discord, settings, caplog):
    invite = create_invite(discord_player(fake_discord))
    settings.DISCORD_BOT_TOKEN = "wrong-" + fake_discord.token

    with caplog.at_level(logging.DEBUG):
        deliver_invite_dm(invite.pk)

    invite.refresh_from_db()
    assert (invite.dm_status, invite.dm_error) == ("failed", "Discord refused the DM (HTTP 401)")
    assert "HTTP 401" in caplog.text
    assert fake_discord.token not in caplog.text
    assert fake_discord.token not in invite.dm_error
