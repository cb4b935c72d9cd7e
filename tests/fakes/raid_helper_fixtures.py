"""pytest fixture of the fake Raid-Helper API (ROS-50), registered in tests/conftest.py.

- `fake_raid_helper`: a started `FakeRaidHelper`; settings point the client at it (URL, key)
  with the default 200 ms sign-up spacing. Stopped after the test.
"""

import pytest

from tests.fakes.fake_raid_helper import FakeRaidHelper


@pytest.fixture
def fake_raid_helper(settings):
    fake = FakeRaidHelper().start()
    settings.RAID_HELPER_API_URL = fake.base_url
    settings.RAID_HELPER_API_KEY = fake.api_key
    settings.RAID_HELPER_SIGNUP_DELAY_MS = 200
    try:
        yield fake
    finally:
        fake.stop()
