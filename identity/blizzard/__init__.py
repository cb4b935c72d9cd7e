"""The Blizzard API client (IDN-19 … IDN-22): token, roster and character profiles.

    roster = fetch_roster("senjin", "pull-all-the-things", "us", reference=reference)
    results = fetch_profiles(roster.members, region="us", reference=reference)
    results.profiles[member.key]      # CharacterProfile
    results.not_found, results.failed  # members whose roster data is all there is

Everything is configured from settings (`BLIZZARD_*`); tests and the demo point the URLs at the
loopback fake (`identity/testing/fake_blizzard.py`). The client needs no database: reference
data (class ids, specs) is passed in as a `Reference` (`Reference.from_db()` builds it).
"""

from identity.blizzard.client import (
    BlizzardClient,
    fetch_profiles,
    fetch_roster,
    reset_state,
    user_agent,
)
from identity.blizzard.errors import (
    BlizzardAuthError,
    BlizzardError,
    BlizzardNotConfigured,
    BlizzardRateLimited,
    BlizzardUnavailable,
    NotFound,
)
from identity.blizzard.limiter import RateLimiter
from identity.blizzard.names import encode_character_name, normalise, realm_key, realm_slug
from identity.blizzard.parsing import (
    CharacterProfile,
    ProfileFailure,
    ProfileResults,
    Reference,
    Roster,
    RosterMember,
    SpecInfo,
    character_key,
    parse_profile,
    parse_roster,
)
from identity.blizzard.regions import REGIONS, check_region

__all__ = [
    "REGIONS",
    "BlizzardAuthError",
    "BlizzardClient",
    "BlizzardError",
    "BlizzardNotConfigured",
    "BlizzardRateLimited",
    "BlizzardUnavailable",
    "CharacterProfile",
    "NotFound",
    "ProfileFailure",
    "ProfileResults",
    "RateLimiter",
    "Reference",
    "Roster",
    "RosterMember",
    "SpecInfo",
    "character_key",
    "check_region",
    "encode_character_name",
    "fetch_profiles",
    "fetch_roster",
    "normalise",
    "parse_profile",
    "parse_roster",
    "realm_key",
    "realm_slug",
    "reset_state",
    "user_agent",
]
