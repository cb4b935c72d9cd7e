"""The onboarding time settings (ONB-1), read from settings (patt/settings.py, env-driven),
with the spec's defaults when a setting is absent."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def answer_window() -> timedelta:
    """ONB-14: a reply later than this after `prompted_at` is a late reply (default 5 min)."""
    return timedelta(seconds=getattr(settings, "ONBOARDING_ANSWER_WINDOW_SECONDS", 300))


def nudge_after() -> timedelta:
    """ONB-35: a conversation quiet this long since `prompted_at` gets its nudge (default 1 h)."""
    return timedelta(seconds=getattr(settings, "ONBOARDING_NUDGE_AFTER_SECONDS", 3600))


def deadline_after() -> timedelta:
    """ONB-19, ONB-25: how long verification may take before it escalates (default 24 h);
    also how long provisioning may fail before it escalates (ONB-32 step 3)."""
    return timedelta(hours=getattr(settings, "ONBOARDING_DEADLINE_HOURS", 24))


def resume_batch() -> int:
    """ONB-32 step 5: at most this many opening DMs per checker run (default 10)."""
    return int(getattr(settings, "ONBOARDING_RESUME_BATCH", 10))


def resume_max_age() -> timedelta:
    """ONB-32 step 5: only members who joined this recently are resumed (default 14 days)."""
    return timedelta(days=getattr(settings, "ONBOARDING_RESUME_MAX_AGE_DAYS", 14))


# ONB-10: a member the sync first sees counts as a missed join when they joined this recently.
MISSED_JOIN_MAX_AGE = timedelta(hours=24)
# ONB-13: the pause and "all set" replies go out at most this often.
HOURLY = timedelta(hours=1)
