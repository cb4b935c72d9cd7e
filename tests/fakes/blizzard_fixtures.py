"""pytest fixtures of the fake Blizzard API (IDN-49).

- `fake_blizzard`: a started `FakeBlizzard` serving the bundled PATT fixture on a free loopback
  port; settings point the client at it (URLs, `fake-id` / `fake-secret`, region `us`), and the
  client's process-wide token cache and limiter are reset before and after. Yields the
  controller (`fake.load(generate_guild(500))` swaps the guild).
"""

import pytest

from identity.blizzard import reset_state
from identity.testing.fake_blizzard import CLIENT_ID, CLIENT_SECRET, FakeBlizzard


@pytest.fixture
def fake_blizzard(settings):
    fake = FakeBlizzard.from_fixture().start()
    settings.BLIZZARD_API_URL = fake.api_url
    settings.BLIZZARD_OAUTH_URL = fake.oauth_url
    settings.BLIZZARD_CLIENT_ID = CLIENT_ID
    settings.BLIZZARD_CLIENT_SECRET = CLIENT_SECRET
    settings.BLIZZARD_REGION = "us"
    reset_state()
    try:
        yield fake
    finally:
        fake.stop()
        reset_state()
