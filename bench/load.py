"""Load test: the site under gunicorn and PostgreSQL with Locust, headless (issue 17 items 1, 6).

    .venv/bin/python bench/load.py                      # needs DATABASE_URL (PostgreSQL)
    .venv/bin/python bench/load.py --users 200 --duration 90 --locust /path/to/bin/locust

Locust is a bench dependency (bench/requirements.txt), not the app's: install it in a separate
virtualenv (it brings gevent) and pass its `locust` with `--locust` or `LOCUST`, or have it next
to this Python. It sets Django up itself and:

1. builds a throw-away database (`bench_load_<pid>` next to DATABASE_URL's PostgreSQL), runs
   `seed_demo --players 1000` (the live and closed demo campaigns come with it) and gives
   `--members` eligible players a website account and a signed-in session each;
2. serves the site with gunicorn as the image runs it (2 sync workers; `--worker-class
   gthread --workers W --threads T` to compare), DEBUG off, persistent connections
   (DB_CONN_MAX_AGE as in production);
3. phase "mix": Locust ramps to `--users` users (visitors, members, 2 health probes; see
   bench/locustfile.py) and holds them for `--duration` seconds; the line
   `users=<n> rps=<n> p95_ms=<ms> health_p95_ms=<ms> errors=<n>` follows, over every request
   but the probes' (targets: errors 0, p95 <= 3 x health p95);
4. phase "endpoint": a second throw-away database seeded with `--endpoint-players` (45, the
   legacy comparison's guild), and for each endpoint 20 Locust users with no think time for
   `--endpoint-seconds`: one line `endpoint=<name> rps=<n> p95_ms=<ms> errors=<n>
   legacy_rps=<n> legacy_p95_ms=<ms>` each (issue 17 item 6's legacy figures).

Any failed request counts in `errors`. Measure on an idle machine: Locust shares the CPUs.
"""

import argparse
import csv
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patt.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench import support  # noqa: E402

BENCH = Path(__file__).resolve().parent
# Issue 17 item 6: the legacy platform on this machine kind (20 clients, 2 workers, 45 players).
HEALTH = "/api/health"
LEGACY = {
    "health": (852, 68),
    "availability_json": (151, 273),
    "landing": (95, 391),
    "closed_vote_page": (115, 291),
    "full_roster_json": (21, 1526),
}


def find_locust(explicit: str | None) -> str:
    for candidate in (
        explicit,
        os.environ.get("LOCUST"),
        str(Path(sys.executable).parent / "locust"),
        shutil.which("locust"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit(
        "locust not found: install bench/requirements.txt in a virtualenv and pass its "
        "bin/locust with --locust (or set LOCUST)"
    )


def seed(players: int, members: int) -> dict:
    """seed_demo's guild, plus accounts and sessions for `members` eligible players."""
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

    from campaigns.models import BallotReceipt, Campaign
    from identity.models import Player

    started = time.monotonic()
    call_command("seed_demo", players=players, force=True, verbosity=0, stdout=io.StringIO())
    print(f"seed_demo --players {players}: {time.monotonic() - started:.1f}s", flush=True)
    live = Campaign.objects.filter(status="live", secret_ballot=False).order_by("pk").first()
    closed = Campaign.objects.filter(status="closed").order_by("pk").first()
    if live is None or closed is None:
        raise SystemExit("seed_demo made no live or no closed campaign")
    # Members: active players without an account, the eligible voters of the live campaign
    # who have not voted first (they cast a ballot each); the rest only browse and save.
    voted = set(BallotReceipt.objects.filter(campaign=live).values_list("player_id", flat=True))
    level = live.min_rank_to_vote.level
    pool = Player.objects.filter(is_active=True, user__isnull=True).select_related("guild_rank")
    candidates = sorted(
        pool,
        key=lambda p: (not _may_vote(p, level, voted), p.pk),
    )[:members]
    if len(candidates) < members:
        raise SystemExit(f"only {len(candidates)} active players without an account")
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"load{index:04d}", password="!load-unusable")
        for index in range(len(candidates))
    )
    for player, user in zip(candidates, users, strict=True):
        player.user = user
    Player.objects.bulk_update(candidates, ["user"])
    store = SessionStore()
    expire = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sessions = [
        Session(
            session_key=get_random_string(32),
            session_data=store.encode(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            ),
            expire_date=expire,
        )
        for user in users
    ]
    Session.objects.bulk_create(sessions)
    return {
        "live_campaign": live.pk,
        "closed_campaign": closed.pk,
        "entries": list(live.entries.values_list("pk", flat=True)),
        "picks_per_voter": live.picks_per_voter,
        "sessions": [
            {"key": session.session_key, "vote": _may_vote(player, level, voted)}
            for session, player in zip(sessions, candidates, strict=True)
        ],
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
    }


def _may_vote(player, level: int, voted: set[int]) -> bool:
    rank = player.guild_rank
    return rank is not None and rank.level >= level and player.pk not in voted


def run_locust(
    locust: str,
    base_url: str,
    setup_file: Path,
    out: Path,
    *,
    classes: list[str],
    users: int,
    spawn_rate: float,
    seconds: int,
    endpoint: str = "",
) -> dict[str, dict]:
    """Run Locust headless; return its stats rows by name (plus "Aggregated")."""
    prefix = out / (endpoint.strip("/").replace("/", "_") or "mix")
    env = {
        **os.environ,
        "PATT_LOAD_FILE": str(setup_file),
        "PATT_ENDPOINT": endpoint,
        "PATT_TIMES_FILE": f"{prefix}_times.json",
    }
    command = [
        locust,
        "-f",
        str(BENCH / "locustfile.py"),
        "--headless",
        "--host",
        base_url,
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "ERROR",
        *classes,
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 120)
    rows = {}
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise SystemExit(f"locust wrote no statistics:\n{result.stderr[-3000:]}")
    with stats.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = row
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with failures.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                print(f"  failure x{row['Occurrences']}: {row['Name']}: {row['Error'][:200]}")
    return rows


def read_times(out: Path, name: str) -> list[float]:
    path = out / f"{name}_times.json"
    return json.loads(path.read_text()) if path.exists() else []


def _num(row: dict, key: str) -> float:
    value = row.get(key, "N/A")
    return float(value) if value not in ("", "N/A") else 0.0


def summarise_mix(rows: dict[str, dict], users: int, times: list[float]) -> str:
    """The mix's line: req/s, p95 and errors over every request but the probes' (p95 from
    every response time, pooled), the probes' p95; one line per request name before it."""
    pages = {name: row for name, row in rows.items() if name not in ("Aggregated", HEALTH)}
    health = rows.get(HEALTH, {})
    errors = sum(_num(row, "Failure Count") for name, row in rows.items() if name != "Aggregated")
    rps = sum(_num(row, "Requests/s") for row in pages.values())
    for name, row in sorted(pages.items()):
        print(
            f"  {name}: n={_num(row, 'Request Count'):.0f} rps={_num(row, 'Requests/s'):.1f} "
            f"median_ms={_num(row, '50%'):.0f} p95_ms={_num(row, '95%'):.0f} "
            f"failures={_num(row, 'Failure Count'):.0f}"
        )
    p95 = support.percentile(times, 0.95) if times else 0.0
    return (
        f"users={users} rps={rps:.1f} p95_ms={p95:.0f} "
        f"health_p95_ms={_num(health, '95%'):.0f} errors={errors:.0f}"
    )


def endpoint_paths(setup: dict) -> dict[str, str]:
    return {
        "health": HEALTH,
        "availability_json": "/api/v1/guild/availability",
        "landing": "/",
        "closed_vote_page": f"/vote/{setup['closed_campaign']}",
        "full_roster_json": "/api/v1/guild/roster",
    }


def serve(server_url: str, args) -> tuple:
    port = support.free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = support.start_gunicorn(
        server_url,
        port,
        workers=args.workers,
        threads=args.threads,
        log_name="bench_load",
        extra_env={"DB_CONN_MAX_AGE": str(args.conn_max_age)},
        backlog=2048,
        worker_class=args.worker_class,
    )
    support.wait_until_ready(server, base_url)
    return server, base_url


def phase(name: str, players: int, members: int, args, locust: str, out: Path, body) -> None:
    old_name, server_url = support.create_throwaway_database(f"bench_load_{name}")
    server = None
    try:
        setup = seed(players, members)
        setup_file = out / f"{name}.json"
        setup_file.write_text(json.dumps(setup))
        server, base_url = serve(server_url, args)
        body(locust, base_url, setup, setup_file)
    finally:
        if server is not None:
            support.stop_server(server)
            print(f"server log: {server.log_path}")
        connection.close()
        support.destroy_throwaway_database(old_name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=60, help="seconds at full load")
    support.add_server_arguments(parser)
    parser.add_argument("--endpoint-players", type=int, default=45)
    parser.add_argument("--endpoint-users", type=int, default=20)
    parser.add_argument("--endpoint-seconds", type=int, default=15)
    parser.add_argument("--skip-mix", action="store_true")
    parser.add_argument("--skip-endpoints", action="store_true")
    parser.add_argument("--locust", default=None)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/load.py needs PostgreSQL: set DATABASE_URL")
    logging.disable(logging.WARNING)
    locust = find_locust(args.locust)
    out = Path(tempfile.mkdtemp(prefix="bench_load_"))
    print(
        f"gunicorn={args.worker_class}:{args.workers}x{args.threads} "
        f"conn_max_age={args.conn_max_age} "
        f"load_before={os.getloadavg()[0]:.2f} locust_csv={out}",
        flush=True,
    )
    lines = []

    def mix(locust, base_url, setup, setup_file):
        ramp = args.users / args.spawn_rate
        rows = run_locust(
            locust,
            base_url,
            setup_file,
            out,
            classes=["Visitor", "Member", "HealthProbe"],
            users=args.users,
            spawn_rate=args.spawn_rate,
            seconds=int(ramp + args.duration),
        )
        lines.append(summarise_mix(rows, args.users, read_times(out, "mix")))
        print(f"load_after_mix={os.getloadavg()[0]:.2f}")

    def endpoints(locust, base_url, setup, setup_file):
        for name, path in endpoint_paths(setup).items():
            rows = run_locust(
                locust,
                base_url,
                setup_file,
                out,
                classes=["EndpointUser"],
                users=args.endpoint_users,
                spawn_rate=args.endpoint_users,
                seconds=args.endpoint_seconds,
                endpoint=path,
            )
            row = rows.get(path, {})
            legacy_rps, legacy_p95 = LEGACY[name]
            lines.append(
                f"endpoint={name} clients={args.endpoint_users} "
                f"rps={_num(row, 'Requests/s'):.0f} p95_ms={_num(row, '95%'):.0f} "
                f"errors={_num(row, 'Failure Count'):.0f} "
                f"legacy_rps={legacy_rps} legacy_p95_ms={legacy_p95}"
            )
            print(lines[-1], flush=True)

    if not args.skip_endpoints:
        phase("ep", args.endpoint_players, 0, args, locust, out, endpoints)
    if not args.skip_mix:
        members = args.users  # never fewer sessions than Member users
        phase("mix", args.players, members, args, locust, out, mix)
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
