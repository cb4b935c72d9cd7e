"""The checker's channel posts (ONB-36, ONB-41): the officers' escalation embed and the
DMs-closed landing notice, built here word for word and posted by a worker through the REST
client (BOT-13).

`post_escalation` and `post_landing_notice` run in the worker (the checker, or a task of
onboarding/checker_tasks.py); they read and write the session's own status fields, so calling
them again never posts twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from onboarding.models import (
    EscalationReason,
    LandingNoticeStatus,
    OnboardingEvent,
    OnboardingSession,
    WelcomeDmStatus,
)
from onboarding.services.answers import parse_name
from onboarding.services.roster_match import AMBIGUOUS, RESOLVED, resolve_exact, roster_characters
from onboarding.services.states import record_event
from onboarding.services.timing import deadline_after
from patt.discord.errors import DiscordAuthError, DiscordError
from patt.discord.rest import DiscordRestClient
from patt.models import SiteConfig

__all__ = [
    "ESCALATION_COLOUR",
    "ESCALATION_TITLE",
    "LANDING_NOTICE_TASK",
    "NO_AUDIT_CHANNEL",
    "escalation_embed",
    "landing_notice_text",
    "post_escalation",
    "post_landing_notice",
]

logger = logging.getLogger("onboarding")

# The worker task that posts one queued landing notice (onboarding/checker_tasks.py).
LANDING_NOTICE_TASK = "onboarding.checker_tasks.post_landing_notice"
ESCALATION_TITLE = "Onboarding needs an officer"
ESCALATION_COLOUR = 0xFFA500  # ONB-36
FIELD_MAX = 1024  # Discord's limit for a field value (BOT-15)
# ONB-34: what the admin shows, and each checker run warns, while no audit channel is set.
NO_AUDIT_CHANNEL = "Escalated - not posted (no audit channel)"

# Outcomes of one post attempt.
POSTED = "posted"
NO_CHANNEL = "no_channel"
FAILED = "failed"  # permanent
RETRY = "retry"  # transient: the next run tries again
NOTHING = "nothing"  # nothing to post (already posted, or not queued)


# --- texts ----------------------------------------------------------------------------------


def _limited(items: list[str], *, sep: str = "\n") -> str:
    """Join `items` within a field's 1024 characters, ending with "…and K more" (ONB-36)."""
    if not items:
        return ""
    for shown in range(len(items), 0, -1):
        value = sep.join(items[:shown])
        if shown < len(items):
            value += f"{sep}…and {len(items) - shown} more"
        if len(value) <= FIELD_MAX:
            return value
    return f"…and {len(items)} more"


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "unknown"


def _describe_reason(session: OnboardingSession) -> str:
    """ONB-36's description by reason. The conflicts and the officer-rank claim carry the
    verification's own detail (who owns what), provisioning failures their error."""
    reason = session.escalation_reason
    detail = session.last_verification_detail
    hours = int(deadline_after().total_seconds() // 3600)
    if reason == EscalationReason.NO_MATCH:
        text = f"Not matched within {hours} h."
        return f"{text} Last result: {detail}" if detail else text
    if reason == EscalationReason.NO_NAME:
        return "Said they're not in the guild yet and sent no name."
    if reason in (EscalationReason.ROLE_FAILED, EscalationReason.PROVISIONING_STUCK):
        label = "Discord role failed" if reason == EscalationReason.ROLE_FAILED else "Stuck"
        return f"{label}: {session.provision_error or 'no error recorded'}"
    return detail or EscalationReason(reason).label


def _in_guild(session: OnboardingSession) -> str:
    if session.is_in_guild is None:
        return "not answered"
    return "Yes" if session.is_in_guild else "No"


def _reported_main(session: OnboardingSession) -> str:
    if not session.reported_main_name:
        return "(not provided)"
    realm = session.reported_main_realm
    return f"{session.reported_main_name}-{realm}" if realm else session.reported_main_name


def _roster_match(session: OnboardingSession) -> str:
    if session.escalation_reason in (
        EscalationReason.OWNED_BY_OTHER_DISCORD,
        EscalationReason.OWNED_BY_OTHER_PLAYER,
    ):
        return session.last_verification_detail or "(owned by someone else)"
    main = session.main_character
    if main is None:
        return "(no match)"
    return f"{main.name} - {main.realm_name or main.realm_slug}"


def _alts(session: OnboardingSession, config: SiteConfig) -> str:
    names = [str(name) for name in session.reported_alt_names or []]
    if not names:
        return "(none)"
    roster = roster_characters()
    lines = []
    for name in names:
        parsed = parse_name(name)
        outcome = ""
        if parsed is not None:
            outcome = resolve_exact(
                parsed, home_realm=config.guild_realm_slug, roster=roster
            ).outcome
        result = {RESOLVED: "on the roster", AMBIGUOUS: "several on the roster"}.get(
            outcome, "not found"
        )
        lines.append(f"{name} ({result})")
    return _limited(lines)


def _dms(session: OnboardingSession) -> str:
    if session.dm_blocked_at:
        return "closed"
    if session.last_reply_at:
        return "sent"
    return "quiet" if session.opening_dm_sent_at else "not sent"


def escalation_embed(session: OnboardingSession, *, config: SiteConfig) -> dict[str, Any]:
    """ONB-36: one embed, "Onboarding needs an officer", orange, for the officers' channel."""
    user = session.discord_user
    attempts = f"{session.verification_attempts}, last {_when(session.last_verification_at)}"
    if not session.verification_attempts:
        attempts = "0"
    character = session.reported_main_name or "<name>"
    fields = [
        ("Member", f"<@{user.discord_id}> · {user.username} · {user.discord_id}"),
        ("Joined", _when(user.joined_at)),
        ("In guild?", _in_guild(session)),
        ("Reported main", _reported_main(session)),
        ("Roster match", _roster_match(session)),
        ("Reported alts", _alts(session, config)),
        ("Attempts", attempts),
        ("DMs", _dms(session)),
        (
            "Try",
            f"`/onboard-resolve member:@{user.username} character:{character}` · "
            "`/onboard-retry` · `/onboard-dismiss`",
        ),
    ]
    return {
        "title": ESCALATION_TITLE,
        "description": _describe_reason(session)[:4096],
        "color": ESCALATION_COLOUR,
        "fields": [
            {"name": name, "value": value[:FIELD_MAX], "inline": False} for name, value in fields
        ],
        "footer": {
            "text": (
                f"Session #{session.pk} · {settings.SITE_URL}/admin/onboarding/"
                f"onboardingsession/{session.pk}/change/"
            )
        },
    }


def landing_notice_text(session: OnboardingSession, *, config: SiteConfig) -> str:
    """ONB-41: the opening variant, or the welcome variant once provisioning found DMs closed.
    Never a code or personal data: only the member's mention."""
    mention = f"<@{session.discord_user.discord_id}>"
    if session.welcome_dm_status == WelcomeDmStatus.DMS_CLOSED:
        return (
            f"{mention} you're verified! I couldn't DM you - run `/verify` for the details, or "
            f"sign in with Discord at {settings.SITE_URL}/accounts/login/."
        )
    return (
        f"{mention} Welcome to {config.guild_name}! I couldn't DM you - your settings block DMs "
        "from server members. Run `/verify` with your character name here (only you see my "
        "reply), or allow DMs and ask an officer to restart your onboarding."
    )


# --- posting (worker side) ------------------------------------------------------------------


def _locked(session_id: int) -> OnboardingSession | None:
    return (
        OnboardingSession.objects.select_for_update(of=("self",))
        .select_related("discord_user", "main_character")
        .filter(pk=session_id)
        .first()
    )


def post_escalation(
    session_id: int, *, client: DiscordRestClient, config: SiteConfig, now: datetime
) -> str:
    """ONB-34, ONB-36: post the session's escalation to `discord_audit_channel_id` once.

    `escalation_posted_at` is set only after a successful post. No channel, or a failed post,
    leaves it empty, so a later run tries again while the session is open. The row stays locked
    during the post, so two workers never post the same escalation.
    """
    with transaction.atomic():
        session = _locked(session_id)
        if session is None or not session.escalated_at or session.escalation_posted_at:
            return NOTHING
        channel = config.discord_audit_channel_id
        if not channel:
            return NO_CHANNEL
        try:
            client.post_channel_message(
                channel,
                embeds=[escalation_embed(session, config=config)],
                allowed_mentions={"parse": []},
            )
        except DiscordAuthError:
            raise  # BOT-19: the run stops its Discord work; nothing is marked failed
        except DiscordError as exc:
            logger.warning(
                "Escalation post of onboarding session #%s failed: %s",
                session.pk,
                exc,
                extra={"session_id": session.pk, "outcome": "escalation_failed"},
            )
            return RETRY if exc.transient else FAILED
        session.escalation_posted_at = now
        session.save(update_fields=["escalation_posted_at", "updated_at"])
        record_event(
            session,
            kind=OnboardingEvent.Kind.ESCALATION,
            detail=f"posted to the officers' channel ({session.escalation_reason})",
            now=now,
        )
    return POSTED


def post_landing_notice(
    session_id: int, *, client: DiscordRestClient, config: SiteConfig, now: datetime
) -> str:
    """ONB-41: post a `queued` landing notice to `onboarding_landing_channel_id`, pinging only
    the member. Outcomes: `posted`; `no_channel` (WARNING); `failed` (permanent, ERROR with the
    channel id, not retried); a transient error leaves it `queued` for the next run."""
    with transaction.atomic():
        session = _locked(session_id)
        if session is None or session.landing_notice_status != LandingNoticeStatus.QUEUED:
            return NOTHING
        channel = config.onboarding_landing_channel_id
        outcome = LandingNoticeStatus.POSTED
        if not channel:
            logger.warning(
                "Landing notice of onboarding session #%s not posted: no landing channel",
                session.pk,
                extra={"session_id": session.pk, "outcome": NO_CHANNEL},
            )
            outcome = LandingNoticeStatus.NO_CHANNEL
        else:
            user_id = session.discord_user.discord_id
            try:
                client.post_channel_message(
                    channel,
                    content=landing_notice_text(session, config=config),
                    allowed_mentions={"parse": [], "users": [user_id]},
                )
            except DiscordAuthError:
                raise  # BOT-19: as above
            except DiscordError as exc:
                if exc.transient:
                    return RETRY
                logger.error(
                    "Landing notice of onboarding session #%s failed in channel %s: %s",
                    session.pk,
                    channel,
                    exc,
                    extra={"session_id": session.pk, "outcome": FAILED},
                )
                outcome = LandingNoticeStatus.FAILED
        session.landing_notice_status = outcome
        session.save(update_fields=["landing_notice_status", "updated_at"])
        record_event(
            session, kind=OnboardingEvent.Kind.DM_OUT, detail=f"landing notice: {outcome}", now=now
        )
    return str(outcome)
