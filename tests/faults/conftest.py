"""Fixtures of the fault suite (issue 17): the audit channel on the fake Discord and what was
posted to it."""

import pytest

from patt.models import SiteConfig


@pytest.fixture
def audit_channel(db, fake_discord):
    """The officers' audit channel on the fake Discord, set in SiteConfig; its id."""
    channel_id = fake_discord.add_channel(name="officer-audit")
    config = SiteConfig.get()
    config.discord_audit_channel_id = channel_id
    config.save()
    return channel_id


@pytest.fixture
def posted_titles(fake_discord, audit_channel):
    """The embed titles posted in the audit channel so far, in order."""

    def read() -> list[str]:
        return [
            embed.get("title", "")
            for message in fake_discord.channel_messages(audit_channel)
            for embed in message.embeds
        ]

    return read
