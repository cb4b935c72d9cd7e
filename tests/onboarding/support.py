"""Onboarding test data shared by the onboarding and fault tests."""

from datetime import timedelta

from onboarding.models import OnboardingSession, State


def pending_session(discord_user, now, **fields) -> OnboardingSession:
    """A session whose member answered every DM at `now` (ONB-25's wrap-up): waiting for
    verification, in the guild, with the 24-hour deadline. `fields` add to or override that."""
    values = {
        "state": State.PENDING_VERIFICATION,
        "dm_completed_at": now,
        "deadline_at": now + timedelta(hours=24),
        "is_in_guild": True,
        **fields,
    }
    return OnboardingSession.objects.create(discord_user=discord_user, **values)
