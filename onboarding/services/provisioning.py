"""Provisioning (ONB-28 … ONB-30): the Discord role, website access and the welcome DM.

`queue_provisioning` is what services call (verification, rejoin, `/onboard-resolve`,
`/onboard-retry`): it queues `onboarding.tasks.provision_session` after the commit and never
calls Discord (BOT-9). `provision_session` runs in the worker with the REST client; it is
idempotent: each step ends in a final status and a later run skips it, so a task that runs twice
provisions once. `grant_access` is the DB-only access step (ONB-29) run inside verify and resolve.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from identity.models import DiscordUser, GuildRank, InviteCode, PlayerCharacter, WowCharacter
from identity.services.invites import create_invite
from onboarding.models import (
    EscalationReason,
    LandingNoticeStatus,
    OnboardingEvent,
    OnboardingSession,
    RoleStatus,
    State,
    WelcomeDmStatus,
)
from onboarding.services import replies
from onboarding.services.answers import parse_name
from onboarding.services.roster_match import resolve_exact
from onboarding.services.states import record_event, transition
from patt.discord.errors import (
    DiscordAuthError,
    DiscordError,
    DiscordNotConfigured,
    DiscordRateLimited,
    DiscordUnavailable,
    DMsClosed,
    MemberNotFound,
)
from patt.discord.rest import DiscordRestClient
from patt.models import SiteConfig
from patt.task_queue import enqueue_on_commit

__all__ = [
    "INVITE_MIN_LEFT",
    "INVITE_TTL_HOURS",
    "PROVISION_TASK",
    "grant_access",
    "provision_session",
    "queue_provisioning",
    "queue_role_retry",
    "retry_role",
    "welcome_embed",
]

logger = logging.getLogger("onboarding")

PROVISION_TASK = "onboarding.tasks.provision_session"
ROLE_TASK = "onboarding.tasks.retry_role"
INVITE_TTL_HOURS = 72  # ONB-29: the InviteCode default
INVITE_MIN_LEFT = timedelta(hours=24)  # ONB-29: an invite reused needs this much time left
ERROR_MAX = 500

ROLE_FINAL = frozenset(
    {
        RoleStatus.ALREADY_HAD,
        RoleStatus.ASSIGNED,
        RoleStatus.NO_ROLE_CONFIGURED,
        RoleStatus.FAILED,
    }
)
WELCOME_FINAL = frozenset(
    {WelcomeDmStatus.DMS_OFF, WelcomeDmStatus.SENT, WelcomeDmStatus.DMS_CLOSED}
)
# BOT-18: the transient row; everything else is permanent. A 401 stops the job's Discord work
# (the token is wrong, not the role), so it is retried later like a transient error.
TRANSIENT = (DiscordRateLimited, DiscordUnavailable, DiscordAuthError)
FIELD_MAX = 1024  # BOT-15: an embed field's value


class _StopRun(Exception):
    """A step failed transiently (or Discord can't be used): stop, retry on the next run."""


def queue_provisioning(session: OnboardingSession, *, now: datetime) -> None:
    """ONB-26 step 7, ONB-9, ONB-51: queue `provision_session(id)` once the transaction
    commits (the worker must see the `verified` row; a rollback queues nothing)."""
    record_event(session, kind=OnboardingEvent.Kind.PROVISIONING, detail="queued", now=now)
    # A broker that cannot be reached leaves the session verified and unprovisioned: the
    # checker's next run provisions it (issue 17).
    enqueue_on_commit(PROVISION_TASK, session.pk, what=f"Provisioning of session #{session.pk}")


def queue_role_retry(session: OnboardingSession, *, now: datetime) -> None:
    """ONB-51 `/onboard-retry` of a closed session whose role `failed`: queue the role step
    again (`onboarding.tasks.retry_role`) on commit."""
    record_event(
        session, kind=OnboardingEvent.Kind.PROVISIONING, detail="role retry queued", now=now
    )
    enqueue_on_commit(ROLE_TASK, session.pk, what=f"Role retry of session #{session.pk}")


def grant_access(session: OnboardingSession, *, now: datetime) -> None:
    """ONB-29 (DB only): a player with a website user `has_account`; otherwise the player's
    newest unused invite with at least 24 h left, or a new one (72 h, `created_by` null).
    Codes only ever appear in DMs and ephemeral replies."""
    player = session.player
    if player is None:
        return
    if player.user_id:
        if not session.has_account:
            session.has_account = True
            session.save(update_fields=["has_account", "updated_at"])
        return
    invite = (
        InviteCode.objects.filter(
            player=player, used_at__isnull=True, expires_at__gte=now + INVITE_MIN_LEFT
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if invite is None:
        invite = create_invite(player, created_by=None, ttl_hours=INVITE_TTL_HOURS)
        record_event(
            session, kind=OnboardingEvent.Kind.PROVISIONING, detail="invite created", now=now
        )
    if session.invite_id != invite.pk:
        session.invite = invite
        session.save(update_fields=["invite", "updated_at"])


def provision_session(
    session_id: int, *, client: DiscordRestClient | None = None, now: datetime | None = None
) -> str:
    """ONB-28: provision one `verified` session; returns its state or the reason it stopped.

    Steps already final are skipped. Presence: a member who left is marked absent and the
    session waits for a rejoin (ONB-9). A transient Discord error stops the run for the next
    one; failures update `provision_attempts` and `provision_error`. Once the role and the
    welcome DM are final: `provisioned` (`manually_resolved` if an officer resolved it).
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = (
            OnboardingSession.objects.select_for_update(of=("self",))
            .select_related("player__guild_rank", "discord_user")
            .filter(pk=session_id)
            .first()
        )
        if session is None:
            return "missing"
        if session.state != State.VERIFIED:
            return f"skipped: {session.state}"
        try:
            _provision(session, client=client, now=now)
        except _StopRun as stop:
            _failed(session, str(stop), now=now)
            return f"stopped: {stop}"
        return session.state


def retry_role(
    session_id: int, *, client: DiscordRestClient | None = None, now: datetime | None = None
) -> str:
    """ONB-51: the role step (ONB-28 step 2) again for a provisioned or manually resolved
    session whose role `failed`; returns the new `role_status` or why it did nothing. The
    session stays closed; a transient error leaves the role `failed` for another retry."""
    now = now or timezone.now()
    with transaction.atomic():
        session = (
            OnboardingSession.objects.select_for_update(of=("self",))
            .select_related("player__guild_rank", "discord_user")
            .filter(pk=session_id)
            .first()
        )
        if session is None:
            return "missing"
        closed = session.state in (State.PROVISIONED, State.MANUALLY_RESOLVED)
        if not closed or session.role_status != RoleStatus.FAILED:
            return f"skipped: {session.state}, role {session.role_status or 'not started'}"
        try:
            client = client or DiscordRestClient()
            member = client.get_guild_member(session.discord_user.discord_id)
            _role_step(session, client=client, member=member, now=now)
        except _StopRun as stop:
            session.role_status = RoleStatus.FAILED
            _failed(session, str(stop), now=now)
            session.save(update_fields=["role_status", "updated_at"])
            return f"stopped: {stop}"
        except DiscordError as exc:
            _failed(session, f"role retry: {exc}", now=now)
            return f"stopped: {exc}"
        if session.role_status != RoleStatus.FAILED:
            session.provision_error = ""
            session.save(update_fields=["provision_error", "updated_at"])
        return session.role_status


def _failed(session: OnboardingSession, error: str, *, now: datetime) -> None:
    session.provision_attempts += 1
    session.provision_error = error[:ERROR_MAX]
    session.save(update_fields=["provision_attempts", "provision_error", "updated_at"])
    record_event(
        session, kind=OnboardingEvent.Kind.PROVISIONING, detail=f"failed: {error}", now=now
    )


def _provision(
    session: OnboardingSession, *, client: DiscordRestClient | None, now: datetime
) -> None:
    config = SiteConfig.get()
    discord_id = session.discord_user.discord_id
    if client is None:
        try:
            client = DiscordRestClient()
        except DiscordNotConfigured as exc:
            logger.warning("Discord not configured: provisioning of session %s waits", session.pk)
            raise _StopRun(str(exc)) from None

    # 1. Presence.
    try:
        member = client.get_guild_member(discord_id)
    except MemberNotFound:
        DiscordUser.objects.filter(pk=session.discord_user_id, is_present=True).update(
            is_present=False, left_at=now
        )
        raise _StopRun("not in the Discord server; waits for a rejoin") from None
    except DiscordError as exc:
        raise _StopRun(f"member lookup: {exc}") from None

    # 2. Role (ONB-28: only this one role is ever added; the role-push "report only" switch,
    # SiteConfig.discord_role_writes_enabled, does not apply).
    if session.role_status not in ROLE_FINAL:
        _role_step(session, client=client, member=member, now=now)

    # 3. Access (ONB-29), in case verify or resolve could not finish it.
    if not session.has_account and session.invite_id is None:
        grant_access(session, now=now)

    # 4. Welcome DM.
    if session.welcome_dm_status not in WELCOME_FINAL:
        _welcome_step(session, client=client, config=config, now=now)

    # 5. Done.
    done = State.MANUALLY_RESOLVED if session.resolved_by_id else State.PROVISIONED
    transition(
        session,
        to=done,
        now=now,
        trigger="provisioning complete",
        provisioned_at=now,
        provision_attempts=session.provision_attempts + 1,
        # A permanent role failure stays on record (the officers fix the role); a transient
        # error of an earlier run is over.
        provision_error=session.provision_error if session.role_status == RoleStatus.FAILED else "",
    )


def _target_rank(session: OnboardingSession) -> GuildRank | None:
    """ONB-28 step 2: the player's rank; Initiate (the lowest) if the player has none."""
    player = session.player
    if player is not None and player.guild_rank is not None:
        return player.guild_rank
    return GuildRank.objects.order_by("level").first()


def _set(session: OnboardingSession, *, now: datetime, step: str, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(session, name, value)
    session.save(update_fields=[*fields, "updated_at"])
    record_event(session, kind=OnboardingEvent.Kind.PROVISIONING, detail=step, now=now)


def _role_step(
    session: OnboardingSession, *, client: DiscordRestClient, member: dict, now: datetime
) -> None:
    rank = _target_rank(session)
    if session.role_status != RoleStatus.PENDING:
        session.role_status = RoleStatus.PENDING
        session.save(update_fields=["role_status", "updated_at"])
    if rank is None or not rank.discord_role_id:
        logger.warning(
            "Onboarding session %s: rank %s has no Discord role configured",
            session.pk,
            rank,
            extra={"session_id": session.pk, "outcome": "no_role_configured"},
        )
        _set(session, now=now, step="role: no role configured", role_status="no_role_configured")
        return
    role_id = str(rank.discord_role_id)
    if role_id in {str(r) for r in member.get("roles", [])}:
        _set(session, now=now, step=f"role: already had {rank.name}", role_status="already_had")
        return
    try:
        client.add_member_role(
            session.discord_user.discord_id, role_id, reason=f"Onboarding: {rank.name}"
        )
    except TRANSIENT as exc:
        raise _StopRun(f"role: {exc}") from None
    except DiscordError as exc:
        # Permanent (BOT-18/19): never repeated; escalates at once as role_failed (ONB-34).
        error = f"role {rank.name}: {exc}"[:ERROR_MAX]
        fields: dict[str, Any] = {"role_status": RoleStatus.FAILED, "provision_error": error}
        if session.escalated_at is None:
            fields |= {"escalated_at": now, "escalation_reason": EscalationReason.ROLE_FAILED}
            record_event(session, kind=OnboardingEvent.Kind.ESCALATION, detail=error, now=now)
        _set(session, now=now, step=f"role failed: {exc}", **fields)
        return
    _set(session, now=now, step=f"role: assigned {rank.name}", role_status=RoleStatus.ASSIGNED)


def _welcome_step(
    session: OnboardingSession, *, client: DiscordRestClient, config: SiteConfig, now: datetime
) -> None:
    if not config.bot_dms_enabled:
        _set(session, now=now, step="welcome DM: DMs off", welcome_dm_status="dms_off")
        return
    if session.welcome_dm_status != WelcomeDmStatus.PENDING:
        session.welcome_dm_status = WelcomeDmStatus.PENDING
        session.save(update_fields=["welcome_dm_status", "updated_at"])
    try:
        client.send_dm(
            session.discord_user.discord_id, embeds=[welcome_embed(session, now=now, config=config)]
        )
    except DMsClosed:
        # ONB-28 step 4, ONB-40: the welcome-variant landing notice, once per round.
        fields: dict[str, Any] = {"welcome_dm_status": WelcomeDmStatus.DMS_CLOSED}
        if session.dm_blocked_at is None:
            fields["dm_blocked_at"] = now
        if session.landing_notice_status == LandingNoticeStatus.NONE:
            fields["landing_notice_status"] = LandingNoticeStatus.QUEUED
        _set(session, now=now, step="welcome DM: DMs closed", **fields)
        return
    except DiscordError as exc:
        raise _StopRun(f"welcome DM: {exc}") from None
    _set(session, now=now, step="welcome DM: sent", welcome_dm_status=WelcomeDmStatus.SENT)


# --- ONB-30: the welcome DM ------------------------------------------------------------------


def _character_line(character: WowCharacter) -> str:
    where = character.realm_name or character.realm_slug
    line = f"{character.name} - {where}"
    if character.playable_class is not None:
        line += f", {character.playable_class.name}"
    return line


def welcome_embed(
    session: OnboardingSession, *, now: datetime, config: SiteConfig | None = None
) -> dict:
    """ONB-30: "You're all set, <display name>!" with the characters, the role, the website
    (sign-in link, plus the invite or "You already have an account"), the raid schedule if
    set, and the footer guild · realm."""
    config = config or SiteConfig.get()
    player = session.player
    site = settings.SITE_URL.rstrip("/")
    name = player.display_name if player else session.discord_user.username

    main = session.main_character
    lines = [f"**Main:** {_character_line(main)}"] if main else []
    alts = (
        PlayerCharacter.objects.filter(player=player)
        .exclude(character=main)
        .select_related("character__playable_class")
        .order_by("character__name_key")
        if player
        else []
    )
    linked = [_character_line(link.character) for link in alts]
    if linked:
        lines.append("**Alts:** " + "; ".join(linked))
    missing = _alts_not_found(session, config=config)
    if missing:
        lines.append("**Alts not found:** " + ", ".join(missing))

    rank = _target_rank(session)
    if session.role_status in (RoleStatus.ASSIGNED, RoleStatus.ALREADY_HAD) and rank is not None:
        role = f"You now have the {rank.discord_role_name or rank.name} role."
    else:
        role = "An officer will sort out your Discord role."

    website = [f"Sign in with Discord: {site}/accounts/login/"]
    invite = session.invite
    if session.has_account:
        website.append("You already have an account")
    elif invite is not None:
        website.append(
            f"Prefer a password? {site}/register?code={invite.code} - code **{invite.code}**, "
            f"single use, expires in {_relative(invite.expires_at, now)}; use your Discord "
            f"username **{session.discord_user.username}**"
        )

    fields = [
        {"name": "Characters", "value": _cut("\n".join(lines) or "(none yet)"), "inline": False},
        {"name": "Role", "value": role, "inline": False},
        {"name": "Website", "value": "\n".join(website), "inline": False},
    ]
    if config.raid_schedule_text:
        fields.append({"name": "Raid schedule", "value": config.raid_schedule_text})
    return {
        "title": f"You're all set, {name}!",
        "color": replies.accent_colour(config),
        "fields": fields,
        "footer": replies.footer(config),
    }


def _cut(value: str) -> str:
    """An embed field within Discord's limit (BOT-15): long alt lists are cut."""
    return value if len(value) <= FIELD_MAX else value[: FIELD_MAX - 1] + "…"


def _relative(moment: datetime, now: datetime) -> str:
    """ "72 hours", "1 hour", "less than an hour": the invite's relative expiry (ONB-30)."""
    hours = round((moment - now).total_seconds() / 3600)
    if hours < 1:
        return "less than an hour"
    return "1 hour" if hours == 1 else f"{hours} hours"


def _alts_not_found(session: OnboardingSession, *, config: SiteConfig) -> list[str]:
    missing = []
    for raw in session.reported_alt_names or []:
        parsed = parse_name(str(raw))
        if parsed is None:
            continue
        if resolve_exact(parsed, home_realm=config.guild_realm_slug).character is None:
            missing.append(parsed.name)
    return missing
