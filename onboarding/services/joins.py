"""Join, rejoin, missed joins and the opening DM's outcome (ONB-8 … ONB-11, ONB-40).

The bot calls `member_joined` after identity's upsert (BOT-7) and sends the `OutMessage` it
returns; then it reports how the send went with `report_opening_dm`. Leaving is identity's
`member_left` alone: the session is never touched (ONB-11).
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from identity.models import DiscordUser
from onboarding.models import LandingNoticeStatus, OnboardingEvent, OnboardingSession, State
from onboarding.services import replies
from onboarding.services.notices import LANDING_NOTICE_TASK
from onboarding.services.provisioning import queue_provisioning
from onboarding.services.states import batched_events, record_event, reset, transition
from onboarding.services.timing import MISSED_JOIN_MAX_AGE
from patt.discord.events import DMS_CLOSED, SENT, OutMessage
from patt.models import SiteConfig
from patt.task_queue import enqueue_on_commit

__all__ = [
    "get_or_create_session",
    "member_joined",
    "record_missed_joins",
    "report_opening_dm",
    "send_opening",
]


def get_or_create_session(
    discord_user: DiscordUser, *, now: datetime, trigger: str
) -> tuple[OnboardingSession, bool]:
    """ONB-8 step 1: the user's session, locked (`select_for_update`), created in `awaiting_dm`
    when missing. A concurrent duplicate insert loses on the unique `discord_user` and re-reads
    the row the other one wrote. Call inside a transaction."""
    locked = OnboardingSession.objects.select_for_update()
    session = locked.filter(discord_user=discord_user).first()
    if session is not None:
        return session, False
    try:
        with transaction.atomic():
            session = OnboardingSession.objects.create(
                discord_user=discord_user, started_at=now, created_at=now
            )
            record_event(
                session,
                kind=OnboardingEvent.Kind.STATE,
                detail=f"-> awaiting_dm: {trigger}",
                now=now,
            )
    except IntegrityError:
        return locked.get(discord_user=discord_user), False
    return session, True


def send_opening(
    session: OnboardingSession, *, config: SiteConfig, now: datetime, trigger: str
) -> OutMessage:
    """ONB-8 step 3: move to `asked_in_guild` before the send (so a fast reply is never lost)
    and return the opening question for the caller to send."""
    transition(
        session,
        to=State.ASKED_IN_GUILD,
        now=now,
        trigger=trigger,
        prompted_at=now,
        opening_dm_sent_at=now,
        unclear_count=0,
    )
    return replies.opening(config)


def member_joined(*, discord_user_id: str, now: datetime | None = None) -> OutMessage | None:
    """ONB-8, ONB-9: a member joined (after identity's upsert of their DiscordUser).

    Onboarding off: nothing. Otherwise get or create the session; on a rejoin keep a
    `pending_verification` session, keep a `verified` one and queue its provisioning, and
    reset any other (ONB-5). A session now in `awaiting_dm` with DMs on moves to
    `asked_in_guild` and the opening DM is returned; with DMs off it waits (ONB-8 step 4).
    """
    now = now or timezone.now()
    config = SiteConfig.get()
    if not config.onboarding_enabled:
        return None
    discord_user = DiscordUser.objects.filter(discord_id=str(discord_user_id)).first()
    if discord_user is None:
        return None
    with transaction.atomic(), batched_events():
        session, created = get_or_create_session(discord_user, now=now, trigger="joined")
        if not created and session.state == State.VERIFIED:
            # ONB-9: kept, and provisioning is queued (it stopped while the member was away).
            queue_provisioning(session, now=now)
            return None
        if not created and session.state != State.PENDING_VERIFICATION:
            reset(session, now=now, trigger="rejoined the server")
        if session.state != State.AWAITING_DM or not config.bot_dms_enabled:
            return None
        return send_opening(session, config=config, now=now, trigger="joined: opening DM")


def report_opening_dm(
    *, discord_user_id: str, outcome: str, now: datetime | None = None
) -> OnboardingSession | None:
    """ONB-8 step 3 and ONB-40: how sending the opening DM went.

    Sent: nothing to do. Otherwise, if the session still waits for its first answer (no reply
    came in meanwhile), the DM never reached the member: back to `awaiting_dm` for the checker;
    DMs closed (50007) goes on to `declined` with `dm_blocked_at` and queues the round's one
    landing notice (`landing_notice_status` none -> queued).
    """
    if outcome == SENT:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        session = (
            OnboardingSession.objects.select_for_update(of=("self",))
            .filter(discord_user__discord_id=str(discord_user_id))
            .first()
        )
        if session is None or session.state != State.ASKED_IN_GUILD or session.last_reply_at:
            return session
        transition(
            session,
            to=State.AWAITING_DM,
            now=now,
            trigger=f"opening DM not delivered ({outcome})",
            prompted_at=None,
            opening_dm_sent_at=None,
        )
        if outcome == DMS_CLOSED:
            notice = session.landing_notice_status
            transition(
                session,
                to=State.DECLINED,
                now=now,
                trigger="DMs closed",
                dm_blocked_at=now,
                landing_notice_status=(
                    LandingNoticeStatus.QUEUED if notice == LandingNoticeStatus.NONE else notice
                ),
            )
            if notice == LandingNoticeStatus.NONE:
                # ONB-41: a worker posts it at once; a transient failure leaves it queued for
                # the checker.
                enqueue_on_commit(
                    LANDING_NOTICE_TASK, session.pk, what=f"Landing notice of #{session.pk}"
                )
    return session


def record_missed_joins(
    *, discord_user_ids: list[str], now: datetime | None = None
) -> list[OnboardingSession]:
    """ONB-10: members the member sync created who joined less than 24 h ago and have no
    session get one in `awaiting_dm`, for the checker to resume. Onboarding off: nothing."""
    now = now or timezone.now()
    if not discord_user_ids or not SiteConfig.get().onboarding_enabled:
        return []
    users = DiscordUser.objects.filter(
        discord_id__in=[str(i) for i in discord_user_ids],
        joined_at__gt=now - MISSED_JOIN_MAX_AGE,
        onboarding_session__isnull=True,
    )
    created = []
    for user in users:
        with transaction.atomic():
            session, is_new = get_or_create_session(
                user, now=now, trigger="missed join (member sync)"
            )
        if is_new:
            created.append(session)
    return created
