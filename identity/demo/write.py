"""`seed_demo_guild`: write a plan in one transaction, idempotently, and say what is there.

The rows go in through the bulk upserts of `upserts` and `audit`; this module adds what the
writer must not repeat on a second run: ladder role ids only where blank, demo accounts whose
password is set only on creation, and invites only where no valid one exists. Timestamps are
relative to now. Player ranks end with `recompute_player_ranks()`, the one implementation of
IDN-14.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from identity.demo.audit import ensure_sync_runs, issue_rows, upsert_issues
from identity.demo.core import LADDER_ROLE_IDS
from identity.demo.plan import MEMBER_USERNAME, OFFICER_USERNAME, GuildPlan
from identity.demo.upserts import (
    Progress,
    upsert_characters,
    upsert_discord_users,
    upsert_links,
    upsert_players,
)
from identity.models import AuditIssue, GuildRank, InviteCode, Player, SyncRun
from identity.services.accounts import sync_officer_access_for_players
from identity.services.invites import create_invite
from identity.services.ranks import recompute_player_ranks

DEMO_PASSWORD = "salt-all-the-things"


@dataclass
class SeedResult:
    """What `seed_demo_guild` left in the database, for the command's summary."""

    players: int
    characters: int
    in_guild: int
    unlinked_in_guild: int
    discord_users: int
    discord_orphans: int
    ranks: list[str]
    realms: int
    open_issues: int
    sync_runs: int
    valid_invites: int
    # (code, Discord username) of one valid invite of a plain member, so a newcomer can try
    # registering.
    sample_invite: tuple[str, str] | None
    officer_created: bool
    member_created: bool


def seed_demo_guild(
    plan: GuildPlan,
    *,
    password: str = DEMO_PASSWORD,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> SeedResult:
    """Write `plan` idempotently in one transaction; return what the database now holds."""
    now = now or timezone.now()
    with transaction.atomic():
        ladder = _ensure_ladder_role_ids()
        discord_users = upsert_discord_users(plan.discord_users, ladder, now, progress)
        characters = upsert_characters(plan.characters, ladder, now, progress)
        players = upsert_players(plan.players, ladder, discord_users, characters, now)
        if progress:
            progress("Players", len(players), len(plan.players))
        planned = list(zip(plan.players, players, strict=True))
        # The demo officer (Shodoom) made the manual links and issued the invites.
        officer = next(player for pp, player in planned if pp.account == OFFICER_USERNAME)
        upsert_links(plan.players, players, characters, officer, now)
        created = {
            pp.account: _ensure_account(pp.account, player, password)
            for pp, player in planned
            if pp.account
        }
        # IDN-14/15: ranks follow the characters; the staff rule follows the ranks.
        recompute_player_ranks()
        sync_officer_access_for_players(player_ids=[p.pk for p in players if p.user_id])
        invitees = [player for pp, player in planned if pp.invite]
        _ensure_invites(invitees, created_by=officer, now=now)
        upsert_issues(issue_rows(plan, players, discord_users, characters, now))
        ensure_sync_runs(plan, now)

    player_ids = [p.pk for p in players]
    valid_invites = InviteCode.objects.filter(player__pk__in=player_ids).valid(now)
    # The invite printed for newcomers: a plain member's, never an officer's, so trying it
    # gives no admin or planner access (ACC-35). An older database may still hold a valid
    # officer invite from an earlier demo; it is never the one printed.
    sample = (
        valid_invites.filter(
            player__discord_user__isnull=False,
            player__user__isnull=True,
            player__is_active=True,
            player__guild_rank__level__lt=GuildRank.OFFICER_LEVEL,
        )
        .order_by("player__guild_rank__level", "player__display_name")
        .values_list("code", "player__discord_user__username")
        .first()
    )
    ranks = GuildRank.objects.filter(players__pk__in=player_ids).distinct().order_by("-level")
    return SeedResult(
        players=len(players),
        characters=len(characters),
        in_guild=sum(1 for c in characters.values() if c.in_guild),
        unlinked_in_guild=sum(1 for c in plan.orphan_characters if c.in_guild),
        discord_users=len(discord_users),
        discord_orphans=len(plan.orphan_discord_users),
        ranks=[rank.name for rank in ranks],
        realms=len({c.realm_slug for c in plan.characters}),
        open_issues=AuditIssue.objects.filter(resolved_at__isnull=True).count(),
        sync_runs=SyncRun.objects.count(),
        valid_invites=valid_invites.count(),
        sample_invite=sample,
        officer_created=created.get(OFFICER_USERNAME, False),
        member_created=created.get(MEMBER_USERNAME, False),
    )


def _ensure_ladder_role_ids() -> list[GuildRank]:
    """Give ladder ranks demo Discord role ids, only where the id is blank (IDN-5)."""
    ladder = list(GuildRank.objects.all())
    used = {rank.discord_role_id for rank in ladder if rank.discord_role_id}
    for rank in ladder:
        demo_id = LADDER_ROLE_IDS.get(rank.wow_rank_index)
        if not rank.discord_role_id and demo_id and demo_id not in used:
            GuildRank.objects.filter(pk=rank.pk).update(discord_role_id=demo_id)
            rank.discord_role_id = demo_id
            used.add(demo_id)
    return ladder


def _ensure_account(username: str, player: Player, password: str) -> bool:
    """A demo website account linked to `player`; the password is set only on creation."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    if player.user_id != user.pk:
        Player.objects.filter(user=user).exclude(pk=player.pk).update(user=None)
        player.user = user
        player.save(update_fields=["user", "updated_at"])
    return created


def _ensure_invites(players: list[Player], *, created_by: Player, now: datetime) -> None:
    """An invite (IDN-16) for each player without an account, unless a valid one exists.

    Codes come from `create_invite` like every code in the product; not re-issuing a valid
    code keeps a second run from expiring the first one.
    """
    has_valid = set(
        InviteCode.objects.filter(player__in=players).valid(now).values_list("player_id", flat=True)
    )
    for player in players:
        if player.user_id is None and player.pk not in has_valid:
            create_invite(player, created_by=created_by)
