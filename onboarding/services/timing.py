"""The onboarding time settings (ONB-1), with the spec's defaults when a setting is absent."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def answer_window() -> timedelta:
    """ONB-14: a reply later than this after `prompted_at` is a late reply (default 5 min)."""
    return timedelta(seconds=getattr(settings, "ONBOARDING_ANSWER_WINDOW_SECONDS", 300))


def deadline_after() -> timedelta:
    """ONB-19, ONB-25: how long verification may take before it escalates (default 24 h)."""
    return timedelta(hours=getattr(settings, "ONBOARDING_DEADLINE_HOURS", 24))


# ONB-10: a member the sync first sees counts as a missed join when they joined this recently.
MISSED_JOIN_MAX_AGE = timedelta(hours=24)
# ONB-13: the pause and "all set" replies go out at most this often.
HOURLY = timedelta(hours=1)
