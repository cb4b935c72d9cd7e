"""Benchmark: one matching run over 2,000 unlinked characters and 2,000 Discord candidates.

    .venv/bin/python bench/matching.py [--size 2000] [--seed 7]

Builds a throw-away test database (in-memory SQLite, or a `bench_matching_<pid>` database next
to DATABASE_URL's PostgreSQL), seeds N unlinked in-guild characters and N present Discord users
holding ladder roles whose names are realistic near misses (exact, a typo, a suffix, accents,
unrelated), times `run_matching` and prints its stats. The last line is `seconds=<s>`; the
target is 2 s at the default size.
"""

import argparse
import logging
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patt.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402

SYLLABLES = [
    "tro",
    "moon",
    "sha",
    "doom",
    "rock",
    "et",
    "skate",
    "farm",
    "blood",
    "val",
    "or",
    "mi",
    "to",
    "zat",
    "an",
    "ka",
    "el",
    "dri",
    "gor",
    "thal",
    "vy",
    "rin",
    "ash",
    "ka",
    "mor",
    "bel",
    "ith",
    "ul",
    "dar",
    "gan",
    "fen",
    "lor",
    "nyx",
    "qua",
]
SUFFIXES = ("dh", "heals", "tank", "x", "lock", "shot", "monk", "dk")
ACCENTS = {"a": "á", "e": "é", "o": "ö", "u": "ü", "n": "ñ"}


def base_names(rng: random.Random, size: int) -> list[str]:
    names: set[str] = set()
    while len(names) < size:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize())
    return sorted(names)


def near_miss(rng: random.Random, name: str) -> str:
    """A Discord handle for a character: exact, typo, suffix, truncated or unrelated."""
    roll = rng.random()
    lower = name.lower()
    if roll < 0.25:
        return lower
    if roll < 0.50:
        i = rng.randrange(len(lower))
        return lower[:i] + rng.choice("aeiourstln") + lower[i + 1 :]
    if roll < 0.65:
        return lower + rng.choice(SUFFIXES)
    if roll < 0.75:
        return lower[: max(3, len(lower) - 3)]
    return "".join(rng.choice(SYLLABLES) for _ in range(3)) + str(rng.randint(1, 99))


def accented(rng: random.Random, name: str) -> str:
    if rng.random() < 0.2:
        return "".join(ACCENTS.get(ch, ch) if rng.random() < 0.3 else ch for ch in name)
    return name


def seed(size: int, rng_seed: int) -> None:
    from identity.models import DiscordUser, GuildRank, PlayableClass, WowCharacter

    rng = random.Random(rng_seed)
    for index, rank in enumerate(GuildRank.objects.order_by("level")):
        rank.discord_role_id = str(9000 + index)
        rank.save(update_fields=["discord_role_id"])
    ladder = list(GuildRank.objects.all())
    druid = PlayableClass.objects.get(name="Druid")
    names = base_names(rng, size)
    realms = ("senjin", "senjin", "senjin", "area-52", "illidan")
    characters = []
    for name in names:
        shown = accented(rng, name)
        note = rng.choice(("", "", "Raider", "Disc Priest", "alt of ", "dc: "))
        if note.endswith(" "):
            note += rng.choice(names)  # an owner or Discord hint to another name
        characters.append(
            WowCharacter(
                name=shown,
                name_key=shown.casefold(),  # bulk_create skips save(), which sets it
                realm_slug=rng.choice(realms),
                playable_class=druid,
                in_guild=True,
                guild_note=note,
            )
        )
    WowCharacter.objects.bulk_create(characters, batch_size=1000)
    rng.shuffle(names)
    users = []
    for i, name in enumerate(names):
        rank = rng.choice(ladder)
        handle = near_miss(rng, name)
        users.append(
            DiscordUser(
                discord_id=str(10**17 + i),
                username=f"{handle}",
                display_name=rng.choice((handle.title(), name, "")),
                role_ids=[rank.discord_role_id, "1234"],
                highest_guild_role=rank,
                is_present=True,
            )
        )
    DiscordUser.objects.bulk_create(users, batch_size=1000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    settings.DEBUG = True  # record queries
    logging.disable(logging.INFO)  # one rank-change line per created player otherwise
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        db["TEST"]["NAME"] = f"bench_matching_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from identity.services.matching import run_matching

        seed(args.size, args.seed)
        reset_queries()
        started = time.perf_counter()
        result = run_matching()
        elapsed = time.perf_counter() - started
        print(f"database={connection.vendor} size={args.size}")
        print(result.stats_line())
        print(f"links={len(result.links)} queries={len(connection.queries)}")
        print(f"seconds={elapsed:.3f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
