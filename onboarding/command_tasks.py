"""django-q2 tasks of the officers' actions (ONB-61): the opening DM of a restarted session.

A module of its own beside onboarding/tasks.py (provisioning) and onboarding/checker_tasks.py,
so they are written apart. The admin never calls Discord inline (BOT-13): "Restart onboarding"
resets the session and queues `send_opening_dm` on commit, which sends through the REST client
whatever the member's join date (the checker's resume only takes recent joins, ONB-32 step 5).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

OPENING_TASK = "onboarding.command_tasks.send_opening_dm"


def send_opening_dm(session_id: int, *, client=None, now: datetime | None = None) -> str:
    """The opening DM of one `awaiting_dm` session, as on a join (ONB-8): the state moves
    before the send; DMs closed -> `declined` and the landing notice (ONB-40); another failure
    -> back to `awaiting_dm` for the checker. Returns what happened."""
    from onboarding.models import OnboardingEvent, OnboardingSession, State
    from onboarding.services import replies
    from onboarding.services.joins import report_opening_dm, send_opening
    from onboarding.services.states import record_event
    from patt.discord.errors import DiscordError, DMsClosed
    from patt.discord.events import DMS_CLOSED, FAILED
    from patt.discord.rest import DiscordRestClient
    from patt.models import SiteConfig

    now = now or timezone.now()
    config = SiteConfig.get()
    if not (config.onboarding_enabled and config.bot_dms_enabled):
        return "skipped: onboarding or DMs off"
    with transaction.atomic():
        session = (
            OnboardingSession.objects.select_for_update(of=("self",))
            .select_related("discord_user")
            .filter(pk=session_id, state=State.AWAITING_DM, discord_user__is_present=True)
            .first()
        )
        if session is None:
            return "skipped: not awaiting the opening DM"
        message = send_opening(session, config=config, now=now, trigger="admin restart")
    user_id = session.discord_user.discord_id
    try:
        client = client or DiscordRestClient()
        client.send_dm(user_id, message.content or None, list(message.embeds) or None)
    except DMsClosed:
        report_opening_dm(discord_user_id=user_id, outcome=DMS_CLOSED, now=now)
        return "dms_closed"
    except DiscordError:
        report_opening_dm(discord_user_id=user_id, outcome=FAILED, now=now)
        raise
    record_event(
        session,
        kind=OnboardingEvent.Kind.DM_OUT,
        detail=f"restarted: {replies.summary(message)}",
        now=now,
    )
    return "sent"
