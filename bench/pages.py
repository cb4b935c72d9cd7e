"""Benchmark: p95 latency of `/roster-view` with a 1,000-player roster next to `/api/health`.

    .venv/bin/python bench/pages.py [--players 1000] [--alts 2] [--rounds 300]
    DATABASE_URL=postgres://… .venv/bin/python bench/pages.py

Builds a throw-away database (a `bench_pages_<pid>` database next to DATABASE_URL's
PostgreSQL, or a temporary SQLite file), seeds N roster players (ROS-1: active, preferences,
a week of availability, a Discord user for most) with a main and `--alts` alts each (3,000
roster characters at the defaults; random class and spec, some without a spec), and serves the
site with gunicorn on 127.0.0.1, DEBUG off. One client (a keep-alive `requests.Session`, like
one browser) warms both URLs up, then requests them alternately, `--rounds` times each, so both
see the same machine load. Every answer must be 200.

The last line is `roster_view_p95_ms=<ms> health_p95_ms=<ms> ratio=<x>`; the target is
ratio ≤ 3. `--page` measures another roster-view URL (e.g. `/roster-view?view=composition`).
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

import requests  # noqa: E402
from django.db import connection  # noqa: E402

from bench import support  # noqa: E402

NAME_PARTS = ("tro", "moon", "sha", "doom", "rock", "et", "zat", "an", "ka", "el", "dri", "gor")


def seed(players: int, alts: int, rng: random.Random) -> int:
    """`players` roster players with 1 + `alts` roster characters each; returns the number of
    roster characters."""
    from identity.models import (
        DiscordUser,
        GuildRank,
        PlayableClass,
        Player,
        PlayerCharacter,
        Specialization,
        WowCharacter,
    )
    from roster.models import PlayerAvailability, RaidPreferences

    classes = list(PlayableClass.objects.all())
    specs_of = {c.pk: list(Specialization.objects.filter(playable_class=c)) for c in classes}
    member = GuildRank.objects.get(level=2)
    discord_users = DiscordUser.objects.bulk_create(
        DiscordUser(discord_id=str(300_000_000_000_000_000 + n), username=f"member{n:04d}")
        for n in range(players)
    )
    members = Player.objects.bulk_create(
        Player(
            display_name="".join(rng.choice(NAME_PARTS) for _ in range(3)).capitalize() + str(n),
            # one in ten without a Discord link (ROS-5 falls back to the display name)
            discord_user=discord_users[n] if n % 10 else None,
            guild_rank=member,
        )
        for n in range(players)
    )
    RaidPreferences.objects.bulk_create(
        RaidPreferences(
            player=p,
            auto_signup=rng.random() < 0.6,
            wants_reminders=rng.random() < 0.3,
            notes=rng.choice(["", "", "Work late on weekdays", "Kids' bedtime until 9:30"]),
        )
        for p in members
    )
    PlayerAvailability.objects.bulk_create(
        PlayerAvailability(player=p, weekday=day, available=rng.random() < 0.55)
        for p in members
        for day in range(7)
    )
    characters = []
    for n in range(players):
        for k in range(alts + 1):
            playable_class = rng.choice(classes)
            name = f"Ch{n:04d}{'abcdefghij'[k]}"
            characters.append(
                WowCharacter(
                    name=name,
                    name_key=name.casefold(),
                    realm_slug="senjin",
                    realm_name="Sen'jin",
                    playable_class=playable_class,
                    active_spec=rng.choice(specs_of[playable_class.pk]),
                    level=80,
                )
            )
    characters = WowCharacter.objects.bulk_create(characters)
    per_player = alts + 1
    PlayerCharacter.objects.bulk_create(
        PlayerCharacter(
            player=members[i // per_player],
            character=character,
            link_source="manual",
            confidence="high",
            confirmed=True,
            on_raid_roster=True,
            # four in five pick a raid spec; the rest fall back to the active spec (ROS-4)
            raid_spec=(
                rng.choice(specs_of[character.playable_class_id]) if rng.random() < 0.8 else None
            ),
        )
        for i, character in enumerate(characters)
    )
    for i, player in enumerate(members):
        player.main_character = characters[i * per_player]
    Player.objects.bulk_update(members, ["main_character"], batch_size=500)
    return len(characters)


def timed_get(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    response = session.get(url, timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return elapsed


def measure(base_url: str, page: str, rounds: int, warmup: int) -> tuple[list, list, int]:
    """Alternate the page and /api/health; returns (page ms, health ms, page bytes)."""
    session = requests.Session()
    page_url, health_url = base_url + page, base_url + "/api/health"
    size = len(session.get(page_url, timeout=60).content)
    for _ in range(warmup):
        timed_get(session, page_url)
        timed_get(session, health_url)
    page_ms, health_ms = [], []
    for _ in range(rounds):
        page_ms.append(timed_get(session, page_url))
        health_ms.append(timed_get(session, health_url))
    session.close()
    return page_ms, health_ms, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--alts", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--page", default="/roster-view")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    logging.disable(logging.INFO)
    old_name, server_url = support.create_throwaway_database("bench_pages")
    server = None
    try:
        characters = seed(args.players, args.alts, random.Random(args.seed))
        port = support.free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = support.start_gunicorn(
            server_url, port, workers=args.workers, threads=args.threads, log_name="bench_pages"
        )
        support.wait_until_ready(server, base_url)
        page_ms, health_ms, size = measure(base_url, args.page, args.rounds, args.warmup)
    finally:
        if server is not None:
            support.stop_server(server)
        support.destroy_throwaway_database(old_name)

    page_p95, health_p95 = support.percentile(page_ms, 0.95), support.percentile(health_ms, 0.95)
    print(
        f"database={connection.vendor} players={args.players} characters={characters} "
        f"page={args.page} bytes={size} rounds={args.rounds} "
        f"gunicorn={args.workers}x{args.threads}"
    )
    print(
        f"roster_view_p50_ms={support.percentile(page_ms, 0.5):.2f} "
        f"health_p50_ms={support.percentile(health_ms, 0.5):.2f}"
    )
    print(
        f"roster_view_p95_ms={page_p95:.2f} health_p95_ms={health_p95:.2f} "
        f"ratio={page_p95 / health_p95:.2f}"
    )


if __name__ == "__main__":
    main()
