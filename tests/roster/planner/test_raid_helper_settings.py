"""ROS-49: the Raid-Helper settings come from the environment, with the documented defaults."""

import json
import subprocess
import sys

from tests.site.test_settings import ROOT, clean_env

PROBE = (
    "import json; from patt import settings as s; print(json.dumps([s.RAID_HELPER_API_URL, "
    "s.RAID_HELPER_API_KEY, s.RAID_HELPER_SIGNUP_DELAY_MS]))"
)


def load(**env):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_ros49_defaults():
    assert load() == ["https://raid-helper.xyz/api/v4", "", 200]


def test_ros49_values_from_the_environment():
    loaded = load(
        RAID_HELPER_API_URL="http://127.0.0.1:9/api/v4",
        RAID_HELPER_API_KEY="abc",
        RAID_HELPER_SIGNUP_DELAY_MS="350",
    )
    assert loaded == ["http://127.0.0.1:9/api/v4", "abc", 350]
