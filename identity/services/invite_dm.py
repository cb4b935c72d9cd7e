"""Website invites sent over Discord DM (ACC-31, ACC-32).

`send_website_invites` is the officers' action and button: it never calls Discord inline, it
creates the codes and queues one django-q2 task per invite, after the commit. The task runs
`deliver_invite_dm`, which sends the DM through the REST client (with that client's retry
rules) and stores the outcome on the invite, where the "Website account" column shows it
(ACC-33). A failed DM is never retried automatically: running the action again issues a fresh
code and DM.
"""

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.utils import timezone

from identity.models import DiscordUser, InviteCode, InviteDmStatus, Player
from identity.services.invites import create_invite
from patt.discord.errors import DiscordError, DiscordNotConfigured, DiscordNotFound, DMsClosed
from patt.discord.rest import DiscordRestClient, discord_configured
from patt.models import SiteConfig
from patt.task_queue import enqueue_on_commit

logger = logging.getLogger(__name__)

MAX_PLAYERS_PER_RUN = 20
DM_TASK = "identity.tasks.send_invite_dm"
NOT_QUEUED = "Not sent: the task queue was unreachable. Send the invite again."


def queue_invite_dm(invite_id: int) -> None:
    """Queue the invite's DM once the transaction commits; a broker that cannot be reached
    marks the invite's DM failed with what to do (issue 17) instead of failing the action."""

    def not_queued() -> None:
        InviteCode.objects.filter(pk=invite_id, dm_status=InviteDmStatus.QUEUED).update(
            dm_status=InviteDmStatus.FAILED, dm_error=NOT_QUEUED
        )

    enqueue_on_commit(DM_TASK, invite_id, what=f"Invite DM #{invite_id}", on_unreachable=not_queued)


# `dm_error` texts (ACC-32), shown as "Invite DM failed: {reason}" (ACC-33).
NO_LONGER_VALID = "invite no longer valid"
DMS_CLOSED = "they don't accept DMs from server members"
NOT_IN_SERVER = "not in the Discord server"
DISCORD_UNAVAILABLE = "Discord unavailable — send again later"
NO_DISCORD_LINK = "no Discord account linked"
NOT_CONFIGURED = "Discord not configured"

DM_TEMPLATE = """\
Hey {display_name}! 👋
You're invited to create your account on the {guild_name} website.

Your invite code: **{code}**
Sign up here: {url}

• Use your Discord username ({discord_username}) as your website username.
• The code works once and expires in {ttl_hours} hours ({expires_at:%b %d at %H:%M} UTC).
• Rather not make a password? Use "Sign in with Discord" on {site_host} — no code needed.

Questions? Ask {contact_name} or any officer."""


def invite_url(code: str) -> str:
    return f"{settings.SITE_URL}/register?code={code}"


# --- the admin action (ACC-31) --------------------------------------------------------------


def send_website_invites(
    players: Iterable[Player], *, acting_player: Player | None
) -> list[tuple[int, str]]:
    """Create an invite for each player and queue its DM (ACC-31).

    Returns one (message level, text) per player, in the players' order; or a single error
    when more than `MAX_PLAYERS_PER_RUN` players are given. `acting_player` is recorded as
    `created_by` (None for a superuser without a Player).
    """
    players = list(players)
    if len(players) > MAX_PLAYERS_PER_RUN:
        return [(messages.ERROR, f"Select at most {MAX_PLAYERS_PER_RUN} players at a time.")]
    dms_on = SiteConfig.get().bot_dms_enabled and discord_configured()
    return [_invite(player, acting_player=acting_player, dms_on=dms_on) for player in players]


def _invite(player: Player, *, acting_player: Player | None, dms_on: bool) -> tuple[int, str]:
    name = player.display_name
    if player.user_id:
        return messages.WARNING, f"Skipped {name}: already has a website account."
    if not player.is_active:
        return messages.WARNING, f"Skipped {name}: player is inactive."
    if not player.discord_user_id:
        return (
            messages.ERROR,
            f"Skipped {name}: no Discord account linked — cannot send an invite.",
        )
    with transaction.atomic():
        invite = create_invite(player, created_by=acting_player)
        invite.dm_status = InviteDmStatus.QUEUED if dms_on else InviteDmStatus.DMS_OFF
        invite.save(update_fields=["dm_status"])
        if dms_on:
            # The worker must find the committed invite, and a rolled-back one sends nothing.
            queue_invite_dm(invite.pk)
    url = invite_url(invite.code)
    if dms_on:
        return (
            messages.SUCCESS,
            f"Invite {invite.code} created for {name}; Discord DM queued. "
            f"If it doesn't arrive, share this link: {url}",
        )
    return (
        messages.WARNING,
        f"Invite {invite.code} created for {name}. Discord DMs are off — "
        f"share this link yourself: {url}",
    )


# --- the DM task (ACC-32) -------------------------------------------------------------------


def deliver_invite_dm(
    invite_id: int, *, client: DiscordRestClient | None = None, now: datetime | None = None
) -> InviteCode | None:
    """DM the invite to its player and store the outcome on the invite (ACC-32).

    Idempotent: an invite already `sent` is left alone, and one no longer valid (ACC-29) is
    marked `failed` without a DM. The code stays valid whatever happens to the DM. Returns the
    invite, or None when it no longer exists.
    """
    invite = InviteCode.objects.select_related("player__discord_user").filter(pk=invite_id).first()
    if invite is None:
        logger.warning("Invite DM skipped: invite %s no longer exists", invite_id)
        return None
    if invite.dm_status == InviteDmStatus.SENT:
        return invite
    now = now or timezone.now()
    still_valid = (
        InviteCode.objects.valid(now)
        .filter(pk=invite.pk, player__is_active=True, player__user__isnull=True)
        .exists()
    )
    if not still_valid:
        return _record(invite, InviteDmStatus.FAILED, NO_LONGER_VALID)
    config = SiteConfig.get()
    if not config.bot_dms_enabled:
        return _record(invite, InviteDmStatus.DMS_OFF)
    discord_user = invite.player.discord_user
    if discord_user is None:
        return _record(invite, InviteDmStatus.FAILED, NO_DISCORD_LINK)
    try:
        client = client or DiscordRestClient()
    except DiscordNotConfigured:
        logger.warning("Invite DM for invite %s skipped: Discord not configured", invite.pk)
        return _record(invite, InviteDmStatus.DMS_OFF, NOT_CONFIGURED)
    try:
        client.send_dm(
            discord_user.discord_id,
            invite_dm_text(invite, config=config, discord_user=discord_user),
        )
    except DiscordError as error:
        status, reason = _failure(error)
        logger.warning(
            "Invite DM for invite %s (player %s) failed: %s (HTTP %s, Discord code %s)",
            invite.pk,
            invite.player_id,
            reason,
            error.status,
            error.code,
        )
        return _record(invite, status, reason)
    return _record(invite, InviteDmStatus.SENT, sent_at=now)


def invite_dm_text(invite: InviteCode, *, config: SiteConfig, discord_user: DiscordUser) -> str:
    """The DM of ACC-32, with the invite's own lifetime and expiry (UTC), to `discord_user`
    (the invite's player's Discord account, which the caller has checked exists)."""
    player = invite.player
    lifetime = invite.expires_at - invite.created_at
    return DM_TEMPLATE.format(
        display_name=player.display_name,
        guild_name=config.guild_name,
        code=invite.code,
        url=invite_url(invite.code),
        discord_username=discord_user.username,
        ttl_hours=round(lifetime.total_seconds() / 3600),
        expires_at=invite.expires_at.astimezone(UTC),
        site_host=urlsplit(settings.SITE_URL).netloc,
        contact_name=config.contact_name,
    )


def _failure(error: DiscordError) -> tuple[str, str]:
    """The stored (dm_status, dm_error) of a failed send."""
    if isinstance(error, DMsClosed):
        return InviteDmStatus.DMS_CLOSED, DMS_CLOSED
    if isinstance(error, DiscordNotFound):
        return InviteDmStatus.FAILED, NOT_IN_SERVER
    if error.transient:
        return InviteDmStatus.FAILED, DISCORD_UNAVAILABLE
    return InviteDmStatus.FAILED, f"Discord refused the DM (HTTP {error.status})"


def _record(
    invite: InviteCode, status: str, error: str = "", *, sent_at: datetime | None = None
) -> InviteCode:
    invite.dm_status = status
    invite.dm_error = error
    invite.dm_sent_at = sent_at
    invite.save(update_fields=["dm_status", "dm_error", "dm_sent_at"])
    return invite
