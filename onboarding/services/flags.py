"""The flags officers see on a session: OVERDUE, ESCALATED, QUIET, DMS CLOSED (ONB-51, ONB-60).

One definition each, as a query (`Q`, for the admin filters and `/onboard-status`'s list) and
as a test of one session in hand (for the lines of that list), so both read the same rule.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from onboarding.models import CONVERSATION_STATES, OnboardingSession, State
from onboarding.services.timing import answer_window

__all__ = ["dms_closed_q", "escalated_q", "flags_of", "overdue_q", "quiet_q"]


def overdue_q(*, now: datetime) -> Q:
    """ONB-60 "overdue": waiting for a roster match past `deadline_at` (ONB-32 step 3)."""
    return Q(state=State.PENDING_VERIFICATION, deadline_at__lt=now)


def escalated_q() -> Q:
    """ONB-34: escalation is a marker, not a state."""
    return Q(escalated_at__isnull=False)


def quiet_q(*, now: datetime) -> Q:
    """ONB-60 "went quiet": a conversation state whose question is older than the answer
    window (ONB-14, ONB-33)."""
    return Q(state__in=sorted(CONVERSATION_STATES), prompted_at__lt=now - answer_window())


def dms_closed_q() -> Q:
    """ONB-40: an opening DM (or a nudge) was refused with DMs closed."""
    return Q(dm_blocked_at__isnull=False)


def flags_of(session: OnboardingSession, *, now: datetime) -> list[str]:
    """ONB-51: the flags of one session, in the spec's order."""
    flags = []
    if (
        session.state == State.PENDING_VERIFICATION
        and session.deadline_at
        and session.deadline_at < now
    ):
        flags.append("OVERDUE")
    if session.escalated_at:
        flags.append("ESCALATED")
    if (
        session.state in CONVERSATION_STATES
        and session.prompted_at
        and session.prompted_at < now - answer_window()
    ):
        flags.append("QUIET")
    if session.dm_blocked_at:
        flags.append("DMS CLOSED")
    return flags
