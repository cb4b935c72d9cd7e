"""Fixtures of the onboarding tests: a fixed clock, a member and a small roster."""

from datetime import UTC, datetime

import pytest

from onboarding.models import OnboardingSession
from tests.factories import DiscordUserFactory, WowCharacterFactory, playable_class, rank

NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def member(db):
    return DiscordUserFactory(joined_at=NOW)


@pytest.fixture
def roster(db):
    """ONB-22's example roster: Trogmoon, Trogdor, Moonfire on Sen'jin."""
    return {
        name: WowCharacterFactory(
            name=name, guild_rank=rank("Member"), playable_class=playable_class("Druid")
        )
        for name in ("Trogmoon", "Trogdor", "Moonfire")
    }


def session_of(member) -> OnboardingSession:
    return OnboardingSession.objects.get(discord_user=member)
