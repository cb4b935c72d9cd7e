"""`manage.py seed_demo [--players N]`: a deterministic, idempotent PATT demo guild.

The guild itself is built and written by `patt.demo`; this command checks it may run, prints
progress for large guilds and ends with the demo logins and a summary.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from patt.demo import (
    DEFAULT_PLAYERS,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    MEMBER_USERNAME,
    OFFICER_USERNAME,
    build_plan,
    seed_demo_guild,
)
from patt.demo.campaigns import seed_demo_campaigns
from patt.demo.quotes import seed_demo_quotes
from patt.demo.roster import seed_demo_roster
from patt.demo.uploads import seed_demo_upload_token

# Progress lines only help when a run takes a noticeable time (the benchmark guild).
PROGRESS_FROM_PLAYERS = 200


class Command(BaseCommand):
    help = (
        "Create or refresh the demo guild: players, characters on several realms, Discord "
        "users, notes, audit issues and demo logins. Same options, same guild; safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--players",
            type=int,
            default=DEFAULT_PLAYERS,
            help=f"number of players (default {DEFAULT_PLAYERS}; the PATT core is always made)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="random seed of the generated players (default: fixed)",
        )
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help="password of the demo accounts, used only when they are created",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even when DEBUG is off",
        )

    def handle(self, *args, players, seed, password, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo writes demo data; refusing on a production database (use --force)"
            )
        if players < 0:
            raise CommandError("--players must be 0 or more.")
        verbosity = options["verbosity"]
        started = time.monotonic()
        plan = build_plan(players=players, seed=seed)
        progress = None
        if verbosity >= 1 and len(plan.players) >= PROGRESS_FROM_PLAYERS:

            def progress(label: str, done: int, total: int) -> None:
                self.stdout.write(f"{label}: {done}/{total}")

        result = seed_demo_guild(plan, password=password, progress=progress)
        campaigns = seed_demo_campaigns()
        roster = seed_demo_roster()
        quotes = seed_demo_quotes()
        upload_token = seed_demo_upload_token()
        elapsed = time.monotonic() - started

        admin_url = f"{settings.SITE_URL}/admin/"
        for username, created in (
            (OFFICER_USERNAME, result.officer_created),
            (MEMBER_USERNAME, result.member_created),
        ):
            role = "officer" if username == OFFICER_USERNAME else "member"
            note = "" if created else "  [existing account: password unchanged]"
            where = f"  ({admin_url})" if username == OFFICER_USERNAME else ""
            self.stdout.write(f"Demo {role} login: {username} / {password}{where}{note}")
        if result.sample_invite:
            code, username = result.sample_invite
            self.stdout.write(
                f"Try registering: {settings.SITE_URL}/register?code={code} "
                f"(Discord username: {username}; any password of 8+ characters)"
            )
        self.stdout.write(campaigns.line)
        self.stdout.write(roster.line)
        self.stdout.write(quotes.line)
        self.stdout.write(upload_token.line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo guild ready in {elapsed:.1f}s: {result.players} players "
                f"({', '.join(result.ranks)}), {result.characters} characters "
                f"({result.in_guild} in the guild, {result.unlinked_in_guild} unlinked) on "
                f"{result.realms} realms, {result.discord_users} Discord users "
                f"({result.discord_orphans} without a player), {result.open_issues} open audit "
                f"issues, {result.sync_runs} sync runs, {result.valid_invites} valid invites."
            )
        )
