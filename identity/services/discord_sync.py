"""Discord member sync over REST (IDN-5, IDN-26, IDN-27) and the one member upsert rule.

`apply_member` is the IDN-27 upsert of one member onto its `DiscordUser` row; the full sync
(`sync_discord_members`) applies it in bulk, and the bot's member events
(`identity.services.member_events`) apply it to one row. Network calls (roles, then every
member page) all happen before the single write transaction.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from identity.models import DiscordUser, GuildRank, SyncRun, SyncSource, SyncTrigger
from identity.services.ranks import highest_guild_role, recompute_player_ranks
from identity.services.reconcile import announced_run, reconcile
from identity.services.sync_runs import PipelineRun, describe_run, record_skipped
from patt.discord.errors import DiscordError, MissingPermissions
from patt.discord.rest import DiscordRestClient, discord_configured

log = logging.getLogger(__name__)

NOT_CONFIGURED = (
    "Discord not configured: set DISCORD_BOT_TOKEN and the server id "
    "(SiteConfig.discord_guild_id or DISCORD_GUILD_ID)"
)
FORBIDDEN = (
    "Discord refused the member list (HTTP 403): enable the Server Members intent and check "
    "the bot is in the server"
)
EMPTY_LISTING = "Discord returned no members; nothing was changed"
BATCH_SIZE = 500

NEW, RETURNED, UPDATED, UNCHANGED = "new", "returned", "updated", "unchanged"
COUNT_KEYS = ("found", NEW, RETURNED, UPDATED, UNCHANGED, "departed")


@dataclass(frozen=True)
class MemberData:
    """One server member as plain values (from the REST listing or a gateway event)."""

    discord_id: str
    username: str
    global_name: str | None = None
    nick: str | None = None
    role_ids: Sequence[str] = ()
    joined_at: datetime | None = None
    bot: bool = False

    @classmethod
    def from_api(cls, member: dict) -> "MemberData":
        """A Discord guild member object (`user`, `nick`, `roles`, `joined_at`)."""
        user = member["user"]
        joined = member.get("joined_at")
        return cls(
            discord_id=str(user["id"]),
            username=user["username"],
            global_name=user.get("global_name"),
            nick=member.get("nick"),
            role_ids=tuple(str(role) for role in member.get("roles") or ()),
            joined_at=parse_datetime(joined) if joined else None,
            bot=bool(user.get("bot")),
        )

    @property
    def display_name(self) -> str:
        """Server nick, else global name, else username (IDN-7)."""
        return self.nick or self.global_name or self.username

    @property
    def sorted_role_ids(self) -> list[str]:
        # Discord lists roles in no stable order; sorted ids make "unchanged" mean unchanged.
        return sorted({str(role) for role in self.role_ids}, key=int)


def apply_member(
    *, row: DiscordUser | None, member: MemberData, ladder: Iterable[GuildRank], now: datetime
) -> tuple[DiscordUser, str]:
    """IDN-27: put `member` onto its row (a new unsaved one when `row` is None).

    Sets username, display_name, role_ids, highest_guild_role, last_synced_at, is_present and
    left_at; a new row also gets first_seen_at and joined_at, and joined_at is never
    overwritten (only filled when missing). Returns the row (not saved) and what happened:
    new, returned (was absent), updated (a tracked value changed) or unchanged.
    """
    best = highest_guild_role(member.role_ids, ladder=ladder)
    values = {
        "username": member.username,
        "display_name": member.display_name,
        "role_ids": member.sorted_role_ids,
        "highest_guild_role_id": best.pk if best else None,
    }
    if row is None:
        row = DiscordUser(
            discord_id=member.discord_id,
            joined_at=member.joined_at,
            first_seen_at=now,
            last_synced_at=now,
            is_present=True,
            left_at=None,
            **values,
        )
        return row, NEW
    changed = any(getattr(row, name) != value for name, value in values.items())
    returned = not row.is_present
    for name, value in values.items():
        setattr(row, name, value)
    if row.joined_at is None:
        row.joined_at = member.joined_at
    row.is_present = True
    row.left_at = None
    row.last_synced_at = now
    if returned:
        return row, RETURNED
    return row, UPDATED if changed else UNCHANGED


UPSERT_FIELDS = [
    "username",
    "display_name",
    "role_ids",
    "highest_guild_role",
    "joined_at",
    "is_present",
    "left_at",
    "last_synced_at",
]


@dataclass
class MemberSyncResult:
    """What a sync did; `run` is None for a dry run (nothing is written)."""

    run: SyncRun | None
    counts: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    status: str = ""
    error: str = ""

    @property
    def line(self) -> str:
        counts = self.counts
        parts = ", ".join(f"{counts.get(key, 0)} {key}" for key in COUNT_KEYS)
        prefix = "Dry run (nothing written): " if self.run is None else ""
        summary = f"{prefix}Discord members: {parts}" if counts else f"{prefix}Discord members"
        if self.run is not None:
            return f"{summary}\n{describe_run(self.run)}"
        return f"{summary}\n{self.status}" + (f": {self.error}" if self.error else "")


def fill_rank_role_ids(
    roles: list[dict], *, ladder: list[GuildRank], warn: Callable[[str], None], write: bool
) -> None:
    """IDN-5: a rank with no `discord_role_id` takes the one server role named like it."""
    taken = {rank.discord_role_id for rank in ladder if rank.discord_role_id}
    for rank in ladder:
        if rank.discord_role_id or not rank.discord_role_name:
            continue
        wanted = rank.discord_role_name.casefold()
        matches = [role for role in roles if str(role.get("name", "")).casefold() == wanted]
        if len(matches) != 1 or str(matches[0]["id"]) in taken:
            warn(f"No unique Discord role named '{rank.discord_role_name}' for rank {rank.name}")
            continue
        role_id = str(matches[0]["id"])
        log.info("Rank %s mapped to Discord role %s (%s)", rank.name, role_id, matches[0]["name"])
        if write:
            GuildRank.objects.filter(pk=rank.pk).update(discord_role_id=role_id)
        rank.discord_role_id = role_id
        taken.add(role_id)


# identity.signals.discord_users_created (re-exported there): sent on commit with
# `discord_user_ids` and `now` after the sync created DiscordUser rows (ONB-10's missed joins).
discord_users_created = Signal()


def write_members(
    members: list[MemberData], *, ladder: list[GuildRank], now: datetime, write: bool
) -> dict[str, int]:
    """Upsert every listed member and mark the unseen present ones departed (IDN-27).

    The caller guarantees the listing is complete and non-empty. A fixed number of queries:
    one read of all rows, then bulk writes in batches.
    """
    rows = {row.discord_id: row for row in DiscordUser.objects.all()}
    counts = dict.fromkeys(COUNT_KEYS, 0)
    counts["found"] = len(members)
    created, changed, touched = [], [], []
    for member in members:
        row, outcome = apply_member(
            row=rows.get(member.discord_id), member=member, ladder=ladder, now=now
        )
        counts[outcome] += 1
        if outcome == NEW:
            created.append(row)
        elif outcome == UNCHANGED:
            touched.append(row.pk)
        else:
            changed.append(row)
    seen = {member.discord_id for member in members}
    departed = [row.pk for row in rows.values() if row.is_present and row.discord_id not in seen]
    counts["departed"] = len(departed)
    if write:
        DiscordUser.objects.bulk_create(created, batch_size=BATCH_SIZE)
        if created:
            _announce_created([row.discord_id for row in created], now=now)
        DiscordUser.objects.bulk_update(changed, UPSERT_FIELDS, batch_size=BATCH_SIZE)
        for start in range(0, len(touched), BATCH_SIZE):
            DiscordUser.objects.filter(pk__in=touched[start : start + BATCH_SIZE]).update(
                last_synced_at=now
            )
        for start in range(0, len(departed), BATCH_SIZE):
            DiscordUser.objects.filter(pk__in=departed[start : start + BATCH_SIZE]).update(
                is_present=False, left_at=now
            )
    return counts


def _announce_created(discord_ids: list[str], *, now: datetime) -> None:
    """Tell listeners (onboarding's missed joins, ONB-10) about new Discord users, once the
    rows are committed; a rolled-back sync announces nothing."""
    transaction.on_commit(
        lambda: discord_users_created.send(
            sender=DiscordUser, discord_user_ids=discord_ids, now=now
        )
    )


def sync_discord_members(
    *,
    trigger: str = SyncTrigger.COMMAND,
    dry_run: bool = False,
    client: DiscordRestClient | None = None,
    post: bool = True,
    queued_run: int | None = None,
) -> MemberSyncResult:
    """IDN-26/27 (with IDN-5 and IDN-15): the Discord member pipeline over REST.

    Not configured → a `skipped` run. Roles, then every member page are fetched outside any
    transaction; a failed or empty listing changes nothing (`error`); a 403 names the Server
    Members intent. Then one transaction fills rank role ids, upserts members, records
    departures and recomputes player ranks into `details.rank_changes`. A dry run fetches and
    computes but writes nothing, not even a SyncRun. `queued_run`: the admin button's `queued`
    row, which becomes this run's.
    """
    if client is None and not discord_configured():
        if dry_run:
            return MemberSyncResult(run=None, status="skipped", error=NOT_CONFIGURED)
        skipped = record_skipped(
            source=SyncSource.DISCORD_MEMBERS,
            trigger=trigger,
            reason=NOT_CONFIGURED,
            queued_run=queued_run,
        )
        return MemberSyncResult(run=skipped, status=skipped.status, error=skipped.error)
    if dry_run:
        return _dry_run(client)
    # IDN-41/42: announced however the run ends, also when it raises.
    with announced_run(
        source=SyncSource.DISCORD_MEMBERS,
        trigger=trigger,
        post=post,
        client=client,
        queued_run=queued_run,
    ) as run:
        if not run.skipped:
            _run_pipeline(run, client, post=post)
    record = run.record
    return MemberSyncResult(
        run=record,
        counts=record.counts,
        details=record.details,
        status=record.status,
        error=record.error,
    )


def _fetch(client: DiscordRestClient | None) -> tuple[list[dict], list[MemberData]]:
    """Roles and every member page; raises `DiscordError` unless every page came back."""
    own = client is None
    client = client or DiscordRestClient()
    try:
        roles = client.list_guild_roles()
        members = [MemberData.from_api(member) for member in client.list_guild_members()]
    finally:
        if own:
            client.close()
    return roles, [member for member in members if not member.bot]


def _fetch_error(exc: DiscordError) -> str:
    if isinstance(exc, MissingPermissions) or exc.status == 403:
        return FORBIDDEN
    return f"Discord member list failed: {exc}"


def _run_pipeline(run: PipelineRun, client: DiscordRestClient | None, *, post: bool) -> None:
    try:
        roles, members = _fetch(client)
    except DiscordError as exc:
        run.fail(_fetch_error(exc))
        return
    if not members:
        run.fail(EMPTY_LISTING)
        return
    now = timezone.now()
    with transaction.atomic():
        ladder = list(GuildRank.objects.select_for_update())
        fill_rank_role_ids(roles, ladder=ladder, warn=run.warn, write=True)
        run.counts.update(write_members(members, ladder=ladder, now=now, write=True))
        recompute_player_ranks(run_details=run.details)
    reconcile(run=run, post=post, client=client)  # IDN-44/45: reconcile follows the write


def _dry_run(client: DiscordRestClient | None) -> MemberSyncResult:
    result = MemberSyncResult(run=None, status="success")
    try:
        roles, members = _fetch(client)
    except DiscordError as exc:
        result.status, result.error = "error", _fetch_error(exc)
        return result
    if not members:
        result.status, result.error = "error", EMPTY_LISTING
        return result
    ladder = list(GuildRank.objects.all())

    def warn(message: str) -> None:
        result.details.setdefault("warnings", []).append(message)

    fill_rank_role_ids(roles, ladder=ladder, warn=warn, write=False)
    result.counts = write_members(members, ladder=ladder, now=timezone.now(), write=False)
    return result
