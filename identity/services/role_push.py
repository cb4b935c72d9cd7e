"""Role push: each player's guild rank onto their Discord roles (IDN-29), a step of reconcile.

Who: active players with a present Discord user, a rank that has a `discord_role_id`, and at
least one confirmed character link or a `manual` rank. For each: add the rank's role when no
held ladder role is it; remove every other held ladder role, except Officer+ ones, which are
never removed automatically (the integrity check reports them as critical role_mismatch).
Non-ladder roles are never touched. The add comes first, and the old ladder roles are removed
only after it succeeded: a refused add leaves them in place (issue 11 item 3).

Writes happen only when `SiteConfig.discord_role_writes_enabled` is on; otherwise (and when
Discord is not configured) the same lists are reported as would_add / would_remove and no call
is made. The calls are network calls, so this runs outside any transaction: each success is
saved on its own (`role_ids`, `highest_guild_role`), and a failed call is counted, never
raised.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet

from identity.models import DiscordUser, GuildRank, Player, PlayerCharacter, RankSource
from identity.services.ranks import highest_guild_role
from patt.discord.errors import DiscordError
from patt.discord.rest import DiscordRestClient, discord_configured
from patt.models import SiteConfig

log = logging.getLogger(__name__)

COUNT_KEYS = ("role_adds", "role_removals", "role_errors")
NOT_CONFIGURED = (
    "Discord role writes are on but Discord is not configured (set DISCORD_BOT_TOKEN and the "
    "server id); roles were only reported, nothing was written"
)


def audit_log_reason(rank: GuildRank) -> str:
    """The `X-Audit-Log-Reason` of every role write for a player of `rank` (IDN-29)."""
    return f"Guild rank sync: {rank.name}"


@dataclass
class RolePushResult:
    """What one push did (writes on) or would do (writes off, or Discord not configured)."""

    writes_enabled: bool
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    # Writes on: {"discord_id", "added", "removed"} (what succeeded), plus "kept" (the old
    # ladder roles left in place because the add failed); writes off: {"discord_id",
    # "would_add", "would_remove"}. One entry per member with a change.
    changes: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line per failed call, no secrets

    def record_into(self, counts: dict, details: dict) -> None:
        """Merge into a SyncRun's `counts` and `details` (IDN-29): role_changes, role_errors."""
        for key in COUNT_KEYS:
            counts[key] = counts.get(key, 0) + self.counts.get(key, 0)
        details.setdefault("role_changes", []).extend(dict(change) for change in self.changes)
        if self.errors:
            details.setdefault("role_errors", []).extend(self.errors)

    def stats_line(self) -> str:
        if self.writes_enabled:
            counts = self.counts
            return (
                f"Role push: {counts['role_adds']} added, {counts['role_removals']} removed, "
                f"{counts['role_errors']} errors"
            )
        would_add = sum(len(change["would_add"]) for change in self.changes)
        would_remove = sum(len(change["would_remove"]) for change in self.changes)
        line = f"Role push (report only): would add {would_add}, would remove {would_remove}"
        return "; ".join([line, *self.errors])


@dataclass(frozen=True)
class _Plan:
    """One member's role changes, toward the role of `rank`."""

    discord_user: DiscordUser
    rank: GuildRank
    add: tuple[str, ...]
    remove: tuple[str, ...]


def push_roles(*, client: DiscordRestClient | None = None) -> RolePushResult:
    """IDN-29: bring the Discord roles of the push population in line with their ranks.

    Reads with a fixed number of queries. Writes only with `discord_role_writes_enabled` on
    and a client (the one passed, else one built from settings and closed afterwards); with
    writes on and Discord not configured, reports only and says why in `errors`. Must be
    called outside any transaction.
    """
    ladder = list(GuildRank.objects.all())
    plans = _plans(ladder)
    if not SiteConfig.get().discord_role_writes_enabled:
        return _report_only(plans)
    if client is None and not discord_configured():
        log.warning("Role push: %s", NOT_CONFIGURED)
        return _report_only(plans, errors=[NOT_CONFIGURED])
    result = RolePushResult(writes_enabled=True)
    if not plans:
        return result
    own_client = client is None
    client = client or DiscordRestClient()
    try:
        role_names = {rank.discord_role_id: rank.name for rank in ladder if rank.discord_role_id}
        for plan in plans:
            _apply(plan, client, ladder, role_names, result)
    finally:
        if own_client:
            client.close()
    log.info("%s", result.stats_line())
    return result


def _population() -> QuerySet[Player]:
    """IDN-29 "who": active, present Discord user, rank with a role, confirmed link or manual."""
    confirmed_link = PlayerCharacter.objects.filter(player=OuterRef("pk"), confirmed=True)
    return (
        Player.objects.filter(
            is_active=True, discord_user__is_present=True, guild_rank__isnull=False
        )
        .exclude(guild_rank__discord_role_id="")
        .filter(Q(rank_source=RankSource.MANUAL) | Q(Exists(confirmed_link)))
        .select_related("discord_user", "guild_rank")
        .order_by("pk")
    )


def _plans(ladder: list[GuildRank]) -> list[_Plan]:
    ladder_roles = {rank.discord_role_id for rank in ladder if rank.discord_role_id}
    officer_roles = {rank.discord_role_id for rank in ladder if rank.is_officer} & ladder_roles
    plans = []
    for player in _population():
        user, rank = player.discord_user, player.guild_rank
        assert user is not None and rank is not None  # _population filters on both
        held = {str(role_id) for role_id in user.role_ids or []} & ladder_roles
        wanted = {rank.discord_role_id}
        add = wanted - held
        # Officer+ roles are only ever taken away by a person (IDN-29).
        remove = held - wanted - officer_roles
        if add or remove:
            plans.append(_Plan(user, rank, _ordered(add), _ordered(remove)))
    return plans


def _report_only(plans: list[_Plan], *, errors: list[str] | None = None) -> RolePushResult:
    changes = [
        {
            "discord_id": plan.discord_user.discord_id,
            "would_add": list(plan.add),
            "would_remove": list(plan.remove),
        }
        for plan in plans
    ]
    return RolePushResult(writes_enabled=False, changes=changes, errors=list(errors or []))


def _apply(
    plan: _Plan,
    client: DiscordRestClient,
    ladder: list[GuildRank],
    role_names: dict[str, str],
    result: RolePushResult,
) -> None:
    """Add the rank's role first; remove the old ladder roles only once every add succeeded.

    A refused add (403: the role is above the bot's, an unknown member, an outage) leaves
    the old ladder roles in place, so nobody is left without a guild role: the failure is
    counted in `role_errors` and the roles kept are listed as `kept` in the member's change.
    """

    def write(role_id: str, adding: bool) -> bool:
        return _write_role(plan, role_id, adding, client, ladder, role_names, result)

    added = [role_id for role_id in plan.add if write(role_id, True)]
    removed, kept = [], []
    if len(added) == len(plan.add):
        removed = [role_id for role_id in plan.remove if write(role_id, False)]
    elif plan.remove:
        kept = list(plan.remove)
        log.warning(
            "Role push: kept %s on %s: the role of rank %s could not be added",
            ", ".join(role_names.get(role_id, role_id) for role_id in kept),
            plan.discord_user.username,
            plan.rank.name,
        )
    if added or removed or kept:
        change = {"discord_id": plan.discord_user.discord_id, "added": added, "removed": removed}
        if kept:
            change["kept"] = kept
        result.changes.append(change)


def _write_role(
    plan: _Plan,
    role_id: str,
    adding: bool,
    client: DiscordRestClient,
    ladder: list[GuildRank],
    role_names: dict[str, str],
    result: RolePushResult,
) -> bool:
    """One PUT or DELETE; a success is saved and counted, a failure counted. True on success."""
    user = plan.discord_user
    reason = audit_log_reason(plan.rank)
    call = client.add_member_role if adding else client.remove_member_role
    try:
        call(user.discord_id, role_id, reason=reason)
    except DiscordError as exc:
        result.counts["role_errors"] += 1
        verb, preposition = ("add", "to") if adding else ("remove", "from")
        line = (
            f"Could not {verb} role {role_names.get(role_id, role_id)} ({role_id}) "
            f"{preposition} {user.username} ({user.discord_id}): {exc}"
        )
        result.errors.append(line)
        log.warning("Role push: %s", line)
        return False
    held = {str(held_id) for held_id in user.role_ids or []}
    held = held | {role_id} if adding else held - {role_id}
    _save_roles(user, _ordered(held), ladder)
    result.counts["role_adds" if adding else "role_removals"] += 1
    log.info(
        "Role push: %s role %s %s %s (%s)",
        "added" if adding else "removed",
        role_names.get(role_id, role_id),
        "to" if adding else "from",
        user.username,
        reason,
    )
    return True


def _save_roles(user: DiscordUser, role_ids: tuple[str, ...], ladder: list[GuildRank]) -> None:
    """Record one successful call at once: the next call may fail or the run may stop."""
    best = highest_guild_role(role_ids, ladder=ladder)
    user.role_ids = list(role_ids)
    user.highest_guild_role = best
    DiscordUser.objects.filter(pk=user.pk).update(role_ids=user.role_ids, highest_guild_role=best)


def _ordered(role_ids: Iterable[str]) -> tuple[str, ...]:
    """Snowflake order (as the member sync stores `role_ids`), without failing on odd ids."""
    return tuple(sorted(role_ids, key=lambda role_id: (len(role_id), role_id)))
