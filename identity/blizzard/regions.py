"""Regions and the URLs and namespace that follow from them (IDN-19)."""

from identity.blizzard.errors import BlizzardNotConfigured

REGIONS = ("us", "eu", "kr", "tw")


def check_region(region: str) -> str:
    region = (region or "").strip().lower()
    if region not in REGIONS:
        raise BlizzardNotConfigured(
            f"Unsupported Blizzard region '{region}' (use us, eu, kr or tw)"
        )
    return region


def api_base(api_url: str, region: str) -> str:
    return api_url.replace("{region}", region).rstrip("/")


def token_url(oauth_url: str) -> str:
    return oauth_url.rstrip("/") + "/token"


def namespace(region: str) -> str:
    return f"profile-{region}"
