"""Identity's steps of `manage.py seed_demo` (registered as `DemoBuilder`s in
identity/contributions.py): the demo guild itself, first, and the companion's upload token."""

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from identity.demo.generate import DEFAULT_PLAYERS, DEFAULT_SEED, build_plan
from identity.demo.plan import MEMBER_USERNAME, OFFICER_USERNAME
from identity.demo.uploads import seed_demo_upload_token
from identity.demo.write import DEMO_PASSWORD, seed_demo_guild
from patt.registry import DemoOption, DemoReport

# Progress lines only help when a run takes a noticeable time (the benchmark guild).
PROGRESS_FROM_PLAYERS = 200

GUILD_OPTIONS = (
    DemoOption(
        "players",
        type=int,
        default=DEFAULT_PLAYERS,
        help=f"number of players (default {DEFAULT_PLAYERS}; the PATT core is always made)",
    ),
    DemoOption(
        "seed",
        type=int,
        default=DEFAULT_SEED,
        help="random seed of the generated players (default: fixed)",
    ),
    DemoOption(
        "password",
        default=DEMO_PASSWORD,
        help="password of the demo accounts, used only when they are created",
    ),
)


def build_guild(
    options: Mapping[str, Any], progress: Callable[[str, int, int], None] | None
) -> DemoReport:
    """The demo guild (IDN-51 core plus generated players), its logins and sample invite."""
    players, password = options["players"], options["password"]
    if players < 0:
        raise CommandError("--players must be 0 or more.")
    plan = build_plan(players=players, seed=options["seed"])
    if len(plan.players) < PROGRESS_FROM_PLAYERS:
        progress = None
    result = seed_demo_guild(plan, password=password, progress=progress)

    lines = []
    admin_url = f"{settings.SITE_URL}/admin/"
    for username, created in (
        (OFFICER_USERNAME, result.officer_created),
        (MEMBER_USERNAME, result.member_created),
    ):
        role = "officer" if username == OFFICER_USERNAME else "member"
        note = "" if created else "  [existing account: password unchanged]"
        where = f"  ({admin_url})" if username == OFFICER_USERNAME else ""
        lines.append(f"Demo {role} login: {username} / {password}{where}{note}")
    if result.sample_invite:
        code, username = result.sample_invite
        lines.append(
            f"Try registering: {settings.SITE_URL}/register?code={code} "
            f"(Discord username: {username}; any password of 8+ characters)"
        )
    summary = (
        f"{result.players} players "
        f"({', '.join(result.ranks)}), {result.characters} characters "
        f"({result.in_guild} in the guild, {result.unlinked_in_guild} unlinked) on "
        f"{result.realms} realms, {result.discord_users} Discord users "
        f"({result.discord_orphans} without a player), {result.open_issues} open audit "
        f"issues, {result.sync_runs} sync runs, {result.valid_invites} valid invites."
    )
    return DemoReport(lines=tuple(lines), summary=summary)


def build_upload_token(options: Mapping[str, Any], progress) -> DemoReport:
    """UPL-2: the demo officer's companion upload token, its secret shown once."""
    return DemoReport(lines=(seed_demo_upload_token().line,))
