"""Benchmark: 500 players cast their ballots at the same moment over real HTTP (CMP-18, CMP-42).

    DATABASE_URL=postgres://… .venv/bin/python bench/ballots.py [--players 500] [--workers 2]
        [--worker-class sync|gthread] [--threads 1]

Builds a throw-away database (a `bench_ballots_<pid>` database next to DATABASE_URL's
PostgreSQL, or a temporary SQLite file), seeds a live campaign with 5 entries and N Veteran
players, each with a website account, a signed-in session and a CSRF cookie, and serves the
site with gunicorn on 127.0.0.1 (2 sync workers, as the image runs it). Each player's
`requests.Session` fetches its CSRF cookie; then one asyncio loop sends all N POSTs to
`/api/v1/campaigns/<id>/vote` at the same moment, with the CSRF token in `X-CSRFToken`. The
database is then checked: one receipt and one ballot of three picks per player, the campaign
closed early (`all_voted`, CMP-19) with the snapshot N of N.

The last line is `stored=<n> duplicates=<n> errors=<n> p95_ms=<ms>`; the target is
`stored=N duplicates=0 errors=0`. `duplicates` counts players with more than one stored
receipt or ballot; `errors` counts answers other than 201, transport failures, and database
checks that do not hold.
"""

import argparse
import logging
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patt.settings")

import django

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench import support  # noqa: E402

ENTRY_NAMES = ("Trog", "Rocket", "Mito", "Shodoom", "Skate")


def seed(players: int):
    """A live campaign (3 picks, Veteran+ vote) and `players` Veterans with accounts and
    signed-in sessions. Returns the campaign and [(player, session key)]."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from campaigns.models import Campaign, CampaignEntry
    from identity.models import GuildRank, Player

    User = get_user_model()
    veteran = GuildRank.objects.get(level=3)
    start = timezone.now() + timedelta(hours=1)
    campaign = Campaign.objects.create(
        title="Bench Profile Pic Contest",
        picks_per_voter=3,
        min_rank_to_vote=veteran,
        start_at=start,
        duration_hours=168,
    )
    CampaignEntry.objects.bulk_create(
        CampaignEntry(campaign=campaign, name=name, sort_order=index)
        for index, name in enumerate(ENTRY_NAMES, 1)
    )
    # Live since a minute ago, the way the lifecycle code moves it (CMP-6).
    start = timezone.now() - timedelta(minutes=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.LIVE, start_at=start, end_at=start + timedelta(hours=168)
    )

    users = User.objects.bulk_create(
        User(username=f"bench{i:04d}", password="!bench-unusable") for i in range(players)
    )
    members = Player.objects.bulk_create(
        Player(display_name=f"Bench {i:04d}", user=user, guild_rank=veteran, is_active=True)
        for i, user in enumerate(users)
    )
    store = SessionStore()
    expire = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    backend = "django.contrib.auth.backends.ModelBackend"
    sessions = [
        Session(
            session_key=get_random_string(32),
            session_data=store.encode(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: backend,
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            ),
            expire_date=expire,
        )
        for user in users
    ]
    Session.objects.bulk_create(sessions)
    return campaign, list(zip(members, [s.session_key for s in sessions], strict=True))


def browsers(base_url: str, voters, entry_ids: list[int], rng: random.Random) -> list:
    """One requests.Session per player: CSRF cookie from the sign-in page, then the session."""
    from concurrent.futures import ThreadPoolExecutor

    def prepare(item):
        player, session_key = item
        session = requests.Session()
        session.get(f"{base_url}/accounts/login/", timeout=60).raise_for_status()
        # Drop the kept-alive connection: gunicorn closes idle ones after 2 s, and a POST on a
        # connection the server is closing fails without an answer (requests never retries
        # a POST). The cookies stay; the vote opens a fresh connection, as a browser would.
        session.close()
        session.cookies.set(settings.SESSION_COOKIE_NAME, session_key)
        picks = rng.sample(entry_ids, 3)
        body = {"picks": [{"entry_id": e, "rank": r} for r, e in enumerate(picks, 1)]}
        return player, session, body

    with ThreadPoolExecutor(max_workers=32) as pool:
        return list(pool.map(prepare, voters))


def vote_all(url: str, prepared: list) -> tuple[list[int | str], list[float]]:
    """Every browser POSTs its ballot at the same moment; returns the statuses (the exception
    name for a transport failure) and the latencies in ms.

    The POSTs go out from one asyncio loop over plain sockets (a new connection each, the
    session and CSRF cookies and `X-CSRFToken` as `requests` would send them): 500 `requests`
    threads cost the 2-CPU machine about a second of CPU that the server then lacks, which
    is measuring the client, not the ballot box.
    """
    import asyncio
    import json as json_module
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host, port, path = parts.hostname, parts.port, parts.path

    def raw_request(session: requests.Session, body: dict) -> bytes:
        payload = json_module.dumps(body).encode()
        cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
            f"X-CSRFToken: {session.cookies.get(settings.CSRF_COOKIE_NAME)}\r\n"
            f"Cookie: {cookies}\r\nConnection: close\r\n\r\n"
        )
        return head.encode() + payload

    requests_bytes = [raw_request(session, body) for _, session, body in prepared]
    statuses: list[int | str] = [""] * len(prepared)
    latencies: list[float] = [0.0] * len(prepared)

    async def send(slot: int, go: asyncio.Event) -> None:
        await go.wait()
        started = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(requests_bytes[slot])
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), timeout=120)
            await reader.read()  # Connection: close — the server ends the answer
            statuses[slot] = int(status_line.split()[1])
            writer.close()
        except (TimeoutError, OSError, IndexError, ValueError) as exc:
            statuses[slot] = f"{type(exc).__name__}: {exc}"[:160]
        latencies[slot] = (time.perf_counter() - started) * 1000

    async def run() -> None:
        go = asyncio.Event()
        tasks = [asyncio.create_task(send(slot, go)) for slot in range(len(prepared))]
        await asyncio.sleep(0)  # every task is waiting on the event
        go.set()
        await asyncio.gather(*tasks)

    asyncio.run(run())
    return statuses, latencies


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def server_pids(master: int, *, database: bool = True) -> list[int]:
    """The gunicorn master, its workers, and (unless `database=False`) the PostgreSQL backends
    of the bench database."""
    pids = [master]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    if database and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            pids += [row[0] for row in cursor.fetchall()]
    return pids


def verify(campaign, players: int) -> tuple[int, int, list[str]]:
    """The database after the run: (stored ballots, duplicate players, failed checks)."""
    from django.db.models import Count

    from campaigns.models import Ballot, BallotPick, BallotReceipt, Campaign

    stored = Ballot.objects.filter(campaign=campaign).count()
    duplicate_receipts = (
        BallotReceipt.objects.filter(campaign=campaign)
        .values("player")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    duplicate_ballots = (
        Ballot.objects.filter(campaign=campaign)
        .values("voter")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    problems = []
    receipts = BallotReceipt.objects.filter(campaign=campaign).count()
    if receipts != stored:
        problems.append(f"receipts={receipts} != ballots={stored}")
    picks = BallotPick.objects.filter(ballot__campaign=campaign).count()
    if picks != 3 * stored:
        problems.append(f"picks={picks} != 3 x {stored}")
    row = Campaign.objects.get(pk=campaign.pk)
    if stored == players and (row.status, row.close_reason) != ("closed", "all_voted"):
        problems.append(f"campaign {row.status}/{row.close_reason}, expected closed/all_voted")
    if row.status == "closed" and (row.voted_at_close, row.eligible_at_close) != (
        players,
        players,
    ):
        problems.append(f"snapshot {row.voted_at_close}/{row.eligible_at_close}")
    return stored, duplicate_receipts + duplicate_ballots, problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--players", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    support.add_server_arguments(parser)
    args = parser.parse_args()

    logging.disable(logging.INFO)
    old_name, server_url = support.create_throwaway_database("bench_ballots")
    server = None
    try:
        campaign, voters = seed(args.players)
        entry_ids = list(campaign.entries.values_list("pk", flat=True))
        port = support.free_port()
        base_url = f"http://127.0.0.1:{port}"
        extra_env = {}
        extra_env["DB_CONN_MAX_AGE"] = str(args.conn_max_age)
        server = support.start_gunicorn(
            server_url,
            port,
            workers=args.workers,
            threads=args.threads,
            log_name="bench_ballots",
            extra_env=extra_env,
            backlog=2048,
            worker_class=args.worker_class,
        )
        support.wait_until_ready(server, base_url)
        prepared = browsers(base_url, voters, entry_ids, random.Random(args.seed))
        vote_url = f"{base_url}/api/v1/campaigns/{campaign.pk}/vote"
        # CPU the server side (gunicorn and the PostgreSQL backends) spends on the ballots: a
        # figure the machine's other load does not change, unlike the latencies. With
        # persistent connections the backends exist already; new ones are counted from 0.
        pids = server_pids(server.pid)
        web_pids = server_pids(server.pid, database=False)
        cpu_before, web_before = _cpu_seconds(pids), _cpu_seconds(web_pids)
        started = time.perf_counter()
        statuses, latencies = vote_all(vote_url, prepared)
        wall = time.perf_counter() - started
        after = sorted(set(pids) | set(server_pids(server.pid)))
        cpu = _cpu_seconds(after) - cpu_before
        web_cpu = _cpu_seconds(web_pids) - web_before
        stored, duplicates, problems = verify(campaign, args.players)
        failed = [s for s in statuses if s != 201]
        errors = len(failed) + len(problems)
        print(
            f"database={connection.vendor} players={args.players} "
            f"gunicorn={args.worker_class}:{args.workers}x{args.threads} "
            f"conn_max_age={args.conn_max_age} load={os.getloadavg()[0]:.2f} "
            f"wall_s={wall:.2f} "
            f"median_ms={statistics.median(latencies):.0f} max_ms={max(latencies):.0f} "
            f"server_cpu_ms_per_ballot={cpu * 1000 / max(1, len(prepared)):.1f} "
            f"(gunicorn {web_cpu * 1000 / max(1, len(prepared)):.1f}, "
            f"database {(cpu - web_cpu) * 1000 / max(1, len(prepared)):.1f})"
        )
        if failed:
            for answer in sorted(set(map(str, failed))):
                print(f"non-201 answer x{list(map(str, failed)).count(answer)}: {answer}")
        for problem in problems:
            print(f"check failed: {problem}")
        print(
            f"stored={stored} duplicates={duplicates} errors={errors} "
            f"p95_ms={support.percentile(latencies, 0.95):.0f}"
        )
    finally:
        if server is not None:
            support.stop_server(server)
            print(f"server log: {server.log_path}")
        support.destroy_throwaway_database(old_name)


if __name__ == "__main__":
    main()
