"""pytest fixtures of the fakes, registered in tests/conftest.py (BOT-30).

- `fake_discord`: a started `FakeDiscord`; settings point the REST client at it (URL, token,
  server id). Stopped after the test.
- `fake_time`: a `FakeTime` whose `sleep` records waits instead of sleeping.
- `discord_client`: a `DiscordRestClient` on `fake_discord` driven by `fake_time`.
"""

import pytest

from patt.discord.rest import DiscordRestClient
from tests.fakes.fake_discord import FakeDiscord, FakeTime


@pytest.fixture
def fake_discord(settings):
    fake = FakeDiscord().start()
    settings.DISCORD_API_URL = fake.base_url
    settings.DISCORD_BOT_TOKEN = fake.token
    settings.DISCORD_GUILD_ID = fake.guild_id
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def discord_client(fake_discord, fake_time):
    """The server id is passed in, so tests of the client alone need no database."""
    client = DiscordRestClient(
        guild_id=fake_discord.guild_id, sleep=fake_time.sleep, clock=fake_time.clock
    )
    yield client
    client.close()
