"""The demo guild written by `manage.py seed_demo`: a PATT-style guild with real-looking data.

Two halves:

- `build_plan(players=, seed=)` is pure Python: the hand-written PATT core (`core`) plus
  generated players (`generate`, drawing names from `names`), as the dataclasses of `plan`.
  The same seed gives the same guild, and a larger run extends a smaller one.
- `seed_demo_guild(plan)` (`write`) stores the plan in one transaction with bulk upserts keyed
  by natural keys (`upserts`, `audit`), so running it twice leaves the same rows.
"""

from identity.demo.generate import DEFAULT_PLAYERS, DEFAULT_SEED, build_plan
from identity.demo.names import fold
from identity.demo.plan import MEMBER_USERNAME, OFFICER_USERNAME, GuildPlan
from identity.demo.write import DEMO_PASSWORD, SeedResult, seed_demo_guild

__all__ = [
    "DEFAULT_PLAYERS",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "MEMBER_USERNAME",
    "OFFICER_USERNAME",
    "GuildPlan",
    "SeedResult",
    "build_plan",
    "fold",
    "seed_demo_guild",
]
