"""Benchmark: the Blizzard client's roster + profile fetch against the fake API.

    .venv/bin/python bench/sync_blizzard.py [--members 1000] [--latency-ms 100]

Starts the loopback fake with a generated guild, then times
- ours: token + roster + every profile through `identity.blizzard` (limiter + thread pool);
- the rate-limit floor: (1 token + 1 roster + N profiles) / BLIZZARD_RATE_PER_SECOND;
- legacy: the old style, batches of 10 concurrent profile requests with a 0.5 s pause after
  each batch, no limiter.
The last line is `ours_s=… floor_s=… ratio=… peak_rps=… legacy_s=…`. See bench/README.md.
"""

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patt.settings")

import django

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402

from identity.blizzard import BlizzardClient, Reference, reset_state  # noqa: E402
from identity.testing.fake_blizzard import (  # noqa: E402
    CLASSES,
    CLIENT_ID,
    CLIENT_SECRET,
    FakeBlizzard,
)

REALM, GUILD = "senjin", "pull-all-the-things"


def ours(fake: FakeBlizzard) -> tuple[float, int]:
    reset_state()
    reference = Reference.of(CLASSES)
    started = time.perf_counter()
    with BlizzardClient(region="us", reference=reference) as client:
        roster = client.get_roster(REALM, GUILD)
        results = client.fetch_profiles(roster.members)
    elapsed = time.perf_counter() - started
    missing = len(results.not_found) + len(results.failed)
    if missing:
        print(f"  warning: {missing} profiles not fetched", file=sys.stderr)
    return elapsed, len(results.profiles)


def legacy(fake: FakeBlizzard) -> float:
    """The legacy client: 10 requests at a time, then a 0.5 s pause."""
    started = time.perf_counter()
    session = requests.Session()
    token = session.post(
        fake.oauth_url + "/token",
        data={"grant_type": "client_credentials"},
        auth=(CLIENT_ID, CLIENT_SECRET),
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    params = {"namespace": "profile-us", "locale": "en_US"}
    roster = session.get(f"{fake.api_url}/data/wow/guild/{REALM}/{GUILD}/roster", params=params)
    characters = [m["character"] for m in roster.json()["members"]]

    def profile(character):
        name = quote(character["name"].lower(), safe="")
        url = f"{fake.api_url}/profile/wow/character/{character['realm']['slug']}/{name}"
        return session.get(url, params=params).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        for start in range(0, len(characters), 10):
            list(pool.map(profile, characters[start : start + 10]))
            time.sleep(0.5)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--skip-legacy", action="store_true")
    args = parser.parse_args()

    fake = FakeBlizzard.generated(args.members, latency=args.latency_ms / 1000).start()
    settings.BLIZZARD_API_URL = fake.api_url
    settings.BLIZZARD_OAUTH_URL = fake.oauth_url
    settings.BLIZZARD_CLIENT_ID, settings.BLIZZARD_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    rate = settings.BLIZZARD_RATE_PER_SECOND
    try:
        print(
            f"fake API: {args.members} members, {args.latency_ms} ms latency; "
            f"rate {rate}/s, concurrency {settings.BLIZZARD_MAX_CONCURRENCY}"
        )
        ours_s, fetched = ours(fake)
        stats = fake.stats()
        peak = stats["peak_requests_per_second"]
        floor_s = (1 + 1 + args.members) / rate
        print(f"ours:   {ours_s:.2f} s for {stats['requests']} requests ({fetched} profiles)")
        print(f"floor:  {floor_s:.2f} s  (requests / {rate} per s)")
        print(f"ratio:  {ours_s / floor_s:.2f}  (target <= 1.2)")
        print(f"peak:   {peak} requests in one second  (target <= {rate})")
        print(f"max concurrent profile requests: {stats['max_concurrent_profile_requests']}")
        legacy_s = float("nan")
        if not args.skip_legacy:
            fake.reset()
            legacy_s = legacy(fake)
            print(f"legacy: {legacy_s:.2f} s  (batches of 10, 0.5 s pauses)")
        print(
            f"ours_s={ours_s:.2f} floor_s={floor_s:.2f} ratio={ours_s / floor_s:.2f} "
            f"peak_rps={peak} legacy_s={legacy_s:.2f}"
        )
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
